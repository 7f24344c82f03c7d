from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.feeds_activity_created_data_activity_extra import (
        FeedsActivityCreatedDataActivityExtra,
    )


T = TypeVar("T", bound="FeedsActivityCreatedDataActivity")


@_attrs_define
class FeedsActivityCreatedDataActivity:
    """The activity.

    Attributes:
        id (str): The activity.
        feed_id (str): The feed it was added to.
        actor (str): Who did it.
        verb (str): What they did.
        object_ (str): What they did it to.
        time (datetime.datetime): When it happened.
        to (list[str]): Further feeds it was added to.
        extra (FeedsActivityCreatedDataActivityExtra): Free-form data.
        created_at (datetime.datetime): When it was added.
        updated_at (datetime.datetime): When it last changed.
        target (str | Unset): Where (absent when none).
        foreign_id (str | Unset): The caller's own id for it (absent when none).
    """

    id: str
    feed_id: str
    actor: str
    verb: str
    object_: str
    time: datetime.datetime
    to: list[str]
    extra: FeedsActivityCreatedDataActivityExtra
    created_at: datetime.datetime
    updated_at: datetime.datetime
    target: str | Unset = UNSET
    foreign_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        feed_id = self.feed_id

        actor = self.actor

        verb = self.verb

        object_ = self.object_

        time = self.time.isoformat()

        to = self.to

        extra = self.extra.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        target = self.target

        foreign_id = self.foreign_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "feed_id": feed_id,
                "actor": actor,
                "verb": verb,
                "object": object_,
                "time": time,
                "to": to,
                "extra": extra,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if target is not UNSET:
            field_dict["target"] = target
        if foreign_id is not UNSET:
            field_dict["foreign_id"] = foreign_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.feeds_activity_created_data_activity_extra import (
            FeedsActivityCreatedDataActivityExtra,
        )

        d = dict(src_dict)
        id = d.pop("id")

        feed_id = d.pop("feed_id")

        actor = d.pop("actor")

        verb = d.pop("verb")

        object_ = d.pop("object")

        time = datetime.datetime.fromisoformat(d.pop("time"))

        to = cast(list[str], d.pop("to"))

        extra = FeedsActivityCreatedDataActivityExtra.from_dict(d.pop("extra"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        target = d.pop("target", UNSET)

        foreign_id = d.pop("foreign_id", UNSET)

        feeds_activity_created_data_activity = cls(
            id=id,
            feed_id=feed_id,
            actor=actor,
            verb=verb,
            object_=object_,
            time=time,
            to=to,
            extra=extra,
            created_at=created_at,
            updated_at=updated_at,
            target=target,
            foreign_id=foreign_id,
        )

        feeds_activity_created_data_activity.additional_properties = d
        return feeds_activity_created_data_activity

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
