//! Read state: each member's last-read sequence number per channel and per thread, unread and
//! mention counts, and a user's totals (the app badge).
//!
//! **Channel unread** counts top-level messages after the member's `last_read_seq` written by
//! others and not deleted; **mentions** are those of them mentioning the member or
//! `@channel`. **Thread unread** counts, for each thread the user takes part in (wrote the root
//! or replied), the replies by others after their thread read position. Thread replies do not
//! count as channel unread.

use atelier_core::TenantId;
use atelier_identity::UserId;
use futures_util::{FutureExt, TryStreamExt};
use mongodb::bson::doc;
use serde_json::json;

use crate::{
    Chat, ChatError, event,
    model::{ChannelId, MemberRecord, MessageId, MessageRecord, ThreadReadRecord},
    now_ms,
};

/// A member's read state in one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadState {
    pub channel: ChannelId,
    pub last_read_seq: i64,
    pub unread_count: u64,
    pub mention_count: u64,
}

/// A thread's unread replies for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadUnread {
    pub channel: ChannelId,
    pub root: MessageId,
    pub last_read_seq: i64,
    pub unread_count: u64,
}

/// A user's totals across channels and threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub channels: Vec<ReadState>,
    pub threads: Vec<ThreadUnread>,
}

/// How to move a read position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMark {
    /// Read up to this sequence number (never moves backwards; capped at the newest message).
    UpTo(Option<i64>),
    /// Unread from this message on (moves backwards).
    UnreadFrom(MessageId),
}

impl Chat {
    /// Moves the member's read position and emits `chat.read.updated` when it moved.
    pub async fn mark_read(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        user: UserId,
        mark: ReadMark,
    ) -> Result<ReadState, ChatError> {
        let target = match mark {
            ReadMark::UpTo(seq) => {
                let newest = self.get_channel(tenant, channel).await?.seq;
                if seq.is_some_and(|seq| seq < 0) {
                    return Err(ChatError::invalid("seq", "must not be negative"));
                }
                Target::Forward(seq.unwrap_or(newest).min(newest))
            }
            ReadMark::UnreadFrom(message) => {
                let message = self.get_message(tenant, channel, message).await?;
                Target::Exactly(message.seq - 1)
            }
        };
        self.unit
            .run::<_, _, ChatError, _>(tenant, self.clone(), move |tx, this| {
                async move {
                    let session = tx.session();
                    let filter = doc! {
                        "_id": MemberRecord::key(channel, user),
                        "tenant": tenant.to_string(),
                    };
                    let member = this
                        .members
                        .find_one(filter.clone())
                        .session(&mut *session)
                        .await?
                        .ok_or_else(|| {
                            ChatError::forbidden(
                                "not_a_member",
                                "Only members have a read state; join the channel first.",
                            )
                        })?;
                    let last_read_seq = match target {
                        Target::Forward(seq) => seq.max(member.last_read_seq),
                        Target::Exactly(seq) => seq,
                    };
                    if last_read_seq == member.last_read_seq {
                        tx.unchanged();
                        return Ok(false);
                    }
                    this.members
                        .update_one(
                            filter,
                            doc! { "$set": { "last_read_seq": last_read_seq, "updated_at_ms": now_ms() } },
                        )
                        .session(&mut *session)
                        .await?;
                    let data = json!({
                        "channel_id": channel,
                        "workspace_id": member.workspace,
                        "user_id": user,
                        "last_read_seq": last_read_seq,
                    });
                    this.append(session, tenant, vec![event("chat.read.updated", channel, data)])
                        .await?;
                    Ok(true)
                }
                .boxed()
            })
            .await?;
        self.read_state(tenant, channel, user).await
    }

    /// The member's read state in `channel`.
    pub async fn read_state(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        user: UserId,
    ) -> Result<ReadState, ChatError> {
        let member = self
            .membership(tenant, channel, user)
            .await?
            .ok_or_else(|| {
                ChatError::forbidden(
                    "not_a_member",
                    "Only members have a read state; join the channel first.",
                )
            })?;
        self.counts(&member).await
    }

    async fn counts(&self, member: &MemberRecord) -> Result<ReadState, ChatError> {
        let unread = doc! {
            "tenant": member.tenant.to_string(),
            "channel": member.channel.to_string(),
            "is_reply": false,
            "deleted": false,
            "seq": { "$gt": member.last_read_seq },
            "author": { "$ne": member.user.to_string() },
        };
        let unread_count = self.messages.count_documents(unread.clone()).await?;
        let mention_count = if unread_count == 0 {
            0
        } else {
            let mut mentions = unread;
            mentions.insert(
                "$or",
                vec![
                    doc! { "mentions": { "$in": [member.user.to_string()] } },
                    doc! { "mention_channel": true },
                ],
            );
            self.messages.count_documents(mentions).await?
        };
        Ok(ReadState {
            channel: member.channel,
            last_read_seq: member.last_read_seq,
            unread_count,
            mention_count,
        })
    }

