from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.channel_kind import ChannelKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="Channel")


@_attrs_define
class Channel:
    """A channel.

    Attributes:
        id (str): `chn_...`.
        workspace_id (str):
        kind (ChannelKind): A channel's kind: `public` (any workspace member may join), `private` (by invitation) or
            `direct` (a fixed set of 2 to 9 users, exactly one channel per set).
        name (str): Empty for direct channels.
        topic (str):
        direct_member_ids (list[str]): Direct channels: their members, sorted.
        archived (bool): Archived channels are read-only and hidden from nothing; unarchive to use them again.
        frozen (bool): Frozen channels are read-only: sends answer 403 `channel_frozen`.
        slow_mode_seconds (int): Seconds a member waits between two messages (0: off); moderators are exempt.
        last_seq (int): The newest message's sequence number (0: none yet).
        change_seq (int): The newest change-feed position.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        created_by (str | Unset):
    """

    id: str
    workspace_id: str
    kind: ChannelKind
    name: str
    topic: str
    direct_member_ids: list[str]
    archived: bool
    frozen: bool
    slow_mode_seconds: int
    last_seq: int
    change_seq: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    created_by: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        workspace_id = self.workspace_id

        kind = self.kind.value

        name = self.name

        topic = self.topic

        direct_member_ids = self.direct_member_ids

        archived = self.archived

        frozen = self.frozen

        slow_mode_seconds = self.slow_mode_seconds

        last_seq = self.last_seq

        change_seq = self.change_seq

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        created_by = self.created_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "workspace_id": workspace_id,
                "kind": kind,
                "name": name,
                "topic": topic,
                "direct_member_ids": direct_member_ids,
                "archived": archived,
                "frozen": frozen,
                "slow_mode_seconds": slow_mode_seconds,
                "last_seq": last_seq,
                "change_seq": change_seq,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if created_by is not UNSET:
            field_dict["created_by"] = created_by

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        workspace_id = d.pop("workspace_id")

        kind = ChannelKind(d.pop("kind"))

        name = d.pop("name")

        topic = d.pop("topic")

        direct_member_ids = cast(list[str], d.pop("direct_member_ids"))

        archived = d.pop("archived")

        frozen = d.pop("frozen")

        slow_mode_seconds = d.pop("slow_mode_seconds")

        last_seq = d.pop("last_seq")

        change_seq = d.pop("change_seq")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        created_by = d.pop("created_by", UNSET)

        channel = cls(
            id=id,
            workspace_id=workspace_id,
            kind=kind,
            name=name,
            topic=topic,
            direct_member_ids=direct_member_ids,
            archived=archived,
            frozen=frozen,
            slow_mode_seconds=slow_mode_seconds,
            last_seq=last_seq,
            change_seq=change_seq,
            created_at=created_at,
            updated_at=updated_at,
            created_by=created_by,
        )

        channel.additional_properties = d
        return channel

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
