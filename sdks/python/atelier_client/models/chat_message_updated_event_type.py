from enum import StrEnum


class ChatMessageUpdatedEventType(StrEnum):
    CHAT_MESSAGE_UPDATED = "chat.message.updated"

    def __str__(self) -> str:
        return str(self.value)
