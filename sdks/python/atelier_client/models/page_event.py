from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.canvas_document_created_event import CanvasDocumentCreatedEvent
    from ..models.canvas_document_deleted_event import CanvasDocumentDeletedEvent
    from ..models.canvas_document_restored_event import CanvasDocumentRestoredEvent
    from ..models.canvas_document_shared_event import CanvasDocumentSharedEvent
    from ..models.canvas_document_updated_event import CanvasDocumentUpdatedEvent
    from ..models.canvas_document_version_created_event import (
        CanvasDocumentVersionCreatedEvent,
    )
    from ..models.chat_channel_created_event import ChatChannelCreatedEvent
    from ..models.chat_channel_updated_event import ChatChannelUpdatedEvent
    from ..models.chat_member_added_event import ChatMemberAddedEvent
    from ..models.chat_member_removed_event import ChatMemberRemovedEvent
    from ..models.chat_member_updated_event import ChatMemberUpdatedEvent
    from ..models.chat_message_created_event import ChatMessageCreatedEvent
    from ..models.chat_message_deleted_event import ChatMessageDeletedEvent
    from ..models.chat_message_updated_event import ChatMessageUpdatedEvent
    from ..models.chat_reaction_added_event import ChatReactionAddedEvent
    from ..models.chat_reaction_removed_event import ChatReactionRemovedEvent
    from ..models.chat_read_updated_event import ChatReadUpdatedEvent
    from ..models.chat_scheduled_cancelled_event import ChatScheduledCancelledEvent
    from ..models.chat_scheduled_created_event import ChatScheduledCreatedEvent
    from ..models.chat_thread_read_updated_event import ChatThreadReadUpdatedEvent
    from ..models.feeds_activity_created_event import FeedsActivityCreatedEvent
    from ..models.feeds_activity_deleted_event import FeedsActivityDeletedEvent
    from ..models.feeds_activity_updated_event import FeedsActivityUpdatedEvent
    from ..models.feeds_follow_created_event import FeedsFollowCreatedEvent
    from ..models.feeds_follow_deleted_event import FeedsFollowDeletedEvent
    from ..models.feeds_group_created_event import FeedsGroupCreatedEvent
    from ..models.identity_api_key_revoked_event import IdentityApiKeyRevokedEvent
    from ..models.identity_grant_revoked_event import IdentityGrantRevokedEvent
    from ..models.identity_login_revoked_event import IdentityLoginRevokedEvent
    from ..models.identity_member_removed_event import IdentityMemberRemovedEvent
    from ..models.identity_member_updated_event import IdentityMemberUpdatedEvent
    from ..models.identity_user_created_event import IdentityUserCreatedEvent
    from ..models.identity_user_deleted_event import IdentityUserDeletedEvent
    from ..models.identity_workspace_created_event import IdentityWorkspaceCreatedEvent
    from ..models.webhook_attempt_exhausted_event import WebhookAttemptExhaustedEvent
    from ..models.webhook_endpoint_created_event import WebhookEndpointCreatedEvent
    from ..models.webhook_endpoint_deleted_event import WebhookEndpointDeletedEvent
    from ..models.webhook_endpoint_disabled_event import WebhookEndpointDisabledEvent
    from ..models.webhook_endpoint_updated_event import WebhookEndpointUpdatedEvent


T = TypeVar("T", bound="PageEvent")


