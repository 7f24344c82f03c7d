from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EventTypeView")


@_attrs_define
class EventTypeView:
    """One catalogued event type.

    Attributes:
        type_ (str): Dotted type, also the RabbitMQ routing key, e.g. `identity.user.created`.
        data_version (int): Version of the `data` layout this schema describes.
        description (str): What happened, in one line.
        schema (Any): JSON Schema (draft 2020-12) of the event's `data`.
    """

    type_: str
    data_version: int
    description: str
    schema: Any
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        data_version = self.data_version

        description = self.description

        schema = self.schema

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "data_version": data_version,
                "description": description,
                "schema": schema,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        type_ = d.pop("type")

        data_version = d.pop("data_version")

        description = d.pop("description")

        schema = d.pop("schema")

        event_type_view = cls(
            type_=type_,
            data_version=data_version,
            description=description,
            schema=schema,
        )

        event_type_view.additional_properties = d
        return event_type_view

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
