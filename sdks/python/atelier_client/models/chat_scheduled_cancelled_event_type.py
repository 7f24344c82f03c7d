from enum import StrEnum


class ChatScheduledCancelledEventType(StrEnum):
    CHAT_SCHEDULED_CANCELLED = "chat.scheduled.cancelled"

    def __str__(self) -> str:
        return str(self.value)
