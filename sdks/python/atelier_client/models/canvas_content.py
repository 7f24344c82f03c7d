from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CanvasContent")


@_attrs_define
class CanvasContent:
    """The content as Yjs.

    Attributes:
        update (str): The whole document as one Yjs update (v1 encoding, standard base64): apply it to an
            empty `Y.Doc` with `Y.applyUpdate`.
        state_vector (str): The document's state vector (v1, base64).
    """

    update: str
    state_vector: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        update = self.update

        state_vector = self.state_vector

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "update": update,
                "state_vector": state_vector,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        update = d.pop("update")

        state_vector = d.pop("state_vector")

        canvas_content = cls(
            update=update,
            state_vector=state_vector,
        )

        canvas_content.additional_properties = d
        return canvas_content

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
