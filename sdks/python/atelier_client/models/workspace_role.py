from enum import StrEnum


class WorkspaceRole(StrEnum):
    ADMIN = "admin"
    GUEST = "guest"
    MEMBER = "member"
    OWNER = "owner"

    def __str__(self) -> str:
        return str(self.value)
