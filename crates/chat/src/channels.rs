//! Channels, members and what a user holds on a channel.
//!
//! Access (see [`Chat::access`]) is resolved here and decided by
//! [`atelier_identity::policy`] (the rules: [`crate::access`]): only a current workspace
//! member holds anything; on a **public** channel a user holds their workspace role and their
//! channel role; on a **private or direct** channel only their channel role (so workspace
//! members who were not invited cannot even see it). Acting in a channel (sending, reacting,
//! marking read) uses the channel role alone: join first. Channel roles map to resource roles
//! ([`ChannelRole::resource_role`]).
//!
//! The operations callers use take the acting [`Principal`] and decide before they act;
//! `write_member` and `delete_member` are the storage steps behind them.

use atelier_core::TenantId;
use atelier_identity::{
    Principal, UserId, WorkspaceId,
    policy::{self, Access, Decision, Permission},
};
use atelier_store::scoped::PageRequest;
use futures_util::{FutureExt, TryStreamExt};
use mongodb::bson::doc;
use serde_json::json;

use crate::{
    Chat, ChatError,
    access::{denied, user_of},
    event,
    model::{ChannelId, ChannelKind, ChannelRecord, ChannelRole, MemberRecord},
    now_ms, text,
    view::{ChannelView, MemberView},
};

/// A channel to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChannel {
    pub kind: ChannelKind,
    /// Required for public and private channels, ignored for direct ones.
    pub name: String,
    pub topic: String,
    /// The creator (owner of public and private channels); `None` for an API key creating a
    /// direct channel.
    pub creator: Option<UserId>,
    /// Further members (direct: the other participants).
    pub members: Vec<UserId>,
    pub slow_mode_seconds: u32,
}

/// Changes to a channel; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelPatch {
    pub name: Option<String>,
    pub topic: Option<String>,
    pub archived: Option<bool>,
    pub frozen: Option<bool>,
    pub slow_mode_seconds: Option<u32>,
}

/// What a user holds on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelAccess {
    /// For reading and moderating: workspace role (public channels only) and channel role.
    pub read: Access,
    /// For acting in the channel: the channel role only.
    pub member: Access,
    pub membership: Option<MemberRecord>,
}

impl ChannelAccess {
    /// An API key: its scope decides, holding nothing.
    pub fn none() -> Self {
        Self {
            read: Access::default(),
            member: Access::default(),
            membership: None,
        }
    }
}

