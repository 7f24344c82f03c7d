//! Chat read state and scheduled messages over HTTP: a member's read position per channel and
//! thread, unread and mention counts, the user's totals (`GET /v1/me/unread`, the app badge),
//! and messages scheduled for later. Access rules: see [`crate::chat::channels`].

use crate::edge::cursor;
use crate::edge::json::JsonBody;
use crate::edge::page::{self, Page};
use crate::edge::time::Timestamp;
use atelier_chat::Chat;
use atelier_chat::{
    ChannelId, MessageId, ScheduledMessageId,
    model::{ScheduledRecord, ScheduledStatus},
    reads::{ReadMark, ReadState, ThreadUnread},
};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    ApiState, ApiTags,
    auth::{TenantAuth, UserAuth},
    chat::channels::on_behalf_of,
    chat::messages::{Attachment, draft_of},
    edge::{ApiResult, chat_error, parse_id},
};

/// Read state, the badge and scheduled messages.
#[derive(Debug, Default)]
pub struct ChatReadsApi;

/// The caller's read state in a channel.
#[derive(Debug, Object)]
pub struct ChannelReadState {
    pub channel_id: String,
    /// Messages up to this sequence number are read.
    pub last_read_seq: i64,
    /// Top-level messages by others after `last_read_seq` (deleted ones excluded).
    pub unread_count: u64,
    /// Those of them mentioning the caller or `@channel`.
    pub mention_count: u64,
}

/// The caller's read state in a thread.
#[derive(Debug, Object)]
pub struct ThreadReadState {
    pub channel_id: String,
    /// The thread's root message.
    pub message_id: String,
    pub last_read_seq: i64,
    /// Replies by others after `last_read_seq`.
    pub unread_count: u64,
}

/// The caller's totals across channels and threads.
#[derive(Debug, Object)]
pub struct UnreadTotals {
    /// Sum of the channels' `unread_count`.
    pub unread_count: u64,
    /// Sum of the channels' `mention_count`.
    pub mention_count: u64,
    /// Sum of the threads' `unread_count`.
    pub thread_unread_count: u64,
    /// Every channel the caller is a member of.
    pub channels: Vec<ChannelReadState>,
    /// Every thread the caller takes part in (wrote the root or replied).
    pub threads: Vec<ThreadReadState>,
}

#[derive(Debug, Object)]
pub struct MarkRead {
    /// Read up to this sequence number (default: the newest message). Never moves backwards;
    /// use `.../unread` for that.
    pub seq: Option<i64>,
}

#[derive(Debug, Object)]
pub struct MarkUnread {
    /// This message and every later one become unread.
    pub message_id: String,
}

#[derive(Debug, Object)]
pub struct MarkThreadRead {
    /// Read up to this reply's sequence number (default: the newest reply).
    pub seq: Option<i64>,
}

/// Where a scheduled message stands (`claimed`: being sent now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ScheduledMessageStatus {
    Pending,
    Claimed,
    Sent,
    Cancelled,
    Failed,
}

impl From<ScheduledStatus> for ScheduledMessageStatus {
    fn from(status: ScheduledStatus) -> Self {
        match status {
            ScheduledStatus::Pending => Self::Pending,
            ScheduledStatus::Claimed => Self::Claimed,
            ScheduledStatus::Sent => Self::Sent,
            ScheduledStatus::Cancelled => Self::Cancelled,
            ScheduledStatus::Failed => Self::Failed,
        }
    }
}

/// A message scheduled for later.
#[derive(Debug, Object)]
// Absent optional fields are omitted, never null: the contract says optional, not nullable.
#[oai(skip_serializing_if_is_none)]
pub struct ScheduledMessage {
    /// `sch_...`.
    pub id: String,
    pub channel_id: String,
    pub author_id: String,
    pub text: String,
    pub mention_ids: Vec<String>,
    pub attachments: Vec<Attachment>,
    pub parent_id: Option<String>,
    pub send_at: Timestamp,
    pub status: ScheduledMessageStatus,
    /// Once sent: the message.
    pub message_id: Option<String>,
    /// Once failed: why.
    pub failure: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Object)]
pub struct ScheduleMessage {
    /// As for sending.
    pub text: String,
    /// When to send it (in the future, at most a year ahead).
    pub send_at: Timestamp,
    pub mention_ids: Option<Vec<String>>,
    pub mention_channel: Option<bool>,
    pub attachments: Option<Vec<Attachment>>,
    pub quoted_message_id: Option<String>,
    pub parent_id: Option<String>,
    /// API keys only: the member it is sent as.
    pub user_id: Option<String>,
}

#[derive(Debug, ApiResponse)]
pub enum ReadStateResponse {
    #[oai(status = 200)]
    Ok(Json<ChannelReadState>),
}

#[derive(Debug, ApiResponse)]
pub enum ThreadReadResponse {
    #[oai(status = 200)]
    Ok(Json<ThreadReadState>),
}

#[derive(Debug, ApiResponse)]
pub enum UnreadTotalsResponse {
    #[oai(status = 200)]
    Ok(Json<UnreadTotals>),
}

