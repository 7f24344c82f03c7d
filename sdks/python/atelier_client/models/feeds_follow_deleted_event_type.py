from enum import StrEnum


class FeedsFollowDeletedEventType(StrEnum):
    FEEDS_FOLLOW_DELETED = "feeds.follow.deleted"

    def __str__(self) -> str:
        return str(self.value)
