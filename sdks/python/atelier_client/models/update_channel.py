from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateChannel")


@_attrs_define
class UpdateChannel:
    """Changes; absent fields stay as they are.

    Attributes:
        name (None | str | Unset):
        topic (None | str | Unset):
        archived (bool | None | Unset):
        frozen (bool | None | Unset):
        slow_mode_seconds (int | None | Unset):
    """

    name: None | str | Unset = UNSET
    topic: None | str | Unset = UNSET
    archived: bool | None | Unset = UNSET
    frozen: bool | None | Unset = UNSET
    slow_mode_seconds: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        topic: None | str | Unset
        if isinstance(self.topic, Unset):
            topic = UNSET
        else:
            topic = self.topic

        archived: bool | None | Unset
        if isinstance(self.archived, Unset):
            archived = UNSET
        else:
            archived = self.archived

        frozen: bool | None | Unset
        if isinstance(self.frozen, Unset):
            frozen = UNSET
        else:
            frozen = self.frozen

        slow_mode_seconds: int | None | Unset
        if isinstance(self.slow_mode_seconds, Unset):
            slow_mode_seconds = UNSET
        else:
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

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_topic(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        topic = _parse_topic(d.pop("topic", UNSET))

        def _parse_archived(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        archived = _parse_archived(d.pop("archived", UNSET))

        def _parse_frozen(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        frozen = _parse_frozen(d.pop("frozen", UNSET))

        def _parse_slow_mode_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        slow_mode_seconds = _parse_slow_mode_seconds(d.pop("slow_mode_seconds", UNSET))

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
