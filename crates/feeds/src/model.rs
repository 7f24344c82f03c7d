//! Feed ids, feed groups and stored records. Times are Unix milliseconds (Int64; see the
//! README on the development server's dates).

use std::fmt;

use atelier_core::{TenantId, define_id};
use serde::{Deserialize, Serialize};

use crate::FeedsError;

define_id!(
    /// An activity: one thing that happened, stored once and referenced by every feed entry.
    ActivityId,
    "act"
);

/// Longest feed group name.
pub const MAX_GROUP_NAME: usize = 32;
/// Longest key (the part after `:`) of a feed id.
pub const MAX_FEED_KEY: usize = 64;

/// A feed: `group:key` (`user:usr_1`, `timeline:usr_1`, `document:doc_9`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeedId {
    pub group: String,
    pub key: String,
}

impl FeedId {
    /// Parses `group:key`, answering [`FeedsError::Invalid`] naming `field` when malformed.
    /// Whether the group exists is decided later, against the tenant's groups.
    pub fn parse(field: &'static str, text: &str) -> Result<Self, FeedsError> {
        let Some((group, key)) = text.split_once(':') else {
            return Err(FeedsError::invalid(
                field,
                "a feed id is `group:key`, e.g. `user:usr_01J...`",
            ));
        };
        check_group_name(field, group)?;
        if key.is_empty()
            || key.len() > MAX_FEED_KEY
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(FeedsError::invalid(
                field,
                format!("the key after `:` is 1 to {MAX_FEED_KEY} letters, digits, `_` or `-`"),
            ));
        }
        Ok(Self {
            group: group.to_owned(),
            key: key.to_owned(),
        })
    }
}

impl fmt::Display for FeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.group, self.key)
    }
}

/// Checks a feed group name: a lower-case letter, then lower-case letters, digits or `_`.
pub fn check_group_name(field: &'static str, name: &str) -> Result<(), FeedsError> {
    let mut bytes = name.bytes();
    let valid = name.len() <= MAX_GROUP_NAME
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(FeedsError::invalid(
            field,
            format!(
                "a feed group name is 1 to {MAX_GROUP_NAME} characters: a lower-case letter, then lower-case letters, digits or `_`"
            ),
        ))
    }
}

/// How a feed group's feeds are read. Only flat feeds exist so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// Activities newest first, one entry each.
    Flat,
}

/// Who owns the feeds of a group, which decides who reads and writes them (see
/// [`crate::access`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedOwner {
    /// The key is a user id (`user:usr_...`): that user reads and writes the feed.
    User,
    /// The key is a workspace id (`project:wsp_...`): members of the workspace who may read
    /// its resources read the feed; API keys write it.
    Workspace,
    /// Any key (`document:doc_9`): only API keys read and write the feed (the tenant's
    /// backend decides who sees it).
    Backend,
}

/// A tenant's feed group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// `<tenant>:<name>`.
    #[serde(rename = "_id")]
    pub id: String,
    pub tenant: TenantId,
    pub name: String,
    pub kind: GroupKind,
    pub owner: FeedOwner,
    pub created_at_ms: i64,
}

/// An activity, stored once; feeds hold entries pointing at it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRecord {
    #[serde(rename = "_id")]
    pub id: ActivityId,
    pub tenant: TenantId,
    /// The feed it was added to.
    pub feed: String,
    pub actor: String,
    pub verb: String,
    pub object: String,
    /// Empty when none.
    pub target: String,
    /// When it happened (given by the caller, default: when it was added).
    pub time_ms: i64,
    /// The caller's own id for it; empty when none.
    pub foreign_id: String,
    /// Further feeds it was added to directly.
    pub to: Vec<String>,
    /// Free-form data: the JSON text of an object, at most `feeds.max_extra_bytes` (kept as
    /// text so the development server cannot turn its booleans into integers, see README).
    pub extra: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// One activity in one feed. `_id` is `<feed>|<activity>`, unique, so writing an entry twice
/// (a redelivered fan-out) never duplicates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryRecord {
    #[serde(rename = "_id")]
    pub id: String,
    pub tenant: TenantId,
    pub feed: String,
    pub activity: ActivityId,
    /// The feed's own counter when the entry arrived: strictly increasing within the feed, in
    /// commit order (see [`crate::activities`]).
    pub position: i64,
    /// The followed feed this entry was copied from; empty when added directly.
    pub via: String,
    pub created_at_ms: i64,
}

impl EntryRecord {
    pub fn key(feed: &str, activity: ActivityId) -> String {
        format!("{feed}|{activity}")
    }
}

/// `follower` follows `source`. `_id` is `<tenant>|<follower>|<source>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowRecord {
    #[serde(rename = "_id")]
    pub id: String,
    pub tenant: TenantId,
    pub follower: String,
    pub source: String,
    pub created_at_ms: i64,
}

impl FollowRecord {
    pub fn key(tenant: TenantId, follower: &str, source: &str) -> String {
        format!("{tenant}|{follower}|{source}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_ids_parse_and_name_the_field() {
        let feed = FeedId::parse("feed_id", "user:usr_01J0000000000000000000000A").unwrap();
        assert_eq!(feed.group, "user");
        assert_eq!(feed.to_string(), "user:usr_01J0000000000000000000000A");
        let refused = [
            "", "user", ":key", "user:", "User:1", "1user:1", "user:a b", "user:a:b", "user-x:1",
        ];
        for text in refused {
            match FeedId::parse("feed_id", text) {
                Err(FeedsError::Invalid { field, .. }) => assert_eq!(field, "feed_id", "{text}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let long_key = format!("document:{}", "k".repeat(MAX_FEED_KEY + 1));
        assert!(FeedId::parse("feed_id", &long_key).is_err());
    }
}