@_attrs_define
class PageEvent:
    """A page of a list read by cursor (see each operation for its order).

    Attributes:
        items (list[CanvasDocumentCreatedEvent | CanvasDocumentDeletedEvent | CanvasDocumentRestoredEvent |
            CanvasDocumentSharedEvent | CanvasDocumentUpdatedEvent | CanvasDocumentVersionCreatedEvent |
            ChatChannelCreatedEvent | ChatChannelUpdatedEvent | ChatMemberAddedEvent | ChatMemberRemovedEvent |
            ChatMemberUpdatedEvent | ChatMessageCreatedEvent | ChatMessageDeletedEvent | ChatMessageUpdatedEvent |
            ChatReactionAddedEvent | ChatReactionRemovedEvent | ChatReadUpdatedEvent | ChatScheduledCancelledEvent |
            ChatScheduledCreatedEvent | ChatThreadReadUpdatedEvent | FeedsActivityCreatedEvent | FeedsActivityDeletedEvent |
            FeedsActivityUpdatedEvent | FeedsFollowCreatedEvent | FeedsFollowDeletedEvent | FeedsGroupCreatedEvent |
            IdentityApiKeyRevokedEvent | IdentityGrantRevokedEvent | IdentityLoginRevokedEvent | IdentityMemberRemovedEvent
            | IdentityMemberUpdatedEvent | IdentityUserCreatedEvent | IdentityUserDeletedEvent |
            IdentityWorkspaceCreatedEvent | WebhookAttemptExhaustedEvent | WebhookEndpointCreatedEvent |
            WebhookEndpointDeletedEvent | WebhookEndpointDisabledEvent | WebhookEndpointUpdatedEvent]):
        has_more (bool): Whether more items already follow this page.
        next_cursor (str | Unset): Pass back (as the operation's cursor parameter) to read on. Lists that end (search,
            reactors, delivery attempts) give it while `has_more`; logs that grow (events, audit)
            always give the position reached (the cursor given, when the page is empty), so a
            client keeps polling with it.
    """

    items: list[
        CanvasDocumentCreatedEvent
        | CanvasDocumentDeletedEvent
        | CanvasDocumentRestoredEvent
        | CanvasDocumentSharedEvent
        | CanvasDocumentUpdatedEvent
        | CanvasDocumentVersionCreatedEvent
        | ChatChannelCreatedEvent
        | ChatChannelUpdatedEvent
        | ChatMemberAddedEvent
        | ChatMemberRemovedEvent
        | ChatMemberUpdatedEvent
        | ChatMessageCreatedEvent
        | ChatMessageDeletedEvent
        | ChatMessageUpdatedEvent
        | ChatReactionAddedEvent
        | ChatReactionRemovedEvent
        | ChatReadUpdatedEvent
        | ChatScheduledCancelledEvent
        | ChatScheduledCreatedEvent
        | ChatThreadReadUpdatedEvent
        | FeedsActivityCreatedEvent
        | FeedsActivityDeletedEvent
        | FeedsActivityUpdatedEvent
        | FeedsFollowCreatedEvent
        | FeedsFollowDeletedEvent
        | FeedsGroupCreatedEvent
        | IdentityApiKeyRevokedEvent
        | IdentityGrantRevokedEvent
        | IdentityLoginRevokedEvent
        | IdentityMemberRemovedEvent
        | IdentityMemberUpdatedEvent
        | IdentityUserCreatedEvent
        | IdentityUserDeletedEvent
        | IdentityWorkspaceCreatedEvent
        | WebhookAttemptExhaustedEvent
        | WebhookEndpointCreatedEvent
        | WebhookEndpointDeletedEvent
        | WebhookEndpointDisabledEvent
        | WebhookEndpointUpdatedEvent
    ]
    has_more: bool
    next_cursor: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.canvas_document_created_event import CanvasDocumentCreatedEvent
        from ..models.canvas_document_deleted_event import CanvasDocumentDeletedEvent
        from ..models.canvas_document_restored_event import CanvasDocumentRestoredEvent
        from ..models.canvas_document_shared_event import CanvasDocumentSharedEvent
        from ..models.canvas_document_updated_event import CanvasDocumentUpdatedEvent
        from ..models.canvas_document_version_created_event import (
            CanvasDocumentVersionCreatedEvent,
        )
        from ..models.chat_channel_created_event import ChatChannelCreatedEvent
        from ..models.chat_channel_updated_event import ChatChannelUpdatedEvent
        from ..models.chat_member_added_event import ChatMemberAddedEvent
        from ..models.chat_member_removed_event import ChatMemberRemovedEvent
        from ..models.chat_member_updated_event import ChatMemberUpdatedEvent
        from ..models.chat_message_created_event import ChatMessageCreatedEvent
        from ..models.chat_message_deleted_event import ChatMessageDeletedEvent
        from ..models.chat_message_updated_event import ChatMessageUpdatedEvent
        from ..models.chat_reaction_added_event import ChatReactionAddedEvent
        from ..models.chat_reaction_removed_event import ChatReactionRemovedEvent
        from ..models.chat_read_updated_event import ChatReadUpdatedEvent
        from ..models.chat_scheduled_cancelled_event import ChatScheduledCancelledEvent
        from ..models.chat_scheduled_created_event import ChatScheduledCreatedEvent
        from ..models.chat_thread_read_updated_event import ChatThreadReadUpdatedEvent
        from ..models.feeds_activity_created_event import FeedsActivityCreatedEvent
        from ..models.feeds_activity_deleted_event import FeedsActivityDeletedEvent
        from ..models.feeds_activity_updated_event import FeedsActivityUpdatedEvent
        from ..models.feeds_follow_created_event import FeedsFollowCreatedEvent
        from ..models.feeds_follow_deleted_event import FeedsFollowDeletedEvent
        from ..models.feeds_group_created_event import FeedsGroupCreatedEvent
        from ..models.identity_api_key_revoked_event import IdentityApiKeyRevokedEvent
        from ..models.identity_grant_revoked_event import IdentityGrantRevokedEvent
        from ..models.identity_login_revoked_event import IdentityLoginRevokedEvent
        from ..models.identity_member_removed_event import IdentityMemberRemovedEvent
        from ..models.identity_member_updated_event import IdentityMemberUpdatedEvent
        from ..models.identity_user_created_event import IdentityUserCreatedEvent
        from ..models.identity_user_deleted_event import IdentityUserDeletedEvent
        from ..models.identity_workspace_created_event import (
            IdentityWorkspaceCreatedEvent,
        )
        from ..models.webhook_attempt_exhausted_event import (
            WebhookAttemptExhaustedEvent,
        )
        from ..models.webhook_endpoint_created_event import WebhookEndpointCreatedEvent
        from ..models.webhook_endpoint_deleted_event import WebhookEndpointDeletedEvent
        from ..models.webhook_endpoint_disabled_event import (
            WebhookEndpointDisabledEvent,
        )

        items = []
        for items_item_data in self.items:
            items_item: dict[str, Any]
            if (
                isinstance(items_item_data, CanvasDocumentCreatedEvent)
                or isinstance(items_item_data, CanvasDocumentDeletedEvent)
                or isinstance(items_item_data, CanvasDocumentRestoredEvent)
                or isinstance(items_item_data, CanvasDocumentSharedEvent)
                or isinstance(items_item_data, CanvasDocumentUpdatedEvent)
                or isinstance(items_item_data, CanvasDocumentVersionCreatedEvent)
                or isinstance(items_item_data, ChatChannelCreatedEvent)
                or isinstance(items_item_data, ChatChannelUpdatedEvent)
                or isinstance(items_item_data, ChatMemberAddedEvent)
                or isinstance(items_item_data, ChatMemberRemovedEvent)
                or isinstance(items_item_data, ChatMemberUpdatedEvent)
                or isinstance(items_item_data, ChatMessageCreatedEvent)
                or isinstance(items_item_data, ChatMessageDeletedEvent)
                or isinstance(items_item_data, ChatMessageUpdatedEvent)
                or isinstance(items_item_data, ChatReactionAddedEvent)
                or isinstance(items_item_data, ChatReactionRemovedEvent)
                or isinstance(items_item_data, ChatReadUpdatedEvent)
                or isinstance(items_item_data, ChatScheduledCancelledEvent)
                or isinstance(items_item_data, ChatScheduledCreatedEvent)
                or isinstance(items_item_data, ChatThreadReadUpdatedEvent)
                or isinstance(items_item_data, FeedsActivityCreatedEvent)
                or isinstance(items_item_data, FeedsActivityDeletedEvent)
                or isinstance(items_item_data, FeedsActivityUpdatedEvent)
                or isinstance(items_item_data, FeedsFollowCreatedEvent)
                or isinstance(items_item_data, FeedsFollowDeletedEvent)
                or isinstance(items_item_data, FeedsGroupCreatedEvent)
                or isinstance(items_item_data, IdentityApiKeyRevokedEvent)
                or isinstance(items_item_data, IdentityGrantRevokedEvent)
                or isinstance(items_item_data, IdentityLoginRevokedEvent)
                or isinstance(items_item_data, IdentityMemberRemovedEvent)
                or isinstance(items_item_data, IdentityMemberUpdatedEvent)
                or isinstance(items_item_data, IdentityUserCreatedEvent)
                or isinstance(items_item_data, IdentityUserDeletedEvent)
                or isinstance(items_item_data, IdentityWorkspaceCreatedEvent)
                or isinstance(items_item_data, WebhookAttemptExhaustedEvent)
                or isinstance(items_item_data, WebhookEndpointCreatedEvent)
                or isinstance(items_item_data, WebhookEndpointDeletedEvent)
                or isinstance(items_item_data, WebhookEndpointDisabledEvent)
            ):
                items_item = items_item_data.to_dict()
            else:
                items_item = items_item_data.to_dict()

            items.append(items_item)

        has_more = self.has_more

        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
                "has_more": has_more,
            }
        )
        if next_cursor is not UNSET:
            field_dict["next_cursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.canvas_document_created_event import CanvasDocumentCreatedEvent
        from ..models.canvas_document_deleted_event import CanvasDocumentDeletedEvent
        from ..models.canvas_document_restored_event import CanvasDocumentRestoredEvent
        from ..models.canvas_document_shared_event import CanvasDocumentSharedEvent
        from ..models.canvas_document_updated_event import CanvasDocumentUpdatedEvent
        from ..models.canvas_document_version_created_event import (
            CanvasDocumentVersionCreatedEvent,
        )
        from ..models.chat_channel_created_event import ChatChannelCreatedEvent
        from ..models.chat_channel_updated_event import ChatChannelUpdatedEvent
        from ..models.chat_member_added_event import ChatMemberAddedEvent
        from ..models.chat_member_removed_event import ChatMemberRemovedEvent
        from ..models.chat_member_updated_event import ChatMemberUpdatedEvent
        from ..models.chat_message_created_event import ChatMessageCreatedEvent
        from ..models.chat_message_deleted_event import ChatMessageDeletedEvent
        from ..models.chat_message_updated_event import ChatMessageUpdatedEvent
        from ..models.chat_reaction_added_event import ChatReactionAddedEvent
        from ..models.chat_reaction_removed_event import ChatReactionRemovedEvent
        from ..models.chat_read_updated_event import ChatReadUpdatedEvent
        from ..models.chat_scheduled_cancelled_event import ChatScheduledCancelledEvent
        from ..models.chat_scheduled_created_event import ChatScheduledCreatedEvent
        from ..models.chat_thread_read_updated_event import ChatThreadReadUpdatedEvent
        from ..models.feeds_activity_created_event import FeedsActivityCreatedEvent
        from ..models.feeds_activity_deleted_event import FeedsActivityDeletedEvent
        from ..models.feeds_activity_updated_event import FeedsActivityUpdatedEvent
        from ..models.feeds_follow_created_event import FeedsFollowCreatedEvent
        from ..models.feeds_follow_deleted_event import FeedsFollowDeletedEvent
        from ..models.feeds_group_created_event import FeedsGroupCreatedEvent
        from ..models.identity_api_key_revoked_event import IdentityApiKeyRevokedEvent
        from ..models.identity_grant_revoked_event import IdentityGrantRevokedEvent
        from ..models.identity_login_revoked_event import IdentityLoginRevokedEvent
        from ..models.identity_member_removed_event import IdentityMemberRemovedEvent
        from ..models.identity_member_updated_event import IdentityMemberUpdatedEvent
        from ..models.identity_user_created_event import IdentityUserCreatedEvent
        from ..models.identity_user_deleted_event import IdentityUserDeletedEvent
        from ..models.identity_workspace_created_event import (
            IdentityWorkspaceCreatedEvent,
        )
        from ..models.webhook_attempt_exhausted_event import (
            WebhookAttemptExhaustedEvent,
        )
        from ..models.webhook_endpoint_created_event import WebhookEndpointCreatedEvent
        from ..models.webhook_endpoint_deleted_event import WebhookEndpointDeletedEvent
        from ..models.webhook_endpoint_disabled_event import (
            WebhookEndpointDisabledEvent,
        )
        from ..models.webhook_endpoint_updated_event import WebhookEndpointUpdatedEvent

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:

            def _parse_items_item(
                data: object,
            ) -> (
                CanvasDocumentCreatedEvent
                | CanvasDocumentDeletedEvent
                | CanvasDocumentRestoredEvent
                | CanvasDocumentSharedEvent
                | CanvasDocumentUpdatedEvent
                | CanvasDocumentVersionCreatedEvent
                | ChatChannelCreatedEvent
                | ChatChannelUpdatedEvent
                | ChatMemberAddedEvent
                | ChatMemberRemovedEvent
                | ChatMemberUpdatedEvent
                | ChatMessageCreatedEvent
                | ChatMessageDeletedEvent
                | ChatMessageUpdatedEvent
                | ChatReactionAddedEvent
                | ChatReactionRemovedEvent
                | ChatReadUpdatedEvent
                | ChatScheduledCancelledEvent
                | ChatScheduledCreatedEvent
                | ChatThreadReadUpdatedEvent
                | FeedsActivityCreatedEvent
                | FeedsActivityDeletedEvent
                | FeedsActivityUpdatedEvent
                | FeedsFollowCreatedEvent
                | FeedsFollowDeletedEvent
                | FeedsGroupCreatedEvent
                | IdentityApiKeyRevokedEvent
                | IdentityGrantRevokedEvent
                | IdentityLoginRevokedEvent
                | IdentityMemberRemovedEvent
                | IdentityMemberUpdatedEvent
                | IdentityUserCreatedEvent
                | IdentityUserDeletedEvent
                | IdentityWorkspaceCreatedEvent
                | WebhookAttemptExhaustedEvent
                | WebhookEndpointCreatedEvent
                | WebhookEndpointDeletedEvent
                | WebhookEndpointDisabledEvent
                | WebhookEndpointUpdatedEvent
            ):
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_0 = (
                        CanvasDocumentCreatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_1 = (
                        CanvasDocumentDeletedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_2 = (
                        CanvasDocumentRestoredEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_3 = (
                        CanvasDocumentSharedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_4 = (
                        CanvasDocumentUpdatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_4
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_5 = (
                        CanvasDocumentVersionCreatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_5
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_6 = ChatChannelCreatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_6
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_7 = ChatChannelUpdatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_7
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_8 = ChatMemberAddedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_8
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_9 = ChatMemberRemovedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_9
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_10 = ChatMemberUpdatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_10
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_11 = ChatMessageCreatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_11
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_12 = ChatMessageDeletedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_12
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_13 = ChatMessageUpdatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_13
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_14 = ChatReactionAddedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_14
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_15 = (
                        ChatReactionRemovedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_15
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_16 = ChatReadUpdatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_16
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_17 = (
                        ChatScheduledCancelledEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_17
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_18 = (
                        ChatScheduledCreatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_18
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_19 = (
                        ChatThreadReadUpdatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_19
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_20 = (
                        FeedsActivityCreatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_20
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_21 = (
                        FeedsActivityDeletedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_21
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_22 = (
                        FeedsActivityUpdatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_22
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_23 = FeedsFollowCreatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_23
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_24 = FeedsFollowDeletedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_24
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_25 = FeedsGroupCreatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_event_type_25
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_26 = (
                        IdentityApiKeyRevokedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_26
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_27 = (
                        IdentityGrantRevokedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_27
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_28 = (
                        IdentityLoginRevokedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_28
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_29 = (
                        IdentityMemberRemovedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_29
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_30 = (
                        IdentityMemberUpdatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_30
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_31 = (
                        IdentityUserCreatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_31
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_32 = (
                        IdentityUserDeletedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_32
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_33 = (
                        IdentityWorkspaceCreatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_33
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_34 = (
                        WebhookAttemptExhaustedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_34
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_35 = (
                        WebhookEndpointCreatedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_35
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_36 = (
                        WebhookEndpointDeletedEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_36
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_event_type_37 = (
                        WebhookEndpointDisabledEvent.from_dict(data)
                    )

                    return componentsschemas_event_type_37
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_event_type_38 = WebhookEndpointUpdatedEvent.from_dict(
                    data
                )

                return componentsschemas_event_type_38

            items_item = _parse_items_item(items_item_data)

            items.append(items_item)

        has_more = d.pop("has_more")

        next_cursor = d.pop("next_cursor", UNSET)

        page_event = cls(
            items=items,
            has_more=has_more,
            next_cursor=next_cursor,
        )

        page_event.additional_properties = d
        return page_event

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
