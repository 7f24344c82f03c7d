//! Who may do what in chat, for every caller: the HTTP edge, the realtime gateway, queue
//! consumers and future agents get the same answer from here. Decided with
//! `atelier_identity::policy`, channel roles mapped to resource roles (owner → owner,
//! moderator → editor, member → commenter):
//!
//! - every channel access needs **current workspace membership**: a channel membership left
//!   over from a workspace the user was removed from counts for nothing (removal also deletes
//!   it, see `Tenancy::with_member_cascade`);
//! - *see* a channel (read it, its members, history, changes, pins, reactions): public
//!   channels, a workspace role with `ResourceRead` (members, admins, owners) or membership
//!   (guests, once invited); private and direct channels, membership only. A channel the
//!   caller may not see is [`ChatError::NotFound`], exactly like one that does not exist;
//! - *act* in it (send, react, pin, mark read): membership (`ResourceComment`), else
//!   `Forbidden(not_a_member)`;
//! - *moderate* (settings, delete others' messages; exempt from slow mode): `ResourceEdit`;
//! - *manage members*: the policy's member-change table (members invite members, moderators
//!   remove members, owners set roles and remove moderators and owners; workspace admins and
//!   owners hold the channel-owner permissions on public channels); leaving is always allowed.
//!
//! **API keys** (the tenant's backend) may do everything a `full` key may (a `read_only` key
//! only reads), see every channel, and act **on behalf of a user** they name
//! ([`Actor`]): that user must be a member (of the workspace and the channel) where
//! membership is needed. Per-user operations (join, leave, read state) take a user.

use atelier_store::scoped::PageRequest;
use mongodb::bson::doc;

use atelier_identity::{
    Principal, UserId, WorkspaceId,
    policy::{self, Access, Actor, ActorError, Decision, Permission},
};

use crate::{
    Chat, ChatError,
    channels::ChannelAccess,
    model::{ChannelId, ChannelKind, ChannelRecord, MessageRecord},
};

/// What a send needs once allowed: the channel, who the message is by, and whether slow mode
/// applies.
#[derive(Debug, Clone)]
pub struct SendGrant {
    pub channel: ChannelRecord,
    pub author: UserId,
    /// Moderators and the tenant's backend skip slow mode.
    pub slow_mode_exempt: bool,
}

