from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Follow")


@_attrs_define
class Follow:
    """A follow: `feed_id` follows `target_feed_id`.

    Attributes:
        feed_id (str):
        target_feed_id (str):
        created_at (datetime.datetime):
    """

    feed_id: str
    target_feed_id: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        feed_id = self.feed_id

        target_feed_id = self.target_feed_id

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "feed_id": feed_id,
                "target_feed_id": target_feed_id,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        feed_id = d.pop("feed_id")

        target_feed_id = d.pop("target_feed_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        follow = cls(
            feed_id=feed_id,
            target_feed_id=target_feed_id,
            created_at=created_at,
        )

        follow.additional_properties = d
        return follow

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
