from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment import Attachment
    from ..models.reaction import Reaction
    from ..models.thread import Thread


T = TypeVar("T", bound="Message")


@_attrs_define
class Message:
    """A message. Events (`chat.message.*`) carry the same fields under `data.message`, without
    the per-viewer `me` of reactions.

        Attributes:
            id (str): `msg_...`.
            channel_id (str):
            workspace_id (str):
            seq (int): Position in the channel: strictly increasing, replies included.
            change_seq (int): Change-feed position of the message's latest change.
            author_id (str):
            text (str): Empty once deleted.
            mention_ids (list[str]):
            mention_channel (bool):
            attachments (list[Attachment]):
            created_at (datetime.datetime):
            edit_count (int): Previous versions, readable at `.../edits`.
            deleted (bool): A tombstone: text, attachments, mentions and edit history are gone.
            pinned (bool):
            reactions (list[Reaction]):
            quoted_message_id (str | Unset):
            parent_id (str | Unset): The thread root this replies to.
            client_message_id (str | Unset):
            edited_at (datetime.datetime | Unset):
            deleted_at (datetime.datetime | Unset):
            pinned_by (str | Unset):
            pinned_at (datetime.datetime | Unset):
            thread (Thread | Unset):
            scheduled_message_id (str | Unset):
    """

    id: str
    channel_id: str
    workspace_id: str
    seq: int
    change_seq: int
    author_id: str
    text: str
    mention_ids: list[str]
    mention_channel: bool
    attachments: list[Attachment]
    created_at: datetime.datetime
    edit_count: int
    deleted: bool
    pinned: bool
    reactions: list[Reaction]
    quoted_message_id: str | Unset = UNSET
    parent_id: str | Unset = UNSET
    client_message_id: str | Unset = UNSET
    edited_at: datetime.datetime | Unset = UNSET
    deleted_at: datetime.datetime | Unset = UNSET
    pinned_by: str | Unset = UNSET
    pinned_at: datetime.datetime | Unset = UNSET
    thread: Thread | Unset = UNSET
    scheduled_message_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        channel_id = self.channel_id

        workspace_id = self.workspace_id

        seq = self.seq

        change_seq = self.change_seq

        author_id = self.author_id

        text = self.text

        mention_ids = self.mention_ids

        mention_channel = self.mention_channel

        attachments = []
        for attachments_item_data in self.attachments:
            attachments_item = attachments_item_data.to_dict()
            attachments.append(attachments_item)

        created_at = self.created_at.isoformat()

        edit_count = self.edit_count

        deleted = self.deleted

        pinned = self.pinned

        reactions = []
        for reactions_item_data in self.reactions:
            reactions_item = reactions_item_data.to_dict()
            reactions.append(reactions_item)

        quoted_message_id = self.quoted_message_id

        parent_id = self.parent_id

        client_message_id = self.client_message_id

        edited_at: str | Unset = UNSET
        if not isinstance(self.edited_at, Unset):
            edited_at = self.edited_at.isoformat()

        deleted_at: str | Unset = UNSET
        if not isinstance(self.deleted_at, Unset):
            deleted_at = self.deleted_at.isoformat()

        pinned_by = self.pinned_by

        pinned_at: str | Unset = UNSET
        if not isinstance(self.pinned_at, Unset):
            pinned_at = self.pinned_at.isoformat()

        thread: dict[str, Any] | Unset = UNSET
        if not isinstance(self.thread, Unset):
            thread = self.thread.to_dict()

        scheduled_message_id = self.scheduled_message_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "channel_id": channel_id,
                "workspace_id": workspace_id,
                "seq": seq,
                "change_seq": change_seq,
                "author_id": author_id,
                "text": text,
                "mention_ids": mention_ids,
                "mention_channel": mention_channel,
                "attachments": attachments,
                "created_at": created_at,
                "edit_count": edit_count,
                "deleted": deleted,
                "pinned": pinned,
                "reactions": reactions,
            }
        )
        if quoted_message_id is not UNSET:
            field_dict["quoted_message_id"] = quoted_message_id
        if parent_id is not UNSET:
            field_dict["parent_id"] = parent_id
        if client_message_id is not UNSET:
            field_dict["client_message_id"] = client_message_id
        if edited_at is not UNSET:
            field_dict["edited_at"] = edited_at
        if deleted_at is not UNSET:
            field_dict["deleted_at"] = deleted_at
        if pinned_by is not UNSET:
            field_dict["pinned_by"] = pinned_by
        if pinned_at is not UNSET:
            field_dict["pinned_at"] = pinned_at
        if thread is not UNSET:
            field_dict["thread"] = thread
        if scheduled_message_id is not UNSET:
            field_dict["scheduled_message_id"] = scheduled_message_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attachment import Attachment
        from ..models.reaction import Reaction
        from ..models.thread import Thread

        d = dict(src_dict)
        id = d.pop("id")

        channel_id = d.pop("channel_id")

        workspace_id = d.pop("workspace_id")

        seq = d.pop("seq")

        change_seq = d.pop("change_seq")

        author_id = d.pop("author_id")

        text = d.pop("text")

        mention_ids = cast(list[str], d.pop("mention_ids"))

        mention_channel = d.pop("mention_channel")

        attachments = []
        _attachments = d.pop("attachments")
        for attachments_item_data in _attachments:
            attachments_item = Attachment.from_dict(attachments_item_data)

            attachments.append(attachments_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        edit_count = d.pop("edit_count")

        deleted = d.pop("deleted")

        pinned = d.pop("pinned")

        reactions = []
        _reactions = d.pop("reactions")
        for reactions_item_data in _reactions:
            reactions_item = Reaction.from_dict(reactions_item_data)

            reactions.append(reactions_item)

        quoted_message_id = d.pop("quoted_message_id", UNSET)

        parent_id = d.pop("parent_id", UNSET)

        client_message_id = d.pop("client_message_id", UNSET)

        _edited_at = d.pop("edited_at", UNSET)
        edited_at: datetime.datetime | Unset
        if isinstance(_edited_at, Unset):
            edited_at = UNSET
        else:
            edited_at = datetime.datetime.fromisoformat(_edited_at)

        _deleted_at = d.pop("deleted_at", UNSET)
        deleted_at: datetime.datetime | Unset
        if isinstance(_deleted_at, Unset):
            deleted_at = UNSET
        else:
            deleted_at = datetime.datetime.fromisoformat(_deleted_at)

        pinned_by = d.pop("pinned_by", UNSET)

        _pinned_at = d.pop("pinned_at", UNSET)
        pinned_at: datetime.datetime | Unset
        if isinstance(_pinned_at, Unset):
            pinned_at = UNSET
        else:
            pinned_at = datetime.datetime.fromisoformat(_pinned_at)

        _thread = d.pop("thread", UNSET)
        thread: Thread | Unset
        if isinstance(_thread, Unset):
            thread = UNSET
        else:
            thread = Thread.from_dict(_thread)

        scheduled_message_id = d.pop("scheduled_message_id", UNSET)

        message = cls(
            id=id,
            channel_id=channel_id,
            workspace_id=workspace_id,
            seq=seq,
            change_seq=change_seq,
            author_id=author_id,
            text=text,
            mention_ids=mention_ids,
            mention_channel=mention_channel,
            attachments=attachments,
            created_at=created_at,
            edit_count=edit_count,
            deleted=deleted,
            pinned=pinned,
            reactions=reactions,
            quoted_message_id=quoted_message_id,
            parent_id=parent_id,
            client_message_id=client_message_id,
            edited_at=edited_at,
            deleted_at=deleted_at,
            pinned_by=pinned_by,
            pinned_at=pinned_at,
            thread=thread,
            scheduled_message_id=scheduled_message_id,
        )

        message.additional_properties = d
        return message

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
