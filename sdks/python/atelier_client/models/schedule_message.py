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
        mention_ids (list[str] | None | Unset):
        mention_channel (bool | None | Unset):
        attachments (list[Attachment] | None | Unset):
        quoted_message_id (None | str | Unset):
        parent_id (None | str | Unset):
        user_id (None | str | Unset): API keys only: the member it is sent as.
    """

    text: str
    send_at: datetime.datetime
    mention_ids: list[str] | None | Unset = UNSET
    mention_channel: bool | None | Unset = UNSET
    attachments: list[Attachment] | None | Unset = UNSET
    quoted_message_id: None | str | Unset = UNSET
    parent_id: None | str | Unset = UNSET
    user_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        send_at = self.send_at.isoformat()

        mention_ids: list[str] | None | Unset
        if isinstance(self.mention_ids, Unset):
            mention_ids = UNSET
        elif isinstance(self.mention_ids, list):
            mention_ids = self.mention_ids

        else:
            mention_ids = self.mention_ids

        mention_channel: bool | None | Unset
        if isinstance(self.mention_channel, Unset):
            mention_channel = UNSET
        else:
            mention_channel = self.mention_channel

        attachments: list[dict[str, Any]] | None | Unset
        if isinstance(self.attachments, Unset):
            attachments = UNSET
        elif isinstance(self.attachments, list):
            attachments = []
            for attachments_type_0_item_data in self.attachments:
                attachments_type_0_item = attachments_type_0_item_data.to_dict()
                attachments.append(attachments_type_0_item)

        else:
            attachments = self.attachments

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

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
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

        def _parse_mention_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                mention_ids_type_0 = cast(list[str], data)

                return mention_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        mention_ids = _parse_mention_ids(d.pop("mention_ids", UNSET))

        def _parse_mention_channel(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        mention_channel = _parse_mention_channel(d.pop("mention_channel", UNSET))

        def _parse_attachments(data: object) -> list[Attachment] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                attachments_type_0 = []
                _attachments_type_0 = data
                for attachments_type_0_item_data in _attachments_type_0:
                    attachments_type_0_item = Attachment.from_dict(
                        attachments_type_0_item_data
                    )

                    attachments_type_0.append(attachments_type_0_item)

                return attachments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Attachment] | None | Unset, data)

        attachments = _parse_attachments(d.pop("attachments", UNSET))

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

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

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
