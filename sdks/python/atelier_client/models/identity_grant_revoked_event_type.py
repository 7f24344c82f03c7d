from enum import StrEnum


class IdentityGrantRevokedEventType(StrEnum):
    IDENTITY_GRANT_REVOKED = "identity.grant.revoked"

    def __str__(self) -> str:
        return str(self.value)
