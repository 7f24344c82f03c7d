from enum import StrEnum


class ChannelRole(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    OWNER = "owner"

    def __str__(self) -> str:
        return str(self.value)
