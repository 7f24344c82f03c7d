from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ThreadReadState")


@_attrs_define
class ThreadReadState:
    """The caller's read state in a thread.

    Attributes:
        channel_id (str):
        message_id (str): The thread's root message.
        last_read_seq (int):
        unread_count (int): Replies by others after `last_read_seq`.
    """

    channel_id: str
    message_id: str
    last_read_seq: int
    unread_count: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel_id = self.channel_id

        message_id = self.message_id

        last_read_seq = self.last_read_seq

        unread_count = self.unread_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel_id": channel_id,
                "message_id": message_id,
                "last_read_seq": last_read_seq,
                "unread_count": unread_count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        channel_id = d.pop("channel_id")

        message_id = d.pop("message_id")

        last_read_seq = d.pop("last_read_seq")

        unread_count = d.pop("unread_count")

        thread_read_state = cls(
            channel_id=channel_id,
            message_id=message_id,
            last_read_seq=last_read_seq,
            unread_count=unread_count,
        )

        thread_read_state.additional_properties = d
        return thread_read_state

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
