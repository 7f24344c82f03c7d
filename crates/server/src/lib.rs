//! Wiring: configuration, the run seam, workers and their lifecycle.
//!
//! [`run`] is the one entry point. The binary calls it with a listener bound to the configured
//! address; tests call it with a listener bound to `127.0.0.1:0`. It connects storage and the
//! bus, starts the workers of this node's roles and serves HTTP until `shutdown` fires.
//!
//! Shutdown order (see ARCHITECTURE.md): stop accepting connections and let in-flight requests
//! finish (bounded by `http.shutdown_grace`), closing WebSockets with 1001; then cancel the
//! workers (the realtime hub among them), which finish the item in
//! hand (the relay its publish-and-mark cycle, consumers their delivery) and release leases;
//! then the RabbitMQ pool and MongoDB client are dropped.

pub mod config;
pub mod migrations;
pub mod modules;
mod readiness;

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use atelier_api::{ApiConfig, ApiState};
use atelier_bus::{Bus, ConsumerHealth, ConsumerSpec, Handler};
use atelier_observability::Metrics;
use atelier_outbox::{Outbox, Relay};
use atelier_realtime::{TopicKind, TopicRegistry};
use atelier_store::Store;
use tokio::{net::TcpListener, task::JoinSet};
use tokio_util::sync::CancellationToken;

pub use config::{Config, ConfigError, Roles};

/// Everything a node needs, before it starts serving. Tests use the builder to register
/// extra consumers; the binary uses [`run`].
pub struct Server {
    config: Config,
    handlers: Vec<Arc<dyn Handler>>,
    metrics: Metrics,
    topic_kinds: Vec<Arc<dyn TopicKind>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("roles", &self.config.roles)
            .field("handlers", &self.handlers.len())
            .finish_non_exhaustive()
    }
}

/// Runs a node with the platform's own consumers until `shutdown` fires.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    Server::new(config).run(listener, shutdown).await
}

/// What the platform's consumers are built from.
#[derive(Debug, Clone)]
pub struct PlatformContext {
    pub store: Store,
    pub outbox: Outbox,
    pub bus: Bus,
    pub config: Config,
}

/// The OpenAPI document of this build (its modules' event types included), as committed at
/// `openapi/v1.json` and served at `/v1/openapi.json`.
pub fn spec_json() -> String {
    atelier_api::spec_json(&modules::catalog())
}

/// The consumers every deployment runs: those of every registered module. Building them does
/// no IO (so `atelier dlq list` can name them without a database).
///
/// # Errors
/// When a module cannot be started with `context.config` (a section [`Config::load`] would
/// have refused).
pub fn platform_handlers(context: &PlatformContext) -> anyhow::Result<Vec<Arc<dyn Handler>>> {
    let metrics = Metrics::new();
    let identity = atelier_identity::Identity::new(&context.store, context.config.identity.clone());
    let catalog = modules::catalog();
    let running = modules::start_all(context, &metrics, &identity, &catalog)
        .context("starting the modules")?;
    Ok(running.consumers)
}

