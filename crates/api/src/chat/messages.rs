//! Chat messages over HTTP: send (idempotent by `client_message_id`), history by sequence
//! number, edit with history, delete (tombstones), pins, reactions, thread replies, the
//! per-channel change feed and search. Access rules: see [`crate::chat::channels`].
//!
//! **Mentions** are the union of `mention_ids` given in the body and `<@usr_...>` tokens in
//! the text; `@channel` / `@here` in the text (or `mention_channel: true`) mention everyone.

use crate::edge::json::JsonBody;
use crate::edge::time::Timestamp;
use atelier_chat::Chat;
use std::collections::HashSet;

use atelier_chat::{
    ChannelId, MessageId,
    messages::{HistoryQuery, SearchQuery, SendOptions},
    model::{Attachment as StoredAttachment, Draft, MessageRecord},
    view::MessageView,
};
use atelier_identity::{Principal, UserId};
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    ApiState, ApiTags,
    auth::TenantAuth,
    chat::channels::{on_behalf_of, visible_channel},
    edge::{ApiResult, Page, chat_error, cursor, page, parse_id},
    problem::ErrorResponse,
};

pub const DEFAULT_LIMIT: u32 = 50;

/// Messages, reactions, threads, pins, the change feed and search.
#[derive(Debug, Default)]
pub struct ChatMessagesApi;

/// File metadata (the file itself is stored elsewhere).
#[derive(Debug, Clone, Object)]
pub struct Attachment {
    /// `https://` (or `http://`) URL, up to 2048 characters.
    #[oai(validator(max_length = 2048))]
    pub url: String,
    /// `type/subtype`.
    pub mime_type: String,
    pub size_bytes: i64,
    /// 1 to 255 characters.
    #[oai(validator(min_length = 1, max_length = 255))]
    pub name: String,
}

/// One emoji's reactions.
#[derive(Debug, Object)]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    /// Whether the calling user is among them (always false for API keys).
    pub me: bool,
}

#[derive(Debug, Object)]
// Absent optional fields are omitted, never null: the contract says optional, not nullable.
#[oai(skip_serializing_if_is_none)]
pub struct Thread {
    pub reply_count: i64,
    pub last_reply_at: Option<Timestamp>,
    /// The root's author and everyone who replied.
    pub participant_ids: Vec<String>,
}

/// A message. Events (`chat.message.*`) carry the same fields under `data.message`, without
/// the per-viewer `me` of reactions.
#[derive(Debug, Object)]
// Absent optional fields are omitted, never null: the contract says optional, not nullable.
#[oai(skip_serializing_if_is_none)]
pub struct Message {
    /// `msg_...`.
    pub id: String,
    pub channel_id: String,
    pub workspace_id: String,
    /// Position in the channel: strictly increasing, replies included.
    pub seq: i64,
    /// Change-feed position of the message's latest change.
    pub change_seq: i64,
    pub author_id: String,
    /// Empty once deleted.
    pub text: String,
    pub mention_ids: Vec<String>,
    pub mention_channel: bool,
    pub attachments: Vec<Attachment>,
    pub quoted_message_id: Option<String>,
    /// The thread root this replies to.
    pub parent_id: Option<String>,
    pub client_message_id: Option<String>,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    /// Previous versions, readable at `.../edits`.
    pub edit_count: u32,
    /// A tombstone: text, attachments, mentions and edit history are gone.
    pub deleted: bool,
    pub deleted_at: Option<Timestamp>,
    pub pinned: bool,
    pub pinned_by: Option<String>,
    pub pinned_at: Option<Timestamp>,
    pub reactions: Vec<Reaction>,
    /// Thread roots with replies: the thread's counters.
    pub thread: Option<Thread>,
    pub scheduled_message_id: Option<String>,
}

