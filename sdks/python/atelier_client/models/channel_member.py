from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.channel_role import ChannelRole

T = TypeVar("T", bound="ChannelMember")


@_attrs_define
class ChannelMember:
    """A channel member.

    Attributes:
        channel_id (str):
        user_id (str):
        role (ChannelRole): A channel member's role.
        last_read_seq (int):
        joined_at (datetime.datetime):
    """

    channel_id: str
    user_id: str
    role: ChannelRole
    last_read_seq: int
    joined_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel_id = self.channel_id

        user_id = self.user_id

        role = self.role.value

        last_read_seq = self.last_read_seq

        joined_at = self.joined_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel_id": channel_id,
                "user_id": user_id,
                "role": role,
                "last_read_seq": last_read_seq,
                "joined_at": joined_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        channel_id = d.pop("channel_id")

        user_id = d.pop("user_id")

        role = ChannelRole(d.pop("role"))

        last_read_seq = d.pop("last_read_seq")

        joined_at = datetime.datetime.fromisoformat(d.pop("joined_at"))

        channel_member = cls(
            channel_id=channel_id,
            user_id=user_id,
            role=role,
            last_read_seq=last_read_seq,
            joined_at=joined_at,
        )

        channel_member.additional_properties = d
        return channel_member

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
