from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.canvas_document_updated_data_document_roots_item import (
        CanvasDocumentUpdatedDataDocumentRootsItem,
    )


T = TypeVar("T", bound="CanvasDocumentUpdatedDataDocument")


@_attrs_define
class CanvasDocumentUpdatedDataDocument:
    """The document as the API shows it.

    Attributes:
        id (str): The document.
        workspace_id (str): Its workspace.
        name (str):
        description (str):
        roots (list[CanvasDocumentUpdatedDataDocumentRootsItem]):
        archived (bool):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        created_by (None | str | Unset): The creator.
    """

    id: str
    workspace_id: str
    name: str
    description: str
    roots: list[CanvasDocumentUpdatedDataDocumentRootsItem]
    archived: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    created_by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        workspace_id = self.workspace_id

        name = self.name

        description = self.description

        roots = []
        for roots_item_data in self.roots:
            roots_item = roots_item_data.to_dict()
            roots.append(roots_item)

        archived = self.archived

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        created_by: None | str | Unset
        if isinstance(self.created_by, Unset):
            created_by = UNSET
        else:
            created_by = self.created_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "workspace_id": workspace_id,
                "name": name,
                "description": description,
                "roots": roots,
                "archived": archived,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if created_by is not UNSET:
            field_dict["created_by"] = created_by

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.canvas_document_updated_data_document_roots_item import (
            CanvasDocumentUpdatedDataDocumentRootsItem,
        )

        d = dict(src_dict)
        id = d.pop("id")

        workspace_id = d.pop("workspace_id")

        name = d.pop("name")

        description = d.pop("description")

        roots = []
        _roots = d.pop("roots")
        for roots_item_data in _roots:
            roots_item = CanvasDocumentUpdatedDataDocumentRootsItem.from_dict(
                roots_item_data
            )

            roots.append(roots_item)

        archived = d.pop("archived")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_created_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))

        canvas_document_updated_data_document = cls(
            id=id,
            workspace_id=workspace_id,
            name=name,
            description=description,
            roots=roots,
            archived=archived,
            created_at=created_at,
            updated_at=updated_at,
            created_by=created_by,
        )

        canvas_document_updated_data_document.additional_properties = d
        return canvas_document_updated_data_document

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
