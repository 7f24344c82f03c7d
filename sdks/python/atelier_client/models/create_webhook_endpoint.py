from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_webhook_endpoint_headers_type_0 import (
        CreateWebhookEndpointHeadersType0,
    )


T = TypeVar("T", bound="CreateWebhookEndpoint")


@_attrs_define
class CreateWebhookEndpoint:
    """
    Attributes:
        url (str): `https://` URL (at most 2048 characters, no user name or password). Addresses are
            checked when delivering: private, loopback and link-local ones are refused.
        description (None | str | Unset): Up to 500 characters.
        event_types (list[str] | None | Unset): Event types to deliver (see `GET /v1/event-types`); absent or empty:
            every type.
        rate_limit_per_second (int | None | Unset): 1 to 10000 deliveries per second; absent: unthrottled.
        headers (CreateWebhookEndpointHeadersType0 | None | Unset): Up to 20 extra headers (values up to 1024 visible
            ASCII characters). `webhook-*`,
            `content-type`, `content-length`, `host`, `user-agent` and hop-by-hop headers are
            reserved.
        enabled (bool | None | Unset): Default `true`.
    """

    url: str
    description: None | str | Unset = UNSET
    event_types: list[str] | None | Unset = UNSET
    rate_limit_per_second: int | None | Unset = UNSET
    headers: CreateWebhookEndpointHeadersType0 | None | Unset = UNSET
    enabled: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_webhook_endpoint_headers_type_0 import (
            CreateWebhookEndpointHeadersType0,
        )

        url = self.url

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        event_types: list[str] | None | Unset
        if isinstance(self.event_types, Unset):
            event_types = UNSET
        elif isinstance(self.event_types, list):
            event_types = self.event_types

        else:
            event_types = self.event_types

        rate_limit_per_second: int | None | Unset
        if isinstance(self.rate_limit_per_second, Unset):
            rate_limit_per_second = UNSET
        else:
            rate_limit_per_second = self.rate_limit_per_second

        headers: dict[str, Any] | None | Unset
        if isinstance(self.headers, Unset):
            headers = UNSET
        elif isinstance(self.headers, CreateWebhookEndpointHeadersType0):
            headers = self.headers.to_dict()
        else:
            headers = self.headers

        enabled: bool | None | Unset
        if isinstance(self.enabled, Unset):
            enabled = UNSET
        else:
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
        from ..models.create_webhook_endpoint_headers_type_0 import (
            CreateWebhookEndpointHeadersType0,
        )

        d = dict(src_dict)
        url = d.pop("url")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_event_types(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                event_types_type_0 = cast(list[str], data)

                return event_types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        event_types = _parse_event_types(d.pop("event_types", UNSET))

        def _parse_rate_limit_per_second(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_limit_per_second = _parse_rate_limit_per_second(
            d.pop("rate_limit_per_second", UNSET)
        )

        def _parse_headers(
            data: object,
        ) -> CreateWebhookEndpointHeadersType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                headers_type_0 = CreateWebhookEndpointHeadersType0.from_dict(data)

                return headers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateWebhookEndpointHeadersType0 | None | Unset, data)

        headers = _parse_headers(d.pop("headers", UNSET))

        def _parse_enabled(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        enabled = _parse_enabled(d.pop("enabled", UNSET))

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
