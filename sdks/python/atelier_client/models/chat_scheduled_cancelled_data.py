from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ChatScheduledCancelledData")


@_attrs_define
class ChatScheduledCancelledData:
    """`data` of `chat.scheduled.cancelled` (data_version 1): A scheduled message was cancelled before it was sent.

    Attributes:
        channel_id (str): The channel.
        workspace_id (str): The channel's workspace.
        scheduled_message_id (str): The scheduled message.
        author_id (str): Who it is sent as.
        send_at (datetime.datetime): When it is (or was to be) sent.
    """

    channel_id: str
    workspace_id: str
    scheduled_message_id: str
    author_id: str
    send_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel_id = self.channel_id

        workspace_id = self.workspace_id

        scheduled_message_id = self.scheduled_message_id

        author_id = self.author_id

        send_at = self.send_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel_id": channel_id,
                "workspace_id": workspace_id,
                "scheduled_message_id": scheduled_message_id,
                "author_id": author_id,
                "send_at": send_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        channel_id = d.pop("channel_id")

        workspace_id = d.pop("workspace_id")

        scheduled_message_id = d.pop("scheduled_message_id")

        author_id = d.pop("author_id")

        send_at = datetime.datetime.fromisoformat(d.pop("send_at"))

        chat_scheduled_cancelled_data = cls(
            channel_id=channel_id,
            workspace_id=workspace_id,
            scheduled_message_id=scheduled_message_id,
            author_id=author_id,
            send_at=send_at,
        )

        chat_scheduled_cancelled_data.additional_properties = d
        return chat_scheduled_cancelled_data

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
