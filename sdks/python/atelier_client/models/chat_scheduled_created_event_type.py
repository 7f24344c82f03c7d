from enum import StrEnum


class ChatScheduledCreatedEventType(StrEnum):
    CHAT_SCHEDULED_CREATED = "chat.scheduled.created"

    def __str__(self) -> str:
        return str(self.value)
