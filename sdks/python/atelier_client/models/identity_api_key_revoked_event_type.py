from enum import StrEnum


class IdentityApiKeyRevokedEventType(StrEnum):
    IDENTITY_API_KEY_REVOKED = "identity.api_key.revoked"

    def __str__(self) -> str:
        return str(self.value)
