from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CanvasEditResult")


@_attrs_define
class CanvasEditResult:
    """What an edit did.

    Attributes:
        changed (bool): False when the document already had everything in the update (nothing was logged).
        durable_state_vector (str): The durable state vector after the edit (v1, base64): the edit is durable.
    """

    changed: bool
    durable_state_vector: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        changed = self.changed

        durable_state_vector = self.durable_state_vector

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "changed": changed,
                "durable_state_vector": durable_state_vector,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        changed = d.pop("changed")

        durable_state_vector = d.pop("durable_state_vector")

        canvas_edit_result = cls(
            changed=changed,
            durable_state_vector=durable_state_vector,
        )

        canvas_edit_result.additional_properties = d
        return canvas_edit_result

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
