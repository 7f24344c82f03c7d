from enum import StrEnum


class IdentityMemberRemovedEventType(StrEnum):
    IDENTITY_MEMBER_REMOVED = "identity.member.removed"

    def __str__(self) -> str:
        return str(self.value)
