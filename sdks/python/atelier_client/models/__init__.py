"""Contains all the data models used in inputs/outputs"""

from .activity import Activity
from .activity_extra import ActivityExtra
from .activity_list import ActivityList
from .add_activities import AddActivities
from .add_activity import AddActivity
from .add_activity_extra_type_0 import AddActivityExtraType0
from .add_reaction import AddReaction
from .api_key import ApiKey
from .api_key_scope import ApiKeyScope
from .attachment import Attachment
from .audit_entry import AuditEntry
from .audit_verification import AuditVerification
from .canvas_change import CanvasChange
from .canvas_content import CanvasContent
from .canvas_diff import CanvasDiff
from .canvas_document import CanvasDocument
from .canvas_document_created_data import CanvasDocumentCreatedData
from .canvas_document_created_data_document import CanvasDocumentCreatedDataDocument
from .canvas_document_created_data_document_roots_item import (
    CanvasDocumentCreatedDataDocumentRootsItem,
)
from .canvas_document_created_data_document_roots_item_kind import (
    CanvasDocumentCreatedDataDocumentRootsItemKind,
)
from .canvas_document_created_event import CanvasDocumentCreatedEvent
from .canvas_document_created_event_data_version import (
    CanvasDocumentCreatedEventDataVersion,
)
from .canvas_document_created_event_type import CanvasDocumentCreatedEventType
from .canvas_document_deleted_data import CanvasDocumentDeletedData
from .canvas_document_deleted_event import CanvasDocumentDeletedEvent
from .canvas_document_deleted_event_data_version import (
    CanvasDocumentDeletedEventDataVersion,
)
from .canvas_document_deleted_event_type import CanvasDocumentDeletedEventType
from .canvas_document_restored_data import CanvasDocumentRestoredData
from .canvas_document_restored_data_version import CanvasDocumentRestoredDataVersion
from .canvas_document_restored_data_version_kind import (
    CanvasDocumentRestoredDataVersionKind,
)
from .canvas_document_restored_event import CanvasDocumentRestoredEvent
from .canvas_document_restored_event_data_version import (
    CanvasDocumentRestoredEventDataVersion,
)
from .canvas_document_restored_event_type import CanvasDocumentRestoredEventType
from .canvas_document_shared_data import CanvasDocumentSharedData
from .canvas_document_shared_data_role_type_1 import CanvasDocumentSharedDataRoleType1
from .canvas_document_shared_data_role_type_2_type_1 import (
    CanvasDocumentSharedDataRoleType2Type1,
)
from .canvas_document_shared_data_role_type_3_type_1 import (
    CanvasDocumentSharedDataRoleType3Type1,
)
from .canvas_document_shared_event import CanvasDocumentSharedEvent
from .canvas_document_shared_event_data_version import (
    CanvasDocumentSharedEventDataVersion,
)
from .canvas_document_shared_event_type import CanvasDocumentSharedEventType
from .canvas_document_updated_data import CanvasDocumentUpdatedData
from .canvas_document_updated_data_changed_item import (
    CanvasDocumentUpdatedDataChangedItem,
)
from .canvas_document_updated_data_document import CanvasDocumentUpdatedDataDocument
from .canvas_document_updated_data_document_roots_item import (
    CanvasDocumentUpdatedDataDocumentRootsItem,
)
from .canvas_document_updated_data_document_roots_item_kind import (
    CanvasDocumentUpdatedDataDocumentRootsItemKind,
)
from .canvas_document_updated_event import CanvasDocumentUpdatedEvent
from .canvas_document_updated_event_data_version import (
    CanvasDocumentUpdatedEventDataVersion,
)
from .canvas_document_updated_event_type import CanvasDocumentUpdatedEventType
from .canvas_document_version_created_data import CanvasDocumentVersionCreatedData
from .canvas_document_version_created_data_version import (
    CanvasDocumentVersionCreatedDataVersion,
)
from .canvas_document_version_created_data_version_kind import (
    CanvasDocumentVersionCreatedDataVersionKind,
)
from .canvas_document_version_created_event import CanvasDocumentVersionCreatedEvent
from .canvas_document_version_created_event_data_version import (
    CanvasDocumentVersionCreatedEventDataVersion,
)
from .canvas_document_version_created_event_type import (
    CanvasDocumentVersionCreatedEventType,
)
from .canvas_durable_state import CanvasDurableState
from .canvas_edit_op import CanvasEditOp
from .canvas_edit_op_kind import CanvasEditOpKind
from .canvas_edit_result import CanvasEditResult
from .canvas_grant import CanvasGrant
from .canvas_json import CanvasJson
from .canvas_json_content import CanvasJsonContent
from .canvas_json_edit import CanvasJsonEdit
from .canvas_role import CanvasRole
from .canvas_root import CanvasRoot
from .canvas_root_kind import CanvasRootKind
from .canvas_update import CanvasUpdate
from .canvas_version import CanvasVersion
from .canvas_version_kind import CanvasVersionKind
from .channel import Channel
from .channel_kind import ChannelKind
from .channel_member import ChannelMember
from .channel_read_state import ChannelReadState
from .channel_role import ChannelRole
from .chat_channel_created_data import ChatChannelCreatedData
from .chat_channel_created_data_channel import ChatChannelCreatedDataChannel
from .chat_channel_created_data_channel_kind import ChatChannelCreatedDataChannelKind
from .chat_channel_created_event import ChatChannelCreatedEvent
from .chat_channel_created_event_data_version import ChatChannelCreatedEventDataVersion
from .chat_channel_created_event_type import ChatChannelCreatedEventType
from .chat_channel_updated_data import ChatChannelUpdatedData
from .chat_channel_updated_data_changed_item import ChatChannelUpdatedDataChangedItem
from .chat_channel_updated_data_channel import ChatChannelUpdatedDataChannel
from .chat_channel_updated_data_channel_kind import ChatChannelUpdatedDataChannelKind
from .chat_channel_updated_event import ChatChannelUpdatedEvent
from .chat_channel_updated_event_data_version import ChatChannelUpdatedEventDataVersion
from .chat_channel_updated_event_type import ChatChannelUpdatedEventType
from .chat_member_added_data import ChatMemberAddedData
from .chat_member_added_data_role import ChatMemberAddedDataRole
from .chat_member_added_event import ChatMemberAddedEvent
from .chat_member_added_event_data_version import ChatMemberAddedEventDataVersion
from .chat_member_added_event_type import ChatMemberAddedEventType
from .chat_member_removed_data import ChatMemberRemovedData
from .chat_member_removed_event import ChatMemberRemovedEvent
from .chat_member_removed_event_data_version import ChatMemberRemovedEventDataVersion
from .chat_member_removed_event_type import ChatMemberRemovedEventType
from .chat_member_updated_data import ChatMemberUpdatedData
from .chat_member_updated_data_role import ChatMemberUpdatedDataRole
from .chat_member_updated_event import ChatMemberUpdatedEvent
from .chat_member_updated_event_data_version import ChatMemberUpdatedEventDataVersion
from .chat_member_updated_event_type import ChatMemberUpdatedEventType
from .chat_message_created_data import ChatMessageCreatedData
from .chat_message_created_data_message import ChatMessageCreatedDataMessage
from .chat_message_created_data_message_attachments_item import (
    ChatMessageCreatedDataMessageAttachmentsItem,
)
from .chat_message_created_data_message_reactions_item import (
    ChatMessageCreatedDataMessageReactionsItem,
)
from .chat_message_created_data_message_thread_type_0 import (
    ChatMessageCreatedDataMessageThreadType0,
)
from .chat_message_created_event import ChatMessageCreatedEvent
from .chat_message_created_event_data_version import ChatMessageCreatedEventDataVersion
from .chat_message_created_event_type import ChatMessageCreatedEventType
from .chat_message_deleted_data import ChatMessageDeletedData
from .chat_message_deleted_data_message import ChatMessageDeletedDataMessage
from .chat_message_deleted_data_message_attachments_item import (
    ChatMessageDeletedDataMessageAttachmentsItem,
)
from .chat_message_deleted_data_message_reactions_item import (
    ChatMessageDeletedDataMessageReactionsItem,
)
from .chat_message_deleted_data_message_thread_type_0 import (
    ChatMessageDeletedDataMessageThreadType0,
)
from .chat_message_deleted_event import ChatMessageDeletedEvent
from .chat_message_deleted_event_data_version import ChatMessageDeletedEventDataVersion
from .chat_message_deleted_event_type import ChatMessageDeletedEventType
from .chat_message_updated_data import ChatMessageUpdatedData
from .chat_message_updated_data_changed_item import ChatMessageUpdatedDataChangedItem
from .chat_message_updated_data_message import ChatMessageUpdatedDataMessage
from .chat_message_updated_data_message_attachments_item import (
    ChatMessageUpdatedDataMessageAttachmentsItem,
)
from .chat_message_updated_data_message_reactions_item import (
    ChatMessageUpdatedDataMessageReactionsItem,
)
from .chat_message_updated_data_message_thread_type_0 import (
    ChatMessageUpdatedDataMessageThreadType0,
)
from .chat_message_updated_event import ChatMessageUpdatedEvent
from .chat_message_updated_event_data_version import ChatMessageUpdatedEventDataVersion
from .chat_message_updated_event_type import ChatMessageUpdatedEventType
from .chat_reaction_added_data import ChatReactionAddedData
from .chat_reaction_added_event import ChatReactionAddedEvent
from .chat_reaction_added_event_data_version import ChatReactionAddedEventDataVersion
from .chat_reaction_added_event_type import ChatReactionAddedEventType
from .chat_reaction_removed_data import ChatReactionRemovedData
from .chat_reaction_removed_event import ChatReactionRemovedEvent
from .chat_reaction_removed_event_data_version import (
    ChatReactionRemovedEventDataVersion,
)
from .chat_reaction_removed_event_type import ChatReactionRemovedEventType
from .chat_read_updated_data import ChatReadUpdatedData
from .chat_read_updated_event import ChatReadUpdatedEvent
from .chat_read_updated_event_data_version import ChatReadUpdatedEventDataVersion
from .chat_read_updated_event_type import ChatReadUpdatedEventType
from .chat_scheduled_cancelled_data import ChatScheduledCancelledData
from .chat_scheduled_cancelled_event import ChatScheduledCancelledEvent
from .chat_scheduled_cancelled_event_data_version import (
    ChatScheduledCancelledEventDataVersion,
)
from .chat_scheduled_cancelled_event_type import ChatScheduledCancelledEventType
from .chat_scheduled_created_data import ChatScheduledCreatedData
from .chat_scheduled_created_event import ChatScheduledCreatedEvent
from .chat_scheduled_created_event_data_version import (
    ChatScheduledCreatedEventDataVersion,
)
from .chat_scheduled_created_event_type import ChatScheduledCreatedEventType
from .chat_thread_read_updated_data import ChatThreadReadUpdatedData
from .chat_thread_read_updated_event import ChatThreadReadUpdatedEvent
from .chat_thread_read_updated_event_data_version import (
    ChatThreadReadUpdatedEventDataVersion,
)
from .chat_thread_read_updated_event_type import ChatThreadReadUpdatedEventType
from .check import Check
from .check_status import CheckStatus
from .consumer import Consumer
from .create_api_key import CreateApiKey
from .create_canvas_document import CreateCanvasDocument
from .create_canvas_version import CreateCanvasVersion
from .create_channel import CreateChannel
from .create_feed_group import CreateFeedGroup
from .create_user import CreateUser
from .create_webhook_endpoint import CreateWebhookEndpoint
from .create_webhook_endpoint_headers_type_0 import CreateWebhookEndpointHeadersType0
from .create_workspace import CreateWorkspace
from .created_api_key import CreatedApiKey
from .created_webhook_endpoint import CreatedWebhookEndpoint
from .dead_letter import DeadLetter
from .edit_message import EditMessage
from .event_type_view import EventTypeView
from .feed_activity import FeedActivity
from .feed_group import FeedGroup
from .feed_group_kind import FeedGroupKind
from .feed_owner import FeedOwner
from .feeds_activity_created_data import FeedsActivityCreatedData
from .feeds_activity_created_data_activity import FeedsActivityCreatedDataActivity
from .feeds_activity_created_data_activity_extra import (
    FeedsActivityCreatedDataActivityExtra,
)
from .feeds_activity_created_event import FeedsActivityCreatedEvent
from .feeds_activity_created_event_data_version import (
    FeedsActivityCreatedEventDataVersion,
)
from .feeds_activity_created_event_type import FeedsActivityCreatedEventType
from .feeds_activity_deleted_data import FeedsActivityDeletedData
from .feeds_activity_deleted_event import FeedsActivityDeletedEvent
from .feeds_activity_deleted_event_data_version import (
    FeedsActivityDeletedEventDataVersion,
)
from .feeds_activity_deleted_event_type import FeedsActivityDeletedEventType
from .feeds_activity_updated_data import FeedsActivityUpdatedData
from .feeds_activity_updated_data_activity import FeedsActivityUpdatedDataActivity
from .feeds_activity_updated_data_activity_extra import (
    FeedsActivityUpdatedDataActivityExtra,
)
from .feeds_activity_updated_event import FeedsActivityUpdatedEvent
from .feeds_activity_updated_event_data_version import (
    FeedsActivityUpdatedEventDataVersion,
)
from .feeds_activity_updated_event_type import FeedsActivityUpdatedEventType
from .feeds_follow_created_data import FeedsFollowCreatedData
from .feeds_follow_created_event import FeedsFollowCreatedEvent
from .feeds_follow_created_event_data_version import FeedsFollowCreatedEventDataVersion
from .feeds_follow_created_event_type import FeedsFollowCreatedEventType
from .feeds_follow_deleted_data import FeedsFollowDeletedData
from .feeds_follow_deleted_event import FeedsFollowDeletedEvent
from .feeds_follow_deleted_event_data_version import FeedsFollowDeletedEventDataVersion
from .feeds_follow_deleted_event_type import FeedsFollowDeletedEventType
from .feeds_group_created_data import FeedsGroupCreatedData
from .feeds_group_created_data_kind import FeedsGroupCreatedDataKind
from .feeds_group_created_data_owner import FeedsGroupCreatedDataOwner
from .feeds_group_created_event import FeedsGroupCreatedEvent
from .feeds_group_created_event_data_version import FeedsGroupCreatedEventDataVersion
from .feeds_group_created_event_type import FeedsGroupCreatedEventType
from .field_error import FieldError
from .follow import Follow
from .follow_created import FollowCreated
from .follow_feed import FollowFeed
from .health import Health
from .health_status import HealthStatus
from .identity_api_key_revoked_data import IdentityApiKeyRevokedData
from .identity_api_key_revoked_event import IdentityApiKeyRevokedEvent
from .identity_api_key_revoked_event_data_version import (
    IdentityApiKeyRevokedEventDataVersion,
)
from .identity_api_key_revoked_event_type import IdentityApiKeyRevokedEventType
from .identity_grant_revoked_data import IdentityGrantRevokedData
from .identity_grant_revoked_event import IdentityGrantRevokedEvent
from .identity_grant_revoked_event_data_version import (
    IdentityGrantRevokedEventDataVersion,
)
from .identity_grant_revoked_event_type import IdentityGrantRevokedEventType
from .identity_login_revoked_data import IdentityLoginRevokedData
from .identity_login_revoked_data_reason import IdentityLoginRevokedDataReason
from .identity_login_revoked_event import IdentityLoginRevokedEvent
from .identity_login_revoked_event_data_version import (
    IdentityLoginRevokedEventDataVersion,
)
from .identity_login_revoked_event_type import IdentityLoginRevokedEventType
from .identity_member_removed_data import IdentityMemberRemovedData
from .identity_member_removed_event import IdentityMemberRemovedEvent
from .identity_member_removed_event_data_version import (
    IdentityMemberRemovedEventDataVersion,
)
from .identity_member_removed_event_type import IdentityMemberRemovedEventType
from .identity_member_updated_data import IdentityMemberUpdatedData
from .identity_member_updated_data_role import IdentityMemberUpdatedDataRole
from .identity_member_updated_event import IdentityMemberUpdatedEvent
from .identity_member_updated_event_data_version import (
    IdentityMemberUpdatedEventDataVersion,
)
from .identity_member_updated_event_type import IdentityMemberUpdatedEventType
from .identity_user_created_data import IdentityUserCreatedData
from .identity_user_created_event import IdentityUserCreatedEvent
from .identity_user_created_event_data_version import (
    IdentityUserCreatedEventDataVersion,
)
from .identity_user_created_event_type import IdentityUserCreatedEventType
from .identity_user_deleted_data import IdentityUserDeletedData
from .identity_user_deleted_event import IdentityUserDeletedEvent
from .identity_user_deleted_event_data_version import (
    IdentityUserDeletedEventDataVersion,
)
from .identity_user_deleted_event_type import IdentityUserDeletedEventType
from .identity_workspace_created_data import IdentityWorkspaceCreatedData
from .identity_workspace_created_event import IdentityWorkspaceCreatedEvent
from .identity_workspace_created_event_data_version import (
    IdentityWorkspaceCreatedEventDataVersion,
)
from .identity_workspace_created_event_type import IdentityWorkspaceCreatedEventType
from .jwk import Jwk
from .jwk_set import JwkSet
from .mark_read import MarkRead
from .mark_thread_read import MarkThreadRead
from .mark_unread import MarkUnread
from .me import Me
from .member import Member
from .message import Message
from .message_edit import MessageEdit
from .message_page import MessagePage
from .page_api_key import PageApiKey
from .page_audit_entry import PageAuditEntry
from .page_canvas_document import PageCanvasDocument
from .page_canvas_grant import PageCanvasGrant
from .page_canvas_version import PageCanvasVersion
from .page_channel import PageChannel
from .page_channel_member import PageChannelMember
from .page_consumer import PageConsumer
from .page_dead_letter import PageDeadLetter
from .page_event import PageEvent
from .page_event_type_view import PageEventTypeView
from .page_feed_activity import PageFeedActivity
from .page_feed_group import PageFeedGroup
from .page_follow import PageFollow
from .page_member import PageMember
from .page_message import PageMessage
from .page_message_edit import PageMessageEdit
from .page_reactor import PageReactor
from .page_scheduled_message import PageScheduledMessage
from .page_user import PageUser
from .page_webhook_attempt import PageWebhookAttempt
from .page_webhook_endpoint import PageWebhookEndpoint
from .page_workspace import PageWorkspace
from .previous_webhook_secret import PreviousWebhookSecret
from .principal_kind import PrincipalKind
from .problem import Problem
from .reaction import Reaction
from .reactor import Reactor
from .readiness import Readiness
from .readiness_status import ReadinessStatus
from .recover_request import RecoverRequest
from .recover_result import RecoverResult
from .refresh_request import RefreshRequest
from .replay_request import ReplayRequest
from .replay_result import ReplayResult
from .schedule_message import ScheduleMessage
from .scheduled_message import ScheduledMessage
from .scheduled_message_status import ScheduledMessageStatus
from .send_message import SendMessage
from .set_canvas_grant import SetCanvasGrant
from .set_channel_member import SetChannelMember
from .set_member import SetMember
from .thread import Thread
from .thread_read_state import ThreadReadState
from .token_response import TokenResponse
from .token_type import TokenType
from .unread_totals import UnreadTotals
from .update_activity import UpdateActivity
from .update_activity_extra_type_0 import UpdateActivityExtraType0
from .update_canvas_document import UpdateCanvasDocument
from .update_channel import UpdateChannel
from .update_webhook_endpoint import UpdateWebhookEndpoint
from .update_webhook_endpoint_headers_type_0 import UpdateWebhookEndpointHeadersType0
from .usage_hour import UsageHour
from .usage_hour_counters import UsageHourCounters
from .usage_report import UsageReport
from .usage_report_totals import UsageReportTotals
from .user import User
from .webhook_attempt import WebhookAttempt
from .webhook_attempt_exhausted_data import WebhookAttemptExhaustedData
from .webhook_attempt_exhausted_event import WebhookAttemptExhaustedEvent
from .webhook_attempt_exhausted_event_data_version import (
    WebhookAttemptExhaustedEventDataVersion,
)
from .webhook_attempt_exhausted_event_type import WebhookAttemptExhaustedEventType
from .webhook_attempt_status import WebhookAttemptStatus
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_created_data import WebhookEndpointCreatedData
from .webhook_endpoint_created_event import WebhookEndpointCreatedEvent
from .webhook_endpoint_created_event_data_version import (
    WebhookEndpointCreatedEventDataVersion,
)
from .webhook_endpoint_created_event_type import WebhookEndpointCreatedEventType
from .webhook_endpoint_deleted_data import WebhookEndpointDeletedData
from .webhook_endpoint_deleted_event import WebhookEndpointDeletedEvent
from .webhook_endpoint_deleted_event_data_version import (
    WebhookEndpointDeletedEventDataVersion,
)
from .webhook_endpoint_deleted_event_type import WebhookEndpointDeletedEventType
from .webhook_endpoint_disabled_data import WebhookEndpointDisabledData
from .webhook_endpoint_disabled_event import WebhookEndpointDisabledEvent
from .webhook_endpoint_disabled_event_data_version import (
    WebhookEndpointDisabledEventDataVersion,
)
from .webhook_endpoint_disabled_event_type import WebhookEndpointDisabledEventType
from .webhook_endpoint_updated_data import WebhookEndpointUpdatedData
from .webhook_endpoint_updated_data_changed_item import (
    WebhookEndpointUpdatedDataChangedItem,
)
from .webhook_endpoint_updated_event import WebhookEndpointUpdatedEvent
from .webhook_endpoint_updated_event_data_version import (
    WebhookEndpointUpdatedEventDataVersion,
)
from .webhook_endpoint_updated_event_type import WebhookEndpointUpdatedEventType
from .webhook_headers import WebhookHeaders
from .webhook_headers_headers import WebhookHeadersHeaders
from .webhook_secret import WebhookSecret
from .workspace import Workspace
from .workspace_role import WorkspaceRole

