from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.feeds_group_created_data_kind import FeedsGroupCreatedDataKind
from ..models.feeds_group_created_data_owner import FeedsGroupCreatedDataOwner

T = TypeVar("T", bound="FeedsGroupCreatedData")


@_attrs_define
class FeedsGroupCreatedData:
    """`data` of `feeds.group.created` (data_version 1): A feed group was created.

    Attributes:
        name (str): The group's name.
        kind (FeedsGroupCreatedDataKind): How its feeds are read.
        owner (FeedsGroupCreatedDataOwner): Who owns its feeds: `user`, `workspace` or `backend`.
    """

    name: str
    kind: FeedsGroupCreatedDataKind
    owner: FeedsGroupCreatedDataOwner
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        kind = self.kind.value

        owner = self.owner.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "kind": kind,
                "owner": owner,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        kind = FeedsGroupCreatedDataKind(d.pop("kind"))

        owner = FeedsGroupCreatedDataOwner(d.pop("owner"))

        feeds_group_created_data = cls(
            name=name,
            kind=kind,
            owner=owner,
        )

        feeds_group_created_data.additional_properties = d
        return feeds_group_created_data

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
