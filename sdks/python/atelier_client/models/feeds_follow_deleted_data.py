from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FeedsFollowDeletedData")


@_attrs_define
class FeedsFollowDeletedData:
    """`data` of `feeds.follow.deleted` (data_version 1): A feed stopped following another.

    Attributes:
        feed_id (str): The follower feed.
        target_feed_id (str): The feed it no longer follows.
        kept_history (bool): Whether the copies already received were kept.
    """

    feed_id: str
    target_feed_id: str
    kept_history: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        feed_id = self.feed_id

        target_feed_id = self.target_feed_id

        kept_history = self.kept_history

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "feed_id": feed_id,
                "target_feed_id": target_feed_id,
                "kept_history": kept_history,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        feed_id = d.pop("feed_id")

        target_feed_id = d.pop("target_feed_id")

        kept_history = d.pop("kept_history")

        feeds_follow_deleted_data = cls(
            feed_id=feed_id,
            target_feed_id=target_feed_id,
            kept_history=kept_history,
        )

        feeds_follow_deleted_data.additional_properties = d
        return feeds_follow_deleted_data

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
