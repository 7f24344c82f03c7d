from enum import StrEnum


class IdentityLoginRevokedDataReason(StrEnum):
    REFRESH_TOKEN_REUSED = "refresh_token_reused"
    REVOKED = "revoked"

    def __str__(self) -> str:
        return str(self.value)
