from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FollowFeed")


@_attrs_define
class FollowFeed:
    """
    Attributes:
        backfill_limit (int | None | Unset): How many of the target's latest activities to copy (default 100, at most
            1,000).
    """

    backfill_limit: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        backfill_limit: int | None | Unset
        if isinstance(self.backfill_limit, Unset):
            backfill_limit = UNSET
        else:
            backfill_limit = self.backfill_limit

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if backfill_limit is not UNSET:
            field_dict["backfill_limit"] = backfill_limit

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_backfill_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        backfill_limit = _parse_backfill_limit(d.pop("backfill_limit", UNSET))

        follow_feed = cls(
            backfill_limit=backfill_limit,
        )

        follow_feed.additional_properties = d
        return follow_feed

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
