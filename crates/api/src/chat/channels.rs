//! Chat over HTTP: channels and members (this module), messages ([`crate::chat::messages`])
//! and read state, the badge and scheduled messages ([`crate::chat::reads`]). Shared
//! views, access helpers and the one mapping of [`ChatError`] to HTTP live here.
//!
//! **Who may do what** is decided in the chat domain (`atelier_chat::access`, with the one
//! policy in `atelier_identity::policy`): handlers parse, call and convert. A channel the
//! caller may not see answers **404** `channel_not_found`; acting without membership 403
//! `not_a_member`. API keys may act **on behalf of a user** by naming `user_id` in the body (or
//! query). Per-user endpoints (join, leave, read state, `GET /v1/me/unread`) take a user token.

use crate::edge::json::JsonBody;
use crate::edge::page::{self, Page};
use crate::edge::time::Timestamp;
use atelier_chat::Chat;
use atelier_chat::{
    ChannelId, ChannelKind, ChannelRole,
    channels::{ChannelPatch, NewChannel},
    model::{ChannelRecord, MemberRecord},
    view::{ChannelView, MemberView},
};
use atelier_identity::{Principal, UserId, WorkspaceId};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    ApiState, ApiTags,
    auth::{TenantAuth, UserAuth},
    edge::{ApiResult, chat_error, parse_id},
    problem::ErrorResponse,
};

/// Channels and members.
#[derive(Debug, Default)]
pub struct ChatApi;

/// A channel's kind: `public` (any workspace member may join), `private` (by invitation) or
/// `direct` (a fixed set of 2 to 9 users, exactly one channel per set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "ChannelKind", rename_all = "snake_case")]
pub enum ChannelKindName {
    Public,
    Private,
    Direct,
}

impl From<ChannelKind> for ChannelKindName {
    fn from(kind: ChannelKind) -> Self {
        match kind {
            ChannelKind::Public => Self::Public,
            ChannelKind::Private => Self::Private,
            ChannelKind::Direct => Self::Direct,
        }
    }
}

impl From<ChannelKindName> for ChannelKind {
    fn from(kind: ChannelKindName) -> Self {
        match kind {
            ChannelKindName::Public => Self::Public,
            ChannelKindName::Private => Self::Private,
            ChannelKindName::Direct => Self::Direct,
        }
    }
}

/// A channel member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "ChannelRole", rename_all = "snake_case")]
pub enum ChannelRoleName {
    Owner,
    Moderator,
    Member,
}

impl From<ChannelRole> for ChannelRoleName {
    fn from(role: ChannelRole) -> Self {
        match role {
            ChannelRole::Owner => Self::Owner,
            ChannelRole::Moderator => Self::Moderator,
            ChannelRole::Member => Self::Member,
        }
    }
}

impl From<ChannelRoleName> for ChannelRole {
    fn from(role: ChannelRoleName) -> Self {
        match role {
            ChannelRoleName::Owner => Self::Owner,
            ChannelRoleName::Moderator => Self::Moderator,
            ChannelRoleName::Member => Self::Member,
        }
    }
}

/// A channel.
#[derive(Debug, Object)]
// Absent optional fields are omitted, never null: the contract says optional, not nullable.
#[oai(skip_serializing_if_is_none)]
pub struct Channel {
    /// `chn_...`.
    pub id: String,
    pub workspace_id: String,
    pub kind: ChannelKindName,
    /// Empty for direct channels.
    pub name: String,
    pub topic: String,
    /// Direct channels: their members, sorted.
    pub direct_member_ids: Vec<String>,
    /// Archived channels are read-only and hidden from nothing; unarchive to use them again.
    pub archived: bool,
    /// Frozen channels are read-only: sends answer 403 `channel_frozen`.
    pub frozen: bool,
    /// Seconds a member waits between two messages (0: off); moderators are exempt.
    pub slow_mode_seconds: u32,
    /// The newest message's sequence number (0: none yet).
    pub last_seq: i64,
    /// The newest change-feed position.
    pub change_seq: i64,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Object)]
pub struct CreateChannel {
    pub kind: ChannelKindName,
    /// 1 to 80 characters; required except for direct channels.
    #[oai(validator(min_length = 1, max_length = 80))]
    pub name: Option<String>,
    /// Up to 250 characters.
    #[oai(validator(max_length = 250))]
    pub topic: Option<String>,
    /// Further members (workspace members). Direct channels: the other participants.
    pub member_ids: Option<Vec<String>>,
    /// Seconds between two messages of a member (0 to 21600, default 0).
    pub slow_mode_seconds: Option<u32>,
    /// API keys only: the user who creates (and owns) the channel, optional. Users create as
    /// themselves.
    pub creator_id: Option<String>,
}

/// Changes; absent fields stay as they are.
#[derive(Debug, Object)]
pub struct UpdateChannel {
    #[oai(validator(min_length = 1, max_length = 80))]
    pub name: Option<String>,
    #[oai(validator(max_length = 250))]
    pub topic: Option<String>,
    pub archived: Option<bool>,
    pub frozen: Option<bool>,
    pub slow_mode_seconds: Option<u32>,
}

