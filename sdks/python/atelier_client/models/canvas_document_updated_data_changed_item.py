from enum import StrEnum


class CanvasDocumentUpdatedDataChangedItem(StrEnum):
    ARCHIVED = "archived"
    CONTENT = "content"
    DESCRIPTION = "description"
    NAME = "name"
    ROOTS = "roots"

    def __str__(self) -> str:
        return str(self.value)
