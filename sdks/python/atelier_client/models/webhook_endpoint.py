from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpoint")


@_attrs_define
class WebhookEndpoint:
    """A webhook endpoint (without its secrets: the signing secret and the custom header values).

    Attributes:
        id (str): `wep_...`.
        url (str): Where deliveries are `POST`ed.
        description (str):
        event_types (list[str]): Event types delivered (see `GET /v1/event-types`); empty means every type.
        enabled (bool): Whether deliveries are made.
        header_names (list[str]): Names of the extra headers sent with every delivery, sorted; their values are at
            `GET .../headers` (full-scope keys only).
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        disabled_reason (str | Unset): Why Atelier disabled the endpoint: `gone` (it answered 410) or `failing`.
        rate_limit_per_second (int | Unset): Deliveries per second at most; absent means unthrottled.
        failing_since (datetime.datetime | Unset): Start of the current run of failed deliveries, if any.
    """

    id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    header_names: list[str]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    disabled_reason: str | Unset = UNSET
    rate_limit_per_second: int | Unset = UNSET
    failing_since: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        url = self.url

        description = self.description

        event_types = self.event_types

        enabled = self.enabled

        header_names = self.header_names

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        disabled_reason = self.disabled_reason

        rate_limit_per_second = self.rate_limit_per_second

        failing_since: str | Unset = UNSET
        if not isinstance(self.failing_since, Unset):
            failing_since = self.failing_since.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "url": url,
                "description": description,
                "event_types": event_types,
                "enabled": enabled,
                "header_names": header_names,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if disabled_reason is not UNSET:
            field_dict["disabled_reason"] = disabled_reason
        if rate_limit_per_second is not UNSET:
            field_dict["rate_limit_per_second"] = rate_limit_per_second
        if failing_since is not UNSET:
            field_dict["failing_since"] = failing_since

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        url = d.pop("url")

        description = d.pop("description")

        event_types = cast(list[str], d.pop("event_types"))

        enabled = d.pop("enabled")

        header_names = cast(list[str], d.pop("header_names"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        disabled_reason = d.pop("disabled_reason", UNSET)

        rate_limit_per_second = d.pop("rate_limit_per_second", UNSET)

        _failing_since = d.pop("failing_since", UNSET)
        failing_since: datetime.datetime | Unset
        if isinstance(_failing_since, Unset):
            failing_since = UNSET
        else:
            failing_since = datetime.datetime.fromisoformat(_failing_since)

        webhook_endpoint = cls(
            id=id,
            url=url,
            description=description,
            event_types=event_types,
            enabled=enabled,
            header_names=header_names,
            created_at=created_at,
            updated_at=updated_at,
            disabled_reason=disabled_reason,
            rate_limit_per_second=rate_limit_per_second,
            failing_since=failing_since,
        )

        webhook_endpoint.additional_properties = d
        return webhook_endpoint

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
