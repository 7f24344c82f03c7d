from enum import StrEnum


class CanvasDocumentCreatedEventType(StrEnum):
    CANVAS_DOCUMENT_CREATED = "canvas.document.created"

    def __str__(self) -> str:
        return str(self.value)
