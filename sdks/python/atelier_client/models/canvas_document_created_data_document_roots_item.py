from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.canvas_document_created_data_document_roots_item_kind import (
    CanvasDocumentCreatedDataDocumentRootsItemKind,
)

T = TypeVar("T", bound="CanvasDocumentCreatedDataDocumentRootsItem")


@_attrs_define
class CanvasDocumentCreatedDataDocumentRootsItem:
    """
    Attributes:
        name (str):
        kind (CanvasDocumentCreatedDataDocumentRootsItemKind):
    """

    name: str
    kind: CanvasDocumentCreatedDataDocumentRootsItemKind
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        kind = self.kind.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "kind": kind,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        kind = CanvasDocumentCreatedDataDocumentRootsItemKind(d.pop("kind"))

        canvas_document_created_data_document_roots_item = cls(
            name=name,
            kind=kind,
        )

        canvas_document_created_data_document_roots_item.additional_properties = d
        return canvas_document_created_data_document_roots_item

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
