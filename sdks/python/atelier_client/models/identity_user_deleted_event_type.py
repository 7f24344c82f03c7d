from enum import StrEnum


class IdentityUserDeletedEventType(StrEnum):
    IDENTITY_USER_DELETED = "identity.user.deleted"

    def __str__(self) -> str:
        return str(self.value)