/// A channel member.
#[derive(Debug, Object)]
pub struct ChannelMember {
    pub channel_id: String,
    pub user_id: String,
    pub role: ChannelRoleName,
    pub last_read_seq: i64,
    pub joined_at: Timestamp,
}

/// A member's role: `role` defaults to `member` for a new member; absent, an existing member
/// keeps theirs.
#[derive(Debug, Object)]
pub struct SetChannelMember {
    pub role: Option<ChannelRoleName>,
}

#[derive(Debug, ApiResponse)]
pub enum ChannelResponse {
    #[oai(status = 200)]
    Ok(Json<Channel>),
}

/// Creating a channel: 201 with the new one, or 200 with the direct channel that already
/// exists for the member set.
#[derive(Debug, ApiResponse)]
pub enum ChannelCreated {
    /// The direct channel of this member set already existed.
    #[oai(status = 200)]
    Existing(Json<Channel>),
    #[oai(status = 201)]
    Created(Json<Channel>),
}

#[derive(Debug, ApiResponse)]
pub enum ChannelListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Channel>>),
}

#[derive(Debug, ApiResponse)]
pub enum MemberResponse {
    #[oai(status = 200)]
    Ok(Json<ChannelMember>),
}

#[derive(Debug, ApiResponse)]
pub enum MemberListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<ChannelMember>>),
}

#[derive(Debug, ApiResponse)]
pub enum NoContentResponse {
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Chat")]
impl ChatApi {
    /// Creates a channel in a workspace. The creating user owns a public or private channel.
    /// A direct channel exists once per member set: asking again answers 200 with it.
    #[oai(
        path = "/workspaces/:workspace_id/channels",
        method = "post",
        operation_id = "chat.channels.create"
    )]
    async fn create(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        workspace_id: Path<String>,
        body: JsonBody<CreateChannel>,
    ) -> ApiResult<ChannelCreated> {
        let principal = auth.principal();
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        let body = body.0;
        let kind = ChannelKind::from(body.kind);
        let creator = body
            .creator_id
            .as_deref()
            .map(|id| parse_id::<UserId>("creator_id", id))
            .transpose()?;
        let members = body
            .member_ids
            .unwrap_or_default()
            .iter()
            .map(|id| parse_id::<UserId>("member_ids", id))
            .collect::<Result<Vec<_>, _>>()?;
        if kind != ChannelKind::Direct && body.name.is_none() {
            return Err(ErrorResponse::invalid_field(
                "name",
                "required for public and private channels",
            ));
        }
        let (record, created) = state
            .service::<Chat>()?
            .create_channel(
                principal,
                workspace,
                NewChannel {
                    kind,
                    name: body.name.unwrap_or_default(),
                    topic: body.topic.unwrap_or_default(),
                    creator,
                    members,
                    slow_mode_seconds: body.slow_mode_seconds.unwrap_or(0),
                },
            )
            .await
            .map_err(chat_error)?;
        let view = channel_view(&record);
        Ok(if created {
            ChannelCreated::Created(Json(view))
        } else {
            ChannelCreated::Existing(Json(view))
        })
    }

    /// The workspace's channels the caller can see (public ones, and private and direct ones
    /// they are a member of; every channel for API keys), oldest first.
    #[oai(
        path = "/workspaces/:workspace_id/channels",
        method = "get",
        operation_id = "chat.channels.list"
    )]
    async fn list(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        workspace_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<ChannelListResponse> {
        const KIND: &str = "channels";
        let principal = auth.principal();
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let records = state
            .service::<Chat>()?
            .visible_channels(principal, workspace, &request)
            .await
            .map_err(chat_error)?;
        Ok(ChannelListResponse::Ok(Json(Page::by_id(
            KIND,
            records,
            |channel| channel.id.to_string(),
            |channel| channel_view(&channel),
        ))))
    }

    /// One channel.
    #[oai(
        path = "/channels/:channel_id",
        method = "get",
        operation_id = "chat.channels.get"
    )]
    async fn get(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
    ) -> ApiResult<ChannelResponse> {
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let (channel, _) = state
            .service::<Chat>()?
            .visible_channel(auth.principal(), channel)
            .await
            .map_err(chat_error)?;
        Ok(ChannelResponse::Ok(Json(channel_view(&channel))))
    }

    /// Changes the name, topic, archived, frozen or slow-mode setting (moderators).
    #[oai(
        path = "/channels/:channel_id",
        method = "patch",
        operation_id = "chat.channels.update"
    )]
    async fn update(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        body: JsonBody<UpdateChannel>,
    ) -> ApiResult<ChannelResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let body = body.0;
        let record = state
            .service::<Chat>()?
            .update_channel(
                principal,
                channel,
                ChannelPatch {
                    name: body.name,
                    topic: body.topic,
                    archived: body.archived,
                    frozen: body.frozen,
                    slow_mode_seconds: body.slow_mode_seconds,
                },
            )
            .await
            .map_err(chat_error)?;
        Ok(ChannelResponse::Ok(Json(channel_view(&record))))
    }

    /// The channel's members, in joining order.
    #[oai(
        path = "/channels/:channel_id/members",
        method = "get",
        operation_id = "chat.members.list"
    )]
    async fn members(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<MemberListResponse> {
        const KIND: &str = "channel_members";
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let records = state
            .service::<Chat>()?
            .list_members(principal, channel, &request)
            .await
            .map_err(chat_error)?;
        Ok(MemberListResponse::Ok(Json(Page::by_id(
            KIND,
            records,
            |member| member.id.clone(),
            |member| member_view(&member),
        ))))
    }

    /// Adds (invites) a workspace member to the channel, or changes a member's role. Members
    /// may invite; only owners (and workspace admins on public channels) set roles other
    /// than `member` or change roles.
    #[oai(
        path = "/channels/:channel_id/members/:user_id",
        method = "put",
        operation_id = "chat.members.put"
    )]
    async fn put_member(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        user_id: Path<String>,
        body: JsonBody<SetChannelMember>,
    ) -> ApiResult<MemberResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let user = parse_id::<UserId>("user_id", &user_id)?;
        let role = body.0.role.map(ChannelRole::from);
        let member = state
            .service::<Chat>()?
            .set_member(principal, channel, user, role)
            .await
            .map_err(chat_error)?;
        Ok(MemberResponse::Ok(Json(member_view(&member))))
    }

    /// Removes a member (moderators), or leaves when it is the caller.
    #[oai(
        path = "/channels/:channel_id/members/:user_id",
        method = "delete",
        operation_id = "chat.members.remove"
    )]
    async fn remove_member(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
        user_id: Path<String>,
    ) -> ApiResult<NoContentResponse> {
        let principal = auth.principal();
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let user = parse_id::<UserId>("user_id", &user_id)?;
        state
            .service::<Chat>()?
            .remove_member(principal, channel, user)
            .await
            .map_err(chat_error)?;
        Ok(NoContentResponse::NoContent)
    }

    /// Joins a public channel (as `member`); joining again changes nothing.
    #[oai(
        path = "/channels/:channel_id/join",
        method = "post",
        operation_id = "chat.channels.join"
    )]
    async fn join(
        &self,
        UserAuth(principal): UserAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
    ) -> ApiResult<MemberResponse> {
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        let member = state
            .service::<Chat>()?
            .join(&principal, channel)
            .await
            .map_err(chat_error)?;
        Ok(MemberResponse::Ok(Json(member_view(&member))))
    }

    /// Leaves a channel.
    #[oai(
        path = "/channels/:channel_id/leave",
        method = "post",
        operation_id = "chat.channels.leave"
    )]
    async fn leave(
        &self,
        UserAuth(principal): UserAuth,
        state: Data<&ApiState>,
        channel_id: Path<String>,
    ) -> ApiResult<NoContentResponse> {
        let channel = parse_id::<ChannelId>("channel_id", &channel_id)?;
        state
            .service::<Chat>()?
            .leave(&principal, channel)
            .await
            .map_err(chat_error)?;
        Ok(NoContentResponse::NoContent)
    }
}

