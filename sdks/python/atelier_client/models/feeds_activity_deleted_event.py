from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.feeds_activity_deleted_event_data_version import (
    FeedsActivityDeletedEventDataVersion,
)
from ..models.feeds_activity_deleted_event_type import FeedsActivityDeletedEventType

if TYPE_CHECKING:
    from ..models.feeds_activity_deleted_data import FeedsActivityDeletedData


T = TypeVar("T", bound="FeedsActivityDeletedEvent")


@_attrs_define
class FeedsActivityDeletedEvent:
    """An activity was deleted from every feed holding it.

    Attributes:
        id (str): Stable event id (`evt_...`); de-duplicate on it.
        type_ (FeedsActivityDeletedEventType): The event type.
        envelope_version (int): Version of the envelope layout.
        data_version (FeedsActivityDeletedEventDataVersion):
        tenant (str): The tenant (`ten_...`).
        occurred_at (datetime.datetime):
        aggregate_type (str): What the event is about, e.g. `workspace`.
        aggregate_id (str):
        data (FeedsActivityDeletedData): `data` of `feeds.activity.deleted` (data_version 1): An activity was deleted
            from every feed holding it.
    """

    id: str
    type_: FeedsActivityDeletedEventType
    envelope_version: int
    data_version: FeedsActivityDeletedEventDataVersion
    tenant: str
    occurred_at: datetime.datetime
    aggregate_type: str
    aggregate_id: str
    data: FeedsActivityDeletedData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        type_ = self.type_.value

        envelope_version = self.envelope_version

        data_version = self.data_version.value

        tenant = self.tenant

        occurred_at = self.occurred_at.isoformat()

        aggregate_type = self.aggregate_type

        aggregate_id = self.aggregate_id

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "envelope_version": envelope_version,
                "data_version": data_version,
                "tenant": tenant,
                "occurred_at": occurred_at,
                "aggregate_type": aggregate_type,
                "aggregate_id": aggregate_id,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.feeds_activity_deleted_data import FeedsActivityDeletedData

        d = dict(src_dict)
        id = d.pop("id")

        type_ = FeedsActivityDeletedEventType(d.pop("type"))

        envelope_version = d.pop("envelope_version")

        data_version = FeedsActivityDeletedEventDataVersion(d.pop("data_version"))

        tenant = d.pop("tenant")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        aggregate_type = d.pop("aggregate_type")

        aggregate_id = d.pop("aggregate_id")

        data = FeedsActivityDeletedData.from_dict(d.pop("data"))

        feeds_activity_deleted_event = cls(
            id=id,
            type_=type_,
            envelope_version=envelope_version,
            data_version=data_version,
            tenant=tenant,
            occurred_at=occurred_at,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            data=data,
        )

        feeds_activity_deleted_event.additional_properties = d
        return feeds_activity_deleted_event

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
