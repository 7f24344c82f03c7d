from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.chat_channel_created_data_channel_kind import (
    ChatChannelCreatedDataChannelKind,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="ChatChannelCreatedDataChannel")


@_attrs_define
class ChatChannelCreatedDataChannel:
    """The channel as the API shows it.

    Attributes:
        id (str): The channel.
        workspace_id (str): Its workspace.
        kind (ChatChannelCreatedDataChannelKind):
        name (str):
        topic (str):
        archived (bool):
        frozen (bool):
        slow_mode_seconds (int): Seconds between two messages of a member; 0: off.
        last_seq (int): The newest message's sequence number.
        change_seq (int): The newest change-feed position.
        created_at (datetime.datetime): Creation time.
        updated_at (datetime.datetime): Last change.
        direct_member_ids (list[str] | Unset):
        created_by (None | str | Unset): The creator.
    """

    id: str
    workspace_id: str
    kind: ChatChannelCreatedDataChannelKind
    name: str
    topic: str
    archived: bool
    frozen: bool
    slow_mode_seconds: int
    last_seq: int
    change_seq: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    direct_member_ids: list[str] | Unset = UNSET
    created_by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        workspace_id = self.workspace_id

        kind = self.kind.value

        name = self.name

        topic = self.topic

        archived = self.archived

        frozen = self.frozen

        slow_mode_seconds = self.slow_mode_seconds

        last_seq = self.last_seq

        change_seq = self.change_seq

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        direct_member_ids: list[str] | Unset = UNSET
        if not isinstance(self.direct_member_ids, Unset):
            direct_member_ids = self.direct_member_ids

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
                "workspace_id": workspace_id,
                "kind": kind,
                "name": name,
                "topic": topic,
                "archived": archived,
                "frozen": frozen,
                "slow_mode_seconds": slow_mode_seconds,
                "last_seq": last_seq,
                "change_seq": change_seq,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if direct_member_ids is not UNSET:
            field_dict["direct_member_ids"] = direct_member_ids
        if created_by is not UNSET:
            field_dict["created_by"] = created_by

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        workspace_id = d.pop("workspace_id")

        kind = ChatChannelCreatedDataChannelKind(d.pop("kind"))

        name = d.pop("name")

        topic = d.pop("topic")

        archived = d.pop("archived")

        frozen = d.pop("frozen")

        slow_mode_seconds = d.pop("slow_mode_seconds")

        last_seq = d.pop("last_seq")

        change_seq = d.pop("change_seq")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        direct_member_ids = cast(list[str], d.pop("direct_member_ids", UNSET))

        def _parse_created_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))

        chat_channel_created_data_channel = cls(
            id=id,
            workspace_id=workspace_id,
            kind=kind,
            name=name,
            topic=topic,
            archived=archived,
            frozen=frozen,
            slow_mode_seconds=slow_mode_seconds,
            last_seq=last_seq,
            change_seq=change_seq,
            created_at=created_at,
            updated_at=updated_at,
            direct_member_ids=direct_member_ids,
            created_by=created_by,
        )

        chat_channel_created_data_channel.additional_properties = d
        return chat_channel_created_data_channel

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
