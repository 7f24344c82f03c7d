//! Topics: what a connection subscribes to, and the [`TopicKind`] seam through which each
//! domain tells the gateway about its own kind.
//!
//! A [`Topic`] is `{kind, id}`: `channel` (chat) today; documents, feeds and users next. The
//! gateway and the hub know no kind by name: the server hands them a [`TopicRegistry`] of the
//! kinds its product crates register, and every kind-specific question goes through it:
//! which ids are valid, who may read a topic and in which workspace it lives, where missed
//! events are replayed from, which events belong to which topic (and the broker headers that
//! select them), which events may change who may read it, and whether it takes binary frames.

use std::{collections::BTreeMap, fmt, sync::Arc};

use atelier_core::{EventEnvelope, TenantId};
use atelier_identity::{UserId, WorkspaceId};
use serde::{Deserialize, Serialize};

/// A subscribable stream of events: `{kind, id}`. On the wire either the object
/// `{"kind":"channel","id":"chn_..."}` or the string `"channel:chn_..."`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Topic {
    pub kind: String,
    pub id: String,
}

impl Topic {
    pub fn new(kind: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            id: id.into(),
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

impl std::str::FromStr for Topic {
    type Err = String;

    /// `kind:id`, both non-empty.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once(':') {
            Some((kind, id)) if !kind.is_empty() && !id.is_empty() => Ok(Topic::new(kind, id)),
            _ => Err(format!("a topic is `kind:id`, got `{text}`")),
        }
    }
}

impl<'de> Deserialize<'de> for Topic {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Text(String),
            Object { kind: String, id: String },
        }
        match Wire::deserialize(deserializer)? {
            Wire::Text(text) => text.parse().map_err(serde::de::Error::custom),
            Wire::Object { kind, id } if !kind.is_empty() && !id.is_empty() => {
                Ok(Topic { kind, id })
            }
            Wire::Object { .. } => Err(serde::de::Error::custom(
                "a topic's kind and id are non-empty",
            )),
        }
    }
}

/// A topic of a tenant.
pub type TopicKey = (TenantId, Topic);

/// Where a readable topic lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TopicScope {
    /// The workspace the topic belongs to (for access changes by workspace membership).
    pub workspace: Option<WorkspaceId>,
}

/// The access check could not be answered (storage unavailable...). Answered to the client as
/// an `unavailable` error frame; logged.
#[derive(Debug, thiserror::Error)]
#[error("topic access check failed: {0}")]
pub struct AccessError(pub String);

/// Where the events a resuming client missed come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplaySource {
    /// The outbox collection, by aggregate (its events in commit order).
    Outbox {
        aggregate_type: String,
        aggregate_id: String,
    },
    /// Nothing to replay from: a resume answers `resync_required` (`not_replayable`).
    None,
}

/// Which local subscriptions an event may have made unreadable: their access is checked again
/// and the refused ones are revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessChange {
    /// Every subscriber of this topic (of the kind that answered).
    Topic(String),
    /// This user's subscription of this topic.
    UserOnTopic(UserId, String),
    /// This user's subscriptions (of the kind) in this workspace.
    UserInWorkspace(UserId, WorkspaceId),
    /// All this user's subscriptions of the kind.
    User(UserId),
}

/// Why a binary frame was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BinaryRefusal(pub String);

