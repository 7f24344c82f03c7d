from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_webhook_endpoint_headers import CreateWebhookEndpointHeaders


T = TypeVar("T", bound="CreateWebhookEndpoint")


@_attrs_define
class CreateWebhookEndpoint:
    """
    Attributes:
        url (str): `https://` URL (at most 2048 characters, no user name or password). Addresses are
            checked when delivering: private, loopback and link-local ones are refused.
        description (str | Unset): Up to 500 characters.
        event_types (list[str] | Unset): Event types to deliver (see `GET /v1/event-types`); absent or empty: every
            type.
        rate_limit_per_second (int | Unset): 1 to 10000 deliveries per second; absent: unthrottled.
        headers (CreateWebhookEndpointHeaders | Unset): Up to 20 extra headers (values up to 1024 visible ASCII
            characters). `webhook-*`,
            `content-type`, `content-length`, `host`, `user-agent` and hop-by-hop headers are
            reserved.
        enabled (bool | Unset): Default `true`.
    """

    url: str
    description: str | Unset = UNSET
    event_types: list[str] | Unset = UNSET
    rate_limit_per_second: int | Unset = UNSET
    headers: CreateWebhookEndpointHeaders | Unset = UNSET
    enabled: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        description = self.description

        event_types: list[str] | Unset = UNSET
        if not isinstance(self.event_types, Unset):
            event_types = self.event_types

        rate_limit_per_second = self.rate_limit_per_second

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        enabled = self.enabled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if rate_limit_per_second is not UNSET:
            field_dict["rate_limit_per_second"] = rate_limit_per_second
        if headers is not UNSET:
            field_dict["headers"] = headers
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.create_webhook_endpoint_headers import (
            CreateWebhookEndpointHeaders,
        )

        d = dict(src_dict)
        url = d.pop("url")

        description = d.pop("description", UNSET)

        event_types = cast(list[str], d.pop("event_types", UNSET))

        rate_limit_per_second = d.pop("rate_limit_per_second", UNSET)

        _headers = d.pop("headers", UNSET)
        headers: CreateWebhookEndpointHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = CreateWebhookEndpointHeaders.from_dict(_headers)

        enabled = d.pop("enabled", UNSET)

        create_webhook_endpoint = cls(
            url=url,
            description=description,
            event_types=event_types,
            rate_limit_per_second=rate_limit_per_second,
            headers=headers,
            enabled=enabled,
        )

        create_webhook_endpoint.additional_properties = d
        return create_webhook_endpoint

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
