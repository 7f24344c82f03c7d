from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.chat_channel_updated_data_changed_item import (
    ChatChannelUpdatedDataChangedItem,
)

if TYPE_CHECKING:
    from ..models.chat_channel_updated_data_channel import ChatChannelUpdatedDataChannel


T = TypeVar("T", bound="ChatChannelUpdatedData")


@_attrs_define
class ChatChannelUpdatedData:
    """`data` of `chat.channel.updated` (data_version 1): A channel's name, topic, archived, frozen or slow-mode setting
    changed.

        Attributes:
            channel_id (str): The channel.
            workspace_id (str): The channel's workspace.
            channel (ChatChannelUpdatedDataChannel): The channel as the API shows it.
            changed (list[ChatChannelUpdatedDataChangedItem]): What changed.
    """

    channel_id: str
    workspace_id: str
    channel: ChatChannelUpdatedDataChannel
    changed: list[ChatChannelUpdatedDataChangedItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel_id = self.channel_id

        workspace_id = self.workspace_id

        channel = self.channel.to_dict()

        changed = []
        for changed_item_data in self.changed:
            changed_item = changed_item_data.value
            changed.append(changed_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel_id": channel_id,
                "workspace_id": workspace_id,
                "channel": channel,
                "changed": changed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.chat_channel_updated_data_channel import (
            ChatChannelUpdatedDataChannel,
        )

        d = dict(src_dict)
        channel_id = d.pop("channel_id")

        workspace_id = d.pop("workspace_id")

        channel = ChatChannelUpdatedDataChannel.from_dict(d.pop("channel"))

        changed = []
        _changed = d.pop("changed")
        for changed_item_data in _changed:
            changed_item = ChatChannelUpdatedDataChangedItem(changed_item_data)

            changed.append(changed_item)

        chat_channel_updated_data = cls(
            channel_id=channel_id,
            workspace_id=workspace_id,
            channel=channel,
            changed=changed,
        )

        chat_channel_updated_data.additional_properties = d
        return chat_channel_updated_data

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
