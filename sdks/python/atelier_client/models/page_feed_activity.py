from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.feed_activity import FeedActivity


T = TypeVar("T", bound="PageFeedActivity")


@_attrs_define
class PageFeedActivity:
    """A page of a list read by cursor (see each operation for its order).

    Attributes:
        items (list[FeedActivity]):
        has_more (bool): Whether more items already follow this page.
        next_cursor (str | Unset): Pass back (as the operation's cursor parameter) to read on. Lists that end (search,
            reactors, delivery attempts) give it while `has_more`; logs that grow (events, audit)
            always give the position reached (the cursor given, when the page is empty), so a
            client keeps polling with it.
    """

    items: list[FeedActivity]
    has_more: bool
    next_cursor: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        has_more = self.has_more

        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
                "has_more": has_more,
            }
        )
        if next_cursor is not UNSET:
            field_dict["next_cursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.feed_activity import FeedActivity

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = FeedActivity.from_dict(items_item_data)

            items.append(items_item)

        has_more = d.pop("has_more")

        next_cursor = d.pop("next_cursor", UNSET)

        page_feed_activity = cls(
            items=items,
            has_more=has_more,
            next_cursor=next_cursor,
        )

        page_feed_activity.additional_properties = d
        return page_feed_activity

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
