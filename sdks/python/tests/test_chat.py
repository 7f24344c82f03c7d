"""The README's two-user chat session, with user tokens."""

from atelier_client.api.chat import (
    chat_messages_list,
    chat_messages_send,
    chat_reactions_add,
    chat_read_mark,
    chat_unread_get,
)
from atelier_client.models import AddReaction, MarkRead, Message, SendMessage

from conftest import create_channel, put_channel_member


def test_two_user_session(ada, grace, backend):
    channel = create_channel(
        ada, backend.workspace.id, kind="private", name="launch", topic="Friday"
    )
    assert channel["id"].startswith("chn_")
    put_channel_member(ada, channel["id"], backend.grace.id)

    sent = chat_messages_send.sync(
        channel["id"],
        client=ada,
        body=SendMessage(text=f"Ready, <@{backend.grace.id}>?", client_message_id="ada-1"),
    )
    assert isinstance(sent, Message)
    assert backend.grace.id in sent.mention_ids

    reacted = chat_reactions_add.sync(
        channel["id"], sent.id, client=grace, body=AddReaction(emoji="👍")
    )
    assert isinstance(reacted, Message)
    assert [(r.emoji, r.count) for r in reacted.reactions] == [("👍", 1)]

    history = chat_messages_list.sync(channel["id"], client=grace)
    assert [m.id for m in history.items] == [sent.id]
    assert history.items[0].text == f"Ready, <@{backend.grace.id}>?"

    badge = chat_unread_get.sync(client=grace)
    assert badge.unread_count == 1
    assert badge.mention_count == 1

    chat_read_mark.sync(channel["id"], client=grace, body=MarkRead())
    badge = chat_unread_get.sync(client=grace)
    assert badge.unread_count == 0
    assert badge.mention_count == 0
