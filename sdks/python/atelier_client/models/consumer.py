from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Consumer")


@_attrs_define
class Consumer:
    """A consumer of this deployment and the state of its queues.

    Attributes:
        name (str):
        bindings (list[str]): Routing-key patterns it is bound to.
        dead_letters (int): Messages in its dead-letter queue.
        alive (bool | Unset): Whether this node's instance currently holds a subscription (`null` on nodes not running
            consumers).
    """

    name: str
    bindings: list[str]
    dead_letters: int
    alive: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        bindings = self.bindings

        dead_letters = self.dead_letters

        alive = self.alive

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "bindings": bindings,
                "dead_letters": dead_letters,
            }
        )
        if alive is not UNSET:
            field_dict["alive"] = alive

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        bindings = cast(list[str], d.pop("bindings"))

        dead_letters = d.pop("dead_letters")

        alive = d.pop("alive", UNSET)

        consumer = cls(
            name=name,
            bindings=bindings,
            dead_letters=dead_letters,
            alive=alive,
        )

        consumer.additional_properties = d
        return consumer

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
