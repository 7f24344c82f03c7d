"""Fixtures: a live Atelier node from the environment (scripts/with-server sets it)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest

import atelier
from atelier_client import AuthenticatedClient
from atelier_client.api.tenancy import users_create, workspaces_create, workspaces_members_put
from atelier_client.api.chat import chat_channels_create, chat_members_put
from atelier_client.api.tokens import tokens_mint
from atelier_client.models import Channel, ChannelMember, CreateChannel, SetChannelMember
from atelier_client.models import CreateUser, CreateWorkspace, SetMember, TokenResponse, User
from atelier_client.models import Workspace, WorkspaceRole

REQUIRED = ("ATELIER_BASE_URL", "ATELIER_API_KEY")


def _env() -> dict[str, str]:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"missing {', '.join(missing)}: run the tests against a node, e.g. "
            "`cd /work/main && ./scripts/with-server sdks/python/test.sh`",
            pytrace=False,
        )
    return {name: os.environ[name] for name in REQUIRED}


@pytest.fixture(scope="session")
def base_url() -> str:
    return _env()["ATELIER_BASE_URL"]


@pytest.fixture(scope="session")
def api() -> AuthenticatedClient:
    env = _env()
    with atelier.api_key_client(env["ATELIER_BASE_URL"], env["ATELIER_API_KEY"]) as client:
        yield client


@dataclass
class Backend:
    """What the README's backend flow creates: two users, a workspace, their tokens."""

    ada: User
    grace: User
    workspace: Workspace
    ada_tokens: TokenResponse
    grace_tokens: TokenResponse


@pytest.fixture(scope="session")
def backend(api: AuthenticatedClient) -> Backend:
    suffix = uuid.uuid4().hex[:8]
    ada = users_create.sync(
        client=api, body=CreateUser(display_name="Ada", external_id=f"ada-{suffix}")
    )
    grace = users_create.sync(
        client=api, body=CreateUser(display_name="Grace", external_id=f"grace-{suffix}")
    )
    assert isinstance(ada, User) and isinstance(grace, User)
    workspace = workspaces_create.sync(
        client=api, body=CreateWorkspace(name=f"Design {suffix}", owner_id=ada.id)
    )
    assert isinstance(workspace, Workspace)
    workspaces_members_put.sync(workspace.id, grace.id, client=api, body=SetMember(role=WorkspaceRole.MEMBER))
    ada_tokens = tokens_mint.sync(ada.id, client=api)
    grace_tokens = tokens_mint.sync(grace.id, client=api)
    assert isinstance(ada_tokens, TokenResponse) and isinstance(grace_tokens, TokenResponse)
    return Backend(ada, grace, workspace, ada_tokens, grace_tokens)


@pytest.fixture
def ada(base_url: str, backend: Backend) -> AuthenticatedClient:
    with atelier.user_client(
        base_url, backend.ada_tokens.access_token, backend.ada_tokens.refresh_token
    ) as client:
        yield client


@pytest.fixture
def grace(base_url: str, backend: Backend) -> AuthenticatedClient:
    with atelier.user_client(
        base_url, backend.grace_tokens.access_token, backend.grace_tokens.refresh_token
    ) as client:
        yield client


def create_channel(client: AuthenticatedClient, workspace_id: str, **body) -> dict:
    """POST /v1/workspaces/{id}/channels through the typed function; a dict for the tests."""
    channel = chat_channels_create.sync(
        workspace_id, client=client, body=CreateChannel.from_dict(body)
    )
    assert isinstance(channel, Channel), channel
    return channel.to_dict()


def put_channel_member(client: AuthenticatedClient, channel_id: str, user_id: str, **body) -> dict:
    """PUT /v1/channels/{id}/members/{user_id} through the typed function."""
    member = chat_members_put.sync(
        channel_id, user_id, client=client, body=SetChannelMember.from_dict(body)
    )
    assert isinstance(member, ChannelMember), member
    return member.to_dict()
