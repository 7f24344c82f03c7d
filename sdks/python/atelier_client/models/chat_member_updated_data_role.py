from enum import StrEnum


class ChatMemberUpdatedDataRole(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    OWNER = "owner"

    def __str__(self) -> str:
        return str(self.value)
