from enum import StrEnum


class ChatReadUpdatedEventType(StrEnum):
    CHAT_READ_UPDATED = "chat.read.updated"

    def __str__(self) -> str:
        return str(self.value)
