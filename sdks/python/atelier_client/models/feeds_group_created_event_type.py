from enum import StrEnum


class FeedsGroupCreatedEventType(StrEnum):
    FEEDS_GROUP_CREATED = "feeds.group.created"

    def __str__(self) -> str:
        return str(self.value)
