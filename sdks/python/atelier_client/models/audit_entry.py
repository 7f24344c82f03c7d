from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """One record of the audit chain.

    Attributes:
        seq (int): Position in the tenant's chain: 1, 2, 3, ...
        at (datetime.datetime):
        actor (str): `key:<id>`, `user:<id>`, `system` or `anonymous`.
        action (str): An operationId (`workspaces.create`) or an event (`auth.login_failed`).
        target (str): What it concerned, usually the request path.
        outcome (str): `committed` (a write, recorded in its own transaction), the HTTP status (a request
            that changed nothing: a refusal, a retry), or `denied`.
        details (Any): Small JSON object with event details.
        prev_hash (str): `hash` of the previous record (64 zeros for seq 1).
        hash_ (str): SHA-256 (hex) over `prev_hash` and the record's canonical encoding.
        request_id (str | Unset):
    """

    seq: int
    at: datetime.datetime
    actor: str
    action: str
    target: str
    outcome: str
    details: Any
    prev_hash: str
    hash_: str
    request_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seq = self.seq

        at = self.at.isoformat()

        actor = self.actor

        action = self.action

        target = self.target

        outcome = self.outcome

        details = self.details

        prev_hash = self.prev_hash

        hash_ = self.hash_

        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "target": target,
                "outcome": outcome,
                "details": details,
                "prev_hash": prev_hash,
                "hash": hash_,
            }
        )
        if request_id is not UNSET:
            field_dict["request_id"] = request_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        seq = d.pop("seq")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        actor = d.pop("actor")

        action = d.pop("action")

        target = d.pop("target")

        outcome = d.pop("outcome")

        details = d.pop("details")

        prev_hash = d.pop("prev_hash")

        hash_ = d.pop("hash")

        request_id = d.pop("request_id", UNSET)

        audit_entry = cls(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            target=target,
            outcome=outcome,
            details=details,
            prev_hash=prev_hash,
            hash_=hash_,
            request_id=request_id,
        )

        audit_entry.additional_properties = d
        return audit_entry

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
