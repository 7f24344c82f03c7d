from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.canvas_root import CanvasRoot


T = TypeVar("T", bound="CreateCanvasDocument")


@_attrs_define
class CreateCanvasDocument:
    """
    Attributes:
        name (str): 1 to 200 characters.
        description (None | str | Unset): Up to 2,000 characters.
        roots (list[CanvasRoot] | None | Unset): Up to 32 roots, each named once.
    """

    name: str
    description: None | str | Unset = UNSET
    roots: list[CanvasRoot] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        roots: list[dict[str, Any]] | None | Unset
        if isinstance(self.roots, Unset):
            roots = UNSET
        elif isinstance(self.roots, list):
            roots = []
            for roots_type_0_item_data in self.roots:
                roots_type_0_item = roots_type_0_item_data.to_dict()
                roots.append(roots_type_0_item)

        else:
            roots = self.roots

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if roots is not UNSET:
            field_dict["roots"] = roots

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.canvas_root import CanvasRoot

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_roots(data: object) -> list[CanvasRoot] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                roots_type_0 = []
                _roots_type_0 = data
                for roots_type_0_item_data in _roots_type_0:
                    roots_type_0_item = CanvasRoot.from_dict(roots_type_0_item_data)

                    roots_type_0.append(roots_type_0_item)

                return roots_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CanvasRoot] | None | Unset, data)

        roots = _parse_roots(d.pop("roots", UNSET))

        create_canvas_document = cls(
            name=name,
            description=description,
            roots=roots,
        )

        create_canvas_document.additional_properties = d
        return create_canvas_document

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
