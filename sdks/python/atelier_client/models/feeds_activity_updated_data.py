from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.feeds_activity_updated_data_activity import (
        FeedsActivityUpdatedDataActivity,
    )


T = TypeVar("T", bound="FeedsActivityUpdatedData")


@_attrs_define
class FeedsActivityUpdatedData:
    """`data` of `feeds.activity.updated` (data_version 1): An activity changed; every feed holding it shows the change.

    Attributes:
        feed_id (str): The feed it was added to.
        activity (FeedsActivityUpdatedDataActivity): The activity.
    """

    feed_id: str
    activity: FeedsActivityUpdatedDataActivity
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
        from ..models.feeds_activity_updated_data_activity import (
            FeedsActivityUpdatedDataActivity,
        )

        d = dict(src_dict)
        feed_id = d.pop("feed_id")

        activity = FeedsActivityUpdatedDataActivity.from_dict(d.pop("activity"))

        feeds_activity_updated_data = cls(
            feed_id=feed_id,
            activity=activity,
        )

        feeds_activity_updated_data.additional_properties = d
        return feeds_activity_updated_data

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
