from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.canvas_document_shared_data_role_type_1 import (
    CanvasDocumentSharedDataRoleType1,
)
from ..models.canvas_document_shared_data_role_type_2_type_1 import (
    CanvasDocumentSharedDataRoleType2Type1,
)
from ..models.canvas_document_shared_data_role_type_3_type_1 import (
    CanvasDocumentSharedDataRoleType3Type1,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="CanvasDocumentSharedData")


@_attrs_define
class CanvasDocumentSharedData:
    """`data` of `canvas.document.shared` (data_version 1): A user's grant on a document was set or revoked.

    Attributes:
        document_id (str): The document.
        workspace_id (str): The document's workspace.
        user_id (str): The user the document is shared with.
        role (CanvasDocumentSharedDataRoleType1 | CanvasDocumentSharedDataRoleType2Type1 |
            CanvasDocumentSharedDataRoleType3Type1 | None): The user's role on the document from now on; null when the grant
            was revoked.
        by (None | str | Unset): Who changed it (a user id, or null for the tenant's backend).
    """

    document_id: str
    workspace_id: str
    user_id: str
    role: (
        CanvasDocumentSharedDataRoleType1
        | CanvasDocumentSharedDataRoleType2Type1
        | CanvasDocumentSharedDataRoleType3Type1
        | None
    )
    by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document_id = self.document_id

        workspace_id = self.workspace_id

        user_id = self.user_id

        role: None | str
        if (
            isinstance(self.role, CanvasDocumentSharedDataRoleType1)
            or isinstance(self.role, CanvasDocumentSharedDataRoleType2Type1)
            or isinstance(self.role, CanvasDocumentSharedDataRoleType3Type1)
        ):
            role = self.role.value
        else:
            role = self.role

        by: None | str | Unset
        if isinstance(self.by, Unset):
            by = UNSET
        else:
            by = self.by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "document_id": document_id,
                "workspace_id": workspace_id,
                "user_id": user_id,
                "role": role,
            }
        )
        if by is not UNSET:
            field_dict["by"] = by

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        document_id = d.pop("document_id")

        workspace_id = d.pop("workspace_id")

        user_id = d.pop("user_id")

        def _parse_role(
            data: object,
        ) -> (
            CanvasDocumentSharedDataRoleType1
            | CanvasDocumentSharedDataRoleType2Type1
            | CanvasDocumentSharedDataRoleType3Type1
            | None
        ):
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_1 = CanvasDocumentSharedDataRoleType1(data)

                return role_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_2_type_1 = CanvasDocumentSharedDataRoleType2Type1(data)

                return role_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_3_type_1 = CanvasDocumentSharedDataRoleType3Type1(data)

                return role_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                CanvasDocumentSharedDataRoleType1
                | CanvasDocumentSharedDataRoleType2Type1
                | CanvasDocumentSharedDataRoleType3Type1
                | None,
                data,
            )

        role = _parse_role(d.pop("role"))

        def _parse_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        by = _parse_by(d.pop("by", UNSET))

        canvas_document_shared_data = cls(
            document_id=document_id,
            workspace_id=workspace_id,
            user_id=user_id,
            role=role,
            by=by,
        )

        canvas_document_shared_data.additional_properties = d
        return canvas_document_shared_data

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
