from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_endpoint_updated_data_changed_item import (
    WebhookEndpointUpdatedDataChangedItem,
)

T = TypeVar("T", bound="WebhookEndpointUpdatedData")


@_attrs_define
class WebhookEndpointUpdatedData:
    """`data` of `webhook.endpoint.updated` (data_version 1): A webhook endpoint's settings changed or its signing secret
    was rotated.

        Attributes:
            endpoint_id (str): The endpoint.
            url (str): Where deliveries are sent.
            event_types (list[str]): Event types delivered; empty means every type.
            enabled (bool): Whether deliveries are made.
            changed (list[WebhookEndpointUpdatedDataChangedItem]): What changed.
    """

    endpoint_id: str
    url: str
    event_types: list[str]
    enabled: bool
    changed: list[WebhookEndpointUpdatedDataChangedItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        endpoint_id = self.endpoint_id

        url = self.url

        event_types = self.event_types

        enabled = self.enabled

        changed = []
        for changed_item_data in self.changed:
            changed_item = changed_item_data.value
            changed.append(changed_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "endpoint_id": endpoint_id,
                "url": url,
                "event_types": event_types,
                "enabled": enabled,
                "changed": changed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        endpoint_id = d.pop("endpoint_id")

        url = d.pop("url")

        event_types = cast(list[str], d.pop("event_types"))

        enabled = d.pop("enabled")

        changed = []
        _changed = d.pop("changed")
        for changed_item_data in _changed:
            changed_item = WebhookEndpointUpdatedDataChangedItem(changed_item_data)

            changed.append(changed_item)

        webhook_endpoint_updated_data = cls(
            endpoint_id=endpoint_id,
            url=url,
            event_types=event_types,
            enabled=enabled,
            changed=changed,
        )

        webhook_endpoint_updated_data.additional_properties = d
        return webhook_endpoint_updated_data

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
