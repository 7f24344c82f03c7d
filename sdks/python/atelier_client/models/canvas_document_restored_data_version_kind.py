from enum import StrEnum


class CanvasDocumentRestoredDataVersionKind(StrEnum):
    BEFORE_RESTORE = "before_restore"
    NAMED = "named"
    PERIODIC = "periodic"

    def __str__(self) -> str:
        return str(self.value)
