//! The [`Module`] trait, what a module is given at start ([`ModuleContext`]) and what it hands
//! back ([`Running`]).

use std::sync::Arc;

use atelier_bus::{Bus, Handler};
use atelier_identity::Identity;
use atelier_observability::Metrics;
use atelier_outbox::{
    Outbox,
    catalog::{Catalog, EventType},
};
use atelier_realtime::TopicKind;
use atelier_store::{Migration, Store};
use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::{Roles, Services, SettingError, Settings};

/// A product plugged into the platform. Implementations are cheap values built without IO
/// (`atelier dlq list` and `atelier serve --help` use them without a database).
///
/// **What a product crate may import**: `atelier-core`, `atelier-observability`,
/// `atelier-store`, `atelier-bus`, `atelier-outbox`, `atelier-identity` (principals, the
/// policy, tenancy), `atelier-realtime` (its topic kind) and this crate; never another
/// product, `atelier-api` or `atelier-server`.
pub trait Module: Send + Sync + 'static {
    /// The module's name: its configuration section (`[chat]`, `ATELIER_CHAT_*`), and the
    /// prefix of its migrations' ids and consumers' names. Lower case letters and `_`.
    fn name(&self) -> &'static str;

    /// The configuration section: defaults and one line of documentation per setting.
    fn settings(&self) -> Settings;

    /// Validates the section (defaults, then file, then environment, already merged) and
    /// returns warnings about legal but risky values. Called at start-up, before any IO.
    fn check_settings(&self, section: &Value) -> Result<Vec<String>, SettingError>;

    /// The module's collections and indexes, oldest migration first. Never edit an applied
    /// migration; add one.
    fn migrations(&self) -> Vec<Migration>;

    /// Every event type the module emits, with the JSON Schema of its `data`.
    fn event_types(&self) -> Vec<EventType>;

    /// Collections holding per-user documents of a workspace (fields `tenant`, `workspace`,
    /// `user`), deleted in the same transaction that removes the user from the workspace
    /// (chat's channel memberships). Workspace membership gates every workspace resource.
    fn workspace_member_collections(&self) -> &'static [&'static str] {
        &[]
    }

    /// Registers the module's metrics on the node's registry (a bundle through
    /// [`Metrics::module_bundle`], so [`Module::start`] gets the same handles). The server
    /// calls it before `start`, and to list every series the SLO rules may use.
    fn register_metrics(&self, metrics: &Metrics) -> Result<(), ModuleError> {
        let _no_metrics = metrics;
        Ok(())
    }

    /// Builds the module's services, consumers, workers and metrics for this node. No IO: the
    /// server starts what this returns.
    fn start(&self, context: &ModuleContext<'_>) -> Result<Running, ModuleError>;
}

/// What a module is given at start.
#[derive(Clone, Copy)]
pub struct ModuleContext<'a> {
    pub store: &'a Store,
    pub outbox: &'a Outbox,
    pub bus: &'a Bus,
    /// The node's metrics registry; a module registers its own collectors on it
    /// ([`Metrics::register`]).
    pub metrics: &'a Metrics,
    /// Tenancy, principals and the access policy.
    pub identity: &'a Identity,
    /// Every event type of the deployment (the platform's and every module's).
    pub catalog: &'a Catalog,
    /// This node's id (for leases and claims).
    pub node_id: &'a str,
    /// This node's roles: start API-side pieces on `api` nodes, workers on `consumers` nodes.
    pub roles: &'a Roles,
    /// The module's configuration section, already checked by
    /// [`Module::check_settings`].
    pub settings: &'a Value,
}

impl std::fmt::Debug for ModuleContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleContext")
            .field("node_id", &self.node_id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// What a started module hands back to the server.
#[derive(Default)]
pub struct Running {
    /// Queue consumers. The relay declares their topology; `consumers` nodes run them.
    pub consumers: Vec<Arc<dyn Handler>>,
    /// Background workers, started on this node as built (the module reads
    /// [`ModuleContext::roles`] to decide which to return).
    pub workers: Vec<Worker>,
    /// Services the module's HTTP area reads (by type).
    pub services: Services,
    /// The module's realtime topic kinds (chat's `channel`), served by every API node's
    /// gateway and hub.
    pub topic_kinds: Vec<Arc<dyn TopicKind>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field(
                "consumers",
                &self
                    .consumers
                    .iter()
                    .map(|handler| handler.spec().name)
                    .collect::<Vec<_>>(),
            )
            .field(
                "workers",
                &self
                    .workers
                    .iter()
                    .map(|worker| worker.name)
                    .collect::<Vec<_>>(),
            )
            .field("services", &self.services)
            .field(
                "topic_kinds",
                &self
                    .topic_kinds
                    .iter()
                    .map(|kind| kind.kind())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A background task with a lifecycle: it runs until the token is cancelled, finishes the
/// item in hand and returns. The server spawns it and waits for it at shutdown.
pub struct Worker {
    /// For logs.
    pub name: &'static str,
    pub run: Box<dyn FnOnce(CancellationToken) -> BoxFuture<'static, ()> + Send>,
}

impl Worker {
    pub fn new<F>(
        name: &'static str,
        run: impl FnOnce(CancellationToken) -> F + Send + 'static,
    ) -> Worker
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        Worker {
            name,
            run: Box::new(move |cancel| Box::pin(run(cancel))),
        }
    }
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("name", &self.name).finish()
    }
}

/// A module could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error("settings: {0}")]
    Settings(#[from] SettingError),
    #[error("metrics: {0}")]
    Metrics(String),
    #[error(transparent)]
    Services(#[from] crate::services::DuplicateService),
}