/// One domain's kind of topic. Object safe; registered once per kind in a [`TopicRegistry`].
#[async_trait::async_trait]
pub trait TopicKind: Send + Sync + 'static {
    /// The kind's name on the wire, e.g. `channel`: `[a-z][a-z0-9_]*`.
    fn kind(&self) -> &'static str;

    /// Whether `id` names a topic of this kind (syntax only, no IO). A bad id closes the
    /// socket with 1007, like any malformed frame.
    fn validate_id(&self, id: &str) -> Result<(), String>;

    /// `Some` when `user` may read topic `id` in `tenant` (with where it lives); `None` when
    /// it does not exist there or is not readable by them (indistinguishable to the client).
    async fn authorize(
        &self,
        tenant: TenantId,
        user: UserId,
        id: &str,
    ) -> Result<Option<TopicScope>, AccessError>;

    /// Where a resume reads the topic's missed events from.
    fn replay_source(&self, id: &str) -> ReplaySource;

    /// Where a client fetches what it missed when events cannot be replayed (the
    /// `changes_url` of `resync_required`), if anywhere.
    fn changes_url(&self, _id: &str) -> Option<String> {
        None
    }

    /// The ids of this kind's topics an event belongs to (usually zero or one).
    fn topics_of(&self, event: &EventEnvelope) -> Vec<String>;

    /// Routing-key patterns of the events exchange that carry this kind's events (the hub's
    /// fan-out exchange is fed with them), e.g. `chat.#`.
    fn event_patterns(&self) -> Vec<String>;

    /// The message headers (besides `tenant`) that select topic `id`'s events on the fan-out
    /// exchange: a subset of what the outbox relay stamps (`aggregate_type`, `aggregate_id`).
    /// Typing notices of the topic are published with the same headers.
    fn binding_headers(&self, id: &str) -> Vec<(String, String)>;

    /// Event types, outside [`TopicKind::event_patterns`], that may change who may read this
    /// kind's topics (e.g. `identity.member.removed`): every node binds to them.
    fn access_event_types(&self) -> Vec<String> {
        Vec::new()
    }

    /// Which local subscriptions `event` may have made unreadable (any event the hub sees:
    /// the kind's own events and [`TopicKind::access_event_types`]).
    fn access_changes(&self, _event: &EventEnvelope) -> Vec<AccessChange> {
        Vec::new()
    }

    /// Whether subscribers may send binary frames for this kind's topics.
    fn accepts_binary(&self) -> bool {
        false
    }

    /// A binary frame from a subscriber of topic `id` (only called when
    /// [`TopicKind::accepts_binary`]).
    async fn on_binary(
        &self,
        _tenant: TenantId,
        _user: UserId,
        _id: &str,
        _payload: &[u8],
    ) -> Result<(), BinaryRefusal> {
        Err(BinaryRefusal(format!(
            "{} topics take no binary frames",
            self.kind()
        )))
    }
}

/// The topic kinds a node serves, by name. Cheap to clone.
#[derive(Clone, Default)]
pub struct TopicRegistry {
    kinds: Arc<BTreeMap<&'static str, Arc<dyn TopicKind>>>,
}

impl fmt::Debug for TopicRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.kinds.keys()).finish()
    }
}

impl TopicRegistry {
    /// A registry of these kinds; a later kind of the same name replaces an earlier one (so
    /// tests can swap a domain's kind for a fake).
    pub fn new(kinds: impl IntoIterator<Item = Arc<dyn TopicKind>>) -> Self {
        let mut map = BTreeMap::new();
        for kind in kinds {
            map.insert(kind.kind(), kind);
        }
        Self {
            kinds: Arc::new(map),
        }
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn TopicKind>> {
        self.kinds.get(kind)
    }

    pub fn kinds(&self) -> impl Iterator<Item = &Arc<dyn TopicKind>> {
        self.kinds.values()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.kinds.keys().copied().collect()
    }

    /// Every kind's event patterns, deduplicated.
    pub fn event_patterns(&self) -> Vec<String> {
        let mut patterns: Vec<String> = self.kinds().flat_map(|k| k.event_patterns()).collect();
        patterns.sort();
        patterns.dedup();
        patterns
    }

    /// Every kind's access event types, deduplicated.
    pub fn access_event_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self.kinds().flat_map(|k| k.access_event_types()).collect();
        types.sort();
        types.dedup();
        types
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_parse_from_objects_and_strings() {
        let expected = Topic::new("channel", "chn_1");
        for text in [
            r#"{"kind":"channel","id":"chn_1"}"#,
            r#""channel:chn_1""#,
            r#"{"kind":"channel","id":"chn_1","extra":1}"#,
        ] {
            assert_eq!(
                serde_json::from_str::<Topic>(text).unwrap(),
                expected,
                "{text}"
            );
        }
        for text in [
            r#""channel""#,
            r#"":chn""#,
            r#""channel:""#,
            r#"{"kind":"","id":"x"}"#,
            r#"{"kind":"channel"}"#,
            "5",
        ] {
            assert!(serde_json::from_str::<Topic>(text).is_err(), "{text}");
        }
        assert_eq!(expected.to_string(), "channel:chn_1");
        // A colon inside the id stays in the id.
        assert_eq!(
            "doc:a:b".parse::<Topic>().unwrap(),
            Topic::new("doc", "a:b")
        );
    }
}
