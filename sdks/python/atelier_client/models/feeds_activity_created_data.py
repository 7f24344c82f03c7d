from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.feeds_activity_created_data_activity import (
        FeedsActivityCreatedDataActivity,
    )


T = TypeVar("T", bound="FeedsActivityCreatedData")


@_attrs_define
class FeedsActivityCreatedData:
    """`data` of `feeds.activity.created` (data_version 1): An activity was added to a feed (and its `to` targets).

    Attributes:
        feed_id (str): The feed it was added to.
        activity (FeedsActivityCreatedDataActivity): The activity.
    """

    feed_id: str
    activity: FeedsActivityCreatedDataActivity
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        feed_id = self.feed_id

        activity = self.activity.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "feed_id": feed_id,
                "activity": activity,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.feeds_activity_created_data_activity import (
            FeedsActivityCreatedDataActivity,
        )

        d = dict(src_dict)
        feed_id = d.pop("feed_id")

        activity = FeedsActivityCreatedDataActivity.from_dict(d.pop("activity"))

        feeds_activity_created_data = cls(
            feed_id=feed_id,
            activity=activity,
        )

        feeds_activity_created_data.additional_properties = d
        return feeds_activity_created_data

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
