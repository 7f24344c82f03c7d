from enum import StrEnum


class IdentityLoginRevokedEventType(StrEnum):
    IDENTITY_LOGIN_REVOKED = "identity.login.revoked"

    def __str__(self) -> str:
        return str(self.value)