#[derive(Debug, ApiResponse)]
pub enum ScheduledResponse {
    #[oai(status = 200)]
    Ok(Json<ScheduledMessage>),
}

#[derive(Debug, ApiResponse)]
pub enum ScheduledCreated {
    #[oai(status = 201)]
    Created(Json<ScheduledMessage>),
}

#[derive(Debug, ApiResponse)]
pub enum ScheduledListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<ScheduledMessage>>),
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Chat")]
impl ChatReadsApi {
    /// The caller's read state in the channel (members).
    #[oai(
        path = "/channels/:channel_id/read",
        method = "get",
        operation_id = "chat.read.get"
    )]
    async fn read_state(
        &self,
        UserAuth(principal): UserAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
    ) -> ApiResult<ReadStateResponse> {
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let (channel, user) = state
            .service::<Chat>()?
            .own_membership(&principal, channel)
            .await
            .map_err(chat_error)?;
        let read = state
            .service::<Chat>()?
            .read_state(principal.tenant(), channel.id, user)
            .await
            .map_err(chat_error)?;
        Ok(ReadStateResponse::Ok(Json(read_view(read))))
    }

    /// Marks the channel read up to `seq` (default: everything).
    #[oai(
        path = "/channels/:channel_id/read",
        method = "post",
        operation_id = "chat.read.mark"
    )]
    async fn mark_read(
        &self,
        UserAuth(principal): UserAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        body: JsonBody<MarkRead>,
    ) -> ApiResult<ReadStateResponse> {
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let (channel, user) = state
            .service::<Chat>()?
            .own_membership(&principal, channel)
            .await
            .map_err(chat_error)?;
        let read = state
            .service::<Chat>()?
            .mark_read(
                principal.tenant(),
                channel.id,
                user,
                ReadMark::UpTo(body.0.seq),
            )
            .await
            .map_err(chat_error)?;
        Ok(ReadStateResponse::Ok(Json(read_view(read))))
    }

    /// Marks the channel unread from a message on.
    #[oai(
        path = "/channels/:channel_id/unread",
        method = "post",
        operation_id = "chat.read.unread"
    )]
    async fn mark_unread(
        &self,
        UserAuth(principal): UserAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        body: JsonBody<MarkUnread>,
    ) -> ApiResult<ReadStateResponse> {
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let (channel, user) = state
            .service::<Chat>()?
            .own_membership(&principal, channel)
            .await
            .map_err(chat_error)?;
        let message = parse_id::<MessageId>("message_id", &body.0.message_id)?;
        let read = state
            .service::<Chat>()?
            .mark_read(
                principal.tenant(),
                channel.id,
                user,
                ReadMark::UnreadFrom(message),
            )
            .await
            .map_err(chat_error)?;
        Ok(ReadStateResponse::Ok(Json(read_view(read))))
    }

    /// Marks a thread read up to `seq` (default: its newest reply).
    #[oai(
        path = "/channels/:channel_id/messages/:message_id/thread/read",
        method = "post",
        operation_id = "chat.threads.read"
    )]
    async fn mark_thread_read(
        &self,
        UserAuth(principal): UserAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        body: JsonBody<MarkThreadRead>,
    ) -> ApiResult<ThreadReadResponse> {
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let root = parse_id::<MessageId>("message_id", &message_id)?;
        let (channel, user) = state
            .service::<Chat>()?
            .own_membership(&principal, channel)
            .await
            .map_err(chat_error)?;
        let read = state
            .service::<Chat>()?
            .mark_thread_read(principal.tenant(), channel.id, root, user, body.0.seq)
            .await
            .map_err(chat_error)?;
        Ok(ThreadReadResponse::Ok(Json(thread_view(read))))
    }

    /// The caller's unread totals across channels and threads (the app badge).
    #[oai(path = "/me/unread", method = "get", operation_id = "chat.unread.get")]
    async fn unread(
        &self,
        UserAuth(principal): UserAuth,
        state: Data<&ApiState>,
    ) -> ApiResult<UnreadTotalsResponse> {
        let user = atelier_chat::access::user_of(&principal).map_err(chat_error)?;
        let badge = state
            .service::<Chat>()?
            .badge(principal.tenant(), user)
            .await
            .map_err(chat_error)?;
        let channels: Vec<ChannelReadState> = badge.channels.into_iter().map(read_view).collect();
        let threads: Vec<ThreadReadState> = badge.threads.into_iter().map(thread_view).collect();
        Ok(UnreadTotalsResponse::Ok(Json(UnreadTotals {
            unread_count: channels.iter().map(|c| c.unread_count).sum(),
            mention_count: channels.iter().map(|c| c.mention_count).sum(),
            thread_unread_count: threads.iter().map(|t| t.unread_count).sum(),
            channels,
            threads,
        })))
    }

    /// Schedules a message; a worker sends it at `send_at` (within a second or two).
    #[oai(
        path = "/channels/:channel_id/scheduled-messages",
        method = "post",
        operation_id = "chat.scheduled.create"
    )]
    async fn schedule(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        body: JsonBody<ScheduleMessage>,
    ) -> ApiResult<ScheduledCreated> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let body = body.0;
        let (channel, _, actor) = state
            .service::<Chat>()?
            .acting_member(principal, channel, on_behalf_of(body.user_id.as_deref())?)
            .await
            .map_err(chat_error)?;
        let author = actor.user;
        let draft = draft_of(
            body.text,
            body.mention_ids,
            body.mention_channel,
            body.attachments,
            body.quoted_message_id,
            body.parent_id,
        )?;
        let record = state
            .service::<Chat>()?
            .schedule(
                principal.tenant(),
                channel.id,
                author,
                draft,
                body.send_at.timestamp_millis(),
            )
            .await
            .map_err(chat_error)?;
        Ok(ScheduledCreated::Created(Json(scheduled_view(record))))
    }

    /// Scheduled messages of the channel not yet sent: the caller's own (users) or everyone's
    /// (API keys).
    #[oai(
        path = "/channels/:channel_id/scheduled-messages",
        method = "get",
        operation_id = "chat.scheduled.list"
    )]
    async fn list_scheduled(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<ScheduledListResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let (channel, author) = state
            .service::<Chat>()?
            .scheduled_scope(principal, channel)
            .await
            .map_err(chat_error)?;
        const KIND: &str = "scheduled";
        let after = cursor::decode::<(i64, String)>(KIND, "cursor", cursor.0.as_deref())?;
        let limit = limit.0.unwrap_or(page::DEFAULT_LIMIT) as usize;
        let (records, has_more) = state
            .service::<Chat>()?
            .list_scheduled(principal.tenant(), channel.id, author, after, limit)
            .await
            .map_err(chat_error)?;
        let next_cursor = records
            .last()
            .filter(|_| has_more)
            .map(|last| cursor::encode(KIND, &(last.send_at_ms, &last.id)));
        Ok(ScheduledListResponse::Ok(Json(Page {
            items: records.into_iter().map(scheduled_view).collect(),
            next_cursor,
            has_more,
        })))
    }

    /// One scheduled message (the author's, or any for API keys).
    #[oai(
        path = "/channels/:channel_id/scheduled-messages/:scheduled_message_id",
        method = "get",
        operation_id = "chat.scheduled.get"
    )]
    async fn get_scheduled(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        scheduled_message_id: Path<String>,
    ) -> ApiResult<ScheduledResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let id = parse_id::<ScheduledMessageId>("scheduled_message_id", &scheduled_message_id)?;
        let record = state
            .service::<Chat>()?
            .visible_scheduled(principal, channel, id)
            .await
            .map_err(chat_error)?;
        Ok(ScheduledResponse::Ok(Json(scheduled_view(record))))
    }

    /// Cancels a scheduled message that is still pending (409 once it is being sent).
    #[oai(
        path = "/channels/:channel_id/scheduled-messages/:scheduled_message_id",
        method = "delete",
        operation_id = "chat.scheduled.cancel"
    )]
    async fn cancel_scheduled(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        scheduled_message_id: Path<String>,
    ) -> ApiResult<ScheduledResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let id = parse_id::<ScheduledMessageId>("scheduled_message_id", &scheduled_message_id)?;
        let record = state
            .service::<Chat>()?
            .authorize_cancel_scheduled(principal, channel, id)
            .await
            .map_err(chat_error)?;
        let record = state
            .service::<Chat>()?
            .cancel_scheduled(principal.tenant(), record.channel, record.id)
            .await
            .map_err(chat_error)?;
        Ok(ScheduledResponse::Ok(Json(scheduled_view(record))))
    }
}

