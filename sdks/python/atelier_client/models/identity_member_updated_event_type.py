from enum import StrEnum


class IdentityMemberUpdatedEventType(StrEnum):
    IDENTITY_MEMBER_UPDATED = "identity.member.updated"

    def __str__(self) -> str:
        return str(self.value)
