from enum import StrEnum


class ChatMessageUpdatedDataChangedItem(StrEnum):
    PINNED = "pinned"
    TEXT = "text"
    THREAD = "thread"

    def __str__(self) -> str:
        return str(self.value)
