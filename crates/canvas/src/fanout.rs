//! Multi-node documents: every node that has a document loaded hears the updates the others
//! accept for it, through RabbitMQ.
//!
//! Each node runs one ephemeral consumer (`canvas_sync`: an exclusive, auto-delete queue per
//! broker session) on the headers exchange `P.canvas_sync`. Loading a document binds the queue
//! to `{tenant, document}` (before the log is read, so nothing accepted elsewhere meanwhile is
//! missed: what arrives early waits in the document's inbox and applies idempotently);
//! unloading unbinds it. An update a node accepts is published with those headers and applied
//! by every other node holding the document ([`atelier_canvas_sync::DocumentSession::apply_remote`]);
//! only the accepting node logs it, so the log holds each update once.
//!
//! Delivery is best effort. When the broker session ends and a new one starts, every loaded
//! document re-reads the log (now and again a moment later, for updates that were accepted
//! elsewhere but not yet durable at the first read): Yjs updates are idempotent, so the gap is
//! closed without knowing what it held.
//!
//! The wire format of a message body: the JSON header `{"tenant", "document", "origin"}`, a
//! newline, then the v1 update.
//!
//! The same queue is bound to the event types that change who may use a document
//! ([`ACCESS_EVENTS`]), so a revoked grant, a removed workspace member, a deleted user or a
//! revoked login reaches the sockets of every node within the relay's latency (well under the
//! 2 s the issue asks for): the hub re-checks or ends the affected connections.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, OnceLock},
};

use atelier_bus::{
    Bus,
    ephemeral::{
        EphemeralBinding, EphemeralConsumer, EphemeralHandler, EphemeralSpec, FanoutExchange,
    },
};
use atelier_core::TenantId;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::sync::{AccessChange, Peers, SyncHub};

/// The event types whose arrival may end or change open sync connections.
pub const ACCESS_EVENTS: &[&str] = &[
    "canvas.document.shared",
    "canvas.document.updated",
    "canvas.document.deleted",
    "identity.grant.revoked",
    "identity.member.updated",
    "identity.member.removed",
    "identity.user.deleted",
    "identity.login.revoked",
];

/// The routing key of the updates nodes publish to each other.
const UPDATE_ROUTING_KEY: &str = "canvas.update";
/// The routing key of the awareness frames nodes relay to each other.
const AWARENESS_ROUTING_KEY: &str = "canvas.awareness";

/// Most messages a node's queue holds; beyond it the oldest are dropped (a gap, closed by the
/// re-read on the next session... or by the clients' own sync; see the module docs).
const QUEUE_MAX_LENGTH: i64 = 100_000;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    tenant: String,
    document: String,
    origin: String,
}

/// The node's side of the fan-out: publishes accepted updates, delivers the others'.
pub struct Fanout {
    consumer: EphemeralConsumer,
    node: String,
    hub: OnceLock<SyncHub>,
    wanted: Mutex<HashSet<(String, String)>>,
}

impl std::fmt::Debug for Fanout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fanout")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

impl Fanout {
    pub fn new(bus: &Bus, node_id: &str) -> Arc<Fanout> {
        let consumer = EphemeralConsumer::new(
            bus.clone(),
            EphemeralSpec {
                name: "canvas_sync".to_owned(),
                queue_stem: format!("canvas_sync.{node_id}"),
                max_length: QUEUE_MAX_LENGTH,
                fanout: Some(FanoutExchange {
                    name: "canvas_sync".to_owned(),
                    patterns: Vec::new(),
                }),
            },
        );
        Arc::new(Fanout {
            consumer,
            node: node_id.to_owned(),
            hub: OnceLock::new(),
            wanted: Mutex::new(HashSet::new()),
        })
    }

    /// Connects the hub whose documents this fan-out serves (once).
    pub fn attach(&self, hub: &SyncHub) {
        self.hub.set(hub.clone()).ok();
    }

    /// Runs the subscription until `cancel` fires.
    pub async fn run(self: Arc<Self>, cancel: CancellationToken) {
        let consumer = self.consumer.clone();
        consumer.run(self, cancel).await;
    }