fn read_view(read: ReadState) -> ChannelReadState {
    ChannelReadState {
        channel_id: read.channel.to_string(),
        last_read_seq: read.last_read_seq,
        unread_count: read.unread_count,
        mention_count: read.mention_count,
    }
}

fn thread_view(read: ThreadUnread) -> ThreadReadState {
    ThreadReadState {
        channel_id: read.channel.to_string(),
        message_id: read.root.to_string(),
        last_read_seq: read.last_read_seq,
        unread_count: read.unread_count,
    }
}

fn scheduled_view(record: ScheduledRecord) -> ScheduledMessage {
    ScheduledMessage {
        id: record.id.to_string(),
        channel_id: record.channel.to_string(),
        author_id: record.author.to_string(),
        text: record.draft.text,
        mention_ids: record
            .draft
            .mentions
            .iter()
            .map(ToString::to_string)
            .collect(),
        attachments: record
            .draft
            .attachments
            .into_iter()
            .map(|a| Attachment {
                url: a.url,
                mime_type: a.mime_type,
                size_bytes: a.size_bytes,
                name: a.name,
            })
            .collect(),
        parent_id: record.draft.parent.map(|id| id.to_string()),
        send_at: atelier_chat::view::time(record.send_at_ms).into(),
        status: record.status.into(),
        message_id: record.message.map(|id| id.to_string()),
        failure: record.failure,
        created_at: atelier_chat::view::time(record.created_at_ms).into(),
    }
}
