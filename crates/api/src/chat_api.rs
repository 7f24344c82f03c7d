//! Chat over HTTP: channels and members (this module), messages ([`crate::chat_messages_api`])
//! and read state, the badge and scheduled messages ([`crate::chat_reads_api`]). Shared
//! views, access helpers and the one mapping of [`ChatError`] to HTTP live here.
//!
//! **Who may do what** (decided by `atelier_identity::policy`, channel roles mapped to
//! resource roles: owner → owner, moderator → editor, member → commenter):
//! - *see* a channel (read it, its members, history, changes, pins, reactions): public
//!   channels, a workspace role with `ResourceRead` (members, admins, owners) or membership
//!   (guests, once invited); private and direct channels, membership only. A channel the caller may not
//!   see answers **404** `channel_not_found`, exactly like one that does not exist.
//! - *act* in it (send, react, pin, mark read, invite): membership (`ResourceComment`);
//!   otherwise 403 `not_a_member`.
//! - *moderate* (settings, delete others' messages, remove members; exempt from slow mode):
//!   `ResourceEdit` (channel moderators and owners; workspace admins and owners on public
//!   channels). Changing roles: `ResourceShare` (channel owners, workspace admins/owners on
//!   public channels).
//!
//! **API keys** (the tenant's backend) may do everything a `full` key may (a `read_only` key
//! only reads), see every channel, and act **on behalf of a user** by naming `user_id` in the
//! body (or query): that user must be a member where membership is needed. Sends made with an
//! API key skip slow mode. Per-user endpoints (join, leave, read state, `GET /v1/me/unread`)
//! take a user token.

