from enum import StrEnum


class IdentityWorkspaceCreatedEventType(StrEnum):
    IDENTITY_WORKSPACE_CREATED = "identity.workspace.created"

    def __str__(self) -> str:
        return str(self.value)
