from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.usage_hour_counters import UsageHourCounters


T = TypeVar("T", bound="UsageHour")


@_attrs_define
class UsageHour:
    """Counters of one hour.

    Attributes:
        hour (datetime.datetime): Start of the hour (UTC).
        counters (UsageHourCounters): Metric → amount, e.g. `op:workspaces.create`, `requests`, `request_bytes`.
    """

    hour: datetime.datetime
    counters: UsageHourCounters
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hour = self.hour.isoformat()

        counters = self.counters.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "hour": hour,
                "counters": counters,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.usage_hour_counters import UsageHourCounters

        d = dict(src_dict)
        hour = datetime.datetime.fromisoformat(d.pop("hour"))

        counters = UsageHourCounters.from_dict(d.pop("counters"))

        usage_hour = cls(
            hour=hour,
            counters=counters,
        )

        usage_hour.additional_properties = d
        return usage_hour

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
