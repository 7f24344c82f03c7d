from enum import StrEnum


class ChatChannelUpdatedDataChangedItem(StrEnum):
    ARCHIVED = "archived"
    FROZEN = "frozen"
    NAME = "name"
    SLOW_MODE_SECONDS = "slow_mode_seconds"
    TOPIC = "topic"

    def __str__(self) -> str:
        return str(self.value)