    fn wanted(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        self.wanted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn binding(tenant: &str, document: &str) -> EphemeralBinding {
    EphemeralBinding::fanout(vec![
        ("tenant".to_owned(), tenant.to_owned()),
        ("document".to_owned(), document.to_owned()),
    ])
}

/// What an access event means for open connections (`None`: nothing).
pub fn access_change(envelope: &atelier_core::EventEnvelope) -> Option<AccessChange> {
    let tenant = envelope.tenant;
    let field = |name: &str| {
        envelope
            .data
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    match envelope.event_type.as_str() {
        "canvas.document.shared" | "canvas.document.updated" => Some(AccessChange::Document {
            tenant,
            document: field("document_id")?,
            user: field("user_id"),
        }),
        "canvas.document.deleted" => Some(AccessChange::DocumentDeleted {
            tenant,
            document: field("document_id")?,
        }),
        // A grant revoked from a whole workspace: every connection to the document is asked.
        "identity.grant.revoked"
            if field("resource_type").as_deref() == Some(crate::sync::RESOURCE_TYPE) =>
        {
            Some(AccessChange::Document {
                tenant,
                document: field("resource_id")?,
                user: field("user_id"),
            })
        }
        "identity.member.updated" | "identity.member.removed" => Some(AccessChange::Member {
            tenant,
            workspace: field("workspace_id")?,
            user: field("user_id")?,
        }),
        "identity.user.deleted" => Some(AccessChange::UserDeleted {
            tenant,
            user: field("user_id")?,
        }),
        "identity.login.revoked" => Some(AccessChange::LoginRevoked {
            tenant,
            login: field("login_id")?,
        }),
        _ => None,
    }
}

#[async_trait::async_trait]
impl Peers for Fanout {
    async fn watch(&self, tenant: TenantId, document: &str) {
        let key = (tenant.to_string(), document.to_owned());
        self.wanted().insert(key.clone());
        if let Err(error) = self.consumer.sync(binding(&key.0, &key.1)).await {
            // The document still works on this node; the re-read on reconnect closes the gap.
            tracing::warn!(%tenant, document, %error, "canvas fan-out binding failed");
        }
    }

    fn unwatch(&self, tenant: TenantId, document: &str) {
        let key = (tenant.to_string(), document.to_owned());
        self.wanted().remove(&key);
        self.consumer.sync_later(binding(&key.0, &key.1));
    }

    fn publish(&self, tenant: TenantId, document: &str, update: &[u8]) {
        self.send(UPDATE_ROUTING_KEY, tenant, document, update);
    }

    fn publish_awareness(&self, tenant: TenantId, document: &str, frame: &[u8]) {
        self.send(AWARENESS_ROUTING_KEY, tenant, document, frame);
    }
}

impl Fanout {
    /// Publishes `payload` for the other nodes holding the document.
    fn send(&self, routing_key: &str, tenant: TenantId, document: &str, payload: &[u8]) {
        let header = Header {
            tenant: tenant.to_string(),
            document: document.to_owned(),
            origin: self.node.clone(),
        };
        let Ok(mut body) = serde_json::to_vec(&header) else {
            return;
        };
        body.push(b'\n');
        body.extend_from_slice(payload);
        self.consumer.publish(
            routing_key,
            vec![
                ("tenant".to_owned(), header.tenant),
                ("document".to_owned(), header.document),
            ],
            body,
        );
    }
}

impl EphemeralHandler for Fanout {
    fn bindings(&self) -> Vec<EphemeralBinding> {
        let mut bindings: Vec<EphemeralBinding> = ACCESS_EVENTS
            .iter()
            .map(|event_type| EphemeralBinding::events(*event_type))
            .collect();
        bindings.extend(
            self.wanted()
                .iter()
                .map(|(tenant, document)| binding(tenant, document)),
        );
        bindings
    }

    fn wants(&self, binding: &EphemeralBinding) -> bool {
        if binding.source == atelier_bus::ephemeral::BindingSource::Events {
            return ACCESS_EVENTS.contains(&binding.routing_key.as_str());
        }
        let value = |name: &str| {
            binding
                .headers
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        match (value("tenant"), value("document")) {
            (Some(tenant), Some(document)) => self.wanted().contains(&(tenant, document)),
            _ => false,
        }
    }

    fn deliver(&self, routing_key: &str, body: &[u8]) {
        if routing_key != UPDATE_ROUTING_KEY && routing_key != AWARENESS_ROUTING_KEY {
            if let Some(hub) = self.hub.get() {
                match serde_json::from_slice::<atelier_core::EventEnvelope>(body) {
                    Ok(envelope) => {
                        if let Some(change) = access_change(&envelope) {
                            hub.access_changed(change);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(routing_key, %error, "unreadable event on the canvas queue; ignored");
                    }
                }
            }
            return;
        }
        let Some(newline) = body.iter().position(|byte| *byte == b'\n') else {
            tracing::warn!("canvas fan-out message without a header; ignored");
            return;
        };
        let Ok(header) = serde_json::from_slice::<Header>(&body[..newline]) else {
            tracing::warn!("canvas fan-out message with an unreadable header; ignored");
            return;
        };
        if header.origin == self.node {
            return;
        }
        let Ok(tenant) = header.tenant.parse::<TenantId>() else {
            return;
        };
        if let Some(hub) = self.hub.get() {
            let payload = body[newline + 1..].to_vec();
            if routing_key == AWARENESS_ROUTING_KEY {
                hub.remote_awareness(tenant, &header.document, payload);
            } else {
                hub.remote_update(tenant, &header.document, payload);
            }
        }
    }

    fn connected(&self, connected: bool) {
        if connected && let Some(hub) = self.hub.get() {
            hub.resync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use atelier_core::{EventEnvelope, EventId};
    use serde_json::json;

    use super::*;

    fn envelope(event_type: &str, data: serde_json::Value) -> EventEnvelope {
        EventEnvelope {
            envelope_version: 1,
            id: EventId::generate(),
            event_type: event_type.to_owned(),
            data_version: 1,
            tenant: TenantId::generate(),
            aggregate_type: "x".to_owned(),
            aggregate_id: "x".to_owned(),
            occurred_at: chrono::Utc::now(),
            data,
        }
    }

    #[test]
    fn access_events_map_to_changes() {
        let shared = envelope(
            "canvas.document.shared",
            json!({ "document_id": "doc_1", "user_id": "usr_1", "workspace_id": "wsp_1" }),
        );
        assert_eq!(
            access_change(&shared),
            Some(AccessChange::Document {
                tenant: shared.tenant,
                document: "doc_1".to_owned(),
                user: Some("usr_1".to_owned()),
            })
        );
        let revoked = envelope(
            "identity.grant.revoked",
            json!({ "resource_type": "canvas_document", "resource_id": "doc_2", "workspace_id": "wsp_1" }),
        );
        assert_eq!(
            access_change(&revoked),
            Some(AccessChange::Document {
                tenant: revoked.tenant,
                document: "doc_2".to_owned(),
                user: None,
            })
        );
        let other_resource = envelope(
            "identity.grant.revoked",
            json!({ "resource_type": "board", "resource_id": "brd_1", "user_id": "usr_1" }),
        );
        assert_eq!(access_change(&other_resource), None);
        let removed = envelope(
            "identity.member.removed",
            json!({ "workspace_id": "wsp_1", "user_id": "usr_1" }),
        );
        assert!(matches!(
            access_change(&removed),
            Some(AccessChange::Member { .. })
        ));
        let login = envelope(
            "identity.login.revoked",
            json!({ "user_id": "usr_1", "login_id": "rtf_1", "reason": "revoked" }),
        );
        assert!(matches!(
            access_change(&login),
            Some(AccessChange::LoginRevoked { .. })
        ));
        // Malformed data is ignored, never a panic.
        assert_eq!(
            access_change(&envelope("canvas.document.deleted", json!({}))),
            None
        );
        for event_type in ACCESS_EVENTS {
            atelier_core::event::validate_event_type(event_type).unwrap();
        }
    }
}
