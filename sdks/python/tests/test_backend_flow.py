"""The README's backend flow: users, a workspace with two members, user tokens."""

from atelier_client.api.tenancy import users_get, workspaces_members_list
from atelier_client.api.tokens import tokens_jwks
from atelier_client.models import WorkspaceRole


def test_users_workspace_members_and_tokens(api, backend):
    assert backend.ada.id.startswith("usr_") and backend.grace.id.startswith("usr_")
    assert backend.workspace.id.startswith("wsp_")

    fetched = users_get.sync(backend.ada.id, client=api)
    assert fetched.id == backend.ada.id and fetched.display_name == "Ada"

    members = workspaces_members_list.sync(backend.workspace.id, client=api)
    roles = {m.user_id: m.role for m in members.items}
    assert roles[backend.ada.id] == WorkspaceRole.OWNER
    assert roles[backend.grace.id] == WorkspaceRole.MEMBER

    for tokens in (backend.ada_tokens, backend.grace_tokens):
        assert tokens.access_token.count(".") == 2  # a JWT
        assert tokens.refresh_token and tokens.expires_in > 0

    jwks = tokens_jwks.sync(client=api)
    assert jwks.keys