#[derive(Debug, Object)]
pub struct SendMessage {
    /// Up to `chat.max_message_chars` characters (4000 by default); may be empty only with
    /// attachments.
    pub text: String,
    /// Your id for this message (1 to 128 printable ASCII characters, e.g. a UUID): sending
    /// again with the same id returns the original message instead of a second one.
    #[oai(validator(min_length = 1, max_length = 128))]
    pub client_message_id: Option<String>,
    /// Users mentioned besides the `<@usr_...>` tokens in the text.
    pub mention_ids: Option<Vec<String>>,
    /// Mention everyone (also set by `@channel` or `@here` in the text).
    pub mention_channel: Option<bool>,
    /// Up to 10.
    pub attachments: Option<Vec<Attachment>>,
    /// A message of this channel being quoted.
    pub quoted_message_id: Option<String>,
    /// Reply in the thread of this top-level message.
    pub parent_id: Option<String>,
    /// API keys only: the member sending.
    pub user_id: Option<String>,
}

#[derive(Debug, Object)]
pub struct EditMessage {
    /// The new text (same limits as sending). Mentions are parsed again from it
    /// (`<@usr_...>`, `@channel`); mentions given explicitly when sending are replaced.
    pub text: String,
}

/// A window of a channel's history, oldest first. Like every page it has `next_cursor` and
/// `has_more`: they page back in time (older messages), the way a client scrolls.
#[derive(Debug, Object)]
pub struct MessagePage {
    /// Oldest first.
    pub items: Vec<Message>,
    /// Pass as `cursor` to read the messages just before this window; given while
    /// `has_more`.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
    /// Whether older messages precede this window (the same as `has_more_before`).
    pub has_more: bool,
    pub has_more_before: bool,
    pub has_more_after: bool,
    /// The change-feed cursor as of this read: pass it as `cursor` to `GET .../changes` to get
    /// every change made after.
    pub change_cursor: String,
}

#[derive(Debug, Object)]
pub struct MessageEdit {
    /// The text before this edit.
    pub text: String,
    /// When it was replaced.
    pub replaced_at: Timestamp,
}

#[derive(Debug, Object)]
pub struct AddReaction {
    /// An emoji or short code, 1 to 64 characters without spaces.
    #[oai(validator(min_length = 1, max_length = 64))]
    pub emoji: String,
    /// API keys only: the member reacting.
    pub user_id: Option<String>,
}

#[derive(Debug, Object)]
pub struct Reactor {
    pub user_id: String,
    pub reacted_at: Timestamp,
}

#[derive(Debug, ApiResponse)]
pub enum MessageResponse {
    #[oai(status = 200)]
    Ok(Json<Message>),
}

#[derive(Debug, ApiResponse)]
pub enum MessageCreated {
    /// Sent (a retry with the same `client_message_id` answers the original, also 201).
    #[oai(status = 201)]
    Created(Json<Message>),
}

#[derive(Debug, ApiResponse)]
pub enum MessagePageResponse {
    #[oai(status = 200)]
    Ok(Json<MessagePage>),
}

#[derive(Debug, ApiResponse)]
pub enum MessageListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Message>>),
}

#[derive(Debug, ApiResponse)]
pub enum ReplyPageResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Message>>),
}

#[derive(Debug, ApiResponse)]
pub enum MessageEditListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<MessageEdit>>),
}

#[derive(Debug, ApiResponse)]
pub enum ReactorPageResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Reactor>>),
}

#[derive(Debug, ApiResponse)]
pub enum ChangePageResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Message>>),
}

#[derive(Debug, ApiResponse)]
pub enum SearchPageResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Message>>),
}

