//! Chat's realtime topic kind, `channel`: what the gateway needs to know about channels.
//!
//! - ids are channel ids (`chn_...`);
//! - a user may subscribe to a channel they may read ([`Chat::readable_channel`]); it lives in
//!   the channel's workspace;
//! - missed events are replayed from the outbox by aggregate (`channel`, the channel id); the
//!   change feed `GET /v1/channels/{id}/changes` covers what cannot be replayed;
//! - a channel's events are the outbox events of aggregate `channel` (`chat.#` on the events
//!   exchange), selected per channel by the `aggregate_type` and `aggregate_id` headers;
//! - access can change with the channel's own member and settings events (re-checked for the
//!   member concerned, or for every subscriber) and with workspace membership changes
//!   (`identity.member.removed` / `identity.member.updated`: public channels are readable
//!   through the workspace role);
//! - no binary frames.

use atelier_core::{EventEnvelope, TenantId};
use atelier_identity::{UserId, WorkspaceId};
use atelier_realtime::{AccessChange, AccessError, ReplaySource, TopicKind, TopicScope};

use crate::{ChannelId, Chat};

/// The kind's name on the wire.
pub const KIND: &str = "channel";
/// The aggregate type of chat events.
const AGGREGATE: &str = "channel";

/// The `channel` topic kind over the chat service.
#[derive(Debug, Clone)]
pub struct ChannelTopics {
    chat: Chat,
}

impl ChannelTopics {
    pub fn new(chat: Chat) -> Self {
        Self { chat }
    }
}

#[async_trait::async_trait]
impl TopicKind for ChannelTopics {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn validate_id(&self, id: &str) -> Result<(), String> {
        validate_id(id)
    }

    async fn authorize(
        &self,
        tenant: TenantId,
        user: UserId,
        id: &str,
    ) -> Result<Option<TopicScope>, AccessError> {
        let Ok(channel) = id.parse::<ChannelId>() else {
            return Ok(None);
        };
        self.chat
            .readable_channel(tenant, user, channel)
            .await
            .map(|workspace| {
                workspace.map(|workspace| TopicScope {
                    workspace: Some(workspace),
                })
            })
            .map_err(|error| AccessError(error.to_string()))
    }

    fn replay_source(&self, id: &str) -> ReplaySource {
        replay_source(id)
    }

    fn changes_url(&self, id: &str) -> Option<String> {
        Some(format!("/v1/channels/{id}/changes"))
    }

    fn topics_of(&self, event: &EventEnvelope) -> Vec<String> {
        topics_of(event)
    }

    fn event_patterns(&self) -> Vec<String> {
        vec!["chat.#".to_owned()]
    }

    fn binding_headers(&self, id: &str) -> Vec<(String, String)> {
        binding_headers(id)
    }

    fn access_event_types(&self) -> Vec<String> {
        access_event_types()
    }

    fn access_changes(&self, event: &EventEnvelope) -> Vec<AccessChange> {
        access_changes(event)
    }
}

/// The sans-IO half of the kind, shared with test doubles that decide access differently.
pub fn validate_id(id: &str) -> Result<(), String> {
    id.parse::<ChannelId>()
        .map(|_| ())
        .map_err(|error| error.to_string())
}

/// Replay from the outbox by the channel aggregate.
pub fn replay_source(id: &str) -> ReplaySource {
    ReplaySource::Outbox {
        aggregate_type: AGGREGATE.to_owned(),
        aggregate_id: id.to_owned(),
    }
}

/// A chat event belongs to its channel.
pub fn topics_of(event: &EventEnvelope) -> Vec<String> {
    if event.aggregate_type == AGGREGATE && event.aggregate_id.parse::<ChannelId>().is_ok() {
        vec![event.aggregate_id.clone()]
    } else {
        Vec::new()
    }
}

