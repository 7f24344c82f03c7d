from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.canvas_document_version_created_data_version_kind import (
    CanvasDocumentVersionCreatedDataVersionKind,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="CanvasDocumentVersionCreatedDataVersion")


@_attrs_define
class CanvasDocumentVersionCreatedDataVersion:
    """The version (without its content).

    Attributes:
        id (str): The version.
        kind (CanvasDocumentVersionCreatedDataVersionKind):
        created_at (datetime.datetime):
        bytes_ (int):
        name (None | str | Unset):
        created_by (None | str | Unset): Who asked for it.
    """

    id: str
    kind: CanvasDocumentVersionCreatedDataVersionKind
    created_at: datetime.datetime
    bytes_: int
    name: None | str | Unset = UNSET
    created_by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind.value

        created_at = self.created_at.isoformat()

        bytes_ = self.bytes_

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

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

        kind = CanvasDocumentVersionCreatedDataVersionKind(d.pop("kind"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        bytes_ = d.pop("bytes")

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_created_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))

        canvas_document_version_created_data_version = cls(
            id=id,
            kind=kind,
            created_at=created_at,
            bytes_=bytes_,
            name=name,
            created_by=created_by,
        )

        canvas_document_version_created_data_version.additional_properties = d
        return canvas_document_version_created_data_version

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
