from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AuditVerification")


@_attrs_define
class AuditVerification:
    """The result of recomputing the chain.

    Attributes:
        ok (bool): True when every record's hash and link check out.
        checked (int): Records examined.
        first_broken_seq (int | Unset): The first seq that is missing, altered or mislinked.
        reason (str | Unset):
        head_hash (str | Unset): The newest record's hash when intact; keep a copy elsewhere to detect truncation.
    """

    ok: bool
    checked: int
    first_broken_seq: int | Unset = UNSET
    reason: str | Unset = UNSET
    head_hash: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ok = self.ok

        checked = self.checked

        first_broken_seq = self.first_broken_seq

        reason = self.reason

        head_hash = self.head_hash

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ok": ok,
                "checked": checked,
            }
        )
        if first_broken_seq is not UNSET:
            field_dict["first_broken_seq"] = first_broken_seq
        if reason is not UNSET:
            field_dict["reason"] = reason
        if head_hash is not UNSET:
            field_dict["head_hash"] = head_hash

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        ok = d.pop("ok")

        checked = d.pop("checked")

        first_broken_seq = d.pop("first_broken_seq", UNSET)

        reason = d.pop("reason", UNSET)

        head_hash = d.pop("head_hash", UNSET)

        audit_verification = cls(
            ok=ok,
            checked=checked,
            first_broken_seq=first_broken_seq,
            reason=reason,
            head_hash=head_hash,
        )

        audit_verification.additional_properties = d
        return audit_verification

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