/// The relay's headers that select one channel's events.
pub fn binding_headers(id: &str) -> Vec<(String, String)> {
    vec![
        ("aggregate_type".to_owned(), AGGREGATE.to_owned()),
        ("aggregate_id".to_owned(), id.to_owned()),
    ]
}

/// Workspace membership changes (outside `chat.#`) that can change who reads a channel.
pub fn access_event_types() -> Vec<String> {
    vec![
        "identity.member.removed".to_owned(),
        "identity.member.updated".to_owned(),
    ]
}

/// Which subscriptions an event may have made unreadable.
pub fn access_changes(event: &EventEnvelope) -> Vec<AccessChange> {
    let text = |field: &str| event.data.get(field).and_then(serde_json::Value::as_str);
    let user = text("user_id").and_then(|user| user.parse::<UserId>().ok());
    match event.event_type.as_str() {
        "chat.member.removed" | "chat.member.updated" => match user {
            Some(user) => vec![AccessChange::UserOnTopic(user, event.aggregate_id.clone())],
            None => vec![AccessChange::Topic(event.aggregate_id.clone())],
        },
        // Settings (archived, frozen...) may change who reads it: check every subscriber.
        "chat.channel.updated" => vec![AccessChange::Topic(event.aggregate_id.clone())],
        "identity.member.removed" | "identity.member.updated" => {
            let workspace = text("workspace_id").and_then(|w| w.parse::<WorkspaceId>().ok());
            match (user, workspace) {
                (Some(user), Some(workspace)) => {
                    vec![AccessChange::UserInWorkspace(user, workspace)]
                }
                (Some(user), None) => vec![AccessChange::User(user)],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        event_type: &str,
        aggregate_type: &str,
        aggregate_id: &str,
        data: serde_json::Value,
    ) -> EventEnvelope {
        atelier_core::NewEvent::new(event_type, aggregate_type, aggregate_id, data)
            .into_envelope(TenantId::generate(), chrono::Utc::now())
    }

    #[test]
    fn events_map_to_channels_and_access_changes() {
        let channel = ChannelId::generate().to_string();
        let user = UserId::generate();
        let workspace = WorkspaceId::generate();
        let data = serde_json::json!({
            "channel_id": channel, "workspace_id": workspace, "user_id": user,
        });
        // (event type, aggregate type, aggregate id, topics, access changes)
        let cases = [
            (
                "chat.message.created",
                AGGREGATE,
                channel.clone(),
                vec![channel.clone()],
                vec![],
            ),
            (
                "chat.member.removed",
                AGGREGATE,
                channel.clone(),
                vec![channel.clone()],
                vec![AccessChange::UserOnTopic(user, channel.clone())],
            ),
            (
                "chat.member.updated",
                AGGREGATE,
                channel.clone(),
                vec![channel.clone()],
                vec![AccessChange::UserOnTopic(user, channel.clone())],
            ),
            (
                "chat.channel.updated",
                AGGREGATE,
                channel.clone(),
                vec![channel.clone()],
                vec![AccessChange::Topic(channel)],
            ),
            (
                "identity.member.removed",
                "workspace",
                workspace.to_string(),
                vec![],
                vec![AccessChange::UserInWorkspace(user, workspace)],
            ),
            (
                "identity.user.created",
                "user",
                user.to_string(),
                vec![],
                vec![],
            ),
            (
                "chat.message.created",
                AGGREGATE,
                "not-a-channel".to_owned(),
                vec![],
                vec![],
            ),
        ];
        for (event_type, aggregate_type, aggregate_id, topics, changes) in cases {
            let event = event(event_type, aggregate_type, &aggregate_id, data.clone());
            assert_eq!(topics_of(&event), topics, "{event_type}");
            assert_eq!(access_changes(&event), changes, "{event_type}");
        }
    }

    #[test]
    fn ids_are_channel_ids() {
        assert!(validate_id(&ChannelId::generate().to_string()).is_ok());
        assert!(validate_id(&UserId::generate().to_string()).is_err());
        assert!(validate_id("").is_err());
    }
}
