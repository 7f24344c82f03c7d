from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.update_webhook_endpoint_headers import UpdateWebhookEndpointHeaders


T = TypeVar("T", bound="UpdateWebhookEndpoint")


@_attrs_define
class UpdateWebhookEndpoint:
    """Changes; absent fields stay as they are.

    Attributes:
        url (str | Unset):
        description (str | Unset):
        event_types (list[str] | Unset): Empty: every type.
        rate_limit_per_second (int | Unset): `null` removes the limit.
        headers (UpdateWebhookEndpointHeaders | Unset): Replaces every extra header.
        enabled (bool | Unset): `true` re-enables an endpoint Atelier disabled.
    """

    url: str | Unset = UNSET
    description: str | Unset = UNSET
    event_types: list[str] | Unset = UNSET
    rate_limit_per_second: int | Unset = UNSET
    headers: UpdateWebhookEndpointHeaders | Unset = UNSET
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
        field_dict.update({})
        if url is not UNSET:
            field_dict["url"] = url
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
        from ..models.update_webhook_endpoint_headers import (
            UpdateWebhookEndpointHeaders,
        )

        d = dict(src_dict)
        url = d.pop("url", UNSET)

        description = d.pop("description", UNSET)

        event_types = cast(list[str], d.pop("event_types", UNSET))

        rate_limit_per_second = d.pop("rate_limit_per_second", UNSET)

        _headers = d.pop("headers", UNSET)
        headers: UpdateWebhookEndpointHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = UpdateWebhookEndpointHeaders.from_dict(_headers)

        enabled = d.pop("enabled", UNSET)

        update_webhook_endpoint = cls(
            url=url,
            description=description,
            event_types=event_types,
            rate_limit_per_second=rate_limit_per_second,
            headers=headers,
            enabled=enabled,
        )

        update_webhook_endpoint.additional_properties = d
        return update_webhook_endpoint

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
