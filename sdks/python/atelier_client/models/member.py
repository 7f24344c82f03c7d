from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.workspace_role import WorkspaceRole

T = TypeVar("T", bound="Member")


@_attrs_define
class Member:
    """
    Attributes:
        workspace_id (str):
        user_id (str):
        role (WorkspaceRole): A workspace member's role.
        updated_at (datetime.datetime):
    """

    workspace_id: str
    user_id: str
    role: WorkspaceRole
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        workspace_id = self.workspace_id

        user_id = self.user_id

        role = self.role.value

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "workspace_id": workspace_id,
                "user_id": user_id,
                "role": role,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        workspace_id = d.pop("workspace_id")

        user_id = d.pop("user_id")

        role = WorkspaceRole(d.pop("role"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        member = cls(
            workspace_id=workspace_id,
            user_id=user_id,
            role=role,
            updated_at=updated_at,
        )

        member.additional_properties = d
        return member

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
