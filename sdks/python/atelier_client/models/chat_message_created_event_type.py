from enum import StrEnum


class ChatMessageCreatedEventType(StrEnum):
    CHAT_MESSAGE_CREATED = "chat.message.created"

    def __str__(self) -> str:
        return str(self.value)
