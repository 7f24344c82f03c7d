from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WebhookEndpointDisabledData")


@_attrs_define
class WebhookEndpointDisabledData:
    """`data` of `webhook.endpoint.disabled` (data_version 1): Atelier disabled a webhook endpoint (it answered 410 Gone,
    or kept failing).

        Attributes:
            endpoint_id (str): The disabled endpoint.
            reason (str): Why: `gone` after a 410 answer, `failing` after failing for `webhooks.disable_after`.
    """

    endpoint_id: str
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        endpoint_id = self.endpoint_id

        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "endpoint_id": endpoint_id,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        endpoint_id = d.pop("endpoint_id")

        reason = d.pop("reason")

        webhook_endpoint_disabled_data = cls(
            endpoint_id=endpoint_id,
            reason=reason,
        )

        webhook_endpoint_disabled_data.additional_properties = d
        return webhook_endpoint_disabled_data

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
