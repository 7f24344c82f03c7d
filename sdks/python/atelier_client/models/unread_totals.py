from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.channel_read_state import ChannelReadState
    from ..models.thread_read_state import ThreadReadState


T = TypeVar("T", bound="UnreadTotals")


@_attrs_define
class UnreadTotals:
    """The caller's totals across channels and threads.

    Attributes:
        unread_count (int): Sum of the channels' `unread_count`.
        mention_count (int): Sum of the channels' `mention_count`.
        thread_unread_count (int): Sum of the threads' `unread_count`.
        channels (list[ChannelReadState]): Every channel the caller is a member of.
        threads (list[ThreadReadState]): Every thread the caller takes part in (wrote the root or replied).
    """

    unread_count: int
    mention_count: int
    thread_unread_count: int
    channels: list[ChannelReadState]
    threads: list[ThreadReadState]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        unread_count = self.unread_count

        mention_count = self.mention_count

        thread_unread_count = self.thread_unread_count

        channels = []
        for channels_item_data in self.channels:
            channels_item = channels_item_data.to_dict()
            channels.append(channels_item)

        threads = []
        for threads_item_data in self.threads:
            threads_item = threads_item_data.to_dict()
            threads.append(threads_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "unread_count": unread_count,
                "mention_count": mention_count,
                "thread_unread_count": thread_unread_count,
                "channels": channels,
                "threads": threads,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.channel_read_state import ChannelReadState
        from ..models.thread_read_state import ThreadReadState

        d = dict(src_dict)
        unread_count = d.pop("unread_count")

        mention_count = d.pop("mention_count")

        thread_unread_count = d.pop("thread_unread_count")

        channels = []
        _channels = d.pop("channels")
        for channels_item_data in _channels:
            channels_item = ChannelReadState.from_dict(channels_item_data)

            channels.append(channels_item)

        threads = []
        _threads = d.pop("threads")
        for threads_item_data in _threads:
            threads_item = ThreadReadState.from_dict(threads_item_data)

            threads.append(threads_item)

        unread_totals = cls(
            unread_count=unread_count,
            mention_count=mention_count,
            thread_unread_count=thread_unread_count,
            channels=channels,
            threads=threads,
        )

        unread_totals.additional_properties = d
        return unread_totals

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
