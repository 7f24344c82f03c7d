from enum import StrEnum


class ScheduledMessageStatus(StrEnum):
    CANCELLED = "cancelled"
    CLAIMED = "claimed"
    FAILED = "failed"
    PENDING = "pending"
    SENT = "sent"

    def __str__(self) -> str:
        return str(self.value)
