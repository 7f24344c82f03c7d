from enum import StrEnum


class FeedsFollowCreatedEventType(StrEnum):
    FEEDS_FOLLOW_CREATED = "feeds.follow.created"

    def __str__(self) -> str:
        return str(self.value)
