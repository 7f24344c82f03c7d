from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ChatReactionAddedData")


@_attrs_define
class ChatReactionAddedData:
    """`data` of `chat.reaction.added` (data_version 1): A user reacted to a message.

    Attributes:
        channel_id (str): The channel.
        workspace_id (str): The channel's workspace.
        message_id (str): The message.
        emoji (str): The emoji or short code.
        user_id (str): Who reacted (or removed their reaction).
        count (int): How many users react with this emoji now.
        change_seq (int): The channel's change-feed position at this change.
    """

    channel_id: str
    workspace_id: str
    message_id: str
    emoji: str
    user_id: str
    count: int
    change_seq: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel_id = self.channel_id

        workspace_id = self.workspace_id

        message_id = self.message_id

        emoji = self.emoji

        user_id = self.user_id

        count = self.count

        change_seq = self.change_seq

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel_id": channel_id,
                "workspace_id": workspace_id,
                "message_id": message_id,
                "emoji": emoji,
                "user_id": user_id,
                "count": count,
                "change_seq": change_seq,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        channel_id = d.pop("channel_id")

        workspace_id = d.pop("workspace_id")

        message_id = d.pop("message_id")

        emoji = d.pop("emoji")

        user_id = d.pop("user_id")

        count = d.pop("count")

        change_seq = d.pop("change_seq")

        chat_reaction_added_data = cls(
            channel_id=channel_id,
            workspace_id=workspace_id,
            message_id=message_id,
            emoji=emoji,
            user_id=user_id,
            count=count,
            change_seq=change_seq,
        )

        chat_reaction_added_data.additional_properties = d
        return chat_reaction_added_data

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
