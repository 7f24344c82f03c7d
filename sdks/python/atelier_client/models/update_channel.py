from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateChannel")


@_attrs_define
class UpdateChannel:
    """Changes; absent fields stay as they are.

    Attributes:
        name (str | Unset):
        topic (str | Unset):
        archived (bool | Unset):
        frozen (bool | Unset):
        slow_mode_seconds (int | Unset):
    """

    name: str | Unset = UNSET
    topic: str | Unset = UNSET
    archived: bool | Unset = UNSET
    frozen: bool | Unset = UNSET
    slow_mode_seconds: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        topic = self.topic

        archived = self.archived

        frozen = self.frozen

        slow_mode_seconds = self.slow_mode_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if topic is not UNSET:
            field_dict["topic"] = topic
        if archived is not UNSET:
            field_dict["archived"] = archived
        if frozen is not UNSET:
            field_dict["frozen"] = frozen
        if slow_mode_seconds is not UNSET:
            field_dict["slow_mode_seconds"] = slow_mode_seconds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        topic = d.pop("topic", UNSET)

        archived = d.pop("archived", UNSET)

        frozen = d.pop("frozen", UNSET)

        slow_mode_seconds = d.pop("slow_mode_seconds", UNSET)

        update_channel = cls(
            name=name,
            topic=topic,
            archived=archived,
            frozen=frozen,
            slow_mode_seconds=slow_mode_seconds,
        )

        update_channel.additional_properties = d
        return update_channel

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
