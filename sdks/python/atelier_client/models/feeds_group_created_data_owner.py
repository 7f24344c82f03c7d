from enum import StrEnum


class FeedsGroupCreatedDataOwner(StrEnum):
    BACKEND = "backend"
    USER = "user"
    WORKSPACE = "workspace"

    def __str__(self) -> str:
        return str(self.value)
