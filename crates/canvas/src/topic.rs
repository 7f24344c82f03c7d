//! Canvas's realtime topic kind, `document`: subscribers of `/v1/realtime` follow a document's
//! activity (the `canvas.*` events: metadata changes, throttled content edits naming the
//! editors, sharing, versions, restores) next to its chat. The content itself syncs over the
//! sync socket, never this gateway.
//!
//! - ids are document ids (`doc_...`); a user may subscribe to a document they may read
//!   ([`Canvas::visible`]); it lives in the document's workspace;
//! - missed events are replayed from the outbox by aggregate (`document`, the document id);
//! - a document's events are the outbox events of aggregate `document` (`canvas.#`);
//! - access changes with the document's sharing and state events and with workspace
//!   membership; no binary frames.

use atelier_core::{EventEnvelope, TenantId};
use atelier_identity::{Principal, UserId, WorkspaceId};
use atelier_realtime::{AccessChange, AccessError, ReplaySource, TopicKind, TopicScope};

use crate::{Canvas, CanvasError, DocumentId, events::AGGREGATE};

/// The kind's name on the wire.
pub const KIND: &str = "document";

/// The `document` topic kind over the canvas service.
#[derive(Debug, Clone)]
pub struct DocumentTopics {
    canvas: Canvas,
}

impl DocumentTopics {
    pub fn new(canvas: Canvas) -> Self {
        Self { canvas }
    }
}

#[async_trait::async_trait]
impl TopicKind for DocumentTopics {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn validate_id(&self, id: &str) -> Result<(), String> {
        id.parse::<DocumentId>()
            .map(|_| ())
            .map_err(|error| error.to_string())
    }

    async fn authorize(
        &self,
        tenant: TenantId,
        user: UserId,
        id: &str,
    ) -> Result<Option<TopicScope>, AccessError> {
        let Ok(document) = id.parse::<DocumentId>() else {
            return Ok(None);
        };
        let principal = Principal::User {
            tenant,
            user_id: user,
        };
        match self.canvas.visible(&principal, document).await {
            Ok(visible) => Ok(Some(TopicScope {
                workspace: Some(visible.record.workspace),
            })),
            Err(CanvasError::NotFound(_)) => Ok(None),
            Err(error) => Err(AccessError(error.to_string())),
        }
    }

    fn replay_source(&self, id: &str) -> ReplaySource {
        ReplaySource::Outbox {
            aggregate_type: AGGREGATE.to_owned(),
            aggregate_id: id.to_owned(),
        }
    }

    fn topics_of(&self, event: &EventEnvelope) -> Vec<String> {
        topics_of(event)
    }

    fn event_patterns(&self) -> Vec<String> {
        vec!["canvas.#".to_owned()]
    }

    fn binding_headers(&self, id: &str) -> Vec<(String, String)> {
        vec![
            ("aggregate_type".to_owned(), AGGREGATE.to_owned()),
            ("aggregate_id".to_owned(), id.to_owned()),
        ]
    }

    fn access_event_types(&self) -> Vec<String> {
        vec![
            "identity.member.removed".to_owned(),
            "identity.member.updated".to_owned(),
        ]
    }

    fn access_changes(&self, event: &EventEnvelope) -> Vec<AccessChange> {
        access_changes(event)
    }
}

/// A canvas event belongs to its document.
pub fn topics_of(event: &EventEnvelope) -> Vec<String> {
    if event.aggregate_type == AGGREGATE && event.aggregate_id.parse::<DocumentId>().is_ok() {
        vec![event.aggregate_id.clone()]
    } else {
        Vec::new()
    }
}

/// Which subscriptions an event may have made unreadable.
pub fn access_changes(event: &EventEnvelope) -> Vec<AccessChange> {
    let text = |field: &str| event.data.get(field).and_then(serde_json::Value::as_str);
    let user = text("user_id").and_then(|user| user.parse::<UserId>().ok());
    match event.event_type.as_str() {
        "canvas.document.shared" => match user {
            Some(user) => vec![AccessChange::UserOnTopic(user, event.aggregate_id.clone())],
            None => vec![AccessChange::Topic(event.aggregate_id.clone())],
        },
        "canvas.document.deleted" => vec![AccessChange::Topic(event.aggregate_id.clone())],
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
    use atelier_core::EventId;
    use serde_json::json;

    use super::*;

    fn event(event_type: &str, aggregate_id: &str, data: serde_json::Value) -> EventEnvelope {
        EventEnvelope {
            envelope_version: 1,
            id: EventId::generate(),
            event_type: event_type.to_owned(),
            data_version: 1,
            tenant: TenantId::generate(),
            aggregate_type: AGGREGATE.to_owned(),
            aggregate_id: aggregate_id.to_owned(),
            occurred_at: chrono::Utc::now(),
            data,
        }
    }

    #[test]
    fn events_map_to_documents_and_access_changes() {
        let document = DocumentId::generate().to_string();
        let user = UserId::generate();
        let shared = event(
            "canvas.document.shared",
            &document,
            json!({ "user_id": user, "role": null }),
        );
        assert_eq!(topics_of(&shared), vec![document.clone()]);
        assert_eq!(
            access_changes(&shared),
            vec![AccessChange::UserOnTopic(user, document.clone())]
        );
        assert_eq!(
            access_changes(&event("canvas.document.deleted", &document, json!({}))),
            vec![AccessChange::Topic(document.clone())]
        );
        assert!(topics_of(&event("canvas.document.created", "chn_x", json!({}))).is_empty());
    }
}
