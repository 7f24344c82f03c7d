from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.chat_message_deleted_data_message import ChatMessageDeletedDataMessage


T = TypeVar("T", bound="ChatMessageDeletedData")


@_attrs_define
class ChatMessageDeletedData:
    """`data` of `chat.message.deleted` (data_version 1): A message was deleted; `message` is its tombstone.

    Attributes:
        channel_id (str): The channel.
        workspace_id (str): The channel's workspace.
        message (ChatMessageDeletedDataMessage): The message as the API shows it.
    """

    channel_id: str
    workspace_id: str
    message: ChatMessageDeletedDataMessage
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel_id = self.channel_id

        workspace_id = self.workspace_id

        message = self.message.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel_id": channel_id,
                "workspace_id": workspace_id,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.chat_message_deleted_data_message import (
            ChatMessageDeletedDataMessage,
        )

        d = dict(src_dict)
        channel_id = d.pop("channel_id")

        workspace_id = d.pop("workspace_id")

        message = ChatMessageDeletedDataMessage.from_dict(d.pop("message"))

        chat_message_deleted_data = cls(
            channel_id=channel_id,
            workspace_id=workspace_id,
            message=message,
        )

        chat_message_deleted_data.additional_properties = d
        return chat_message_deleted_data

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