    /// Marks a thread read up to the reply `seq` (default: its newest reply). Emits
    /// `chat.thread.read_updated`.
    pub async fn mark_thread_read(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        root: MessageId,
        user: UserId,
        seq: Option<i64>,
    ) -> Result<ThreadUnread, ChatError> {
        let root_record = self.get_message(tenant, channel, root).await?;
        if root_record.is_reply {
            return Err(ChatError::invalid("message_id", "not a thread root"));
        }
        let newest = root_record
            .thread
            .as_ref()
            .map_or(0, |thread| thread.last_reply_seq);
        let target = seq.unwrap_or(newest).min(newest);
        let workspace = root_record.workspace;
        self.unit
            .run::<_, _, ChatError, _>(tenant, self.clone(), move |tx, this| {
                async move {
                    let session = tx.session();
                    let key = format!("{root}:{user}");
                    let filter = doc! { "_id": &key, "tenant": tenant.to_string() };
                    let current = this
                        .thread_reads
                        .find_one(filter.clone())
                        .session(&mut *session)
                        .await?;
                    if current.as_ref().is_some_and(|c| c.last_read_seq >= target) {
                        return Ok(());
                    }
                    let record = ThreadReadRecord {
                        id: key,
                        tenant,
                        channel,
                        root,
                        user,
                        last_read_seq: target,
                        updated_at_ms: now_ms(),
                    };
                    if current.is_some() {
                        this.thread_reads
                            .replace_one(filter, &record)
                            .session(&mut *session)
                            .await?;
                    } else {
                        this.thread_reads
                            .insert_one(&record)
                            .session(&mut *session)
                            .await?;
                    }
                    let data = json!({
                        "channel_id": channel,
                        "workspace_id": workspace,
                        "user_id": user,
                        "message_id": root,
                        "last_read_seq": target,
                    });
                    this.append(
                        session,
                        tenant,
                        vec![event("chat.thread.read_updated", channel, data)],
                    )
                    .await
                }
                .boxed()
            })
            .await?;
        let read = self.thread_read_seq(tenant, root, user).await?;
        Ok(ThreadUnread {
            channel,
            root,
            last_read_seq: read,
            unread_count: self.thread_unread(&root_record, user, read).await?,
        })
    }

    async fn thread_read_seq(
        &self,
        tenant: TenantId,
        root: MessageId,
        user: UserId,
    ) -> Result<i64, ChatError> {
        Ok(self
            .thread_reads
            .find_one(doc! { "_id": format!("{root}:{user}"), "tenant": tenant.to_string() })
            .await?
            .map_or(0, |read| read.last_read_seq))
    }

    async fn thread_unread(
        &self,
        root: &MessageRecord,
        user: UserId,
        read: i64,
    ) -> Result<u64, ChatError> {
        let newest = root.thread.as_ref().map_or(0, |t| t.last_reply_seq);
        if newest <= read {
            return Ok(0);
        }
        Ok(self
            .messages
            .count_documents(doc! {
                "tenant": root.tenant.to_string(),
                "parent": root.id.to_string(),
                "deleted": false,
                "seq": { "$gt": read },
                "author": { "$ne": user.to_string() },
            })
            .await?)
    }

    /// Unread and mention counts of every channel `user` is a member of, and unread replies
    /// of every thread they take part in (in channels they are still a member of).
    pub async fn badge(&self, tenant: TenantId, user: UserId) -> Result<Badge, ChatError> {
        // Channel memberships left over from a workspace removal count for nothing.
        let workspaces = self.tenancy.workspaces_of(tenant, user).await?;
        let mut memberships = self.memberships_of(tenant, user).await?;
        memberships.retain(|member| workspaces.contains(&member.workspace));
        let mut channels = Vec::with_capacity(memberships.len());
        for member in &memberships {
            channels.push(self.counts(member).await?);
        }
        let member_of: Vec<String> = memberships.iter().map(|m| m.channel.to_string()).collect();
        let roots: Vec<MessageRecord> = self
            .messages
            .find(doc! {
                "tenant": tenant.to_string(),
                // `$in` of one value, not plain equality: the development server matches
                // nothing by equality on an indexed array field (see README).
                "thread.participants": { "$in": [user.to_string()] },
                "channel": { "$in": member_of },
            })
            .await?
            .try_collect()
            .await?;
        let reads: Vec<ThreadReadRecord> = self
            .thread_reads
            .find(doc! { "tenant": tenant.to_string(), "user": user.to_string() })
            .await?
            .try_collect()
            .await?;
        let mut threads = Vec::new();
        for root in &roots {
            let read = reads
                .iter()
                .find(|read| read.root == root.id)
                .map_or(0, |read| read.last_read_seq);
            threads.push(ThreadUnread {
                channel: root.channel,
                root: root.id,
                last_read_seq: read,
                unread_count: self.thread_unread(root, user, read).await?,
            });
        }
        Ok(Badge { channels, threads })
    }
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Forward(i64),
    Exactly(i64),
}
