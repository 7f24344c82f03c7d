from enum import StrEnum


class FeedOwner(StrEnum):
    BACKEND = "backend"
    USER = "user"
    WORKSPACE = "workspace"

    def __str__(self) -> str:
        return str(self.value)
