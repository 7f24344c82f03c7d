from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.canvas_json_content import CanvasJsonContent


T = TypeVar("T", bound="CanvasJson")


@_attrs_define
class CanvasJson:
    """The content as JSON: each declared root rendered (maps as objects, arrays as arrays, texts
    as strings, XML fragments as XML strings).

        Attributes:
            document_id (str):
            content (CanvasJsonContent):
    """

    document_id: str
    content: CanvasJsonContent
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document_id = self.document_id

        content = self.content.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "document_id": document_id,
                "content": content,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.canvas_json_content import CanvasJsonContent

        d = dict(src_dict)
        document_id = d.pop("document_id")

        content = CanvasJsonContent.from_dict(d.pop("content"))

        canvas_json = cls(
            document_id=document_id,
            content=content,
        )

        canvas_json.additional_properties = d
        return canvas_json

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
