from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.identity_login_revoked_data_reason import IdentityLoginRevokedDataReason

T = TypeVar("T", bound="IdentityLoginRevokedData")


@_attrs_define
class IdentityLoginRevokedData:
    """`data` of `identity.login.revoked` (data_version 1): A login (refresh-token family) was revoked: its tokens are
    refused and its realtime sockets closed.

        Attributes:
            user_id (str): The user whose login it was.
            login_id (str): The login (the `sid` claim of its access tokens).
            reason (IdentityLoginRevokedDataReason): `refresh_token_reused` (a used refresh token was presented again) or
                `revoked` (signed out, or the user deleted).
    """

    user_id: str
    login_id: str
    reason: IdentityLoginRevokedDataReason
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        login_id = self.login_id

        reason = self.reason.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "login_id": login_id,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        login_id = d.pop("login_id")

        reason = IdentityLoginRevokedDataReason(d.pop("reason"))

        identity_login_revoked_data = cls(
            user_id=user_id,
            login_id=login_id,
            reason=reason,
        )

        identity_login_revoked_data.additional_properties = d
        return identity_login_revoked_data

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