/// Cursor kinds (see `edge::cursor`): the change feed's position (a change sequence number),
/// the last reactor read (a user id), the last search hit (a message id), and a message
/// sequence number.
const CHANGE_CURSOR: &str = "changes";
const REACTOR_CURSOR: &str = "reactors";
const SEARCH_CURSOR: &str = "search";
const SEQ_CURSOR: &str = "seq";
const HISTORY_CURSOR: &str = "history";
const REPLY_CURSOR: &str = "replies";

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Chat")]
impl ChatMessagesApi {
    /// Sends a message, or a thread reply with `parent_id`. Idempotent by
    /// `client_message_id`. Frozen channels answer 403 `channel_frozen`; slow mode 429
    /// `slow_mode` with `Retry-After`; oversize text 413 `text_too_long`.
    #[oai(
        path = "/channels/:channel_id/messages",
        method = "post",
        operation_id = "chat.messages.send"
    )]
    async fn send(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        body: JsonBody<SendMessage>,
    ) -> ApiResult<MessageCreated> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let body = body.0;
        let grant = state
            .service::<Chat>()?
            .authorize_send(principal, channel, on_behalf_of(body.user_id.as_deref())?)
            .await
            .map_err(chat_error)?;
        let draft = draft_of(
            body.text,
            body.mention_ids,
            body.mention_channel,
            body.attachments,
            body.quoted_message_id,
            body.parent_id,
        )?;
        let (message, _created) = state
            .service::<Chat>()?
            .send(
                principal.tenant(),
                grant.channel.id,
                grant.author,
                draft,
                SendOptions {
                    client_message_id: body.client_message_id,
                    slow_mode_exempt: grant.slow_mode_exempt,
                    scheduled: None,
                },
            )
            .await
            .map_err(chat_error)?;
        let view = views(&state, principal, vec![message]).await?.remove(0);
        Ok(MessageCreated::Created(Json(view)))
    }

    /// History of top-level messages by sequence number, oldest first: the newest page by
    /// default, or the page `before` / `after` a cursor (a message's `seq` or a cursor this API
    /// gave), or `around` a message. Thread replies are at `.../replies`.
    #[oai(
        path = "/channels/:channel_id/messages",
        method = "get",
        operation_id = "chat.messages.list"
    )]
    #[allow(clippy::too_many_arguments)] // One argument per query parameter.
    async fn list(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        /// `next_cursor` of the previous page: the messages before it.
        cursor: Query<Option<String>>,
        /// Messages before this sequence number.
        before: Query<Option<String>>,
        /// Messages after this sequence number.
        after: Query<Option<String>>,
        /// The page centred on this message (`msg_...`).
        around: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<MessagePageResponse> {
        let principal = auth.principal();
        let channel = visible_channel(&state, principal, &channel_id).await?;
        let given = [&cursor.0, &before.0, &after.0, &around.0]
            .iter()
            .filter(|value| value.is_some())
            .count();
        if given > 1 {
            return Err(ErrorResponse::invalid_field(
                "before",
                "give at most one of `cursor`, `before`, `after` and `around`",
            ));
        }
        let from_cursor = cursor::decode::<i64>(HISTORY_CURSOR, "cursor", cursor.0.as_deref())?
            .map(|seq| {
                (seq >= 0)
                    .then_some(seq)
                    .ok_or_else(|| cursor::invalid("cursor"))
            })
            .transpose()?;
        let query = HistoryQuery {
            before: match from_cursor {
                Some(seq) => Some(seq),
                None => before
                    .0
                    .as_deref()
                    .map(|text| seq_cursor("before", text))
                    .transpose()?,
            },
            after: after
                .0
                .as_deref()
                .map(|text| seq_cursor("after", text))
                .transpose()?,
            around: around
                .0
                .as_deref()
                .map(|id| parse_id::<MessageId>("around", id))
                .transpose()?,
            limit: limit.0.unwrap_or(DEFAULT_LIMIT) as usize,
        };
        let page = state
            .service::<Chat>()?
            .history(principal.tenant(), channel.id, query)
            .await
            .map_err(chat_error)?;
        let next_cursor = page
            .items
            .first()
            .filter(|_| page.has_more_before)
            .map(|first| cursor::encode(HISTORY_CURSOR, &first.seq));
        Ok(MessagePageResponse::Ok(Json(MessagePage {
            items: views(&state, principal, page.items).await?,
            next_cursor,
            has_more: page.has_more_before,
            has_more_before: page.has_more_before,
            has_more_after: page.has_more_after,
            // Read before the history: every later change has a larger position.
            change_cursor: cursor::encode(CHANGE_CURSOR, &channel.change_seq),
        })))
    }

    /// One message (a tombstone once deleted).
    #[oai(
        path = "/channels/:channel_id/messages/:message_id",
        method = "get",
        operation_id = "chat.messages.get"
    )]
    async fn get(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
    ) -> ApiResult<MessageResponse> {
        let principal = auth.principal();
        let channel = visible_channel(&state, principal, &channel_id).await?;
        let id = parse_id::<MessageId>("message_id", &message_id)?;
        let message = state
            .service::<Chat>()?
            .get_message(principal.tenant(), channel.id, id)
            .await
            .map_err(chat_error)?;
        let view = views(&state, principal, vec![message]).await?.remove(0);
        Ok(MessageResponse::Ok(Json(view)))
    }

    /// Edits the text (the author, or an API key); the previous text goes to the history.
    #[oai(
        path = "/channels/:channel_id/messages/:message_id",
        method = "patch",
        operation_id = "chat.messages.edit"
    )]
    async fn edit(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        body: JsonBody<EditMessage>,
    ) -> ApiResult<MessageResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let id = parse_id::<MessageId>("message_id", &message_id)?;
        let tenant = principal.tenant();
        let (channel, _) = state
            .service::<Chat>()?
            .authorize_edit(principal, channel, id)
            .await
            .map_err(chat_error)?;
        let message = state
            .service::<Chat>()?
            .edit(tenant, channel.id, id, body.0.text)
            .await
            .map_err(chat_error)?;
        let view = views(&state, principal, vec![message]).await?.remove(0);
        Ok(MessageResponse::Ok(Json(view)))
    }

    /// Deletes a message (the author or a moderator), leaving a tombstone. Deleting again
    /// changes nothing.
    #[oai(
        path = "/channels/:channel_id/messages/:message_id",
        method = "delete",
        operation_id = "chat.messages.delete"
    )]
    async fn delete(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
    ) -> ApiResult<MessageResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let id = parse_id::<MessageId>("message_id", &message_id)?;
        let tenant = principal.tenant();
        let (channel, _) = state
            .service::<Chat>()?
            .authorize_delete(principal, channel, id)
            .await
            .map_err(chat_error)?;
        let message = state
            .service::<Chat>()?
            .delete(tenant, channel.id, id)
            .await
            .map_err(chat_error)?;
        let view = views(&state, principal, vec![message]).await?.remove(0);
        Ok(MessageResponse::Ok(Json(view)))
    }

    /// The message's previous versions, oldest first.
    #[oai(
        path = "/channels/:channel_id/messages/:message_id/edits",
        method = "get",
        operation_id = "chat.messages.edits"
    )]
    async fn edits(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<MessageEditListResponse> {
        let principal = auth.principal();
        let channel = visible_channel(&state, principal, &channel_id).await?;
        let id = parse_id::<MessageId>("message_id", &message_id)?;
        let message = state
            .service::<Chat>()?
            .get_message(principal.tenant(), channel.id, id)
            .await
            .map_err(chat_error)?;
        // Edits only ever append: a version's position is its number (1 is the original).
        const KIND: &str = "edits";
        let after = cursor::decode::<usize>(KIND, "cursor", cursor.0.as_deref())?.unwrap_or(0);
        let limit = limit.0.unwrap_or(page::DEFAULT_LIMIT) as usize;
        let versions: Vec<(usize, &atelier_chat::model::EditRecord)> = message
            .edits
            .iter()
            .enumerate()
            .map(|(index, edit)| (index + 1, edit))
            .skip(after)
            .take(limit + 1)
            .collect();
        Ok(MessageEditListResponse::Ok(Json(Page::of(
            versions,
            limit,
            |(number, _)| cursor::encode(KIND, number),
            |(_, edit)| MessageEdit {
                text: edit.text.clone(),
                replaced_at: atelier_chat::view::time(edit.replaced_at_ms).into(),
            },
        ))))
    }

    /// Pins a message (members).
    #[oai(
        path = "/channels/:channel_id/messages/:message_id/pin",
        method = "put",
        operation_id = "chat.messages.pin"
    )]
    async fn pin(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        /// API keys only: the member pinning.
        user_id: Query<Option<String>>,
    ) -> ApiResult<MessageResponse> {
        self.set_pin(auth, state, channel_id, message_id, user_id, true)
            .await
    }

    /// Unpins a message (members).
    #[oai(
        path = "/channels/:channel_id/messages/:message_id/pin",
        method = "delete",
        operation_id = "chat.messages.unpin"
    )]
    async fn unpin(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        /// API keys only: the member unpinning.
        user_id: Query<Option<String>>,
    ) -> ApiResult<MessageResponse> {
        self.set_pin(auth, state, channel_id, message_id, user_id, false)
            .await
    }

    /// The channel's pinned messages, most recently pinned first.
    #[oai(
        path = "/channels/:channel_id/pins",
        method = "get",
        operation_id = "chat.pins.list"
    )]
    async fn pins(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<MessageListResponse> {
        const KIND: &str = "pins";
        let principal = auth.principal();
        let channel = visible_channel(&state, principal, &channel_id).await?;
        let after = cursor::decode::<(i64, String)>(KIND, "cursor", cursor.0.as_deref())?;
        let limit = limit.0.unwrap_or(page::DEFAULT_LIMIT) as usize;
        let (pins, has_more) = state
            .service::<Chat>()?
            .pins(principal.tenant(), channel.id, after, limit)
            .await
            .map_err(chat_error)?;
        let next_cursor = pins
            .last()
            .filter(|_| has_more)
            .map(|last| cursor::encode(KIND, &(last.pinned_at_ms.unwrap_or_default(), &last.id)));
        Ok(MessageListResponse::Ok(Json(Page {
            items: views(&state, principal, pins).await?,
            next_cursor,
            has_more,
        })))
    }

    /// A thread's replies, oldest first.
    #[oai(
        path = "/channels/:channel_id/messages/:message_id/replies",
        method = "get",
        operation_id = "chat.messages.replies"
    )]
    async fn replies(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the first reply.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<ReplyPageResponse> {
        let principal = auth.principal();
        let channel = visible_channel(&state, principal, &channel_id).await?;
        let id = parse_id::<MessageId>("message_id", &message_id)?;
        let after = cursor::decode::<i64>(REPLY_CURSOR, "cursor", cursor.0.as_deref())?
            .map(|seq| {
                (seq >= 0)
                    .then_some(seq)
                    .ok_or_else(|| cursor::invalid("cursor"))
            })
            .transpose()?;
        let (items, has_more) = state
            .service::<Chat>()?
            .replies(
                principal.tenant(),
                channel.id,
                id,
                after,
                limit.0.unwrap_or(DEFAULT_LIMIT) as usize,
            )
            .await
            .map_err(chat_error)?;
        let next_cursor = items
            .last()
            .filter(|_| has_more)
            .map(|last| cursor::encode(REPLY_CURSOR, &last.seq));
        Ok(ReplyPageResponse::Ok(Json(Page {
            items: views(&state, principal, items).await?,
            next_cursor,
            has_more,
        })))
    }

    /// Adds a reaction (members); reacting twice with the same emoji changes nothing.
    #[oai(
        path = "/channels/:channel_id/messages/:message_id/reactions",
        method = "post",
        operation_id = "chat.reactions.add"
    )]
    async fn react(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        body: JsonBody<AddReaction>,
    ) -> ApiResult<MessageResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let id = parse_id::<MessageId>("message_id", &message_id)?;
        let (channel, _, actor) = state
            .service::<Chat>()?
            .acting_member(principal, channel, on_behalf_of(body.0.user_id.as_deref())?)
            .await
            .map_err(chat_error)?;
        let user = actor.user;
        let (message, _) = state
            .service::<Chat>()?
            .react(principal.tenant(), channel.id, id, user, &body.0.emoji)
            .await
            .map_err(chat_error)?;
        let view = views_for(&state, principal.tenant(), Some(user), vec![message])
            .await?
            .remove(0);
        Ok(MessageResponse::Ok(Json(view)))
    }

    /// Removes the caller's reaction with this emoji (URL-encoded).
    #[oai(
        path = "/channels/:channel_id/messages/:message_id/reactions/:emoji",
        method = "delete",
        operation_id = "chat.reactions.remove"
    )]
    async fn unreact(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        emoji: Path<String>,
        /// API keys only: whose reaction.
        user_id: Query<Option<String>>,
    ) -> ApiResult<MessageResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let id = parse_id::<MessageId>("message_id", &message_id)?;
        let (channel, _, actor) = state
            .service::<Chat>()?
            .acting_member(principal, channel, on_behalf_of(user_id.0.as_deref())?)
            .await
            .map_err(chat_error)?;
        let user = actor.user;
        let (message, _) = state
            .service::<Chat>()?
            .unreact(principal.tenant(), channel.id, id, user, &emoji)
            .await
            .map_err(chat_error)?;
        let view = views_for(&state, principal.tenant(), Some(user), vec![message])
            .await?
            .remove(0);
        Ok(MessageResponse::Ok(Json(view)))
    }

    /// Who reacted with this emoji, by user id, paginated.
    #[oai(
        path = "/channels/:channel_id/messages/:message_id/reactions/:emoji/users",
        method = "get",
        operation_id = "chat.reactions.users"
    )]
    #[allow(clippy::too_many_arguments)] // One argument per parameter.
    async fn reactors(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        emoji: Path<String>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<ReactorPageResponse> {
        let principal = auth.principal();
        let tenant = principal.tenant();
        let channel = visible_channel(&state, principal, &channel_id).await?;
        let id = parse_id::<MessageId>("message_id", &message_id)?;
        state
            .service::<Chat>()?
            .get_message(tenant, channel.id, id)
            .await
            .map_err(chat_error)?;
        let after = cursor::decode::<String>(REACTOR_CURSOR, "cursor", cursor.0.as_deref())?
            .map(|user| {
                user.parse::<UserId>()
                    .map_err(|_| cursor::invalid("cursor"))
            })
            .transpose()?;
        let (items, has_more) = state
            .service::<Chat>()?
            .reactors(
                tenant,
                id,
                &emoji,
                after,
                limit.0.unwrap_or(DEFAULT_LIMIT) as usize,
            )
            .await
            .map_err(chat_error)?;
        let next_cursor = items
            .last()
            .filter(|_| has_more)
            .map(|last| cursor::encode(REACTOR_CURSOR, &last.user.to_string()));
        Ok(ReactorPageResponse::Ok(Json(Page {
            items: items
                .iter()
                .map(|reaction| Reactor {
                    user_id: reaction.user.to_string(),
                    reacted_at: atelier_chat::view::time(reaction.created_at_ms).into(),
                })
                .collect(),
            has_more,
            next_cursor,
        })))
    }

    /// The channel's change feed: every message created, edited, deleted, reacted to,
    /// pinned or replied to after `cursor`, in change order, without gaps. Start from the
    /// `change_cursor` of a history read (or omit `cursor` for everything); `next_cursor` is
    /// always given (the same cursor when nothing changed): keep polling with it.
    #[oai(
        path = "/channels/:channel_id/changes",
        method = "get",
        operation_id = "chat.changes.list"
    )]
    async fn changes(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        /// A cursor from `change_cursor` or `next_cursor`.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<ChangePageResponse> {
        let principal = auth.principal();
        let channel = visible_channel(&state, principal, &channel_id).await?;
        let since = cursor::decode::<i64>(CHANGE_CURSOR, "cursor", cursor.0.as_deref())?
            .map(|position| {
                (position >= 0)
                    .then_some(position)
                    .ok_or_else(|| cursor::invalid("cursor"))
            })
            .transpose()?
            .unwrap_or(0);
        let (items, next, has_more) = state
            .service::<Chat>()?
            .changes(
                principal.tenant(),
                channel.id,
                since,
                limit.0.unwrap_or(100) as usize,
            )
            .await
            .map_err(chat_error)?;
        Ok(ChangePageResponse::Ok(Json(Page {
            items: views(&state, principal, items).await?,
            next_cursor: Some(cursor::encode(CHANGE_CURSOR, &next)),
            has_more,
        })))
    }

    /// Full-text search over the messages the caller can read: whole words, every word must
    /// appear, case-insensitive. Filter by channel, author and time range (`from` inclusive,
    /// `to` exclusive). Users search the channels they are members of and the public
    /// channels of their workspaces; API keys every channel.
    #[oai(
        path = "/search/messages",
        method = "get",
        operation_id = "chat.messages.search"
    )]
    #[allow(clippy::too_many_arguments)] // One argument per query parameter.
    async fn search(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        /// The words to find.
        q: Query<String>,
        /// Only this channel (empty: every channel).
        channel_id: Query<Option<String>>,
        /// Only messages by this user (empty: every author).
        author_id: Query<Option<String>>,
        /// Only messages sent at or after this RFC 3339 date-time, e.g.
        /// `2026-01-31T09:00:00Z` (empty: no lower bound).
        from: Query<Option<String>>,
        /// Only messages sent before this RFC 3339 date-time (empty: no upper bound).
        to: Query<Option<String>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<SearchPageResponse> {
        let principal = auth.principal();
        let tenant = principal.tenant();
        // The README's example sends every filter, empty: an empty filter is no filter.
        let given = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
        let (channel_id, author_id) = (given(&channel_id.0), given(&author_id.0));
        let time = |field: &str, value: &Option<String>| {
            given(value)
                .map(|text| {
                    DateTime::parse_from_rfc3339(text.trim())
                        .map(|time| time.with_timezone(&Utc).timestamp_millis())
                        .map_err(|_| {
                            ErrorResponse::invalid_field(
                                field,
                                "must be an RFC 3339 date-time such as 2026-01-31T09:00:00Z",
                            )
                        })
                })
                .transpose()
        };
        let (from_ms, to_ms) = (time("from", &from.0)?, time("to", &to.0)?);
        let channels = match channel_id.as_deref() {
            Some(id) => {
                let channel = visible_channel(&state, principal, id).await?;
                Some(vec![channel.id])
            }
            None => state
                .service::<Chat>()?
                .searchable_channels(principal)
                .await
                .map_err(chat_error)?,
        };
        let author = author_id
            .as_deref()
            .map(|id| parse_id::<UserId>("author_id", id))
            .transpose()?;
        let before = cursor::decode::<String>(SEARCH_CURSOR, "cursor", cursor.0.as_deref())?
            .map(|id| {
                id.parse::<MessageId>()
                    .map_err(|_| cursor::invalid("cursor"))
            })
            .transpose()?;
        let (items, has_more) = state
            .service::<Chat>()?
            .search(
                tenant,
                SearchQuery {
                    query: q.0,
                    channels,
                    author,
                    from_ms,
                    to_ms,
                    before,
                    limit: limit.0.unwrap_or(20) as usize,
                },
            )
            .await
            .map_err(chat_error)?;
        let next_cursor = items
            .last()
            .filter(|_| has_more)
            .map(|last| cursor::encode(SEARCH_CURSOR, &last.id.to_string()));
        Ok(SearchPageResponse::Ok(Json(Page {
            items: views(&state, principal, items).await?,
            has_more,
            next_cursor,
        })))
    }
}

