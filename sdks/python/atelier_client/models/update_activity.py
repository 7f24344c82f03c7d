from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.update_activity_extra_type_0 import UpdateActivityExtraType0


T = TypeVar("T", bound="UpdateActivity")


@_attrs_define
class UpdateActivity:
    """Changes; absent fields stay as they are.

    Attributes:
        verb (None | str | Unset):
        object_ (None | str | Unset):
        target (None | str | Unset):
        time (datetime.datetime | None | Unset):
        extra (None | Unset | UpdateActivityExtraType0): Replaces the extra data.
    """

    verb: None | str | Unset = UNSET
    object_: None | str | Unset = UNSET
    target: None | str | Unset = UNSET
    time: datetime.datetime | None | Unset = UNSET
    extra: None | Unset | UpdateActivityExtraType0 = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.update_activity_extra_type_0 import UpdateActivityExtraType0

        verb: None | str | Unset
        if isinstance(self.verb, Unset):
            verb = UNSET
        else:
            verb = self.verb

        object_: None | str | Unset
        if isinstance(self.object_, Unset):
            object_ = UNSET
        else:
            object_ = self.object_

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

        extra: dict[str, Any] | None | Unset
        if isinstance(self.extra, Unset):
            extra = UNSET
        elif isinstance(self.extra, UpdateActivityExtraType0):
            extra = self.extra.to_dict()
        else:
            extra = self.extra

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if verb is not UNSET:
            field_dict["verb"] = verb
        if object_ is not UNSET:
            field_dict["object"] = object_
        if target is not UNSET:
            field_dict["target"] = target
        if time is not UNSET:
            field_dict["time"] = time
        if extra is not UNSET:
            field_dict["extra"] = extra

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.update_activity_extra_type_0 import UpdateActivityExtraType0

        d = dict(src_dict)

        def _parse_verb(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        verb = _parse_verb(d.pop("verb", UNSET))

        def _parse_object_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        object_ = _parse_object_(d.pop("object", UNSET))

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

        def _parse_extra(data: object) -> None | Unset | UpdateActivityExtraType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                extra_type_0 = UpdateActivityExtraType0.from_dict(data)

                return extra_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdateActivityExtraType0, data)

        extra = _parse_extra(d.pop("extra", UNSET))

        update_activity = cls(
            verb=verb,
            object_=object_,
            target=target,
            time=time,
            extra=extra,
        )

        update_activity.additional_properties = d
        return update_activity

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
