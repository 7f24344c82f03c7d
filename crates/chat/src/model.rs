//! Chat ids and stored records. Times are Unix milliseconds (Int64; see the README on the
//! development server's dates).

use atelier_core::{TenantId, define_id};
use atelier_identity::{ResourceRole, UserId, WorkspaceId};
use serde::{Deserialize, Serialize};

define_id!(
    /// A channel (public, private or direct) inside a workspace.
    ChannelId,
    "chn"
);

define_id!(
    /// A message in a channel.
    MessageId,
    "msg"
);

define_id!(
    /// A message scheduled to be sent later.
    ScheduledMessageId,
    "sch"
);

/// Who may see and join a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// Readable by every workspace member who may read resources; anyone of them may join.
    Public,
    /// Readable by its members only; joined by invitation.
    Private,
    /// A conversation between a fixed set of users; exactly one per member set.
    Direct,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 3] = [Self::Public, Self::Private, Self::Direct];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Direct => "direct",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A member's role in a channel, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelRole {
    Owner,
    Moderator,
    Member,
}

impl ChannelRole {
    pub const ALL: [ChannelRole; 3] = [Self::Owner, Self::Moderator, Self::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Moderator => "moderator",
            Self::Member => "member",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// The resource role this channel role amounts to for the access policy: an owner owns the
    /// channel (moderates, manages roles), a moderator edits it (topic, settings, others'
    /// messages, members), a member comments on it (reads, sends, reacts, invites).
    pub fn resource_role(self) -> ResourceRole {
        match self {
            Self::Owner => ResourceRole::Owner,
            Self::Moderator => ResourceRole::Editor,
            Self::Member => ResourceRole::Commenter,
        }
    }
}

/// A stored channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelRecord {
    #[serde(rename = "_id")]
    pub id: ChannelId,
    pub tenant: TenantId,
    pub workspace: WorkspaceId,
    pub kind: ChannelKind,
    /// Empty for direct channels.
    pub name: String,
    pub topic: String,
    /// Unique per tenant: `direct:<sorted member ids>` for direct channels, the channel id
    /// otherwise (always set, so the unique index needs no partial filter).
    pub unique_key: String,
    /// Members of a direct channel, sorted; empty for other kinds.
    #[serde(default)]
    pub direct_members: Vec<UserId>,
    pub archived: bool,
    /// Read-only: nobody may send, edit or react.
    pub frozen: bool,
    /// Seconds a member must wait between two messages (0: off). Moderators are exempt.
    pub slow_mode_seconds: u32,
    /// The last message sequence number assigned (0: none yet).
    pub seq: i64,
    /// The last change-feed position assigned (every message change increments it).
    pub change_seq: i64,
    pub created_by: Option<UserId>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A stored channel membership; `_id` is `<channel>:<user>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberRecord {
    #[serde(rename = "_id")]
    pub id: String,
    pub tenant: TenantId,
    pub workspace: WorkspaceId,
    pub channel: ChannelId,
    pub user: UserId,
    pub role: ChannelRole,
    /// Messages up to this sequence number are read.
    pub last_read_seq: i64,
    /// When the member last sent a message (slow mode), 0 if never.
    pub last_sent_at_ms: i64,
    pub joined_at_ms: i64,
    pub updated_at_ms: i64,
}

impl MemberRecord {
    pub fn key(channel: ChannelId, user: UserId) -> String {
        format!("{channel}:{user}")
    }
}

/// File metadata attached to a message (the file itself lives elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub url: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub name: String,
}

/// One emoji's reactions on a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionSummary {
    pub emoji: String,
    pub count: i64,
}

/// A previous version of an edited message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditRecord {
    pub text: String,
    /// When this version was replaced.
    pub replaced_at_ms: i64,
}

/// Thread counters carried by a root message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadSummary {
    pub reply_count: i64,
    pub last_reply_at_ms: i64,
    pub last_reply_seq: i64,
    /// The root's author and everyone who replied, in order of first participation.
    pub participants: Vec<UserId>,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    #[serde(rename = "_id")]
    pub id: MessageId,
    pub tenant: TenantId,
    pub workspace: WorkspaceId,
    pub channel: ChannelId,
    /// Position in the channel (replies included), assigned in the send transaction.
    pub seq: i64,
    /// Change-feed position of the message's latest change.
    pub change_seq: i64,
    pub author: UserId,
    pub text: String,
    pub mentions: Vec<UserId>,
    pub mention_channel: bool,
    pub attachments: Vec<Attachment>,
    pub quoted_message: Option<MessageId>,
    /// The thread root this message replies to.
    pub parent: Option<MessageId>,
    /// Stored explicitly so queries need not match on a missing field.
    pub is_reply: bool,
    /// The client's id as given, if any.
    pub client_message_id: Option<String>,
    /// Unique per channel: the client's id, or the message id when none was given.
    pub idempotency_key: String,
    pub edits: Vec<EditRecord>,
    pub edited_at_ms: Option<i64>,
    pub deleted: bool,
    pub deleted_at_ms: Option<i64>,
    pub pinned_by: Option<UserId>,
    pub pinned_at_ms: Option<i64>,
    pub reactions: Vec<ReactionSummary>,
    pub thread: Option<ThreadSummary>,
    /// Normalised search terms of `text` (see [`crate::text::terms`]).
    pub terms: Vec<String>,
    pub scheduled: Option<ScheduledMessageId>,
    pub created_at_ms: i64,
}

/// A stored reaction of one user with one emoji; `_id` is `<message>:<user>:<emoji>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionRecord {
    #[serde(rename = "_id")]
    pub id: String,
    pub tenant: TenantId,
    pub channel: ChannelId,
    pub message: MessageId,
    pub emoji: String,
    pub user: UserId,
    pub created_at_ms: i64,
}

/// A member's read position in one thread; `_id` is `<root>:<user>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadReadRecord {
    #[serde(rename = "_id")]
    pub id: String,
    pub tenant: TenantId,
    pub channel: ChannelId,
    pub root: MessageId,
    pub user: UserId,
    pub last_read_seq: i64,
    pub updated_at_ms: i64,
}