impl ChatMessagesApi {
    async fn set_pin(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        message_id: Path<String>,
        user_id: Query<Option<String>>,
        pinned: bool,
    ) -> ApiResult<MessageResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let id = parse_id::<MessageId>("message_id", &message_id)?;
        let (channel, _, actor) = state
            .service::<Chat>()?
            .acting_member(principal, channel, on_behalf_of(user_id.0.as_deref())?)
            .await
            .map_err(chat_error)?;
        let user = actor.user;
        let message = state
            .service::<Chat>()?
            .pin(principal.tenant(), channel.id, id, pinned.then_some(user))
            .await
            .map_err(chat_error)?;
        let view = views(&state, principal, vec![message]).await?.remove(0);
        Ok(MessageResponse::Ok(Json(view)))
    }
}

/// A message position given as `param`: a plain sequence number (a message's `seq`) or a
/// cursor of one.
fn seq_cursor(param: &str, text: &str) -> ApiResult<i64> {
    let seq = match text.parse::<i64>() {
        Ok(seq) => Some(seq),
        Err(_) => cursor::decode::<i64>(SEQ_CURSOR, param, Some(text))?,
    };
    seq.filter(|seq| *seq >= 0)
        .ok_or_else(|| cursor::invalid(param))
}

pub fn draft_of(
    text: String,
    mention_ids: Option<Vec<String>>,
    mention_channel: Option<bool>,
    attachments: Option<Vec<Attachment>>,
    quoted_message_id: Option<String>,
    parent_id: Option<String>,
) -> ApiResult<Draft> {
    Ok(Draft {
        text,
        mentions: mention_ids
            .unwrap_or_default()
            .iter()
            .map(|id| parse_id::<UserId>("mention_ids", id))
            .collect::<Result<_, _>>()?,
        mention_channel: mention_channel.unwrap_or(false),
        attachments: attachments
            .unwrap_or_default()
            .into_iter()
            .map(|a| StoredAttachment {
                url: a.url,
                mime_type: a.mime_type,
                size_bytes: a.size_bytes,
                name: a.name,
            })
            .collect(),
        quoted_message: quoted_message_id
            .as_deref()
            .map(|id| parse_id::<MessageId>("quoted_message_id", id))
            .transpose()?,
        parent: parent_id
            .as_deref()
            .map(|id| parse_id::<MessageId>("parent_id", id))
            .transpose()?,
    })
}

