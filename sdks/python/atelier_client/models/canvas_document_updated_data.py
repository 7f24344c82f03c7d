from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.canvas_document_updated_data_changed_item import (
    CanvasDocumentUpdatedDataChangedItem,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.canvas_document_updated_data_document import (
        CanvasDocumentUpdatedDataDocument,
    )


T = TypeVar("T", bound="CanvasDocumentUpdatedData")


@_attrs_define
class CanvasDocumentUpdatedData:
    """`data` of `canvas.document.updated` (data_version 1): A document's name, description, declared roots or archived
    state changed, or its content was edited (at most one content event per document per throttle window, naming the
    editors).

        Attributes:
            document_id (str): The document.
            workspace_id (str): The document's workspace.
            document (CanvasDocumentUpdatedDataDocument): The document as the API shows it.
            changed (list[CanvasDocumentUpdatedDataChangedItem]): What changed.
            editor_ids (list[str] | Unset): For content edits: the users who edited in the window (API-key edits name no
                user).
    """

    document_id: str
    workspace_id: str
    document: CanvasDocumentUpdatedDataDocument
    changed: list[CanvasDocumentUpdatedDataChangedItem]
    editor_ids: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document_id = self.document_id

        workspace_id = self.workspace_id

        document = self.document.to_dict()

        changed = []
        for changed_item_data in self.changed:
            changed_item = changed_item_data.value
            changed.append(changed_item)

        editor_ids: list[str] | Unset = UNSET
        if not isinstance(self.editor_ids, Unset):
            editor_ids = self.editor_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "document_id": document_id,
                "workspace_id": workspace_id,
                "document": document,
                "changed": changed,
            }
        )
        if editor_ids is not UNSET:
            field_dict["editor_ids"] = editor_ids

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.canvas_document_updated_data_document import (
            CanvasDocumentUpdatedDataDocument,
        )

        d = dict(src_dict)
        document_id = d.pop("document_id")

        workspace_id = d.pop("workspace_id")

        document = CanvasDocumentUpdatedDataDocument.from_dict(d.pop("document"))

        changed = []
        _changed = d.pop("changed")
        for changed_item_data in _changed:
            changed_item = CanvasDocumentUpdatedDataChangedItem(changed_item_data)

            changed.append(changed_item)

        editor_ids = cast(list[str], d.pop("editor_ids", UNSET))

        canvas_document_updated_data = cls(
            document_id=document_id,
            workspace_id=workspace_id,
            document=document,
            changed=changed,
            editor_ids=editor_ids,
        )

        canvas_document_updated_data.additional_properties = d
        return canvas_document_updated_data

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
