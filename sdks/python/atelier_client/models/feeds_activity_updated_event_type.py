from enum import StrEnum


class FeedsActivityUpdatedEventType(StrEnum):
    FEEDS_ACTIVITY_UPDATED = "feeds.activity.updated"

    def __str__(self) -> str:
        return str(self.value)
