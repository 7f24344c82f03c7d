from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.feed_group_kind import FeedGroupKind
from ..models.feed_owner import FeedOwner

T = TypeVar("T", bound="CreateFeedGroup")


@_attrs_define
class CreateFeedGroup:
    """
    Attributes:
        name (str): 1 to 32 characters: a lower-case letter, then lower-case letters, digits or `_`.
        kind (FeedGroupKind): How a group's feeds are read: `flat` (activities newest first).
        owner (FeedOwner): Who owns a group's feeds, which decides who reads and writes them: `user` (keyed by a user
            id; that user and API keys), `workspace` (keyed by a workspace id; members who may read the
            workspace's resources, and API keys), `backend` (any key; API keys only).
    """

    name: str
    kind: FeedGroupKind
    owner: FeedOwner
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

        kind = FeedGroupKind(d.pop("kind"))

        owner = FeedOwner(d.pop("owner"))

        create_feed_group = cls(
            name=name,
            kind=kind,
            owner=owner,
        )

        create_feed_group.additional_properties = d
        return create_feed_group

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
