from enum import StrEnum


class CanvasDocumentUpdatedEventType(StrEnum):
    CANVAS_DOCUMENT_UPDATED = "canvas.document.updated"

    def __str__(self) -> str:
        return str(self.value)