/// Views for the principal (users see their own reactions as `me`).
pub async fn views(
    state: &ApiState,
    principal: &Principal,
    messages: Vec<MessageRecord>,
) -> ApiResult<Vec<Message>> {
    let viewer = match principal {
        Principal::User { user_id, .. } => Some(*user_id),
        Principal::ApiKey { .. } => None,
    };
    views_for(state, principal.tenant(), viewer, messages).await
}

async fn views_for(
    state: &ApiState,
    tenant: atelier_core::TenantId,
    viewer: Option<UserId>,
    messages: Vec<MessageRecord>,
) -> ApiResult<Vec<Message>> {
    let mine: HashSet<(MessageId, String)> = match viewer {
        Some(user) => {
            let ids: Vec<MessageId> = messages
                .iter()
                .filter(|m| !m.reactions.is_empty())
                .map(|m| m.id)
                .collect();
            state
                .service::<Chat>()?
                .my_reactions(tenant, user, &ids)
                .await
                .map_err(chat_error)?
                .into_iter()
                .collect()
        }
        None => HashSet::new(),
    };
    Ok(messages
        .iter()
        .map(|record| message_view(record, &mine))
        .collect())
}

fn message_view(record: &MessageRecord, mine: &HashSet<(MessageId, String)>) -> Message {
    let view = MessageView::from(record);
    Message {
        reactions: view
            .reactions
            .into_iter()
            .map(|reaction| Reaction {
                me: mine.contains(&(record.id, reaction.emoji.clone())),
                emoji: reaction.emoji,
                count: reaction.count,
            })
            .collect(),
        id: view.id,
        channel_id: view.channel_id,
        workspace_id: view.workspace_id,
        seq: view.seq,
        change_seq: view.change_seq,
        author_id: view.author_id,
        text: view.text,
        mention_ids: view.mention_ids,
        mention_channel: view.mention_channel,
        attachments: view
            .attachments
            .into_iter()
            .map(|a| Attachment {
                url: a.url,
                mime_type: a.mime_type,
                size_bytes: a.size_bytes,
                name: a.name,
            })
            .collect(),
        quoted_message_id: view.quoted_message_id,
        parent_id: view.parent_id,
        client_message_id: view.client_message_id,
        created_at: view.created_at.into(),
        edited_at: view.edited_at.map(Timestamp::from),
        edit_count: u32::try_from(view.edit_count).unwrap_or(u32::MAX),
        deleted: view.deleted,
        deleted_at: view.deleted_at.map(Timestamp::from),
        pinned: view.pinned,
        pinned_by: view.pinned_by,
        pinned_at: view.pinned_at.map(Timestamp::from),
        thread: view.thread.map(|thread| Thread {
            reply_count: thread.reply_count,
            last_reply_at: thread.last_reply_at.map(Timestamp::from),
            participant_ids: thread.participant_ids,
        }),
        scheduled_message_id: view.scheduled_message_id,
    }
}
