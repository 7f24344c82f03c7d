from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_api_key_scope_type_1 import CreateApiKeyScopeType1
from ..models.create_api_key_scope_type_2_type_1 import CreateApiKeyScopeType2Type1
from ..models.create_api_key_scope_type_3_type_1 import CreateApiKeyScopeType3Type1
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateApiKey")


@_attrs_define
class CreateApiKey:
    """A new key; `scope` defaults to `full`.

    Attributes:
        name (str): 1 to 100 characters.
        scope (CreateApiKeyScopeType1 | CreateApiKeyScopeType2Type1 | CreateApiKeyScopeType3Type1 | None | Unset): An
            API key's scope: `full` may do everything the tenant's administrators may, `read_only`
            only reads.
    """

    name: str
    scope: (
        CreateApiKeyScopeType1
        | CreateApiKeyScopeType2Type1
        | CreateApiKeyScopeType3Type1
        | None
        | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        scope: None | str | Unset
        if isinstance(self.scope, Unset):
            scope = UNSET
        elif (
            isinstance(self.scope, CreateApiKeyScopeType1)
            or isinstance(self.scope, CreateApiKeyScopeType2Type1)
            or isinstance(self.scope, CreateApiKeyScopeType3Type1)
        ):
            scope = self.scope.value
        else:
            scope = self.scope

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if scope is not UNSET:
            field_dict["scope"] = scope

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        def _parse_scope(
            data: object,
        ) -> (
            CreateApiKeyScopeType1
            | CreateApiKeyScopeType2Type1
            | CreateApiKeyScopeType3Type1
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scope_type_1 = CreateApiKeyScopeType1(data)

                return scope_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scope_type_2_type_1 = CreateApiKeyScopeType2Type1(data)

                return scope_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scope_type_3_type_1 = CreateApiKeyScopeType3Type1(data)

                return scope_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                CreateApiKeyScopeType1
                | CreateApiKeyScopeType2Type1
                | CreateApiKeyScopeType3Type1
                | None
                | Unset,
                data,
            )

        scope = _parse_scope(d.pop("scope", UNSET))

        create_api_key = cls(
            name=name,
            scope=scope,
        )

        create_api_key.additional_properties = d
        return create_api_key

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
