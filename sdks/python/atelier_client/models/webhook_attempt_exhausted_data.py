from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WebhookAttemptExhaustedData")


@_attrs_define
class WebhookAttemptExhaustedData:
    """`data` of `webhook.attempt.exhausted` (data_version 1): A message used every delivery attempt to a webhook endpoint
    and was dead-lettered.

        Attributes:
            endpoint_id (str): The endpoint the message was for.
            event_id (str): The undelivered event (the `webhook-id`).
            event_type (str): The undelivered event's type.
            attempts (int): Attempts made.
            last_response_status (int | None): HTTP status of the last attempt, or null when it got no answer.
            last_error (None | str): Why the last attempt got no answer (connection, timeout...), or null.
    """

    endpoint_id: str
    event_id: str
    event_type: str
    attempts: int
    last_response_status: int | None
    last_error: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        endpoint_id = self.endpoint_id

        event_id = self.event_id

        event_type = self.event_type

        attempts = self.attempts

        last_response_status: int | None
        last_response_status = self.last_response_status

        last_error: None | str
        last_error = self.last_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "event_type": event_type,
                "attempts": attempts,
                "last_response_status": last_response_status,
                "last_error": last_error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        endpoint_id = d.pop("endpoint_id")

        event_id = d.pop("event_id")

        event_type = d.pop("event_type")

        attempts = d.pop("attempts")

        def _parse_last_response_status(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_response_status = _parse_last_response_status(
            d.pop("last_response_status")
        )

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        webhook_attempt_exhausted_data = cls(
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type=event_type,
            attempts=attempts,
            last_response_status=last_response_status,
            last_error=last_error,
        )

        webhook_attempt_exhausted_data.additional_properties = d
        return webhook_attempt_exhausted_data

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
