from enum import StrEnum


class CanvasDocumentDeletedEventType(StrEnum):
    CANVAS_DOCUMENT_DELETED = "canvas.document.deleted"

    def __str__(self) -> str:
        return str(self.value)
