from enum import StrEnum


class CanvasDocumentVersionCreatedEventType(StrEnum):
    CANVAS_DOCUMENT_VERSION_CREATED = "canvas.document.version.created"

    def __str__(self) -> str:
        return str(self.value)
