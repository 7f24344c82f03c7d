from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.chat_member_updated_data_role import ChatMemberUpdatedDataRole

T = TypeVar("T", bound="ChatMemberUpdatedData")


@_attrs_define
class ChatMemberUpdatedData:
    """`data` of `chat.member.updated` (data_version 1): A channel member's role changed.

    Attributes:
        channel_id (str): The channel.
        workspace_id (str): The channel's workspace.
        user_id (str): The member.
        role (ChatMemberUpdatedDataRole): The member's channel role from now on.
    """

    channel_id: str
    workspace_id: str
    user_id: str
    role: ChatMemberUpdatedDataRole
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel_id = self.channel_id

        workspace_id = self.workspace_id

        user_id = self.user_id

        role = self.role.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel_id": channel_id,
                "workspace_id": workspace_id,
                "user_id": user_id,
                "role": role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        channel_id = d.pop("channel_id")

        workspace_id = d.pop("workspace_id")

        user_id = d.pop("user_id")

        role = ChatMemberUpdatedDataRole(d.pop("role"))

        chat_member_updated_data = cls(
            channel_id=channel_id,
            workspace_id=workspace_id,
            user_id=user_id,
            role=role,
        )

        chat_member_updated_data.additional_properties = d
        return chat_member_updated_data

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
