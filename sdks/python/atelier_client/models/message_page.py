from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.message import Message


T = TypeVar("T", bound="MessagePage")


@_attrs_define
class MessagePage:
    """A window of a channel's history, oldest first. Like every page it has `next_cursor` and
    `has_more`: they page back in time (older messages), the way a client scrolls.

        Attributes:
            items (list[Message]): Oldest first.
            has_more (bool): Whether older messages precede this window (the same as `has_more_before`).
            has_more_before (bool):
            has_more_after (bool):
            change_cursor (str): The change-feed cursor as of this read: pass it as `cursor` to `GET .../changes` to get
                every change made after.
            next_cursor (str | Unset): Pass as `cursor` to read the messages just before this window; given while
                `has_more`.
    """

    items: list[Message]
    has_more: bool
    has_more_before: bool
    has_more_after: bool
    change_cursor: str
    next_cursor: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        has_more = self.has_more

        has_more_before = self.has_more_before

        has_more_after = self.has_more_after

        change_cursor = self.change_cursor

        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
                "has_more": has_more,
                "has_more_before": has_more_before,
                "has_more_after": has_more_after,
                "change_cursor": change_cursor,
            }
        )
        if next_cursor is not UNSET:
            field_dict["next_cursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.message import Message

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = Message.from_dict(items_item_data)

            items.append(items_item)

        has_more = d.pop("has_more")

        has_more_before = d.pop("has_more_before")

        has_more_after = d.pop("has_more_after")

        change_cursor = d.pop("change_cursor")

        next_cursor = d.pop("next_cursor", UNSET)

        message_page = cls(
            items=items,
            has_more=has_more,
            has_more_before=has_more_before,
            has_more_after=has_more_after,
            change_cursor=change_cursor,
            next_cursor=next_cursor,
        )

        message_page.additional_properties = d
        return message_page

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
