from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.canvas_change import CanvasChange


T = TypeVar("T", bound="CanvasDiff")


@_attrs_define
class CanvasDiff:
    """Which declared roots (and map keys) differ between two versions.

    Attributes:
        from_version_id (str):
        changes (list[CanvasChange]):
        to_version_id (str | Unset): The other version; absent when compared with the current content.
    """

    from_version_id: str
    changes: list[CanvasChange]
    to_version_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_version_id = self.from_version_id

        changes = []
        for changes_item_data in self.changes:
            changes_item = changes_item_data.to_dict()
            changes.append(changes_item)

        to_version_id = self.to_version_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from_version_id": from_version_id,
                "changes": changes,
            }
        )
        if to_version_id is not UNSET:
            field_dict["to_version_id"] = to_version_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.canvas_change import CanvasChange

        d = dict(src_dict)
        from_version_id = d.pop("from_version_id")

        changes = []
        _changes = d.pop("changes")
        for changes_item_data in _changes:
            changes_item = CanvasChange.from_dict(changes_item_data)

            changes.append(changes_item)

        to_version_id = d.pop("to_version_id", UNSET)

        canvas_diff = cls(
            from_version_id=from_version_id,
            changes=changes,
            to_version_id=to_version_id,
        )

        canvas_diff.additional_properties = d
        return canvas_diff

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
