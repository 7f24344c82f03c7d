from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.usage_hour import UsageHour
    from ..models.usage_report_totals import UsageReportTotals


T = TypeVar("T", bound="UsageReport")


@_attrs_define
class UsageReport:
    """
    Attributes:
        from_ (datetime.datetime): Start of the range (inclusive), rounded down to its hour.
        to (datetime.datetime): End of the range (exclusive).
        hours (list[UsageHour]): Hours with any usage, oldest first.
        totals (UsageReportTotals): Every counter summed over the range.
    """

    from_: datetime.datetime
    to: datetime.datetime
    hours: list[UsageHour]
    totals: UsageReportTotals
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.isoformat()

        to = self.to.isoformat()

        hours = []
        for hours_item_data in self.hours:
            hours_item = hours_item_data.to_dict()
            hours.append(hours_item)

        totals = self.totals.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "to": to,
                "hours": hours,
                "totals": totals,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.usage_hour import UsageHour
        from ..models.usage_report_totals import UsageReportTotals

        d = dict(src_dict)
        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        hours = []
        _hours = d.pop("hours")
        for hours_item_data in _hours:
            hours_item = UsageHour.from_dict(hours_item_data)

            hours.append(hours_item)

        totals = UsageReportTotals.from_dict(d.pop("totals"))

        usage_report = cls(
            from_=from_,
            to=to,
            hours=hours,
            totals=totals,
        )

        usage_report.additional_properties = d
        return usage_report

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