use atelier_chat::{
    ChannelId, ChannelKind, ChannelRole, ChatError,
    channels::{ChannelAccess, ChannelPatch, NewChannel},
    model::{ChannelRecord, MemberRecord},
    view::{ChannelView, MemberView},
};
use atelier_identity::{
    Principal, UserId, WorkspaceId,
    policy::{Access, Decision, Permission, authorize},
};
use chrono::{DateTime, Utc};
use poem::{http::StatusCode, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use crate::{
    ApiState, ApiTags,
    auth::{TenantAuth, UserAuth},
    problem::{ErrorResponse, Problem},
    tenancy_api::{identity_error, parse_id, require},
};

pub type ApiResult<T> = Result<T, ErrorResponse>;

/// Channels and members.
#[derive(Debug, Default)]
pub struct ChatApi;

/// A channel.
#[derive(Debug, Object)]
pub struct Channel {
    /// `chn_...`.
    pub id: String,
    pub workspace_id: String,
    /// `public`, `private` or `direct`.
    pub kind: String,
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct ChannelList {
    pub items: Vec<Channel>,
}

#[derive(Debug, Object)]
pub struct CreateChannel {
    /// `public` (any workspace member may join), `private` (by invitation) or `direct`
    /// (a fixed set of 2 to 9 users, exactly one channel per set).
    pub kind: String,
    /// 1 to 80 characters; required except for direct channels.
    pub name: Option<String>,
    /// Up to 250 characters.
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
    pub name: Option<String>,
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
    /// `owner`, `moderator` or `member`.
    pub role: String,
    pub last_read_seq: i64,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct ChannelMemberList {
    pub items: Vec<ChannelMember>,
}

#[derive(Debug, Object)]
pub struct SetChannelMember {
    /// `owner`, `moderator` or `member` (default `member` for a new member; absent keeps an
    /// existing member's role).
    pub role: Option<String>,
}

#[derive(Debug, ApiResponse)]
pub enum ChannelResponse {
    #[oai(status = 200)]
    Ok(Json<Channel>),
    #[oai(status = 201)]
    Created(Json<Channel>),
}

#[derive(Debug, ApiResponse)]
pub enum ChannelListResponse {
    #[oai(status = 200)]
    Ok(Json<ChannelList>),
}

#[derive(Debug, ApiResponse)]
pub enum MemberResponse {
    #[oai(status = 200)]
    Ok(Json<ChannelMember>),
}

#[derive(Debug, ApiResponse)]
pub enum MemberListResponse {
    #[oai(status = 200)]
    Ok(Json<ChannelMemberList>),
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
        body: Json<CreateChannel>,
    ) -> ApiResult<ChannelResponse> {
        let principal = auth.principal();
        let tenant = principal.tenant();
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        let access = workspace_access(&state, principal, workspace).await?;
        require(principal, Permission::ResourceCreate, access)?;
        let body = body.0;
        let kind = ChannelKind::parse(&body.kind).ok_or_else(|| {
            ErrorResponse::invalid_field("kind", "must be `public`, `private` or `direct`")
        })?;
        let creator = match principal {
            Principal::User { user_id, .. } => {
                if body.creator_id.is_some() {
                    return Err(ErrorResponse::invalid_field(
                        "creator_id",
                        "only API keys name the creator; users create as themselves",
                    ));
                }
                Some(*user_id)
            }
            Principal::ApiKey { .. } => body
                .creator_id
                .as_deref()
                .map(|id| parse_id::<UserId>("creator_id", id))
                .transpose()?,
        };
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
            .chat
            .create_channel(
                tenant,
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
            ChannelResponse::Created(Json(view))
        } else {
            ChannelResponse::Ok(Json(view))
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
    ) -> ApiResult<ChannelListResponse> {
        let principal = auth.principal();
        let tenant = principal.tenant();
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        workspace_access(&state, principal, workspace).await?;
        let channels = state
            .chat
            .list_channels(tenant, workspace)
            .await
            .map_err(chat_error)?;
        let mut items = Vec::with_capacity(channels.len());
        for channel in &channels {
            let access = channel_access(&state, principal, channel).await?;
            if authorize(principal, Permission::ResourceRead, access.read).is_allowed() {
                items.push(channel_view(channel));
            }
        }
        Ok(ChannelListResponse::Ok(Json(ChannelList { items })))
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
        let (channel, _) = visible_channel(&state, auth.principal(), &channel_id).await?;
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
        body: Json<UpdateChannel>,
    ) -> ApiResult<ChannelResponse> {
        let principal = auth.principal();
        let (channel, access) = visible_channel(&state, principal, &channel_id).await?;
        require(principal, Permission::ResourceEdit, access.read)?;
        let body = body.0;
        let record = state
            .chat
            .update_channel(
                principal.tenant(),
                channel.id,
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
    ) -> ApiResult<MemberListResponse> {
        let principal = auth.principal();
        let (channel, _) = visible_channel(&state, principal, &channel_id).await?;
        let members = state
            .chat
            .list_members(principal.tenant(), channel.id)
            .await
            .map_err(chat_error)?;
        Ok(MemberListResponse::Ok(Json(ChannelMemberList {
            items: members.iter().map(member_view).collect(),
        })))
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
        body: Json<SetChannelMember>,
    ) -> ApiResult<MemberResponse> {
        let principal = auth.principal();
        let tenant = principal.tenant();
        let (channel, access) = visible_channel(&state, principal, &channel_id).await?;
        let user = parse_id::<UserId>("user_id", &user_id)?;
        let role = body
            .0
            .role
            .as_deref()
            .map(|role| {
                ChannelRole::parse(role).ok_or_else(|| {
                    ErrorResponse::invalid_field("role", "must be `owner`, `moderator` or `member`")
                })
            })
            .transpose()?;
        let existing = state
            .chat
            .membership(tenant, channel.id, user)
            .await
            .map_err(chat_error)?;
        let role = match (&existing, role) {
            (Some(member), None) => member.role,
            (_, Some(role)) => role,
            (None, None) => ChannelRole::Member,
        };
        let changes_role = existing.as_ref().is_some_and(|member| member.role != role)
            || (existing.is_none() && role != ChannelRole::Member);
        if changes_role {
            require(principal, Permission::ResourceShare, access.read)?;
        } else {
            require_member(principal, &access)?;
        }
        let member = state
            .chat
            .set_member(tenant, &channel, user, role)
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
        let (channel, access) = visible_channel(&state, principal, &channel_id).await?;
        let user = parse_id::<UserId>("user_id", &user_id)?;
        let is_self = matches!(principal, Principal::User { user_id, .. } if *user_id == user);
        if !is_self {
            require(principal, Permission::ResourceEdit, access.read)?;
        }
        state
            .chat
            .remove_member(principal.tenant(), &channel, user)
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
        let (channel, access) = visible_channel(&state, &principal, &channel_id).await?;
        let user = user_of(&principal)?;
        if let Some(member) = access.membership {
            return Ok(MemberResponse::Ok(Json(member_view(&member))));
        }
        if channel.kind != ChannelKind::Public {
            return Err(ErrorResponse::forbidden(
                "channel_not_joinable",
                "Only public channels can be joined; private channels take an invitation.",
            ));
        }
        let member = state
            .chat
            .set_member(principal.tenant(), &channel, user, ChannelRole::Member)
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
        let (channel, _) = visible_channel(&state, &principal, &channel_id).await?;
        let user = user_of(&principal)?;
        state
            .chat
            .remove_member(principal.tenant(), &channel, user)
            .await
            .map_err(chat_error)?;
        Ok(NoContentResponse::NoContent)
    }
}

/// What the principal holds on the workspace; 404 when a user cannot see it.
async fn workspace_access(
    state: &ApiState,
    principal: &Principal,
    workspace: WorkspaceId,
) -> ApiResult<Access> {
    state
        .identity
        .tenancy
        .get_workspace(principal.tenant(), workspace)
        .await
        .map_err(identity_error)?;
    match principal {
        Principal::ApiKey { .. } => Ok(Access::default()),
        Principal::User { tenant, user_id } => {
            let access = state
                .identity
                .tenancy
                .access(*tenant, *user_id, workspace, None)
                .await
                .map_err(identity_error)?;
            if authorize(principal, Permission::WorkspaceRead, access).is_allowed() {
                Ok(access)
            } else {
                Err(not_found("workspace"))
            }
        }
    }
}

/// What the principal holds on `channel` (nothing for API keys: their scope decides).
pub async fn channel_access(
    state: &ApiState,
    principal: &Principal,
    channel: &ChannelRecord,
) -> ApiResult<ChannelAccess> {
    match principal {
        Principal::ApiKey { .. } => Ok(ChannelAccess::none()),
        Principal::User { tenant, user_id } => state
            .chat
            .access(*tenant, *user_id, channel)
            .await
            .map_err(chat_error),
    }
}

/// The channel and the principal's access, or 404 when it does not exist in the tenant or the
/// principal may not see it.
pub async fn visible_channel(
    state: &ApiState,
    principal: &Principal,
    channel_id: &str,
) -> ApiResult<(ChannelRecord, ChannelAccess)> {
    let id = parse_id::<ChannelId>("channel_id", channel_id)?;
    let channel = state
        .chat
        .get_channel(principal.tenant(), id)
        .await
        .map_err(chat_error)?;
    let access = channel_access(state, principal, &channel).await?;
    match authorize(principal, Permission::ResourceRead, access.read) {
        Decision::Allow => Ok((channel, access)),
        Decision::Deny(reason) => {
            tracing::info!(actor = %principal.actor(), channel = %channel.id, reason, "channel hidden");
            Err(not_found("channel"))
        }
    }
}

/// Acting in the channel needs membership (API keys: their scope).
pub fn require_member(principal: &Principal, access: &ChannelAccess) -> ApiResult<()> {
    match principal {
        Principal::ApiKey { .. } => require(principal, Permission::ResourceComment, access.member),
        Principal::User { .. } => {
            if authorize(principal, Permission::ResourceComment, access.member).is_allowed() {
                Ok(())
            } else {
                Err(ErrorResponse::forbidden(
                    "not_a_member",
                    "Only members may do this; join the channel first.",
                ))
            }
        }
    }
}

/// Who the request acts as: the user, or for API keys the `user_id` they name (required).
pub fn acting_user(principal: &Principal, given: Option<&str>) -> ApiResult<UserId> {
    match principal {
        Principal::User { user_id, .. } => match given {
            Some(text) if text != user_id.to_string() => Err(ErrorResponse::invalid_field(
                "user_id",
                "users act as themselves; only API keys name another user",
            )),
            _ => Ok(*user_id),
        },
        Principal::ApiKey { .. } => match given {
            Some(text) => parse_id::<UserId>("user_id", text),
            None => Err(ErrorResponse::invalid_field(
                "user_id",
                "required with an API key: the user to act as",
            )),
        },
    }
}

/// For API keys acting as a user: that user's membership, else 403 `not_a_member`.
pub async fn require_acting_member(
    state: &ApiState,
    principal: &Principal,
    access: &ChannelAccess,
    channel: &ChannelRecord,
    user: UserId,
) -> ApiResult<()> {
    require_member(principal, access)?;
    if matches!(principal, Principal::ApiKey { .. })
        && state
            .chat
            .membership(principal.tenant(), channel.id, user)
            .await
            .map_err(chat_error)?
            .is_none()
    {
        return Err(ErrorResponse::forbidden(
            "not_a_member",
            format!("{user} is not a member of the channel."),
        ));
    }
    Ok(())
}

fn user_of(principal: &Principal) -> ApiResult<UserId> {
    match principal {
        Principal::User { user_id, .. } => Ok(*user_id),
        Principal::ApiKey { .. } => Err(ErrorResponse::forbidden(
            "user_token_required",
            "This operation acts as an end user: authenticate with a user access token.",
        )),
    }
}

pub fn not_found(what: &str) -> ErrorResponse {
    ErrorResponse::not_found(&format!("{what}_not_found"), format!("No such {what}."))
}

/// One mapping of chat errors to HTTP.
pub fn chat_error(error: ChatError) -> ErrorResponse {
    match error {
        ChatError::NotFound(what) => not_found(what),
        ChatError::Invalid { field, message } => ErrorResponse::invalid_field(field, message),
        ChatError::TextTooLong { length, max } => {
            let detail = format!("is {length} characters long; at most {max} are allowed");
            ErrorResponse::PayloadTooLarge(Json(
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "text_too_long",
                    format!("`text` {detail}"),
                )
                .with_field("text", detail),
            ))
        }
        ChatError::InvalidCursor => {
            ErrorResponse::bad_request("invalid_cursor", "The cursor is not one this API issued.")
        }
        ChatError::Frozen => {
            ErrorResponse::forbidden("channel_frozen", "The channel is frozen: it is read-only.")
        }
        ChatError::Archived => ErrorResponse::conflict(
            "channel_archived",
            "The channel is archived: unarchive it to change it.",
        ),
        ChatError::SlowMode {
            retry_after_seconds,
        } => ErrorResponse::TooManyRequests(
            Json(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "slow_mode",
                format!("Slow mode is on: wait {retry_after_seconds} s before sending again."),
            )),
            retry_after_seconds,
        ),
        ChatError::Conflict { code, message } => ErrorResponse::conflict(code, message),
        ChatError::Forbidden { code, message } => ErrorResponse::forbidden(code, message),
        ChatError::Identity(error) => identity_error(error),
        ChatError::Storage(error) => ErrorResponse::storage("chat operation", &error),
    }
}

pub fn channel_view(record: &ChannelRecord) -> Channel {
    let view = ChannelView::from(record);
    Channel {
        id: view.id,
        workspace_id: view.workspace_id,
        kind: view.kind,
        name: view.name,
        topic: view.topic,
        direct_member_ids: view.direct_member_ids,
        archived: view.archived,
        frozen: view.frozen,
        slow_mode_seconds: view.slow_mode_seconds,
        last_seq: view.last_seq,
        change_seq: view.change_seq,
        created_by: view.created_by,
        created_at: view.created_at,
        updated_at: view.updated_at,
    }
}

fn member_view(record: &MemberRecord) -> ChannelMember {
    let view = MemberView::from(record);
    ChannelMember {
        channel_id: view.channel_id,
        user_id: view.user_id,
        role: view.role,
        last_read_seq: view.last_read_seq,
        joined_at: view.joined_at,
    }
}
