from enum import StrEnum


class FeedsActivityDeletedEventType(StrEnum):
    FEEDS_ACTIVITY_DELETED = "feeds.activity.deleted"

    def __str__(self) -> str:
        return str(self.value)
