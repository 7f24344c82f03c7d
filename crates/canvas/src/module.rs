//! Canvas as a platform module: its `[canvas]` settings, collections, event types, series, the
//! node's live documents (the [`SyncHub`] with its update log and fan-out worker) and the
//! [`Canvas`] service for the HTTP edge.

use std::sync::Arc;

use atelier_outbox::catalog::EventType;
use atelier_platform::{
    Module, ModuleConfig, ModuleContext, ModuleError, Running, SettingError, Settings, Worker,
    settings,
};
use atelier_store::Migration;
use serde_json::Value;

use crate::{
    Canvas, CanvasConfig,
    fanout::Fanout,
    log::UpdateLog,
    metrics::CanvasMetrics,
    sync::{Gatekeeper, HubParts, LateGatekeeper, Peers, SyncHub},
    versions::Versions,
};

impl ModuleConfig for CanvasConfig {
    const SECTION: &'static str = "canvas";
}

/// The canvas module (register it in the server's module list).
#[derive(Debug, Clone, Copy, Default)]
pub struct CanvasModule;

/// One line per setting of `[canvas]`.
const SETTINGS: &[(&str, &str)] = &[
    (
        "max_update_bytes",
        "Largest Yjs update one sync frame or HTTP edit may carry, in bytes (64 to max_document_bytes); larger frames close the socket with 1009, HTTP edits answer 413.",
    ),
    (
        "max_document_bytes",
        "Largest encoded canvas document an update may grow to, in bytes (1024 to 15728640); refused updates close the socket with 4413, HTTP edits answer 413.",
    ),
    (
        "idle_grace",
        "How long a document without sockets stays loaded on a node after everything it accepted is durable, e.g. 30s (at most 1h).",
    ),
    (
        "compact_after_updates",
        "Accepted updates of a document between two compactions of its update log (10 to 1000000).",
    ),
    (
        "version_every",
        "While a document is being edited, a periodic version is kept this often, e.g. 10m (at least 1s).",
    ),
    (
        "edit_event_every",
        "A document's content edits are announced as one canvas.document.updated event at most this often, naming the editors, e.g. 10s (at least 1s).",
    ),
    (
        "connection_queue",
        "Frames queued for one sync socket before it is closed as a slow reader (4008), 16 to 65536.",
    ),
    (
        "tenants",
        "Per-tenant limits: a table of tenant id to { max_update_bytes, max_document_bytes } (TOML only).",
    ),
];

impl Module for CanvasModule {
    fn name(&self) -> &'static str {
        CanvasConfig::SECTION
    }

    fn settings(&self) -> Settings {
        Settings::of::<CanvasConfig>(SETTINGS)
    }

    fn check_settings(&self, section: &Value) -> Result<Vec<String>, SettingError> {
        settings::parse::<CanvasConfig>(section)?.validate()?;
        Ok(Vec::new())
    }

    fn migrations(&self) -> Vec<Migration> {
        vec![Migration {
            id: "0008_canvas",
            description: "canvas documents, their update log and snapshots, versions",
            collections: crate::collection_specs(),
        }]
    }

    fn event_types(&self) -> Vec<EventType> {
        crate::events::types()
    }

    fn register_metrics(
        &self,
        metrics: &atelier_observability::Metrics,
    ) -> Result<(), ModuleError> {
        CanvasMetrics::of(metrics)
            .map(|_bundle| ())
            .map_err(|error| ModuleError::Metrics(error.to_string()))
    }

    fn start(&self, context: &ModuleContext<'_>) -> Result<Running, ModuleError> {
        let config: CanvasConfig = settings::parse(context.settings)?;
        let metrics = CanvasMetrics::of(context.metrics)
            .map_err(|error| ModuleError::Metrics(error.to_string()))?;
        let mut running = Running::default();
        let log = UpdateLog::start(context.store);
        // Documents load where sockets and HTTP edits arrive: on API nodes, which share
        // their documents' updates through the fan-out.
        let fanout = context
            .roles
            .api
            .then(|| Fanout::new(context.bus, context.node_id));
        let gatekeeper = Arc::new(LateGatekeeper::default());
        let hub = SyncHub::build(HubParts {
            log,
            options: config.sync_options(),
            peers: fanout.clone().map(|fanout| fanout as Arc<dyn Peers>),
            metrics,
            versions: Some(Versions::new(context.store)),
            tenant_limits: config.tenant_limits(),
            gatekeeper: Some(gatekeeper.clone() as Arc<dyn Gatekeeper>),
        });
        let canvas = Canvas::new(context.store, hub.clone());
        gatekeeper.set(Arc::new(canvas.clone()));
        if let Some(fanout) = fanout {
            fanout.attach(&hub);
            running
                .workers
                .push(Worker::new("canvas_fanout", move |cancel| {
                    fanout.run(cancel)
                }));
        }
        running
            .topic_kinds
            .push(Arc::new(crate::topic::DocumentTopics::new(canvas.clone())));
        running.services.insert(canvas)?;
        running.services.insert(hub)?;
        Ok(running)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn settings_are_documented_and_checked() {
        let settings = CanvasModule.settings();
        let keys: Vec<&str> = settings
            .defaults
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let documented: Vec<&str> = settings.docs.iter().map(|(key, _)| *key).collect();
        for key in &keys {
            assert!(documented.contains(key), "canvas.{key} is not documented");
        }
        assert!(CanvasModule.check_settings(&settings.defaults).is_ok());
        let cases = [
            (json!({ "max_document_bytes": 100 }), "max_document_bytes"),
            (
                json!({ "max_document_bytes": 16 << 20 }),
                "max_document_bytes",
            ),
            (json!({ "max_update_bytes": 10 }), "max_update_bytes"),
            (json!({ "max_update_bytes": 9 << 20 }), "max_update_bytes"),
            (json!({ "idle_grace": "2h" }), "idle_grace"),
            (
                json!({ "compact_after_updates": 1 }),
                "compact_after_updates",
            ),
            (json!({ "version_every": "10ms" }), "version_every"),
            (json!({ "edit_event_every": "10ms" }), "edit_event_every"),
            (json!({ "connection_queue": 1 }), "connection_queue"),
            (json!({ "tenants": { "nope": {} } }), "tenants"),
            (
                json!({ "tenants": { "ten_01J9ZQ2V3M4N5P6Q7R8S9T0VWX": { "max_update_bytes": 99999999 } } }),
                "tenants.max_update_bytes",
            ),
        ];
        for (change, setting) in cases {
            let mut section = settings.defaults.clone();
            for (key, value) in change.as_object().unwrap() {
                section[key] = value.clone();
            }
            let error = CanvasModule.check_settings(&section).unwrap_err();
            assert_eq!(error.setting, setting, "{change}");
        }
        let mut unknown = settings.defaults.clone();
        unknown["colour"] = json!("red");
        assert!(CanvasModule.check_settings(&unknown).is_err());
    }
}
