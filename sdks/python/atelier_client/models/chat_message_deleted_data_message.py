from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.chat_message_deleted_data_message_attachments_item import (
        ChatMessageDeletedDataMessageAttachmentsItem,
    )
    from ..models.chat_message_deleted_data_message_reactions_item import (
        ChatMessageDeletedDataMessageReactionsItem,
    )
    from ..models.chat_message_deleted_data_message_thread_type_0 import (
        ChatMessageDeletedDataMessageThreadType0,
    )


T = TypeVar("T", bound="ChatMessageDeletedDataMessage")


@_attrs_define
class ChatMessageDeletedDataMessage:
    """The message as the API shows it.

    Attributes:
        id (str): The message.
        channel_id (str): Its channel.
        workspace_id (str): Its workspace.
        seq (int): Position in the channel, monotonic (replies included).
        change_seq (int): The channel's change-feed position at this change.
        author_id (str): The author.
        text (str): Empty once deleted.
        mention_ids (list[str]):
        mention_channel (bool): `@channel` (or `@here`).
        attachments (list[ChatMessageDeletedDataMessageAttachmentsItem]):
        created_at (datetime.datetime): When it was sent.
        deleted (bool): A tombstone.
        pinned (bool):
        reactions (list[ChatMessageDeletedDataMessageReactionsItem]):
        quoted_message_id (None | str | Unset): The message quoted.
        parent_id (None | str | Unset): The thread root this replies to.
        client_message_id (None | str | Unset): The sender's idempotency id.
        edited_at (datetime.datetime | None | Unset): Last edit.
        edit_count (int | Unset): Previous versions kept.
        deleted_at (datetime.datetime | None | Unset): When it was deleted.
        pinned_by (None | str | Unset): Who pinned it.
        pinned_at (datetime.datetime | None | Unset): When it was pinned.
        thread (ChatMessageDeletedDataMessageThreadType0 | None | Unset): Thread roots with replies: the thread's
            counters, else null.
        scheduled_message_id (None | str | Unset): The scheduled message it was sent from.
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
    attachments: list[ChatMessageDeletedDataMessageAttachmentsItem]
    created_at: datetime.datetime
    deleted: bool
    pinned: bool
    reactions: list[ChatMessageDeletedDataMessageReactionsItem]
    quoted_message_id: None | str | Unset = UNSET
    parent_id: None | str | Unset = UNSET
    client_message_id: None | str | Unset = UNSET
    edited_at: datetime.datetime | None | Unset = UNSET
    edit_count: int | Unset = UNSET
    deleted_at: datetime.datetime | None | Unset = UNSET
    pinned_by: None | str | Unset = UNSET
    pinned_at: datetime.datetime | None | Unset = UNSET
    thread: ChatMessageDeletedDataMessageThreadType0 | None | Unset = UNSET
    scheduled_message_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.chat_message_deleted_data_message_thread_type_0 import (
            ChatMessageDeletedDataMessageThreadType0,
        )

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

        deleted = self.deleted

        pinned = self.pinned

        reactions = []
        for reactions_item_data in self.reactions:
            reactions_item = reactions_item_data.to_dict()
            reactions.append(reactions_item)

        quoted_message_id: None | str | Unset
        if isinstance(self.quoted_message_id, Unset):
            quoted_message_id = UNSET
        else:
            quoted_message_id = self.quoted_message_id

        parent_id: None | str | Unset
        if isinstance(self.parent_id, Unset):
            parent_id = UNSET
        else:
            parent_id = self.parent_id

        client_message_id: None | str | Unset
        if isinstance(self.client_message_id, Unset):
            client_message_id = UNSET
        else:
            client_message_id = self.client_message_id

        edited_at: None | str | Unset
        if isinstance(self.edited_at, Unset):
            edited_at = UNSET
        elif isinstance(self.edited_at, datetime.datetime):
            edited_at = self.edited_at.isoformat()
        else:
            edited_at = self.edited_at

        edit_count = self.edit_count

        deleted_at: None | str | Unset
        if isinstance(self.deleted_at, Unset):
            deleted_at = UNSET
        elif isinstance(self.deleted_at, datetime.datetime):
            deleted_at = self.deleted_at.isoformat()
        else:
            deleted_at = self.deleted_at

        pinned_by: None | str | Unset
        if isinstance(self.pinned_by, Unset):
            pinned_by = UNSET
        else:
            pinned_by = self.pinned_by

        pinned_at: None | str | Unset
        if isinstance(self.pinned_at, Unset):
            pinned_at = UNSET
        elif isinstance(self.pinned_at, datetime.datetime):
            pinned_at = self.pinned_at.isoformat()
        else:
            pinned_at = self.pinned_at

        thread: dict[str, Any] | None | Unset
        if isinstance(self.thread, Unset):
            thread = UNSET
        elif isinstance(self.thread, ChatMessageDeletedDataMessageThreadType0):
            thread = self.thread.to_dict()
        else:
            thread = self.thread

        scheduled_message_id: None | str | Unset
        if isinstance(self.scheduled_message_id, Unset):
            scheduled_message_id = UNSET
        else:
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
        if edit_count is not UNSET:
            field_dict["edit_count"] = edit_count
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
        from ..models.chat_message_deleted_data_message_attachments_item import (
            ChatMessageDeletedDataMessageAttachmentsItem,
        )
        from ..models.chat_message_deleted_data_message_reactions_item import (
            ChatMessageDeletedDataMessageReactionsItem,
        )
        from ..models.chat_message_deleted_data_message_thread_type_0 import (
            ChatMessageDeletedDataMessageThreadType0,
        )

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
            attachments_item = ChatMessageDeletedDataMessageAttachmentsItem.from_dict(
                attachments_item_data
            )

            attachments.append(attachments_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deleted = d.pop("deleted")

        pinned = d.pop("pinned")

        reactions = []
        _reactions = d.pop("reactions")
        for reactions_item_data in _reactions:
            reactions_item = ChatMessageDeletedDataMessageReactionsItem.from_dict(
                reactions_item_data
            )

            reactions.append(reactions_item)

        def _parse_quoted_message_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        quoted_message_id = _parse_quoted_message_id(d.pop("quoted_message_id", UNSET))

        def _parse_parent_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        parent_id = _parse_parent_id(d.pop("parent_id", UNSET))

        def _parse_client_message_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_message_id = _parse_client_message_id(d.pop("client_message_id", UNSET))

        def _parse_edited_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                edited_at_type_0 = datetime.datetime.fromisoformat(data)

                return edited_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        edited_at = _parse_edited_at(d.pop("edited_at", UNSET))

        edit_count = d.pop("edit_count", UNSET)

        def _parse_deleted_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deleted_at_type_0 = datetime.datetime.fromisoformat(data)

                return deleted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        deleted_at = _parse_deleted_at(d.pop("deleted_at", UNSET))

        def _parse_pinned_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pinned_by = _parse_pinned_by(d.pop("pinned_by", UNSET))

        def _parse_pinned_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                pinned_at_type_0 = datetime.datetime.fromisoformat(data)

                return pinned_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        pinned_at = _parse_pinned_at(d.pop("pinned_at", UNSET))

        def _parse_thread(
            data: object,
        ) -> ChatMessageDeletedDataMessageThreadType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                thread_type_0 = ChatMessageDeletedDataMessageThreadType0.from_dict(data)

                return thread_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatMessageDeletedDataMessageThreadType0 | None | Unset, data)

        thread = _parse_thread(d.pop("thread", UNSET))

        def _parse_scheduled_message_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        scheduled_message_id = _parse_scheduled_message_id(
            d.pop("scheduled_message_id", UNSET)
        )

        chat_message_deleted_data_message = cls(
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
            deleted=deleted,
            pinned=pinned,
            reactions=reactions,
            quoted_message_id=quoted_message_id,
            parent_id=parent_id,
            client_message_id=client_message_id,
            edited_at=edited_at,
            edit_count=edit_count,
            deleted_at=deleted_at,
            pinned_by=pinned_by,
            pinned_at=pinned_at,
            thread=thread,
            scheduled_message_id=scheduled_message_id,
        )

        chat_message_deleted_data_message.additional_properties = d
        return chat_message_deleted_data_message

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
