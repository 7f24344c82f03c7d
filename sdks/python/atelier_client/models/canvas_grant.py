from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.canvas_role import CanvasRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="CanvasGrant")


@_attrs_define
class CanvasGrant:
    """A grant on the document: to one user, or to every member of a workspace.

    Attributes:
        document_id (str):
        role (CanvasRole): A role on a shared document.
        user_id (str | Unset): Set for a grant to one user.
        workspace_id (str | Unset): Set for a grant to every member of a workspace.
    """

    document_id: str
    role: CanvasRole
    user_id: str | Unset = UNSET
    workspace_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document_id = self.document_id

        role = self.role.value

        user_id = self.user_id

        workspace_id = self.workspace_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "document_id": document_id,
                "role": role,
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
        document_id = d.pop("document_id")

        role = CanvasRole(d.pop("role"))

        user_id = d.pop("user_id", UNSET)

        workspace_id = d.pop("workspace_id", UNSET)

        canvas_grant = cls(
            document_id=document_id,
            role=role,
            user_id=user_id,
            workspace_id=workspace_id,
        )

        canvas_grant.additional_properties = d
        return canvas_grant

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
