"""The README quick start (run from sdks/python with ATELIER_BASE_URL and ATELIER_API_KEY set)."""

import os

import atelier
from atelier_client.api.chat import (
    chat_channels_create,
    chat_members_put,
    chat_messages_send,
    chat_unread_get,
)
from atelier_client.api.tenancy import users_create, workspaces_create, workspaces_members_put
from atelier_client.api.tokens import tokens_mint
from atelier_client.models import (
    ChannelKind,
    CreateChannel,
    CreateUser,
    CreateWorkspace,
    SendMessage,
    SetChannelMember,
    SetMember,
    WorkspaceRole,
)

base_url = os.environ["ATELIER_BASE_URL"]

# Your backend, with an API key: users, a workspace, tokens for the users' apps.
backend = atelier.api_key_client(base_url, os.environ["ATELIER_API_KEY"])
ada = users_create.sync(client=backend, body=CreateUser(display_name="Ada"))
grace = users_create.sync(client=backend, body=CreateUser(display_name="Grace"))
workspace = workspaces_create.sync(client=backend, body=CreateWorkspace(name="Design", owner_id=ada.id))
workspaces_members_put.sync(workspace.id, grace.id, client=backend, body=SetMember(role=WorkspaceRole.MEMBER))
ada_tokens = tokens_mint.sync(ada.id, client=backend)
grace_tokens = tokens_mint.sync(grace.id, client=backend)

# Ada's app, with her tokens (refreshed automatically when the access token expires).
ada_app = atelier.user_client(base_url, ada_tokens.access_token, ada_tokens.refresh_token)
channel = chat_channels_create.sync(
    workspace.id, client=ada_app, body=CreateChannel(kind=ChannelKind.PRIVATE, name="launch")
)
chat_members_put.sync(channel.id, grace.id, client=ada_app, body=SetChannelMember())
message = chat_messages_send.sync(channel.id, client=ada_app, body=SendMessage(text=f"Ready, <@{grace.id}>?"))
print("sent", message.id, "seq", message.seq)

grace_app = atelier.user_client(base_url, grace_tokens.access_token, grace_tokens.refresh_token)
print("Grace's unread:", chat_unread_get.sync(client=grace_app).unread_count)

try:
    chat_messages_send.sync("chn_01JZZZZZZZZZZZZZZZZZZZZZZZ", client=ada_app, body=SendMessage(text="hi"))
except atelier.AtelierError as error:
    print(error.status, error.code, error.request_id)
