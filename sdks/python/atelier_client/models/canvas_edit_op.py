from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.canvas_edit_op_kind import CanvasEditOpKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="CanvasEditOp")


@_attrs_define
class CanvasEditOp:
    """One operation: `map_set` (`root`, `key`, `value`), `map_delete` (`root`, `key`),
    `text_insert` (`root`, `index`, `text`), `text_delete` (`root`, `index`, `length`),
    `array_push` (`root`, `value`), `array_insert` (`root`, `index`, `value`), `array_delete`
    (`root`, `index`, `length`). Indexes count characters (texts) or items (arrays).

        Attributes:
            op (CanvasEditOpKind): One operation of a JSON edit.
            root (str):
            key (None | str | Unset):
            value (Any | Unset):
            index (int | None | Unset):
            length (int | None | Unset):
            text (None | str | Unset):
    """

    op: CanvasEditOpKind
    root: str
    key: None | str | Unset = UNSET
    value: Any | Unset = UNSET
    index: int | None | Unset = UNSET
    length: int | None | Unset = UNSET
    text: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        op = self.op.value

        root = self.root

        key: None | str | Unset
        if isinstance(self.key, Unset):
            key = UNSET
        else:
            key = self.key

        value = self.value

        index: int | None | Unset
        if isinstance(self.index, Unset):
            index = UNSET
        else:
            index = self.index

        length: int | None | Unset
        if isinstance(self.length, Unset):
            length = UNSET
        else:
            length = self.length

        text: None | str | Unset
        if isinstance(self.text, Unset):
            text = UNSET
        else:
            text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "op": op,
                "root": root,
            }
        )
        if key is not UNSET:
            field_dict["key"] = key
        if value is not UNSET:
            field_dict["value"] = value
        if index is not UNSET:
            field_dict["index"] = index
        if length is not UNSET:
            field_dict["length"] = length
        if text is not UNSET:
            field_dict["text"] = text

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        op = CanvasEditOpKind(d.pop("op"))

        root = d.pop("root")

        def _parse_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        key = _parse_key(d.pop("key", UNSET))

        value = d.pop("value", UNSET)

        def _parse_index(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        index = _parse_index(d.pop("index", UNSET))

        def _parse_length(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        length = _parse_length(d.pop("length", UNSET))

        def _parse_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        text = _parse_text(d.pop("text", UNSET))

        canvas_edit_op = cls(
            op=op,
            root=root,
            key=key,
            value=value,
            index=index,
            length=length,
            text=text,
        )

        canvas_edit_op.additional_properties = d
        return canvas_edit_op

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
