from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.canvas_document_restored_data_version import (
        CanvasDocumentRestoredDataVersion,
    )


T = TypeVar("T", bound="CanvasDocumentRestoredData")


@_attrs_define
class CanvasDocumentRestoredData:
    """`data` of `canvas.document.restored` (data_version 1): A version was restored as a forward edit every connected
    client received.

        Attributes:
            document_id (str): The document.
            workspace_id (str): The document's workspace.
            version (CanvasDocumentRestoredDataVersion): The version (without its content).
            by (None | str | Unset): Who restored it (a user id, or null for the tenant's backend).
    """

    document_id: str
    workspace_id: str
    version: CanvasDocumentRestoredDataVersion
    by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document_id = self.document_id

        workspace_id = self.workspace_id

        version = self.version.to_dict()

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
                "version": version,
            }
        )
        if by is not UNSET:
            field_dict["by"] = by

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.canvas_document_restored_data_version import (
            CanvasDocumentRestoredDataVersion,
        )

        d = dict(src_dict)
        document_id = d.pop("document_id")

        workspace_id = d.pop("workspace_id")

        version = CanvasDocumentRestoredDataVersion.from_dict(d.pop("version"))

        def _parse_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        by = _parse_by(d.pop("by", UNSET))

        canvas_document_restored_data = cls(
            document_id=document_id,
            workspace_id=workspace_id,
            version=version,
            by=by,
        )

        canvas_document_restored_data.additional_properties = d
        return canvas_document_restored_data

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
