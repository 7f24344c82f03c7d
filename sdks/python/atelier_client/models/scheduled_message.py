from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.scheduled_message_status import ScheduledMessageStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment import Attachment


T = TypeVar("T", bound="ScheduledMessage")


@_attrs_define
class ScheduledMessage:
    """A message scheduled for later.

    Attributes:
        id (str): `sch_...`.
        channel_id (str):
        author_id (str):
        text (str):
        mention_ids (list[str]):
        attachments (list[Attachment]):
        send_at (datetime.datetime):
        status (ScheduledMessageStatus): Where a scheduled message stands (`claimed`: being sent now).
        created_at (datetime.datetime):
        parent_id (str | Unset):
        message_id (str | Unset): Once sent: the message.
        failure (str | Unset): Once failed: why.
    """

    id: str
    channel_id: str
    author_id: str
    text: str
    mention_ids: list[str]
    attachments: list[Attachment]
    send_at: datetime.datetime
    status: ScheduledMessageStatus
    created_at: datetime.datetime
    parent_id: str | Unset = UNSET
    message_id: str | Unset = UNSET
    failure: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        channel_id = self.channel_id

        author_id = self.author_id

        text = self.text

        mention_ids = self.mention_ids

        attachments = []
        for attachments_item_data in self.attachments:
            attachments_item = attachments_item_data.to_dict()
            attachments.append(attachments_item)

        send_at = self.send_at.isoformat()

        status = self.status.value

        created_at = self.created_at.isoformat()

        parent_id = self.parent_id

        message_id = self.message_id

        failure = self.failure

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "channel_id": channel_id,
                "author_id": author_id,
                "text": text,
                "mention_ids": mention_ids,
                "attachments": attachments,
                "send_at": send_at,
                "status": status,
                "created_at": created_at,
            }
        )
        if parent_id is not UNSET:
            field_dict["parent_id"] = parent_id
        if message_id is not UNSET:
            field_dict["message_id"] = message_id
        if failure is not UNSET:
            field_dict["failure"] = failure

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attachment import Attachment

        d = dict(src_dict)
        id = d.pop("id")

        channel_id = d.pop("channel_id")

        author_id = d.pop("author_id")

        text = d.pop("text")

        mention_ids = cast(list[str], d.pop("mention_ids"))

        attachments = []
        _attachments = d.pop("attachments")
        for attachments_item_data in _attachments:
            attachments_item = Attachment.from_dict(attachments_item_data)

            attachments.append(attachments_item)

        send_at = datetime.datetime.fromisoformat(d.pop("send_at"))

        status = ScheduledMessageStatus(d.pop("status"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        parent_id = d.pop("parent_id", UNSET)

        message_id = d.pop("message_id", UNSET)

        failure = d.pop("failure", UNSET)

        scheduled_message = cls(
            id=id,
            channel_id=channel_id,
            author_id=author_id,
            text=text,
            mention_ids=mention_ids,
            attachments=attachments,
            send_at=send_at,
            status=status,
            created_at=created_at,
            parent_id=parent_id,
            message_id=message_id,
            failure=failure,
        )

        scheduled_message.additional_properties = d
        return scheduled_message

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
