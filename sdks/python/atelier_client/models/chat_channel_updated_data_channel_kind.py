from enum import StrEnum


class ChatChannelUpdatedDataChannelKind(StrEnum):
    DIRECT = "direct"
    PRIVATE = "private"
    PUBLIC = "public"

    def __str__(self) -> str:
        return str(self.value)
