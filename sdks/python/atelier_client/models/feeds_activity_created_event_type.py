from enum import StrEnum


class FeedsActivityCreatedEventType(StrEnum):
    FEEDS_ACTIVITY_CREATED = "feeds.activity.created"

    def __str__(self) -> str:
        return str(self.value)
