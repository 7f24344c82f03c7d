from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="IdentityGrantRevokedData")


@_attrs_define
class IdentityGrantRevokedData:
    """`data` of `identity.grant.revoked` (data_version 1): A resource grant was revoked (from a user or a whole
    workspace).

        Attributes:
            resource_type (str): The kind of resource, e.g. `doc`.
            resource_id (str): The resource's id.
            user_id (str | Unset): The user the grant was to (absent for a workspace grant).
            workspace_id (str | Unset): The workspace the grant was to (absent for a user grant).
    """

    resource_type: str
    resource_id: str
    user_id: str | Unset = UNSET
    workspace_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        resource_type = self.resource_type

        resource_id = self.resource_id

        user_id = self.user_id

        workspace_id = self.workspace_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "resource_type": resource_type,
                "resource_id": resource_id,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if workspace_id is not UNSET:
            field_dict["workspace_id"] = workspace_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        resource_type = d.pop("resource_type")

        resource_id = d.pop("resource_id")

        user_id = d.pop("user_id", UNSET)

        workspace_id = d.pop("workspace_id", UNSET)

        identity_grant_revoked_data = cls(
            resource_type=resource_type,
            resource_id=resource_id,
            user_id=user_id,
            workspace_id=workspace_id,
        )

        identity_grant_revoked_data.additional_properties = d
        return identity_grant_revoked_data

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
