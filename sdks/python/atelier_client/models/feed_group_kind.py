from enum import StrEnum


class FeedGroupKind(StrEnum):
    FLAT = "flat"

    def __str__(self) -> str:
        return str(self.value)
