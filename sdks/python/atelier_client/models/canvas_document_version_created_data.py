from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.canvas_document_version_created_data_version import (
        CanvasDocumentVersionCreatedDataVersion,
    )


T = TypeVar("T", bound="CanvasDocumentVersionCreatedData")


@_attrs_define
class CanvasDocumentVersionCreatedData:
    """`data` of `canvas.document.version.created` (data_version 1): A version of the document was kept (named on demand,
    periodic, or before a restore).

        Attributes:
            document_id (str): The document.
            workspace_id (str): The document's workspace.
            version (CanvasDocumentVersionCreatedDataVersion): The version (without its content).
    """

    document_id: str
    workspace_id: str
    version: CanvasDocumentVersionCreatedDataVersion
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document_id = self.document_id

        workspace_id = self.workspace_id

        version = self.version.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "document_id": document_id,
                "workspace_id": workspace_id,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.canvas_document_version_created_data_version import (
            CanvasDocumentVersionCreatedDataVersion,
        )

        d = dict(src_dict)
        document_id = d.pop("document_id")

        workspace_id = d.pop("workspace_id")

        version = CanvasDocumentVersionCreatedDataVersion.from_dict(d.pop("version"))

        canvas_document_version_created_data = cls(
            document_id=document_id,
            workspace_id=workspace_id,
            version=version,
        )

        canvas_document_version_created_data.additional_properties = d
        return canvas_document_version_created_data

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
