from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FeedsActivityDeletedData")


@_attrs_define
class FeedsActivityDeletedData:
    """`data` of `feeds.activity.deleted` (data_version 1): An activity was deleted from every feed holding it.

    Attributes:
        feed_id (str): The feed it was added to.
        activity_id (str): The activity.
        foreign_id (str): Its foreign id (empty when none).
    """

    feed_id: str
    activity_id: str
    foreign_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        feed_id = self.feed_id

        activity_id = self.activity_id

        foreign_id = self.foreign_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "feed_id": feed_id,
                "activity_id": activity_id,
                "foreign_id": foreign_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        feed_id = d.pop("feed_id")

        activity_id = d.pop("activity_id")

        foreign_id = d.pop("foreign_id")

        feeds_activity_deleted_data = cls(
            feed_id=feed_id,
            activity_id=activity_id,
            foreign_id=foreign_id,
        )

        feeds_activity_deleted_data.additional_properties = d
        return feeds_activity_deleted_data

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
