from enum import StrEnum


class ChatMessageDeletedEventType(StrEnum):
    CHAT_MESSAGE_DELETED = "chat.message.deleted"

    def __str__(self) -> str:
        return str(self.value)
