from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.add_activity_extra_type_0 import AddActivityExtraType0


T = TypeVar("T", bound="AddActivity")


@_attrs_define
class AddActivity:
    """
    Attributes:
        verb (str):
        object_ (str):
        actor (None | str | Unset): Who did it. API keys: required. Users: their own user id (the default).
        target (None | str | Unset):
        time (datetime.datetime | None | Unset): When it happened (default: now).
        foreign_id (None | str | Unset): Your own id for it: update and delete by it everywhere it went.
        to (list[str] | None | Unset): Further feeds to add it to (at most 20; the caller must be able to write each).
        extra (AddActivityExtraType0 | None | Unset): Free-form data, at most `feeds.max_extra_bytes` of JSON (413
            `extra_too_large`).
    """

    verb: str
    object_: str
    actor: None | str | Unset = UNSET
    target: None | str | Unset = UNSET
    time: datetime.datetime | None | Unset = UNSET
    foreign_id: None | str | Unset = UNSET
    to: list[str] | None | Unset = UNSET
    extra: AddActivityExtraType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.add_activity_extra_type_0 import AddActivityExtraType0

        verb = self.verb

        object_ = self.object_

        actor: None | str | Unset
        if isinstance(self.actor, Unset):
            actor = UNSET
        else:
            actor = self.actor

        target: None | str | Unset
        if isinstance(self.target, Unset):
            target = UNSET
        else:
            target = self.target

        time: None | str | Unset
        if isinstance(self.time, Unset):
            time = UNSET
        elif isinstance(self.time, datetime.datetime):
            time = self.time.isoformat()
        else:
            time = self.time

        foreign_id: None | str | Unset
        if isinstance(self.foreign_id, Unset):
            foreign_id = UNSET
        else:
            foreign_id = self.foreign_id

        to: list[str] | None | Unset
        if isinstance(self.to, Unset):
            to = UNSET
        elif isinstance(self.to, list):
            to = self.to

        else:
            to = self.to

        extra: dict[str, Any] | None | Unset
        if isinstance(self.extra, Unset):
            extra = UNSET
        elif isinstance(self.extra, AddActivityExtraType0):
            extra = self.extra.to_dict()
        else:
            extra = self.extra

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "verb": verb,
                "object": object_,
            }
        )
        if actor is not UNSET:
            field_dict["actor"] = actor
        if target is not UNSET:
            field_dict["target"] = target
        if time is not UNSET:
            field_dict["time"] = time
        if foreign_id is not UNSET:
            field_dict["foreign_id"] = foreign_id
        if to is not UNSET:
            field_dict["to"] = to
        if extra is not UNSET:
            field_dict["extra"] = extra

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.add_activity_extra_type_0 import AddActivityExtraType0

        d = dict(src_dict)
        verb = d.pop("verb")

        object_ = d.pop("object")

        def _parse_actor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor = _parse_actor(d.pop("actor", UNSET))

        def _parse_target(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        target = _parse_target(d.pop("target", UNSET))

        def _parse_time(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                time_type_0 = datetime.datetime.fromisoformat(data)

                return time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        time = _parse_time(d.pop("time", UNSET))

        def _parse_foreign_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        foreign_id = _parse_foreign_id(d.pop("foreign_id", UNSET))

        def _parse_to(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                to_type_0 = cast(list[str], data)

                return to_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        to = _parse_to(d.pop("to", UNSET))

        def _parse_extra(data: object) -> AddActivityExtraType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                extra_type_0 = AddActivityExtraType0.from_dict(data)

                return extra_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AddActivityExtraType0 | None | Unset, data)

        extra = _parse_extra(d.pop("extra", UNSET))

        add_activity = cls(
            verb=verb,
            object_=object_,
            actor=actor,
            target=target,
            time=time,
            foreign_id=foreign_id,
            to=to,
            extra=extra,
        )

        add_activity.additional_properties = d
        return add_activity

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
