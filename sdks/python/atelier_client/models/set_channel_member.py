from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.channel_role import ChannelRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="SetChannelMember")


@_attrs_define
class SetChannelMember:
    """A member's role: `role` defaults to `member` for a new member; absent, an existing member
    keeps theirs.

        Attributes:
            role (ChannelRole | Unset): A channel member's role.
    """

    role: ChannelRole | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        _role = d.pop("role", UNSET)
        role: ChannelRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = ChannelRole(_role)

        set_channel_member = cls(
            role=role,
        )

        set_channel_member.additional_properties = d
        return set_channel_member

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