__all__ = (
    "Activity",
    "ActivityExtra",
    "ActivityList",
    "AddActivities",
    "AddActivity",
    "AddActivityExtraType0",
    "AddReaction",
    "ApiKey",
    "ApiKeyScope",
    "Attachment",
    "AuditEntry",
    "AuditVerification",
    "CanvasChange",
    "CanvasContent",
    "CanvasDiff",
    "CanvasDocument",
    "CanvasDocumentCreatedData",
    "CanvasDocumentCreatedDataDocument",
    "CanvasDocumentCreatedDataDocumentRootsItem",
    "CanvasDocumentCreatedDataDocumentRootsItemKind",
    "CanvasDocumentCreatedEvent",
    "CanvasDocumentCreatedEventDataVersion",
    "CanvasDocumentCreatedEventType",
    "CanvasDocumentDeletedData",
    "CanvasDocumentDeletedEvent",
    "CanvasDocumentDeletedEventDataVersion",
    "CanvasDocumentDeletedEventType",
    "CanvasDocumentRestoredData",
    "CanvasDocumentRestoredDataVersion",
    "CanvasDocumentRestoredDataVersionKind",
    "CanvasDocumentRestoredEvent",
    "CanvasDocumentRestoredEventDataVersion",
    "CanvasDocumentRestoredEventType",
    "CanvasDocumentSharedData",
    "CanvasDocumentSharedDataRoleType1",
    "CanvasDocumentSharedDataRoleType2Type1",
    "CanvasDocumentSharedDataRoleType3Type1",
    "CanvasDocumentSharedEvent",
    "CanvasDocumentSharedEventDataVersion",
    "CanvasDocumentSharedEventType",
    "CanvasDocumentUpdatedData",
    "CanvasDocumentUpdatedDataChangedItem",
    "CanvasDocumentUpdatedDataDocument",
    "CanvasDocumentUpdatedDataDocumentRootsItem",
    "CanvasDocumentUpdatedDataDocumentRootsItemKind",
    "CanvasDocumentUpdatedEvent",
    "CanvasDocumentUpdatedEventDataVersion",
    "CanvasDocumentUpdatedEventType",
    "CanvasDocumentVersionCreatedData",
    "CanvasDocumentVersionCreatedDataVersion",
    "CanvasDocumentVersionCreatedDataVersionKind",
    "CanvasDocumentVersionCreatedEvent",
    "CanvasDocumentVersionCreatedEventDataVersion",
    "CanvasDocumentVersionCreatedEventType",
    "CanvasDurableState",
    "CanvasEditOp",
    "CanvasEditOpKind",
    "CanvasEditResult",
    "CanvasGrant",
    "CanvasJson",
    "CanvasJsonContent",
    "CanvasJsonEdit",
    "CanvasRole",
    "CanvasRoot",
    "CanvasRootKind",
    "CanvasUpdate",
    "CanvasVersion",
    "CanvasVersionKind",
    "Channel",
    "ChannelKind",
    "ChannelMember",
    "ChannelReadState",
    "ChannelRole",
    "ChatChannelCreatedData",
    "ChatChannelCreatedDataChannel",
    "ChatChannelCreatedDataChannelKind",
    "ChatChannelCreatedEvent",
    "ChatChannelCreatedEventDataVersion",
    "ChatChannelCreatedEventType",
    "ChatChannelUpdatedData",
    "ChatChannelUpdatedDataChangedItem",
    "ChatChannelUpdatedDataChannel",
    "ChatChannelUpdatedDataChannelKind",
    "ChatChannelUpdatedEvent",
    "ChatChannelUpdatedEventDataVersion",
    "ChatChannelUpdatedEventType",
    "ChatMemberAddedData",
    "ChatMemberAddedDataRole",
    "ChatMemberAddedEvent",
    "ChatMemberAddedEventDataVersion",
    "ChatMemberAddedEventType",
    "ChatMemberRemovedData",
    "ChatMemberRemovedEvent",
    "ChatMemberRemovedEventDataVersion",
    "ChatMemberRemovedEventType",
    "ChatMemberUpdatedData",
    "ChatMemberUpdatedDataRole",
    "ChatMemberUpdatedEvent",
    "ChatMemberUpdatedEventDataVersion",
    "ChatMemberUpdatedEventType",
    "ChatMessageCreatedData",
    "ChatMessageCreatedDataMessage",
    "ChatMessageCreatedDataMessageAttachmentsItem",
    "ChatMessageCreatedDataMessageReactionsItem",
    "ChatMessageCreatedDataMessageThreadType0",
    "ChatMessageCreatedEvent",
    "ChatMessageCreatedEventDataVersion",
    "ChatMessageCreatedEventType",
    "ChatMessageDeletedData",
    "ChatMessageDeletedDataMessage",
    "ChatMessageDeletedDataMessageAttachmentsItem",
    "ChatMessageDeletedDataMessageReactionsItem",
    "ChatMessageDeletedDataMessageThreadType0",
    "ChatMessageDeletedEvent",
    "ChatMessageDeletedEventDataVersion",
    "ChatMessageDeletedEventType",
    "ChatMessageUpdatedData",
    "ChatMessageUpdatedDataChangedItem",
    "ChatMessageUpdatedDataMessage",
    "ChatMessageUpdatedDataMessageAttachmentsItem",
    "ChatMessageUpdatedDataMessageReactionsItem",
    "ChatMessageUpdatedDataMessageThreadType0",
    "ChatMessageUpdatedEvent",
    "ChatMessageUpdatedEventDataVersion",
    "ChatMessageUpdatedEventType",
    "ChatReactionAddedData",
    "ChatReactionAddedEvent",
    "ChatReactionAddedEventDataVersion",
    "ChatReactionAddedEventType",
    "ChatReactionRemovedData",
    "ChatReactionRemovedEvent",
    "ChatReactionRemovedEventDataVersion",
    "ChatReactionRemovedEventType",
    "ChatReadUpdatedData",
    "ChatReadUpdatedEvent",
    "ChatReadUpdatedEventDataVersion",
    "ChatReadUpdatedEventType",
    "ChatScheduledCancelledData",
    "ChatScheduledCancelledEvent",
    "ChatScheduledCancelledEventDataVersion",
    "ChatScheduledCancelledEventType",
    "ChatScheduledCreatedData",
    "ChatScheduledCreatedEvent",
    "ChatScheduledCreatedEventDataVersion",
    "ChatScheduledCreatedEventType",
    "ChatThreadReadUpdatedData",
    "ChatThreadReadUpdatedEvent",
    "ChatThreadReadUpdatedEventDataVersion",
    "ChatThreadReadUpdatedEventType",
    "Check",
    "CheckStatus",
    "Consumer",
    "CreateApiKey",
    "CreateCanvasDocument",
    "CreateCanvasVersion",
    "CreateChannel",
    "CreateFeedGroup",
    "CreateUser",
    "CreateWebhookEndpoint",
    "CreateWebhookEndpointHeadersType0",
    "CreateWorkspace",
    "CreatedApiKey",
    "CreatedWebhookEndpoint",
    "DeadLetter",
    "EditMessage",
    "EventTypeView",
    "FeedActivity",
    "FeedGroup",
    "FeedGroupKind",
    "FeedOwner",
    "FeedsActivityCreatedData",
    "FeedsActivityCreatedDataActivity",
    "FeedsActivityCreatedDataActivityExtra",
    "FeedsActivityCreatedEvent",
    "FeedsActivityCreatedEventDataVersion",
    "FeedsActivityCreatedEventType",
    "FeedsActivityDeletedData",
    "FeedsActivityDeletedEvent",
    "FeedsActivityDeletedEventDataVersion",
    "FeedsActivityDeletedEventType",
    "FeedsActivityUpdatedData",
    "FeedsActivityUpdatedDataActivity",
    "FeedsActivityUpdatedDataActivityExtra",
    "FeedsActivityUpdatedEvent",
    "FeedsActivityUpdatedEventDataVersion",
    "FeedsActivityUpdatedEventType",
    "FeedsFollowCreatedData",
    "FeedsFollowCreatedEvent",
    "FeedsFollowCreatedEventDataVersion",
    "FeedsFollowCreatedEventType",
    "FeedsFollowDeletedData",
    "FeedsFollowDeletedEvent",
    "FeedsFollowDeletedEventDataVersion",
    "FeedsFollowDeletedEventType",
    "FeedsGroupCreatedData",
    "FeedsGroupCreatedDataKind",
    "FeedsGroupCreatedDataOwner",
    "FeedsGroupCreatedEvent",
    "FeedsGroupCreatedEventDataVersion",
    "FeedsGroupCreatedEventType",
    "FieldError",
    "Follow",
    "FollowCreated",
    "FollowFeed",
    "Health",
    "HealthStatus",
    "IdentityApiKeyRevokedData",
    "IdentityApiKeyRevokedEvent",
    "IdentityApiKeyRevokedEventDataVersion",
    "IdentityApiKeyRevokedEventType",
    "IdentityGrantRevokedData",
    "IdentityGrantRevokedEvent",
    "IdentityGrantRevokedEventDataVersion",
    "IdentityGrantRevokedEventType",
    "IdentityLoginRevokedData",
    "IdentityLoginRevokedDataReason",
    "IdentityLoginRevokedEvent",
    "IdentityLoginRevokedEventDataVersion",
    "IdentityLoginRevokedEventType",
    "IdentityMemberRemovedData",
    "IdentityMemberRemovedEvent",
    "IdentityMemberRemovedEventDataVersion",
    "IdentityMemberRemovedEventType",
    "IdentityMemberUpdatedData",
    "IdentityMemberUpdatedDataRole",
    "IdentityMemberUpdatedEvent",
    "IdentityMemberUpdatedEventDataVersion",
    "IdentityMemberUpdatedEventType",
    "IdentityUserCreatedData",
    "IdentityUserCreatedEvent",
    "IdentityUserCreatedEventDataVersion",
    "IdentityUserCreatedEventType",
    "IdentityUserDeletedData",
    "IdentityUserDeletedEvent",
    "IdentityUserDeletedEventDataVersion",
    "IdentityUserDeletedEventType",
    "IdentityWorkspaceCreatedData",
    "IdentityWorkspaceCreatedEvent",
    "IdentityWorkspaceCreatedEventDataVersion",
    "IdentityWorkspaceCreatedEventType",
    "Jwk",
    "JwkSet",
    "MarkRead",
    "MarkThreadRead",
    "MarkUnread",
    "Me",
    "Member",
    "Message",
    "MessageEdit",
    "MessagePage",
    "PageApiKey",
    "PageAuditEntry",
    "PageCanvasDocument",
    "PageCanvasGrant",
    "PageCanvasVersion",
    "PageChannel",
    "PageChannelMember",
    "PageConsumer",
    "PageDeadLetter",
    "PageEvent",
    "PageEventTypeView",
    "PageFeedActivity",
    "PageFeedGroup",
    "PageFollow",
    "PageMember",
    "PageMessage",
    "PageMessageEdit",
    "PageReactor",
    "PageScheduledMessage",
    "PageUser",
    "PageWebhookAttempt",
    "PageWebhookEndpoint",
    "PageWorkspace",
    "PreviousWebhookSecret",
    "PrincipalKind",
    "Problem",
    "Reaction",
    "Reactor",
    "Readiness",
    "ReadinessStatus",
    "RecoverRequest",
    "RecoverResult",
    "RefreshRequest",
    "ReplayRequest",
    "ReplayResult",
    "ScheduleMessage",
    "ScheduledMessage",
    "ScheduledMessageStatus",
    "SendMessage",
    "SetCanvasGrant",
    "SetChannelMember",
    "SetMember",
    "Thread",
    "ThreadReadState",
    "TokenResponse",
    "TokenType",
    "UnreadTotals",
    "UpdateActivity",
    "UpdateActivityExtraType0",
    "UpdateCanvasDocument",
    "UpdateChannel",
    "UpdateWebhookEndpoint",
    "UpdateWebhookEndpointHeadersType0",
    "UsageHour",
    "UsageHourCounters",
    "UsageReport",
    "UsageReportTotals",
    "User",
    "WebhookAttempt",
    "WebhookAttemptExhaustedData",
    "WebhookAttemptExhaustedEvent",
    "WebhookAttemptExhaustedEventDataVersion",
    "WebhookAttemptExhaustedEventType",
    "WebhookAttemptStatus",
    "WebhookEndpoint",
    "WebhookEndpointCreatedData",
    "WebhookEndpointCreatedEvent",
    "WebhookEndpointCreatedEventDataVersion",
    "WebhookEndpointCreatedEventType",
    "WebhookEndpointDeletedData",
    "WebhookEndpointDeletedEvent",
    "WebhookEndpointDeletedEventDataVersion",
    "WebhookEndpointDeletedEventType",
    "WebhookEndpointDisabledData",
    "WebhookEndpointDisabledEvent",
    "WebhookEndpointDisabledEventDataVersion",
    "WebhookEndpointDisabledEventType",
    "WebhookEndpointUpdatedData",
    "WebhookEndpointUpdatedDataChangedItem",
    "WebhookEndpointUpdatedEvent",
    "WebhookEndpointUpdatedEventDataVersion",
    "WebhookEndpointUpdatedEventType",
    "WebhookHeaders",
    "WebhookHeadersHeaders",
    "WebhookSecret",
    "Workspace",
    "WorkspaceRole",
)