/// The visible channel named by a path parameter (404 when hidden or absent).
pub async fn visible_channel(
    state: &ApiState,
    principal: &Principal,
    channel_id: &str,
) -> ApiResult<ChannelRecord> {
    let channel = parse_id::<ChannelId>("channel_id", channel_id)?;
    let (record, _) = state
        .service::<Chat>()?
        .visible_channel(principal, channel)
        .await
        .map_err(chat_error)?;
    Ok(record)
}

/// An optional `user_id` (API keys acting on behalf of a user).
pub fn on_behalf_of(given: Option<&str>) -> ApiResult<Option<UserId>> {
    given
        .map(|id| parse_id::<UserId>("user_id", id))
        .transpose()
}

pub fn channel_view(record: &ChannelRecord) -> Channel {
    let view = ChannelView::from(record);
    Channel {
        id: view.id,
        workspace_id: view.workspace_id,
        kind: record.kind.into(),
        name: view.name,
        topic: view.topic,
        direct_member_ids: view.direct_member_ids,
        archived: view.archived,
        frozen: view.frozen,
        slow_mode_seconds: view.slow_mode_seconds,
        last_seq: view.last_seq,
        change_seq: view.change_seq,
        created_by: view.created_by,
        created_at: view.created_at.into(),
        updated_at: view.updated_at.into(),
    }
}

fn member_view(record: &MemberRecord) -> ChannelMember {
    let view = MemberView::from(record);
    ChannelMember {
        channel_id: view.channel_id,
        user_id: view.user_id,
        role: record.role.into(),
        last_read_seq: view.last_read_seq,
        joined_at: view.joined_at.into(),
    }
}
