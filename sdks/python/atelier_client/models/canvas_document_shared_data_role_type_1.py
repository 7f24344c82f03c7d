from enum import StrEnum


class CanvasDocumentSharedDataRoleType1(StrEnum):
    COMMENTER = "commenter"
    EDITOR = "editor"
    OWNER = "owner"
    VIEWER = "viewer"

    def __str__(self) -> str:
        return str(self.value)
