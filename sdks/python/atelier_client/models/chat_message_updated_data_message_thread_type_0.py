from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ChatMessageUpdatedDataMessageThreadType0")


@_attrs_define
class ChatMessageUpdatedDataMessageThreadType0:
    """Thread roots with replies: the thread's counters, else null.

    Attributes:
        reply_count (int):
        participant_ids (list[str]):
        last_reply_at (datetime.datetime | None | Unset): The newest reply.
    """

    reply_count: int
    participant_ids: list[str]
    last_reply_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        reply_count = self.reply_count

        participant_ids = self.participant_ids

        last_reply_at: None | str | Unset
        if isinstance(self.last_reply_at, Unset):
            last_reply_at = UNSET
        elif isinstance(self.last_reply_at, datetime.datetime):
            last_reply_at = self.last_reply_at.isoformat()
        else:
            last_reply_at = self.last_reply_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "reply_count": reply_count,
                "participant_ids": participant_ids,
            }
        )
        if last_reply_at is not UNSET:
            field_dict["last_reply_at"] = last_reply_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        reply_count = d.pop("reply_count")

        participant_ids = cast(list[str], d.pop("participant_ids"))

        def _parse_last_reply_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_reply_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_reply_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_reply_at = _parse_last_reply_at(d.pop("last_reply_at", UNSET))

        chat_message_updated_data_message_thread_type_0 = cls(
            reply_count=reply_count,
            participant_ids=participant_ids,
            last_reply_at=last_reply_at,
        )

        chat_message_updated_data_message_thread_type_0.additional_properties = d
        return chat_message_updated_data_message_thread_type_0

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
