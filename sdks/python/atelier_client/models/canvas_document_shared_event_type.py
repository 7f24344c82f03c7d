from enum import StrEnum


class CanvasDocumentSharedEventType(StrEnum):
    CANVAS_DOCUMENT_SHARED = "canvas.document.shared"

    def __str__(self) -> str:
        return str(self.value)
