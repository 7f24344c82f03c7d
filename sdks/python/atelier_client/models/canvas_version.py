from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.canvas_version_kind import CanvasVersionKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="CanvasVersion")


@_attrs_define
class CanvasVersion:
    """A version of a document (without its content).

    Attributes:
        id (str): `ver_...`.
        document_id (str):
        kind (CanvasVersionKind): How a version came to be.
        created_at (datetime.datetime):
        bytes_ (int): Encoded size of the content.
        name (str | Unset):
        created_by (str | Unset):
    """

    id: str
    document_id: str
    kind: CanvasVersionKind
    created_at: datetime.datetime
    bytes_: int
    name: str | Unset = UNSET
    created_by: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        document_id = self.document_id

        kind = self.kind.value

        created_at = self.created_at.isoformat()

        bytes_ = self.bytes_

        name = self.name

        created_by = self.created_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "document_id": document_id,
                "kind": kind,
                "created_at": created_at,
                "bytes": bytes_,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if created_by is not UNSET:
            field_dict["created_by"] = created_by

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        document_id = d.pop("document_id")

        kind = CanvasVersionKind(d.pop("kind"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        bytes_ = d.pop("bytes")

        name = d.pop("name", UNSET)

        created_by = d.pop("created_by", UNSET)

        canvas_version = cls(
            id=id,
            document_id=document_id,
            kind=kind,
            created_at=created_at,
            bytes_=bytes_,
            name=name,
            created_by=created_by,
        )

        canvas_version.additional_properties = d
        return canvas_version

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
