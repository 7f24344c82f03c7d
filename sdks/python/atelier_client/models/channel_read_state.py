from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ChannelReadState")


@_attrs_define
class ChannelReadState:
    """The caller's read state in a channel.

    Attributes:
        channel_id (str):
        last_read_seq (int): Messages up to this sequence number are read.
        unread_count (int): Top-level messages by others after `last_read_seq` (deleted ones excluded).
        mention_count (int): Those of them mentioning the caller or `@channel`.
    """

    channel_id: str
    last_read_seq: int
    unread_count: int
    mention_count: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel_id = self.channel_id

        last_read_seq = self.last_read_seq

        unread_count = self.unread_count

        mention_count = self.mention_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel_id": channel_id,
                "last_read_seq": last_read_seq,
                "unread_count": unread_count,
                "mention_count": mention_count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        channel_id = d.pop("channel_id")

        last_read_seq = d.pop("last_read_seq")

        unread_count = d.pop("unread_count")

        mention_count = d.pop("mention_count")

        channel_read_state = cls(
            channel_id=channel_id,
            last_read_seq=last_read_seq,
            unread_count=unread_count,
            mention_count=mention_count,
        )

        channel_read_state.additional_properties = d
        return channel_read_state

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
