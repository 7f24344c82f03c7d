from enum import StrEnum


class IdentityUserCreatedEventType(StrEnum):
    IDENTITY_USER_CREATED = "identity.user.created"

    def __str__(self) -> str:
        return str(self.value)
