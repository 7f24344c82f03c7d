from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.set_channel_member_role_type_1 import SetChannelMemberRoleType1
from ..models.set_channel_member_role_type_2_type_1 import (
    SetChannelMemberRoleType2Type1,
)
from ..models.set_channel_member_role_type_3_type_1 import (
    SetChannelMemberRoleType3Type1,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="SetChannelMember")


@_attrs_define
class SetChannelMember:
    """A member's role: `role` defaults to `member` for a new member; absent, an existing member
    keeps theirs.

        Attributes:
            role (None | SetChannelMemberRoleType1 | SetChannelMemberRoleType2Type1 | SetChannelMemberRoleType3Type1 |
                Unset): A channel member's role.
    """

    role: (
        None
        | SetChannelMemberRoleType1
        | SetChannelMemberRoleType2Type1
        | SetChannelMemberRoleType3Type1
        | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif (
            isinstance(self.role, SetChannelMemberRoleType1)
            or isinstance(self.role, SetChannelMemberRoleType2Type1)
            or isinstance(self.role, SetChannelMemberRoleType3Type1)
        ):
            role = self.role.value
        else:
            role = self.role

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_role(
            data: object,
        ) -> (
            None
            | SetChannelMemberRoleType1
            | SetChannelMemberRoleType2Type1
            | SetChannelMemberRoleType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_1 = SetChannelMemberRoleType1(data)

                return role_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_2_type_1 = SetChannelMemberRoleType2Type1(data)

                return role_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_3_type_1 = SetChannelMemberRoleType3Type1(data)

                return role_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | SetChannelMemberRoleType1
                | SetChannelMemberRoleType2Type1
                | SetChannelMemberRoleType3Type1
                | Unset,
                data,
            )

        role = _parse_role(d.pop("role", UNSET))

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
