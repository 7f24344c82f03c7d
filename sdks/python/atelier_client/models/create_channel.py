from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.channel_kind import ChannelKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateChannel")


@_attrs_define
class CreateChannel:
    """
    Attributes:
        kind (ChannelKind): A channel's kind: `public` (any workspace member may join), `private` (by invitation) or
            `direct` (a fixed set of 2 to 9 users, exactly one channel per set).
        name (None | str | Unset): 1 to 80 characters; required except for direct channels.
        topic (None | str | Unset): Up to 250 characters.
        member_ids (list[str] | None | Unset): Further members (workspace members). Direct channels: the other
            participants.
        slow_mode_seconds (int | None | Unset): Seconds between two messages of a member (0 to 21600, default 0).
        creator_id (None | str | Unset): API keys only: the user who creates (and owns) the channel, optional. Users
            create as
            themselves.
    """

    kind: ChannelKind
    name: None | str | Unset = UNSET
    topic: None | str | Unset = UNSET
    member_ids: list[str] | None | Unset = UNSET
    slow_mode_seconds: int | None | Unset = UNSET
    creator_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

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

        member_ids: list[str] | None | Unset
        if isinstance(self.member_ids, Unset):
            member_ids = UNSET
        elif isinstance(self.member_ids, list):
            member_ids = self.member_ids

        else:
            member_ids = self.member_ids

        slow_mode_seconds: int | None | Unset
        if isinstance(self.slow_mode_seconds, Unset):
            slow_mode_seconds = UNSET
        else:
            slow_mode_seconds = self.slow_mode_seconds

        creator_id: None | str | Unset
        if isinstance(self.creator_id, Unset):
            creator_id = UNSET
        else:
            creator_id = self.creator_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if topic is not UNSET:
            field_dict["topic"] = topic
        if member_ids is not UNSET:
            field_dict["member_ids"] = member_ids
        if slow_mode_seconds is not UNSET:
            field_dict["slow_mode_seconds"] = slow_mode_seconds
        if creator_id is not UNSET:
            field_dict["creator_id"] = creator_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        kind = ChannelKind(d.pop("kind"))

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

        def _parse_member_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                member_ids_type_0 = cast(list[str], data)

                return member_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        member_ids = _parse_member_ids(d.pop("member_ids", UNSET))

        def _parse_slow_mode_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        slow_mode_seconds = _parse_slow_mode_seconds(d.pop("slow_mode_seconds", UNSET))

        def _parse_creator_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        creator_id = _parse_creator_id(d.pop("creator_id", UNSET))

        create_channel = cls(
            kind=kind,
            name=name,
            topic=topic,
            member_ids=member_ids,
            slow_mode_seconds=slow_mode_seconds,
            creator_id=creator_id,
        )

        create_channel.additional_properties = d
        return create_channel

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
