from enum import StrEnum


class CreateApiKeyScopeType3Type1(StrEnum):
    FULL = "full"
    READ_ONLY = "read_only"

    def __str__(self) -> str:
        return str(self.value)
