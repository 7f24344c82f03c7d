from enum import StrEnum


class SetChannelMemberRoleType1(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    OWNER = "owner"

    def __str__(self) -> str:
        return str(self.value)
