from enum import StrEnum


class FeedsGroupCreatedDataKind(StrEnum):
    FLAT = "flat"

    def __str__(self) -> str:
        return str(self.value)