impl Chat {
    /// 403 `forbidden` unless the policy allows.
    pub fn require(
        principal: &Principal,
        permission: Permission,
        access: Access,
    ) -> Result<(), ChatError> {
        match policy::authorize(principal, permission, access) {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) => Err(denied(principal, &format!("{permission:?}"), reason)),
        }
    }

    /// What the principal holds on `channel` (nothing for API keys: their scope decides).
    pub async fn principal_access(
        &self,
        principal: &Principal,
        channel: &ChannelRecord,
    ) -> Result<ChannelAccess, ChatError> {
        match principal {
            Principal::ApiKey { .. } => Ok(ChannelAccess::none()),
            Principal::User { tenant, user_id } => self.access(*tenant, *user_id, channel).await,
        }
    }

    /// The channel and the principal's access, or `NotFound("channel")` when it does not exist
    /// in the tenant or the principal may not see it.
    pub async fn visible_channel(
        &self,
        principal: &Principal,
        channel: ChannelId,
    ) -> Result<(ChannelRecord, ChannelAccess), ChatError> {
        let record = self.get_channel(principal.tenant(), channel).await?;
        let access = self.principal_access(principal, &record).await?;
        match policy::authorize(principal, Permission::ResourceRead, access.read) {
            Decision::Allow => Ok((record, access)),
            Decision::Deny(reason) => {
                tracing::info!(actor = %principal.actor(), %channel, reason, "channel hidden");
                Err(ChatError::NotFound("channel"))
            }
        }
    }

    /// May the principal read the channel? Its workspace when it may, `None` when the channel
    /// does not exist in the tenant or it may not. The question realtime topics and consumers
    /// (feed fan-out: "who may see this") ask.
    pub async fn can_read(
        &self,
        principal: &Principal,
        channel: ChannelId,
    ) -> Result<Option<WorkspaceId>, ChatError> {
        match self.visible_channel(principal, channel).await {
            Ok((record, _)) => Ok(Some(record.workspace)),
            Err(ChatError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// A page of the workspace's channels the principal can see, oldest first.
    pub async fn visible_channels(
        &self,
        principal: &Principal,
        workspace: WorkspaceId,
        request: &PageRequest,
    ) -> Result<(Vec<ChannelRecord>, bool), ChatError> {
        let tenant = principal.tenant();
        self.tenancy.workspace_access(principal, workspace).await?;
        let filter = doc! { "workspace": workspace.to_string() };
        // Read batches of the workspace's channels until a page of visible ones (and one more,
        // to know that more follow) is found or the list ends.
        let mut batch_request = PageRequest::new(request.after.clone(), request.limit);
        let mut visible = Vec::with_capacity(request.limit + 1);
        loop {
            let (batch, more) =
                atelier_store::scoped::page(&self.channels, tenant, filter.clone(), &batch_request)
                    .await?;
            batch_request.after = batch.last().map(|channel| channel.id.to_string());
            for channel in batch {
                let access = self.principal_access(principal, &channel).await?;
                if policy::authorize(principal, Permission::ResourceRead, access.read).is_allowed()
                {
                    visible.push(channel);
                }
            }
            if visible.len() > request.limit || !more {
                break;
            }
        }
        let has_more = visible.len() > request.limit;
        visible.truncate(request.limit);
        Ok((visible, has_more))
    }

    /// The channels a search by the principal may cover: `None` (every channel) for API keys;
    /// for users their memberships in workspaces they still belong to, and the public channels
    /// of workspaces where their role lets them read.
    pub async fn searchable_channels(
        &self,
        principal: &Principal,
    ) -> Result<Option<Vec<ChannelId>>, ChatError> {
        let Principal::User { tenant, user_id } = principal else {
            return Ok(None);
        };
        let (tenant, user) = (*tenant, *user_id);
        let mut channels = Vec::new();
        for workspace in self.tenancy.visible_workspaces(principal).await? {
            let access = self
                .tenancy
                .access(tenant, user, workspace.id, None)
                .await?;
            let reads_public =
                policy::authorize(principal, Permission::ResourceRead, access).is_allowed();
            for channel in self.list_channels(tenant, workspace.id).await? {
                if reads_public && channel.kind == ChannelKind::Public {
                    channels.push(channel.id);
                }
            }
        }
        for member in self.memberships_of(tenant, user).await? {
            if !channels.contains(&member.channel)
                && self
                    .tenancy
                    .member_role(tenant, member.workspace, user)
                    .await?
                    .is_some()
            {
                channels.push(member.channel);
            }
        }
        Ok(Some(channels))
    }

    /// Acting in the channel needs membership (API keys: their scope); 403 `not_a_member`.
    pub fn require_member(principal: &Principal, access: &ChannelAccess) -> Result<(), ChatError> {
        match principal {
            Principal::ApiKey { .. } => {
                Self::require(principal, Permission::ResourceComment, access.member)
            }
            Principal::User { .. } => {
                if policy::authorize(principal, Permission::ResourceComment, access.member)
                    .is_allowed()
                {
                    Ok(())
                } else {
                    Err(ChatError::forbidden(
                        "not_a_member",
                        "Only members may do this; join the channel first.",
                    ))
                }
            }
        }
    }

    /// The visible channel and who acts in it: the user, or the user an API key names, who
    /// must be a member of the channel (and so of its workspace).
    pub async fn acting_member(
        &self,
        principal: &Principal,
        channel: ChannelId,
        on_behalf_of: Option<UserId>,
    ) -> Result<(ChannelRecord, ChannelAccess, Actor), ChatError> {
        let (record, access) = self.visible_channel(principal, channel).await?;
        let actor = actor(principal, on_behalf_of)?;
        Self::require_member(principal, &access)?;
        if actor.is_api_key() {
            let acting = self.access(principal.tenant(), actor.user, &record).await?;
            if acting.membership.is_none() {
                return Err(ChatError::forbidden(
                    "not_a_member",
                    format!("{} is not a member of the channel.", actor.user),
                ));
            }
        }
        Ok((record, access, actor))
    }

    /// May the principal send to the channel (as itself or on behalf of a user)?
    pub async fn authorize_send(
        &self,
        principal: &Principal,
        channel: ChannelId,
        on_behalf_of: Option<UserId>,
    ) -> Result<SendGrant, ChatError> {
        let (channel, access, actor) = self.acting_member(principal, channel, on_behalf_of).await?;
        let slow_mode_exempt = actor.is_api_key()
            || policy::authorize(principal, Permission::ResourceEdit, access.read).is_allowed();
        Ok(SendGrant {
            channel,
            author: actor.user,
            slow_mode_exempt,
        })
    }

    /// May the principal edit this message? Members edit their own; API keys any.
    pub async fn authorize_edit(
        &self,
        principal: &Principal,
        channel: ChannelId,
        message: crate::MessageId,
    ) -> Result<(ChannelRecord, MessageRecord), ChatError> {
        let (channel, access) = self.visible_channel(principal, channel).await?;
        let message = self
            .get_message(principal.tenant(), channel.id, message)
            .await?;
        Self::require_member(principal, &access)?;
        if let Principal::User { user_id, .. } = principal
            && *user_id != message.author
        {
            return Err(ChatError::forbidden(
                "not_the_author",
                "Only the author may edit a message.",
            ));
        }
        Ok((channel, message))
    }

    /// May the principal delete this message? Authors (members) their own; moderators and
    /// API keys any.
    pub async fn authorize_delete(
        &self,
        principal: &Principal,
        channel: ChannelId,
        message: crate::MessageId,
    ) -> Result<(ChannelRecord, MessageRecord), ChatError> {
        let (channel, access) = self.visible_channel(principal, channel).await?;
        let message = self
            .get_message(principal.tenant(), channel.id, message)
            .await?;
        let own =
            matches!(principal, Principal::User { user_id, .. } if *user_id == message.author);
        if own {
            Self::require_member(principal, &access)?;
        } else {
            Self::require(principal, Permission::ResourceEdit, access.read)?;
        }
        Ok((channel, message))
    }

    /// A member's own per-user operation (read state): the visible channel and the user.
    pub async fn own_membership(
        &self,
        principal: &Principal,
        channel: ChannelId,
    ) -> Result<(ChannelRecord, UserId), ChatError> {
        let (channel, access) = self.visible_channel(principal, channel).await?;
        Self::require_member(principal, &access)?;
        Ok((channel, user_of(principal)?))
    }

    /// Scheduled messages the principal may see in the channel: their own (users) or every
    /// one (API keys, `None`).
    pub async fn scheduled_scope(
        &self,
        principal: &Principal,
        channel: ChannelId,
    ) -> Result<(ChannelRecord, Option<UserId>), ChatError> {
        let (channel, _) = self.visible_channel(principal, channel).await?;
        let author = match principal {
            Principal::User { user_id, .. } => Some(*user_id),
            Principal::ApiKey { .. } => None,
        };
        Ok((channel, author))
    }

    /// A scheduled message the principal may see (users: their own; others are not found).
    pub async fn visible_scheduled(
        &self,
        principal: &Principal,
        channel: ChannelId,
        id: crate::ScheduledMessageId,
    ) -> Result<crate::model::ScheduledRecord, ChatError> {
        let (channel, author) = self.scheduled_scope(principal, channel).await?;
        let record = self
            .get_scheduled(principal.tenant(), channel.id, id)
            .await?;
        if author.is_some_and(|author| author != record.author) {
            return Err(ChatError::NotFound("scheduled_message"));
        }
        Ok(record)
    }

    /// May the principal cancel this scheduled message? Users their own; full-scope keys any.
    pub async fn authorize_cancel_scheduled(
        &self,
        principal: &Principal,
        channel: ChannelId,
        id: crate::ScheduledMessageId,
    ) -> Result<crate::model::ScheduledRecord, ChatError> {
        if matches!(principal, Principal::ApiKey { .. }) {
            Self::require(principal, Permission::ResourceComment, Access::default())?;
        }
        self.visible_scheduled(principal, channel, id).await
    }
}

/// Who acts: the user, or the user an API key names.
pub fn actor(principal: &Principal, on_behalf_of: Option<UserId>) -> Result<Actor, ChatError> {
    Actor::resolve(principal, on_behalf_of).map_err(|error| match error {
        ActorError::NotYourself => ChatError::invalid(
            "user_id",
            "users act as themselves; only API keys name another user",
        ),
        ActorError::UserRequired => {
            ChatError::invalid("user_id", "required with an API key: the user to act as")
        }
    })
}

/// The user of a per-user operation; API keys are refused (`user_token_required`).
pub fn user_of(principal: &Principal) -> Result<UserId, ChatError> {
    match principal {
        Principal::User { user_id, .. } => Ok(*user_id),
        Principal::ApiKey { .. } => Err(ChatError::forbidden(
            "user_token_required",
            "This operation acts as an end user: authenticate with a user access token.",
        )),
    }
}

/// The policy's refusal: the reason goes to the log, the client gets `forbidden`.
pub(crate) fn denied(principal: &Principal, what: &str, reason: &str) -> ChatError {
    tracing::info!(actor = %principal.actor(), what, reason, "permission denied");
    ChatError::forbidden("forbidden", "Your credentials do not allow this operation.")
}
