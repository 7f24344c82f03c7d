"""A sweep of typed calls on real responses (the generated parsers must not crash on them:
null timestamps, deleted messages, problems without `errors`, ...)."""

import pytest

from atelier_client.api.audit import audit_verify
from atelier_client.api.chat import (
    chat_changes_list,
    chat_channels_get,
    chat_channels_list,
    chat_members_list,
    chat_messages_delete,
    chat_messages_edit,
    chat_messages_edits,
    chat_messages_get,
    chat_messages_list,
    chat_messages_pin,
    chat_messages_replies,
    chat_messages_search,
    chat_messages_send,
    chat_pins_list,
    chat_reactions_users,
    chat_read_get,
    chat_scheduled_list,
    chat_threads_read,
)
from atelier_client.api.events import events_list, events_types_list
from atelier_client.api.tenancy import api_keys_list, tenancy_me, users_list, workspaces_list
from atelier_client.api.usage import usage_get
from atelier_client.api.webhooks import (
    webhooks_attempts_list_by_endpoint,
    webhooks_endpoints_create,
    webhooks_endpoints_get,
    webhooks_endpoints_secret_get,
)
from atelier_client.models import (
    ApiKeyScope,
    CreateWebhookEndpoint,
    EditMessage,
    MarkThreadRead,
    Message,
    PrincipalKind,
    SendMessage,
)

import atelier

from conftest import create_channel


def test_chat_reads_and_writes_parse(ada, backend):
    channel = create_channel(ada, backend.workspace.id, kind="public", name="sweep")
    cid = channel["id"]
    root = chat_messages_send.sync(cid, client=ada, body=SendMessage(text="hello @channel"))
    reply = chat_messages_send.sync(cid, client=ada, body=SendMessage(text="re", parent_id=root.id))
    edited = chat_messages_edit.sync(cid, root.id, client=ada, body=EditMessage(text="hello!"))
    assert edited.edit_count == 1 and edited.edited_at is not None
    assert chat_messages_edits.sync(cid, root.id, client=ada).items
    assert chat_messages_pin.sync(cid, root.id, client=ada).pinned
    assert [m.id for m in chat_pins_list.sync(cid, client=ada).items] == [root.id]
    assert [m.id for m in chat_messages_replies.sync(cid, root.id, client=ada).items] == [reply.id]
    assert chat_messages_get.sync(cid, root.id, client=ada).thread.reply_count == 1
    chat_threads_read.sync(cid, root.id, client=ada, body=MarkThreadRead())
    deleted = chat_messages_delete.sync(cid, reply.id, client=ada)
    assert isinstance(deleted, Message) and deleted.deleted
    assert chat_messages_list.sync(cid, client=ada).items
    assert chat_changes_list.sync(cid, client=ada).items
    assert chat_read_get.sync(cid, client=ada).channel_id == cid
    assert chat_members_list.sync(cid, client=ada).items
    assert any(c.id == cid for c in chat_channels_list.sync(backend.workspace.id, client=ada).items)
    assert chat_channels_get.sync(cid, client=ada).id == cid
    chat_messages_search.sync(client=ada, q="hello")
    reactors = chat_reactions_users.sync(cid, root.id, "x", client=ada)
    assert reactors.items == []


def test_backend_reads_parse(api, backend):
    assert users_list.sync(client=api).items
    assert workspaces_list.sync(client=api).items
    assert api_keys_list.sync(client=api).items
    assert events_types_list.sync(client=api).items
    events_list.sync(client=api, limit=50)
    assert audit_verify.sync(client=api) is not None
    usage_get.sync(client=api)
    created = webhooks_endpoints_create.sync(
        client=api, body=CreateWebhookEndpoint(url="https://example.com/hooks")
    )
    endpoint_id = created.endpoint.id
    # the verifier accepts the secrets Atelier issues (whsec_<base64>)
    body = b'{"type":"test"}'
    signature = atelier.sign_webhook(created.secret, "msg_1", 1700000000, body)
    atelier.verify_webhook(
        created.secret,
        {"webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": signature},
        body,
        now=1700000100,
    )
    assert webhooks_endpoints_get.sync(endpoint_id, client=api).id == endpoint_id
    assert webhooks_endpoints_secret_get.sync(endpoint_id, client=api).secret.startswith("whsec_")
    webhooks_attempts_list_by_endpoint.sync(endpoint_id, client=api)


def test_me_parses(api):
    me = tenancy_me.sync(client=api)
    assert me.kind == PrincipalKind.API_KEY and me.scope == ApiKeyScope.FULL


def test_scheduled_list_parses(ada, backend):
    channel = create_channel(ada, backend.workspace.id, kind="private", name="later")
    scheduled = chat_scheduled_list.sync(channel["id"], client=ada)
    assert scheduled.items == []


def test_me_untyped_through_the_layer(api, backend):
    me = api.get_httpx_client().get("/v1/me").json()
    assert me["kind"] == "api_key" and me["tenant_id"].startswith("ten_")