impl Server {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            handlers: Vec::new(),
            metrics: Metrics::new(),
            // Each product's own kinds are registered in `Server::run`.
            topic_kinds: Vec::new(),
        }
    }

    /// Registers a realtime topic kind besides (or, with the same name, instead of) the
    /// products' own: tests inject fakes this way (a fake `channel` kind replaces chat's).
    pub fn with_topic_kind(mut self, kind: Arc<dyn TopicKind>) -> Self {
        self.topic_kinds.push(kind);
        self
    }

    /// Adds a consumer besides the platform's (tests register probes and failing handlers
    /// this way).
    pub fn with_handler(mut self, handler: Arc<dyn Handler>) -> Self {
        self.handlers.push(handler);
        self
    }

    /// The metrics this node will export (tests read them).
    pub fn metrics(&self) -> Metrics {
        self.metrics.clone()
    }

    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let Server {
            config,
            handlers,
            metrics,
            topic_kinds,
        } = self;
        for warning in config.warnings() {
            tracing::warn!("{warning}");
        }
        let store = Store::connect(&config.mongodb)
            .await
            .context("connecting to MongoDB")?;
        if config.migrate_on_start {
            let report = migrations::run(&store).await.context("migrating MongoDB")?;
            tracing::info!(applied = ?report.applied, "migrations done");
        }
        let bus =
            Bus::new(config.amqp.clone(), metrics.clone()).context("creating the RabbitMQ pool")?;
        let outbox = Outbox::new(&store);
        let mut identity = atelier_identity::Identity::new(&store, config.identity.clone());
        // Leaving a workspace ends the user's per-workspace documents of every module (channel
        // memberships...) in the same transaction.
        for module in modules::all() {
            identity.tenancy = identity
                .tenancy
                .with_member_cascade(module.workspace_member_collections());
        }
        let catalog = modules::catalog();
        // Every module builds its services, consumers and workers and registers its metrics.
        let platform = PlatformContext {
            store: store.clone(),
            outbox: outbox.clone(),
            bus: bus.clone(),
            config: config.clone(),
        };
        let running = modules::start_all(&platform, &metrics, &identity, &catalog)
            .context("starting the modules")?;
        let services = running.services;
        let module_topic_kinds = running.topic_kinds;
        let handlers: Vec<Arc<dyn Handler>> =
            running.consumers.into_iter().chain(handlers).collect();
        let consumer_health = ConsumerHealth::default();
        let specs: Vec<ConsumerSpec> = handlers.iter().map(|handler| handler.spec()).collect();

        let workers_cancel = CancellationToken::new();
        let mut workers = JoinSet::new();
        let relay = config.roles.relay.then(|| {
            Relay::new(
                outbox.clone(),
                bus.clone(),
                &config.node_id,
                config.outbox.clone(),
                metrics.clone(),
            )
            .with_consumers(specs.clone())
        });
        let relay_health = relay.as_ref().map(Relay::health);
        if let Some(relay) = relay {
            workers.spawn(relay.run(workers_cancel.clone()));
        }
        if config.roles.consumers {
            for handler in &handlers {
                let consumer = atelier_bus::spawn_consumer(
                    bus.clone(),
                    handler.clone(),
                    consumer_health.clone(),
                    workers_cancel.clone(),
                );
                // The consumer is its own task; tie it to this set so aborting the set (a
                // forced shutdown, or a test simulating a crash) stops it too.
                workers.spawn(async move {
                    let mut consumer = AbortOnDrop(consumer);
                    if let Err(error) = (&mut consumer.0).await {
                        tracing::error!(%error, "consumer task panicked");
                    }
                });
            }
        }
        // The realtime hub: one supervised RabbitMQ subscription per API node, bound only to
        // the topics and workspaces its sockets need, for the modules' topic kinds (and those
        // a test injected, which replace a module's kind of the same name).
        let topics = TopicRegistry::new(module_topic_kinds.into_iter().chain(topic_kinds));
        let presence_store = atelier_realtime::PresenceStore::new(&store);
        let hub = atelier_realtime::Hub::new(
            &bus,
            &config.node_id,
            topics,
            presence_store.clone(),
            metrics.clone(),
        );
        if config.roles.api {
            workers.spawn(hub.clone().run(workers_cancel.clone()));
            // Revocations reach this node's principal cache as events (see
            // `atelier_identity::principal_cache`).
            identity.cache.observe(metrics.clone());
            let invalidations = atelier_api::principals::Invalidations::new(identity.cache.clone());
            let principals = atelier_api::principals::consumer(&bus, &config.node_id);
            let cancel = workers_cancel.clone();
            workers.spawn(async move { principals.run(invalidations, cancel).await });
        }
        let probe = Arc::new(readiness::NodeReadiness {
            store: store.clone(),
            bus: bus.clone(),
            metrics: metrics.clone(),
            consumer_health: config.roles.consumers.then(|| consumer_health.clone()),
            relay: relay_health,
            realtime_hub: config.roles.api.then(|| hub.clone()),
        });
        workers.spawn(readiness::monitor(
            probe.clone(),
            specs.clone(),
            Duration::from_secs(10),
            workers_cancel.clone(),
        ));

        for worker in running.workers {
            tracing::debug!(worker = worker.name, "starting a module worker");
            workers.spawn((worker.run)(workers_cancel.clone()));
        }
        let usage_recorder = atelier_identity::usage::UsageRecorder::new(identity.usage.clone());
        // Flushes every interval and once more after HTTP has drained (workers stop after it).
        workers.spawn(usage_recorder.clone().run(
            config.identity.usage_flush_interval,
            workers_cancel.clone().cancelled_owned(),
        ));
        let gateway = atelier_realtime::Gateway::new(atelier_realtime::GatewayParts {
            config: config.realtime.clone(),
            node_id: config.node_id.clone(),
            hub,
            tenancy: identity.tenancy.clone(),
            outbox: outbox.clone(),
            presence: presence_store,
            metrics: metrics.clone(),
        });
        let state = ApiState {
            config: Arc::new(ApiConfig {
                max_body_bytes: config.http.max_body_bytes,
                admin_token: config.admin_token.clone(),
                serve_api: config.roles.api,
                rate_limits: config.rate_limits.clone(),
                trust_forwarded_for: config.http.trust_forwarded_for,
                request_timeout: config.http.request_timeout,
                body_read_timeout: config.http.body_read_timeout,
            }),
            metrics: metrics.clone(),
            readiness: probe,
            bus: bus.clone(),
            consumers: Arc::new(specs),
            consumer_health,
            identity,
            usage_recorder,
            catalog,
            realtime: atelier_api::realtime::RealtimeState {
                gateway,
                shutdown: shutdown.clone(),
            },
            services,
        };
        let address = listener
            .local_addr()
            .context("reading the listener address")?;
        tracing::info!(%address, roles = %config.roles, node = %config.node_id, "atelier serving");
        atelier_api::serve::serve(
            listener,
            atelier_api::endpoint(state),
            atelier_api::serve::ServeConfig {
                header_read_timeout: config.http.header_read_timeout,
                max_connections_per_ip: config.http.max_connections_per_ip,
                shutdown_grace: config.http.shutdown_grace,
            },
            shutdown.clone().cancelled_owned(),
        )
        .await;
        tracing::info!("HTTP stopped; draining workers");
        workers_cancel.cancel();
        let drain = async {
            while let Some(result) = workers.join_next().await {
                if let Err(error) = result {
                    tracing::error!(%error, "worker task failed");
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(30), drain)
            .await
            .is_err()
        {
            tracing::warn!("workers did not drain within 30 s; aborting them");
            workers.abort_all();
        }
        store.shutdown().await;
        tracing::info!("atelier stopped");
        Ok(())
    }
}

/// Aborts a spawned task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
