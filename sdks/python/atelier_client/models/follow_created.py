from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FollowCreated")


@_attrs_define
class FollowCreated:
    """A new follow, with how many activities it copied.

    Attributes:
        feed_id (str):
        target_feed_id (str):
        created_at (datetime.datetime):
        backfilled (int): Activities copied into the follower (0 when it already followed).
    """

    feed_id: str
    target_feed_id: str
    created_at: datetime.datetime
    backfilled: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        feed_id = self.feed_id

        target_feed_id = self.target_feed_id

        created_at = self.created_at.isoformat()

        backfilled = self.backfilled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "feed_id": feed_id,
                "target_feed_id": target_feed_id,
                "created_at": created_at,
                "backfilled": backfilled,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        feed_id = d.pop("feed_id")

        target_feed_id = d.pop("target_feed_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        backfilled = d.pop("backfilled")

        follow_created = cls(
            feed_id=feed_id,
            target_feed_id=target_feed_id,
            created_at=created_at,
            backfilled=backfilled,
        )

        follow_created.additional_properties = d
        return follow_created

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
