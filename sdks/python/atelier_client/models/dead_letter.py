from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DeadLetter")


@_attrs_define
class DeadLetter:
    """A message in a dead-letter queue.

    Attributes:
        routing_key (str):
        attempt (int): Attempts made before it was dead-lettered.
        reason (str): `exhausted`, `rejected` or `delivery_limit`.
        body (str): The message body as text.
        message_id (str | Unset):
        last_error (str | Unset):
        dead_lettered_at (str | Unset):
    """

    routing_key: str
    attempt: int
    reason: str
    body: str
    message_id: str | Unset = UNSET
    last_error: str | Unset = UNSET
    dead_lettered_at: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        routing_key = self.routing_key

        attempt = self.attempt

        reason = self.reason

        body = self.body

        message_id = self.message_id

        last_error = self.last_error

        dead_lettered_at = self.dead_lettered_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "routing_key": routing_key,
                "attempt": attempt,
                "reason": reason,
                "body": body,
            }
        )
        if message_id is not UNSET:
            field_dict["message_id"] = message_id
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if dead_lettered_at is not UNSET:
            field_dict["dead_lettered_at"] = dead_lettered_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        routing_key = d.pop("routing_key")

        attempt = d.pop("attempt")

        reason = d.pop("reason")

        body = d.pop("body")

        message_id = d.pop("message_id", UNSET)

        last_error = d.pop("last_error", UNSET)

        dead_lettered_at = d.pop("dead_lettered_at", UNSET)

        dead_letter = cls(
            routing_key=routing_key,
            attempt=attempt,
            reason=reason,
            body=body,
            message_id=message_id,
            last_error=last_error,
            dead_lettered_at=dead_lettered_at,
        )

        dead_letter.additional_properties = d
        return dead_letter

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
