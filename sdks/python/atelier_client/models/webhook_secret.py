from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.previous_webhook_secret import PreviousWebhookSecret


T = TypeVar("T", bound="WebhookSecret")


@_attrs_define
class WebhookSecret:
    """An endpoint's signing secrets.

    Attributes:
        secret (str): The current secret (`whsec_...`); every delivery is signed with it.
        created_at (datetime.datetime):
        previous (list[PreviousWebhookSecret]): Secrets replaced by a rotation that still sign deliveries until
            `expires_at`, newest
            first; receivers accept any of them meanwhile.
    """

    secret: str
    created_at: datetime.datetime
    previous: list[PreviousWebhookSecret]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        secret = self.secret

        created_at = self.created_at.isoformat()

        previous = []
        for previous_item_data in self.previous:
            previous_item = previous_item_data.to_dict()
            previous.append(previous_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "secret": secret,
                "created_at": created_at,
                "previous": previous,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.previous_webhook_secret import PreviousWebhookSecret

        d = dict(src_dict)
        secret = d.pop("secret")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        previous = []
        _previous = d.pop("previous")
        for previous_item_data in _previous:
            previous_item = PreviousWebhookSecret.from_dict(previous_item_data)

            previous.append(previous_item)

        webhook_secret = cls(
            secret=secret,
            created_at=created_at,
            previous=previous,
        )

        webhook_secret.additional_properties = d
        return webhook_secret

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
