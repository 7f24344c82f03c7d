//! The versioned public shapes of channels and messages: what events carry (`data.channel`,
//! `data.message`) and what the API answers (it converts these field for field). Per-viewer
//! fields (whether *I* reacted) are added by the API only.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use crate::model::{Attachment, ChannelRecord, MemberRecord, MessageRecord};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelView {
    pub id: String,
    pub workspace_id: String,
    /// `public`, `private` or `direct`.
    pub kind: String,
    pub name: String,
    pub topic: String,
    /// Direct channels: their members, sorted.
    pub direct_member_ids: Vec<String>,
    pub archived: bool,
    pub frozen: bool,
    pub slow_mode_seconds: u32,
    /// The newest message's sequence number (0: none yet).
    pub last_seq: i64,
    /// The newest change-feed position.
    pub change_seq: i64,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ChannelRecord> for ChannelView {
    fn from(record: &ChannelRecord) -> Self {
        Self {
            id: record.id.to_string(),
            workspace_id: record.workspace.to_string(),
            kind: record.kind.as_str().to_owned(),
            name: record.name.clone(),
            topic: record.topic.clone(),
            direct_member_ids: record
                .direct_members
                .iter()
                .map(ToString::to_string)
                .collect(),
            archived: record.archived,
            frozen: record.frozen,
            slow_mode_seconds: record.slow_mode_seconds,
            last_seq: record.seq,
            change_seq: record.change_seq,
            created_by: record.created_by.map(|user| user.to_string()),
            created_at: time(record.created_at_ms),
            updated_at: time(record.updated_at_ms),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberView {
    pub channel_id: String,
    pub workspace_id: String,
    pub user_id: String,
    /// `owner`, `moderator` or `member`.
    pub role: String,
    pub last_read_seq: i64,
    pub joined_at: DateTime<Utc>,
}

impl From<&MemberRecord> for MemberView {
    fn from(record: &MemberRecord) -> Self {
        Self {
            channel_id: record.channel.to_string(),
            workspace_id: record.workspace.to_string(),
            user_id: record.user.to_string(),
            role: record.role.as_str().to_owned(),
            last_read_seq: record.last_read_seq,
            joined_at: time(record.joined_at_ms),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReactionView {
    pub emoji: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreadView {
    pub reply_count: i64,
    pub last_reply_at: Option<DateTime<Utc>>,
    pub participant_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageView {
    pub id: String,
    pub channel_id: String,
    pub workspace_id: String,
    /// Position in the channel, monotonic, replies included.
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
    pub parent_id: Option<String>,
    pub client_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub edit_count: usize,
    /// A tombstone: the message was deleted; text, attachments and mentions are gone.
    pub deleted: bool,
    pub deleted_at: Option<DateTime<Utc>>,
    pub pinned: bool,
    pub pinned_by: Option<String>,
    pub pinned_at: Option<DateTime<Utc>>,
    pub reactions: Vec<ReactionView>,
    /// Thread roots with replies: the thread's counters.
    pub thread: Option<ThreadView>,
    pub scheduled_message_id: Option<String>,
}

impl From<&MessageRecord> for MessageView {
    fn from(record: &MessageRecord) -> Self {
        Self {
            id: record.id.to_string(),
            channel_id: record.channel.to_string(),
            workspace_id: record.workspace.to_string(),
            seq: record.seq,
            change_seq: record.change_seq,
            author_id: record.author.to_string(),
            text: record.text.clone(),
            mention_ids: record.mentions.iter().map(ToString::to_string).collect(),
            mention_channel: record.mention_channel,
            attachments: record.attachments.clone(),
            quoted_message_id: record.quoted_message.map(|id| id.to_string()),
            parent_id: record.parent.map(|id| id.to_string()),
            client_message_id: record.client_message_id.clone(),
            created_at: time(record.created_at_ms),
            edited_at: record.edited_at_ms.map(time),
            edit_count: record.edits.len(),
            deleted: record.deleted,
            deleted_at: record.deleted_at_ms.map(time),
            pinned: record.pinned_at_ms.is_some(),
            pinned_by: record.pinned_by.map(|user| user.to_string()),
            pinned_at: record.pinned_at_ms.map(time),
            reactions: record
                .reactions
                .iter()
                .map(|reaction| ReactionView {
                    emoji: reaction.emoji.clone(),
                    count: reaction.count,
                })
                .collect(),
            thread: record
                .thread
                .as_ref()
                .filter(|thread| thread.reply_count > 0)
                .map(|thread| ThreadView {
                    reply_count: thread.reply_count,
                    last_reply_at: (thread.last_reply_at_ms > 0)
                        .then(|| time(thread.last_reply_at_ms)),
                    participant_ids: thread
                        .participants
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                }),
            scheduled_message_id: record.scheduled.map(|id| id.to_string()),
        }
    }
}

pub fn time(millis: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or_default()
}
