from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_attempt_status import WebhookAttemptStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookAttempt")


@_attrs_define
class WebhookAttempt:
    """One delivery attempt.

    Attributes:
        id (str): `wat_...`
        endpoint_id (str):
        event_id (str): The message: the event id, sent as `webhook-id`.
        event_type (str):
        attempt (int): 1-based attempt number of this delivery (a resend starts at 1 again).
        at (datetime.datetime):
        status (WebhookAttemptStatus): How an attempt ended.
        response_status (int | Unset): The receiver's HTTP status, when it answered.
        latency_ms (int | Unset): Time to the response headers, or to the failure.
        response_body (str | Unset): The first 2 KiB of the response body (invalid UTF-8 replaced).
        error (str | Unset): Why no answer was received, or why the attempt was skipped.
    """

    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    attempt: int
    at: datetime.datetime
    status: WebhookAttemptStatus
    response_status: int | Unset = UNSET
    latency_ms: int | Unset = UNSET
    response_body: str | Unset = UNSET
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        endpoint_id = self.endpoint_id

        event_id = self.event_id

        event_type = self.event_type

        attempt = self.attempt

        at = self.at.isoformat()

        status = self.status.value

        response_status = self.response_status

        latency_ms = self.latency_ms

        response_body = self.response_body

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "event_type": event_type,
                "attempt": attempt,
                "at": at,
                "status": status,
            }
        )
        if response_status is not UNSET:
            field_dict["response_status"] = response_status
        if latency_ms is not UNSET:
            field_dict["latency_ms"] = latency_ms
        if response_body is not UNSET:
            field_dict["response_body"] = response_body
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        endpoint_id = d.pop("endpoint_id")

        event_id = d.pop("event_id")

        event_type = d.pop("event_type")

        attempt = d.pop("attempt")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        status = WebhookAttemptStatus(d.pop("status"))

        response_status = d.pop("response_status", UNSET)

        latency_ms = d.pop("latency_ms", UNSET)

        response_body = d.pop("response_body", UNSET)

        error = d.pop("error", UNSET)

        webhook_attempt = cls(
            id=id,
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type=event_type,
            attempt=attempt,
            at=at,
            status=status,
            response_status=response_status,
            latency_ms=latency_ms,
            response_body=response_body,
            error=error,
        )

        webhook_attempt.additional_properties = d
        return webhook_attempt

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
