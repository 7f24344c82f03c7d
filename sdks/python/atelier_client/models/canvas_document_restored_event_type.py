from enum import StrEnum


class CanvasDocumentRestoredEventType(StrEnum):
    CANVAS_DOCUMENT_RESTORED = "canvas.document.restored"

    def __str__(self) -> str:
        return str(self.value)
