from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment import Attachment


T = TypeVar("T", bound="ScheduleMessage")


@_attrs_define
class ScheduleMessage:
    """
    Attributes:
        text (str): As for sending.
        send_at (datetime.datetime): When to send it (in the future, at most a year ahead).
        mention_ids (list[str] | Unset):
        mention_channel (bool | Unset):
        attachments (list[Attachment] | Unset):
        quoted_message_id (str | Unset):
        parent_id (str | Unset):
        user_id (str | Unset): API keys only: the member it is sent as.
    """

    text: str
    send_at: datetime.datetime
    mention_ids: list[str] | Unset = UNSET
    mention_channel: bool | Unset = UNSET
    attachments: list[Attachment] | Unset = UNSET
    quoted_message_id: str | Unset = UNSET
    parent_id: str | Unset = UNSET
    user_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        send_at = self.send_at.isoformat()

        mention_ids: list[str] | Unset = UNSET
        if not isinstance(self.mention_ids, Unset):
            mention_ids = self.mention_ids

        mention_channel = self.mention_channel

        attachments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.attachments, Unset):
            attachments = []
            for attachments_item_data in self.attachments:
                attachments_item = attachments_item_data.to_dict()
                attachments.append(attachments_item)

        quoted_message_id = self.quoted_message_id

        parent_id = self.parent_id

        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "text": text,
                "send_at": send_at,
            }
        )
        if mention_ids is not UNSET:
            field_dict["mention_ids"] = mention_ids
        if mention_channel is not UNSET:
            field_dict["mention_channel"] = mention_channel
        if attachments is not UNSET:
            field_dict["attachments"] = attachments
        if quoted_message_id is not UNSET:
            field_dict["quoted_message_id"] = quoted_message_id
        if parent_id is not UNSET:
            field_dict["parent_id"] = parent_id
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attachment import Attachment

        d = dict(src_dict)
        text = d.pop("text")

        send_at = datetime.datetime.fromisoformat(d.pop("send_at"))

        mention_ids = cast(list[str], d.pop("mention_ids", UNSET))

        mention_channel = d.pop("mention_channel", UNSET)

        _attachments = d.pop("attachments", UNSET)
        attachments: list[Attachment] | Unset = UNSET
        if _attachments is not UNSET:
            attachments = []
            for attachments_item_data in _attachments:
                attachments_item = Attachment.from_dict(attachments_item_data)

                attachments.append(attachments_item)

        quoted_message_id = d.pop("quoted_message_id", UNSET)

        parent_id = d.pop("parent_id", UNSET)

        user_id = d.pop("user_id", UNSET)

        schedule_message = cls(
            text=text,
            send_at=send_at,
            mention_ids=mention_ids,
            mention_channel=mention_channel,
            attachments=attachments,
            quoted_message_id=quoted_message_id,
            parent_id=parent_id,
            user_id=user_id,
        )

        schedule_message.additional_properties = d
        return schedule_message

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