impl Chat {
    /// Creates a channel (`ResourceCreate` in the workspace). Users create as themselves and
    /// own it; API keys may name the creator. A direct channel is unique per member set:
    /// asking again returns the existing one (`created = false`).
    pub async fn create_channel(
        &self,
        principal: &Principal,
        workspace: WorkspaceId,
        mut new: NewChannel,
    ) -> Result<(ChannelRecord, bool), ChatError> {
        let tenant = principal.tenant();
        let access = self.tenancy.workspace_access(principal, workspace).await?;
        Self::require(principal, Permission::ResourceCreate, access)?;
        if let Principal::User { user_id, .. } = principal {
            if new.creator.is_some() {
                return Err(ChatError::invalid(
                    "creator_id",
                    "only API keys name the creator; users create as themselves",
                ));
            }
            new.creator = Some(*user_id);
        }
        let now = now_ms();
        let id = ChannelId::generate();
        let mut members: Vec<UserId> = new.creator.into_iter().collect();
        for user in &new.members {
            if !members.contains(user) {
                members.push(*user);
            }
        }
        let (name, unique_key, direct_members) = match new.kind {
            ChannelKind::Direct => {
                if members.len() < 2 || members.len() > text::MAX_DIRECT_MEMBERS {
                    return Err(ChatError::invalid(
                        "member_ids",
                        format!(
                            "a direct channel has 2 to {} members (the caller included)",
                            text::MAX_DIRECT_MEMBERS
                        ),
                    ));
                }
                let (key, sorted) = text::direct_key(&members);
                (String::new(), key, sorted)
            }
            _ => (text::check_name(&new.name)?, id.to_string(), Vec::new()),
        };
        if members.len() > 1000 {
            return Err(ChatError::invalid("member_ids", "at most 1000 members"));
        }
        for user in &members {
            if self
                .tenancy
                .member_role(tenant, workspace, *user)
                .await?
                .is_none()
            {
                return Err(ChatError::invalid(
                    "member_ids",
                    format!("{user} is not a member of the workspace"),
                ));
            }
        }
        if new.kind == ChannelKind::Direct
            && let Some(existing) = self
                .channels
                .find_one(doc! { "tenant": tenant.to_string(), "unique_key": &unique_key })
                .await?
        {
            return Ok((existing, false));
        }
        let channel = ChannelRecord {
            id,
            tenant,
            workspace,
            kind: new.kind,
            name,
            topic: text::check_topic(&new.topic)?,
            unique_key,
            direct_members,
            archived: false,
            frozen: false,
            slow_mode_seconds: text::check_slow_mode(new.slow_mode_seconds)?,
            seq: 0,
            change_seq: 0,
            created_by: new.creator,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let records: Vec<MemberRecord> = members
            .iter()
            .map(|user| {
                let role = if new.kind != ChannelKind::Direct && Some(*user) == new.creator {
                    ChannelRole::Owner
                } else {
                    ChannelRole::Member
                };
                member_record(&channel, *user, role, now)
            })
            .collect();
        let mut events = vec![channel_event("chat.channel.created", &channel, None)];
        events.extend(
            records
                .iter()
                .map(|member| member_event("chat.member.added", member)),
        );
        let outcome = self
            .unit
            .run::<_, _, ChatError, _>(
                tenant,
                (self.clone(), channel.clone(), records, events),
                |tx, (this, channel, records, events)| {
                    async move {
                        let session = tx.session();
                        this.channels
                            .insert_one(&*channel)
                            .session(&mut *session)
                            .await?;
                        if !records.is_empty() {
                            this.members
                                .insert_many(records.iter())
                                .session(&mut *session)
                                .await?;
                        }
                        this.append(session, channel.tenant, events.clone()).await?;
                        Ok(channel.clone())
                    }
                    .boxed()
                },
            )
            .await;
        match outcome {
            Ok(channel) => Ok((channel, true)),
            // Two callers raced to create the same direct channel: the other one won.
            Err(ChatError::Storage(error)) if error.is_duplicate_key() => {
                let existing = self
                    .channels
                    .find_one(
                        doc! { "tenant": tenant.to_string(), "unique_key": &channel.unique_key },
                    )
                    .await?
                    .ok_or(ChatError::Storage(error))?;
                Ok((existing, false))
            }
            Err(error) => Err(error),
        }
    }

    pub async fn get_channel(
        &self,
        tenant: TenantId,
        channel: ChannelId,
    ) -> Result<ChannelRecord, ChatError> {
        atelier_store::scoped::get(&self.channels, tenant, &channel.to_string())
            .await?
            .ok_or(ChatError::NotFound("channel"))
    }

    /// A workspace's channels, oldest first.
    pub async fn list_channels(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
    ) -> Result<Vec<ChannelRecord>, ChatError> {
        self.tenancy.get_workspace(tenant, workspace).await?;
        Ok(self
            .channels
            .find(doc! { "tenant": tenant.to_string(), "workspace": workspace.to_string() })
            .sort(doc! { "created_at_ms": 1 })
            .await?
            .try_collect()
            .await?)
    }

    /// The channels `user` is a member of.
    pub async fn memberships_of(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Vec<MemberRecord>, ChatError> {
        Ok(self
            .members
            .find(doc! { "tenant": tenant.to_string(), "user": user.to_string() })
            .await?
            .try_collect()
            .await?)
    }

    pub async fn membership(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        user: UserId,
    ) -> Result<Option<MemberRecord>, ChatError> {
        Ok(
            atelier_store::scoped::get(&self.members, tenant, &MemberRecord::key(channel, user))
                .await?,
        )
    }

    /// What `user` holds on `channel` (see the module docs): nothing unless they are a
    /// member of the channel's workspace now, whatever channel membership is left over.
    pub async fn access(
        &self,
        tenant: TenantId,
        user: UserId,
        channel: &ChannelRecord,
    ) -> Result<ChannelAccess, ChatError> {
        let Some(workspace_role) = self
            .tenancy
            .member_role(tenant, channel.workspace, user)
            .await?
        else {
            return Ok(ChannelAccess::none());
        };
        let membership = self.membership(tenant, channel.id, user).await?;
        let resource_role = membership.as_ref().map(|m| m.role.resource_role());
        let workspace_role = match channel.kind {
            ChannelKind::Public => Some(workspace_role),
            ChannelKind::Private | ChannelKind::Direct => None,
        };
        Ok(ChannelAccess {
            read: Access {
                workspace_role,
                resource_role,
            },
            member: Access {
                workspace_role: None,
                resource_role,
            },
            membership,
        })
    }

    /// For the realtime gateway: the channel's workspace when `user` may read it, `None` when
    /// the channel does not exist in the tenant or the user may not read it. Two or three
    /// indexed reads.
    pub async fn readable_channel(
        &self,
        tenant: TenantId,
        user: UserId,
        channel: ChannelId,
    ) -> Result<Option<WorkspaceId>, ChatError> {
        let principal = Principal::User {
            tenant,
            user_id: user,
        };
        self.can_read(&principal, channel).await
    }

    /// Changes a channel's settings (moderators: `ResourceEdit`); emits
    /// `chat.channel.updated` naming the changed fields.
    pub async fn update_channel(
        &self,
        principal: &Principal,
        channel: ChannelId,
        patch: ChannelPatch,
    ) -> Result<ChannelRecord, ChatError> {
        let (_, access) = self.visible_channel(principal, channel).await?;
        Self::require(principal, Permission::ResourceEdit, access.read)?;
        let tenant = principal.tenant();
        let patch = ChannelPatch {
            name: patch.name.map(|name| text::check_name(&name)).transpose()?,
            topic: patch
                .topic
                .map(|topic| text::check_topic(&topic))
                .transpose()?,
            slow_mode_seconds: patch
                .slow_mode_seconds
                .map(text::check_slow_mode)
                .transpose()?,
            ..patch
        };
        let outcome = self
            .unit
            .run::<_, _, ChatError, _>(tenant, (self.clone(), patch), move |tx, (this, patch)| {
                async move {
                    let session = tx.session();
                    let filter = doc! { "_id": channel.to_string(), "tenant": tenant.to_string() };
                    let mut record = this
                        .channels
                        .find_one(filter.clone())
                        .session(&mut *session)
                        .await?
                        .ok_or(ChatError::NotFound("channel"))?;
                    let mut changed = Vec::new();
                    if let Some(name) = &patch.name
                        && *name != record.name
                    {
                        if record.kind == ChannelKind::Direct {
                            return Err(ChatError::invalid("name", "direct channels have no name"));
                        }
                        record.name = name.clone();
                        changed.push("name");
                    }
                    if let Some(topic) = &patch.topic
                        && *topic != record.topic
                    {
                        record.topic = topic.clone();
                        changed.push("topic");
                    }
                    if let Some(archived) = patch.archived
                        && archived != record.archived
                    {
                        record.archived = archived;
                        changed.push("archived");
                    }
                    if let Some(frozen) = patch.frozen
                        && frozen != record.frozen
                    {
                        record.frozen = frozen;
                        changed.push("frozen");
                    }
                    if let Some(seconds) = patch.slow_mode_seconds
                        && seconds != record.slow_mode_seconds
                    {
                        record.slow_mode_seconds = seconds;
                        changed.push("slow_mode_seconds");
                    }
                    if changed.is_empty() {
                        return Ok((record, false));
                    }
                    record.updated_at_ms = now_ms();
                    // The whole record is replaced rather than `$set` field by field: the
                    // development server stores booleans written by `$set` as integers (see
                    // README). The counters cannot move meanwhile: `seq` and `change_seq` are
                    // re-read inside this transaction, and writers conflict on this document.
                    this.channels
                        .replace_one(filter, &record)
                        .session(&mut *session)
                        .await?;
                    let event = channel_event("chat.channel.updated", &record, Some(&changed));
                    this.append(session, tenant, vec![event]).await?;
                    Ok((record, true))
                }
                .boxed()
            })
            .await?;
        Ok(outcome.0)
    }

    /// A page of the channel's members who are still members of its workspace, by user id,
    /// for those who may see the channel.
    pub async fn list_members(
        &self,
        principal: &Principal,
        channel: ChannelId,
        request: &PageRequest,
    ) -> Result<(Vec<MemberRecord>, bool), ChatError> {
        let (channel, _) = self.visible_channel(principal, channel).await?;
        let tenant = principal.tenant();
        let in_workspace: Vec<UserId> = self
            .tenancy
            .members_of(tenant, channel.workspace)
            .await?
            .into_iter()
            .map(|member| member.user)
            .collect();
        // Member ids are `{channel}:{user}`. Memberships left over from a workspace removal
        // count for nothing: read batches until a page of live ones (and one more) is found.
        let filter = doc! { "channel": channel.id.to_string() };
        let mut batch_request = PageRequest::new(request.after.clone(), request.limit);
        let mut members = Vec::with_capacity(request.limit + 1);
        loop {
            let (batch, more) =
                atelier_store::scoped::page(&self.members, tenant, filter.clone(), &batch_request)
                    .await?;
            batch_request.after = batch.last().map(|member| member.id.clone());
            members.extend(
                batch
                    .into_iter()
                    .filter(|member| in_workspace.contains(&member.user)),
            );
            if members.len() > request.limit || !more {
                break;
            }
        }
        let has_more = members.len() > request.limit;
        members.truncate(request.limit);
        Ok((members, has_more))
    }

    /// Adds `user` to the channel or changes their role, as the policy's member-change table
    /// allows: members invite members, owners (and workspace admins and owners on public
    /// channels) set other roles. `role: None` keeps an existing member's role (and adds a new
    /// one as `member`).
    pub async fn set_member(
        &self,
        principal: &Principal,
        channel: ChannelId,
        user: UserId,
        role: Option<ChannelRole>,
    ) -> Result<MemberRecord, ChatError> {
        let (channel, access) = self.visible_channel(principal, channel).await?;
        let existing = self
            .membership(principal.tenant(), channel.id, user)
            .await?;
        let current = existing.as_ref().map(|member| member.role);
        let role = role.or(current).unwrap_or(ChannelRole::Member);
        if current != Some(role) {
            let decision = policy::authorize_resource_member_change(
                principal,
                access.read,
                current.map(ChannelRole::resource_role),
                Some(role.resource_role()),
            );
            // Inviting a member is acting in the channel: it takes membership itself.
            let decision = match (current, decision) {
                (None, Decision::Allow) if role == ChannelRole::Member => {
                    Self::require_member(principal, &access).map(|()| Decision::Allow)?
                }
                (_, decision) => decision,
            };
            if let Decision::Deny(reason) = decision {
                return Err(denied(principal, "channel member change", reason));
            }
        } else {
            Self::require_member(principal, &access)?;
        }
        atelier_store::faults::check(
            atelier_store::faults::MEMBER_CHANGE_BEFORE_WRITE,
            &principal.tenant().to_string(),
        )
        .await
        .map_err(atelier_store::StorageError::from)?;
        self.write_member(
            principal.tenant(),
            &channel,
            user,
            role,
            Judged::Role(current),
        )
        .await
    }

    /// Removes `user` from the channel: the caller leaving, or someone the policy's
    /// member-change table lets the caller remove (moderators remove members; only owners
    /// remove moderators and owners).
    pub async fn remove_member(
        &self,
        principal: &Principal,
        channel: ChannelId,
        user: UserId,
    ) -> Result<(), ChatError> {
        let (channel, access) = self.visible_channel(principal, channel).await?;
        let is_self = matches!(principal, Principal::User { user_id, .. } if *user_id == user);
        let mut judged = Judged::Any;
        if !is_self {
            let current = self
                .membership(principal.tenant(), channel.id, user)
                .await?
                .map(|member| member.role);
            judged = Judged::Role(current);
            let decision = match current {
                Some(current) => policy::authorize_resource_member_change(
                    principal,
                    access.read,
                    Some(current.resource_role()),
                    None,
                ),
                None => policy::authorize(principal, Permission::ResourceEdit, access.read),
            };
            if let Decision::Deny(reason) = decision {
                return Err(denied(principal, "channel member removal", reason));
            }
        }
        atelier_store::faults::check(
            atelier_store::faults::MEMBER_CHANGE_BEFORE_WRITE,
            &principal.tenant().to_string(),
        )
        .await
        .map_err(atelier_store::StorageError::from)?;
        self.delete_member(principal.tenant(), &channel, user, judged)
            .await
    }

    /// Joins a public channel as `member` (users); joining again changes nothing.
    pub async fn join(
        &self,
        principal: &Principal,
        channel: ChannelId,
    ) -> Result<MemberRecord, ChatError> {
        let (channel, access) = self.visible_channel(principal, channel).await?;
        let user = user_of(principal)?;
        if let Some(member) = access.membership {
            return Ok(member);
        }
        if channel.kind != ChannelKind::Public {
            return Err(ChatError::forbidden(
                "channel_not_joinable",
                "Only public channels can be joined; private channels take an invitation.",
            ));
        }
        self.write_member(
            principal.tenant(),
            &channel,
            user,
            ChannelRole::Member,
            Judged::Any,
        )
        .await
    }

    /// Leaves a channel (users).
    pub async fn leave(&self, principal: &Principal, channel: ChannelId) -> Result<(), ChatError> {
        let (channel, _) = self.visible_channel(principal, channel).await?;
        let user = user_of(principal)?;
        self.delete_member(principal.tenant(), &channel, user, Judged::Any)
            .await
    }

    /// Stores `user`'s membership at `role` (added or changed). The user must be a member
    /// of the workspace; direct channels have a fixed member set. Emits `chat.member.added`
    /// or `chat.member.updated` (nothing when nothing changed).
    pub(crate) async fn write_member(
        &self,
        tenant: TenantId,
        channel: &ChannelRecord,
        user: UserId,
        role: ChannelRole,
        judged: Judged,
    ) -> Result<MemberRecord, ChatError> {
        if channel.kind == ChannelKind::Direct {
            return Err(ChatError::conflict(
                "direct_channel_members_fixed",
                "A direct channel's members cannot change; create another direct channel.",
            ));
        }
        if channel.archived {
            return Err(ChatError::Archived);
        }
        if self
            .tenancy
            .member_role(tenant, channel.workspace, user)
            .await?
            .is_none()
        {
            return Err(ChatError::invalid(
                "user_id",
                format!("{user} is not a member of the workspace"),
            ));
        }
        let channel = channel.clone();
        let outcome = self
            .unit
            .run::<_, _, ChatError, _>(tenant, (self.clone(), channel), move |tx, (this, channel)| {
                async move {
                    let session = tx.session();
                    let key = MemberRecord::key(channel.id, user);
                    let filter = doc! { "_id": &key, "tenant": tenant.to_string() };
                    let existing = this
                        .members
                        .find_one(filter.clone())
                        .session(&mut *session)
                        .await?;
                    let found = existing.as_ref().map(|member| member.role);
                    if found != Some(role) {
                        judged.check(found)?;
                    }
                    let now = now_ms();
                    let (record, event_type) = match existing {
                        Some(member) if member.role == role => return Ok((member, false)),
                        Some(mut member) => {
                            if member.role == ChannelRole::Owner
                                && this.owner_count(session, tenant, channel.id).await? <= 1
                            {
                                return Err(ChatError::conflict(
                                    "last_owner",
                                    "A channel keeps at least one owner.",
                                ));
                            }
                            member.role = role;
                            member.updated_at_ms = now;
                            this.members
                                .update_one(
                                    filter,
                                    doc! { "$set": { "role": role.as_str(), "updated_at_ms": now } },
                                )
                                .session(&mut *session)
                                .await?;
                            (member, "chat.member.updated")
                        }
                        None => {
                            let member = member_record(channel, user, role, now);
                            this.members
                                .insert_one(&member)
                                .session(&mut *session)
                                .await?;
                            (member, "chat.member.added")
                        }
                    };
                    this.append(session, tenant, vec![member_event(event_type, &record)])
                        .await?;
                    Ok((record, true))
                }
                .boxed()
            })
            .await?;
        Ok(outcome.0)
    }

    /// Deletes `user`'s membership (removal and leaving). The last owner of a channel with
    /// other members cannot leave.
    pub(crate) async fn delete_member(
        &self,
        tenant: TenantId,
        channel: &ChannelRecord,
        user: UserId,
        judged: Judged,
    ) -> Result<(), ChatError> {
        if channel.kind == ChannelKind::Direct {
            return Err(ChatError::conflict(
                "direct_channel_members_fixed",
                "A direct channel's members cannot change.",
            ));
        }
        let channel = channel.clone();
        self.unit
            .run::<_, _, ChatError, _>(tenant, (self.clone(), channel), move |tx, (this, channel)| {
                async move {
                    let session = tx.session();
                    let key = MemberRecord::key(channel.id, user);
                    let filter = doc! { "_id": &key, "tenant": tenant.to_string() };
                    let member = this
                        .members
                        .find_one(filter.clone())
                        .session(&mut *session)
                        .await?;
                    judged.check(member.as_ref().map(|member| member.role))?;
                    let member = member.ok_or(ChatError::NotFound("member"))?;
                    if member.role == ChannelRole::Owner
                        && this.owner_count(session, tenant, channel.id).await? <= 1
                        && this
                            .members
                            .count_documents(doc! {
                                "tenant": tenant.to_string(),
                                "channel": channel.id.to_string(),
                            })
                            .session(&mut *session)
                            .await?
                            > 1
                    {
                        return Err(ChatError::conflict(
                            "last_owner",
                            "The last owner cannot leave while others remain; make someone else owner first."
                                ,
                        ));
                    }
                    this.members
                        .delete_one(filter)
                        .session(&mut *session)
                        .await?;
                    let data = json!({
                        "channel_id": channel.id,
                        "workspace_id": channel.workspace,
                        "user_id": user,
                    });
                    this.append(
                        session,
                        tenant,
                        vec![event("chat.member.removed", channel.id, data)],
                    )
                    .await
                }
                .boxed()
            })
            .await?;
        Ok(())
    }

    async fn owner_count(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        channel: ChannelId,
    ) -> mongodb::error::Result<u64> {
        self.members
            .count_documents(doc! {
                "tenant": tenant.to_string(),
                "channel": channel.to_string(),
                "role": ChannelRole::Owner.as_str(),
            })
            .session(session)
            .await
    }
}

fn member_record(
    channel: &ChannelRecord,
    user: UserId,
    role: ChannelRole,
    now: i64,
) -> MemberRecord {
    MemberRecord {
        id: MemberRecord::key(channel.id, user),
        tenant: channel.tenant,
        workspace: channel.workspace,
        channel: channel.id,
        user,
        role,
        // A new member has read everything before they joined.
        last_read_seq: channel.seq,
        last_sent_at_ms: 0,
        joined_at_ms: now,
        updated_at_ms: now,
    }
}

fn channel_event(
    event_type: &str,
    channel: &ChannelRecord,
    changed: Option<&[&str]>,
) -> atelier_core::NewEvent {
    let mut data = json!({
        "channel_id": channel.id,
        "workspace_id": channel.workspace,
        "channel": ChannelView::from(channel),
    });
    if let Some(changed) = changed {
        data["changed"] = json!(changed);
    }
    event(event_type, channel.id, data)
}

fn member_event(event_type: &str, member: &MemberRecord) -> atelier_core::NewEvent {
    let view = MemberView::from(member);
    event(
        event_type,
        member.channel,
        json!({
            "channel_id": view.channel_id,
            "workspace_id": view.workspace_id,
            "user_id": view.user_id,
            "role": view.role,
        }),
    )
}

/// The membership a caller's authorization was decided on. A member write acts only on that
/// membership: when the transaction finds another role (a concurrent change committed since
/// the decision), it refuses with `member_changed` instead of acting on a decision made for a
/// role the member no longer has (a moderator's removal must not remove a new owner).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Judged {
    /// No rank rule was applied (joining, leaving): any current membership will do.
    Any,
    /// The decision was made on this role (`None`: not a member).
    Role(Option<ChannelRole>),
}

impl Judged {
    fn check(self, found: Option<ChannelRole>) -> Result<(), ChatError> {
        match self {
            Judged::Role(judged) if judged != found => Err(ChatError::conflict(
                "member_changed",
                "The member's role changed while this request ran; read the member again and retry.",
            )),
            _ => Ok(()),
        }
    }
}
