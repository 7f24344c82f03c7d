from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.activity import Activity


T = TypeVar("T", bound="FeedActivity")


@_attrs_define
class FeedActivity:
    """An activity in a feed.

    Attributes:
        position (int): Its position in this feed: later arrivals have higher positions.
        activity (Activity): An activity.
    """

    position: int
    activity: Activity
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        position = self.position

        activity = self.activity.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "position": position,
                "activity": activity,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.activity import Activity

        d = dict(src_dict)
        position = d.pop("position")

        activity = Activity.from_dict(d.pop("activity"))

        feed_activity = cls(
            position=position,
            activity=activity,
        )

        feed_activity.additional_properties = d
        return feed_activity

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
