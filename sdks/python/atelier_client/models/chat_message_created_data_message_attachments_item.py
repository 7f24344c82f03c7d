from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ChatMessageCreatedDataMessageAttachmentsItem")


@_attrs_define
class ChatMessageCreatedDataMessageAttachmentsItem:
    """
    Attributes:
        url (str):
        mime_type (str):
        size_bytes (int):
        name (str):
    """

    url: str
    mime_type: str
    size_bytes: int
    name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        mime_type = self.mime_type

        size_bytes = self.size_bytes

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "mime_type": mime_type,
                "size_bytes": size_bytes,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url")

        mime_type = d.pop("mime_type")

        size_bytes = d.pop("size_bytes")

        name = d.pop("name")

        chat_message_created_data_message_attachments_item = cls(
            url=url,
            mime_type=mime_type,
            size_bytes=size_bytes,
            name=name,
        )

        chat_message_created_data_message_attachments_item.additional_properties = d
        return chat_message_created_data_message_attachments_item

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
