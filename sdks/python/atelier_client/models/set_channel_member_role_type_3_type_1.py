from enum import StrEnum


class SetChannelMemberRoleType3Type1(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    OWNER = "owner"

    def __str__(self) -> str:
        return str(self.value)
