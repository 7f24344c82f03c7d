from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment import Attachment


T = TypeVar("T", bound="SendMessage")


@_attrs_define
class SendMessage:
    """
    Attributes:
        text (str): Up to `chat.max_message_chars` characters (4000 by default); may be empty only with
            attachments.
        client_message_id (str | Unset): Your id for this message (1 to 128 printable ASCII characters, e.g. a UUID):
            sending
            again with the same id returns the original message instead of a second one.
        mention_ids (list[str] | Unset): Users mentioned besides the `<@usr_...>` tokens in the text.
        mention_channel (bool | Unset): Mention everyone (also set by `@channel` or `@here` in the text).
        attachments (list[Attachment] | Unset): Up to 10.
        quoted_message_id (str | Unset): A message of this channel being quoted.
        parent_id (str | Unset): Reply in the thread of this top-level message.
        user_id (str | Unset): API keys only: the member sending.
    """

    text: str
    client_message_id: str | Unset = UNSET
    mention_ids: list[str] | Unset = UNSET
    mention_channel: bool | Unset = UNSET
    attachments: list[Attachment] | Unset = UNSET
    quoted_message_id: str | Unset = UNSET
    parent_id: str | Unset = UNSET
    user_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        client_message_id = self.client_message_id

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
            }
        )
        if client_message_id is not UNSET:
            field_dict["client_message_id"] = client_message_id
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

        client_message_id = d.pop("client_message_id", UNSET)

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

        send_message = cls(
            text=text,
            client_message_id=client_message_id,
            mention_ids=mention_ids,
            mention_channel=mention_channel,
            attachments=attachments,
            quoted_message_id=quoted_message_id,
            parent_id=parent_id,
            user_id=user_id,
        )

        send_message.additional_properties = d
        return send_message

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