/// Where a scheduled message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduledStatus {
    Pending,
    /// A worker is sending it (until `claim_expires_at_ms`, then it may be claimed again).
    Claimed,
    Sent,
    Cancelled,
    /// Sending was refused (channel archived, author removed...); `failure` says why.
    Failed,
}

impl ScheduledStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Claimed => "claimed",
            Self::Sent => "sent",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }
}

/// What a message says, before it is sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub text: String,
    /// Users mentioned explicitly (merged with `<@usr_...>` found in the text).
    pub mentions: Vec<UserId>,
    /// `@channel` explicitly (also set by `@channel` or `@here` in the text).
    pub mention_channel: bool,
    pub attachments: Vec<Attachment>,
    pub quoted_message: Option<MessageId>,
    pub parent: Option<MessageId>,
}

/// A stored scheduled message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledRecord {
    #[serde(rename = "_id")]
    pub id: ScheduledMessageId,
    pub tenant: TenantId,
    pub workspace: WorkspaceId,
    pub channel: ChannelId,
    pub author: UserId,
    pub draft: Draft,
    pub send_at_ms: i64,
    pub status: ScheduledStatus,
    pub claimed_by: Option<String>,
    pub claim_expires_at_ms: Option<i64>,
    pub message: Option<MessageId>,
    pub failure: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use atelier_identity::{
        Principal,
        policy::{Access, Permission, authorize},
    };

    use super::*;

    /// What each channel role may do, through the one access policy: `(role, permission,
    /// allowed)`.
    #[test]
    fn channel_roles_through_the_policy() {
        use ChannelRole::{Member, Moderator, Owner};
        use Permission::{
            ResourceComment, ResourceDelete, ResourceEdit, ResourceRead, ResourceShare,
        };
        let cases = [
            (Owner, ResourceShare, true),
            (Owner, ResourceEdit, true),
            (Moderator, ResourceShare, false),
            (Moderator, ResourceEdit, true),
            (Moderator, ResourceDelete, false),
            (Member, ResourceEdit, false),
            (Member, ResourceComment, true),
            (Member, ResourceRead, true),
        ];
        let user = Principal::User {
            tenant: TenantId::generate(),
            user_id: UserId::generate(),
        };
        for (role, permission, allowed) in cases {
            let access = Access {
                workspace_role: None,
                resource_role: Some(role.resource_role()),
            };
            assert_eq!(
                authorize(&user, permission, access).is_allowed(),
                allowed,
                "{role:?} {permission:?}"
            );
        }
        for role in ChannelRole::ALL {
            assert_eq!(ChannelRole::parse(role.as_str()), Some(role));
        }
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.as_str()), Some(kind));
        }
    }
}
