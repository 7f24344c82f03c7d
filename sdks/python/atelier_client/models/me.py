from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.api_key_scope import ApiKeyScope
from ..models.principal_kind import PrincipalKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="Me")


@_attrs_define
class Me:
    """The authenticated caller.

    Attributes:
        tenant_id (str):
        kind (PrincipalKind): What kind of principal called.
        user_id (str | Unset):
        api_key_id (str | Unset):
        scope (ApiKeyScope | Unset): An API key's scope: `full` may do everything the tenant's administrators may,
            `read_only`
            only reads.
    """

    tenant_id: str
    kind: PrincipalKind
    user_id: str | Unset = UNSET
    api_key_id: str | Unset = UNSET
    scope: ApiKeyScope | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tenant_id = self.tenant_id

        kind = self.kind.value

        user_id = self.user_id

        api_key_id = self.api_key_id

        scope: str | Unset = UNSET
        if not isinstance(self.scope, Unset):
            scope = self.scope.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tenant_id": tenant_id,
                "kind": kind,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if api_key_id is not UNSET:
            field_dict["api_key_id"] = api_key_id
        if scope is not UNSET:
            field_dict["scope"] = scope

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        tenant_id = d.pop("tenant_id")

        kind = PrincipalKind(d.pop("kind"))

        user_id = d.pop("user_id", UNSET)

        api_key_id = d.pop("api_key_id", UNSET)

        _scope = d.pop("scope", UNSET)
        scope: ApiKeyScope | Unset
        if isinstance(_scope, Unset):
            scope = UNSET
        else:
            scope = ApiKeyScope(_scope)

        me = cls(
            tenant_id=tenant_id,
            kind=kind,
            user_id=user_id,
            api_key_id=api_key_id,
            scope=scope,
        )

        me.additional_properties = d
        return me

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
