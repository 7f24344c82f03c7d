//! The node's fan-out hub: one RabbitMQ subscription per node, bound only to what local
//! sockets need, decoding each message once and pushing one shared serialised frame into every
//! local subscriber's bounded queue.
//!
//! Topology for prefix `P` (see ARCHITECTURE.md):
//! - `P.realtime`: a headers exchange (auto-delete), fed from the `P.events` topic exchange by
//!   an exchange-to-exchange binding for `chat.#`; typing and presence notices are published
//!   to it directly (they are not state changes and do not go through the outbox).
//! - Per node session: an exclusive, auto-delete queue `P.realtime.<node>.<ulid>`, bound with
//!   `x-match: all` and `{tenant, aggregate_id: chn_...}` per channel with at least one local
//!   subscriber and `{tenant, workspace_id: wsp_...}` per workspace with a local presence
//!   watcher, plus `{node: <node>}` (which keeps the exchange alive while the node is up).
//!   A binding is removed when its last local subscriber leaves.
//!
//! Delivery is best effort (no acks, the queue is capped): a client that misses events
//! resumes from its last event id (replayed from the outbox collection).
//!
//! [`Hub::run`] is a supervised worker: it connects, declares, binds every wanted key, consumes
//! until cancellation or a broker failure, and then reconnects with backoff and rebinds.
//! Subscription changes are commands processed in order by the worker, so a subscribe returns
//! once its binding is in place.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use atelier_bus::BusConfig;
use atelier_chat::ChannelId;
use atelier_core::{EventEnvelope, TenantId};
use atelier_identity::{UserId, WorkspaceId};
use atelier_observability::Metrics;
use futures_util::StreamExt;
use lapin::{
    BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind,
    options::{
        BasicConsumeOptions, BasicPublishOptions, ExchangeBindOptions, ExchangeDeclareOptions,
        QueueBindOptions, QueueDeclareOptions,
    },
    types::{AMQPValue, FieldTable, LongString, ShortString},
};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::{
    frame::{self, PresenceStatus, ServerFrame},
    presence::{PresenceChange, PresenceTracker, WorkspaceKey},
    presence_store::PresenceStore,
};

/// A channel of a tenant.
pub type ChannelKey = (TenantId, ChannelId);
/// Identifies one WebSocket connection on this node.
pub type ConnectionId = u64;

/// Routing key of typing notices on `P.realtime`.
pub const TYPING_KEY: &str = "realtime.typing";
/// Routing key of presence announcements on `P.realtime`.
pub const PRESENCE_KEY: &str = "realtime.presence";

const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const SETUP_TIMEOUT: Duration = Duration::from_secs(30);
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a subscribe waits for its binding.
const BIND_TIMEOUT: Duration = Duration::from_secs(10);
/// Cap of the node queue: beyond it the oldest messages are dropped (clients resume).
const NODE_QUEUE_MAX_LENGTH: i64 = 100_000;
const PRESENCE_TICK: Duration = Duration::from_secs(1);
const PRESENCE_PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// The sending half of a connection's bounded outbound queue of serialised frames.
#[derive(Clone)]
pub struct Outbound {
    frames: mpsc::Sender<Arc<str>>,
    slow: CancellationToken,
    session: Arc<str>,
    metrics: Metrics,
}

/// The receiving half, read by the socket writer. `slow` fires when the queue overflowed.
pub struct OutboundReceiver {
    pub frames: mpsc::Receiver<Arc<str>>,
    pub slow: CancellationToken,
}

/// A connection's outbound queue of `capacity` frames.
pub fn outbound(
    capacity: usize,
    session: Arc<str>,
    metrics: Metrics,
) -> (Outbound, OutboundReceiver) {
    let (frames, receiver) = mpsc::channel(capacity.max(1));
    let slow = CancellationToken::new();
    (
        Outbound {
            frames,
            slow: slow.clone(),
            session,
            metrics,
        },
        OutboundReceiver {
            frames: receiver,
            slow,
        },
    )
}

impl Outbound {
    /// Queues a frame without waiting (fan-out). A full queue marks the connection slow: it
    /// is closed with 4008 and the frame is dropped.
    pub fn push(&self, frame: Arc<str>) -> bool {
        match self.frames.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.mark_slow();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Queues a reply to the client's own frame, waiting up to `patience` for room (replies
    /// and replays are paced by the client's reading, not dropped).
    pub async fn send(&self, frame: Arc<str>, patience: Duration) -> bool {
        match tokio::time::timeout(patience, self.frames.send(frame)).await {
            Ok(Ok(())) => true,
            Ok(Err(_closed)) => false,
            Err(_elapsed) => {
                self.mark_slow();
                false
            }
        }
    }

    /// The session id of the connection.
    pub fn session(&self) -> &str {
        &self.session
    }

    fn mark_slow(&self) {
        if !self.slow.is_cancelled() {
            tracing::info!(session = %self.session, "WebSocket client too slow: closing it");
            self.metrics.realtime_slow_consumer();
            self.slow.cancel();
        }
    }
}

/// The hub could not do what was asked (the broker is unreachable).
#[derive(Debug, thiserror::Error)]
#[error("realtime hub unavailable: {0}")]
pub struct HubError(pub String);

/// A typing notice between nodes (JSON on `P.realtime`, routing key [`TYPING_KEY`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypingMessage {
    pub v: u32,
    pub tenant: TenantId,
    pub channel_id: ChannelId,
    pub user_id: UserId,
    /// The sending connection, which does not get its own notice back.
    pub session: String,
    pub expires_in_ms: u64,
}

/// A presence announcement between nodes (JSON on `P.realtime`, routing key
/// [`PRESENCE_KEY`]). `offline` withdraws the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceMessage {
    pub v: u32,
    pub tenant: TenantId,
    pub workspace_id: WorkspaceId,
    pub user_id: UserId,
    pub session: String,
    pub status: PresenceStatus,
    /// Time to live of the announcement, relative (so node clocks need not agree).
    pub ttl_ms: u64,
}

/// The node's hub. Cheap to clone; one per node ([`Hub::run`] once).
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("node", &self.inner.node_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Binding {
    Channel(ChannelKey),
    Workspace(WorkspaceKey),
}

enum Command {
    /// Make the broker binding match whether the key has local subscribers.
    Sync {
        binding: Binding,
        done: Option<oneshot::Sender<Result<(), String>>>,
    },
    Publish {
        routing_key: &'static str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
}

#[derive(Default)]
struct Registry {
    channels: HashMap<ChannelKey, HashMap<ConnectionId, Outbound>>,
    workspaces: HashMap<WorkspaceKey, HashMap<ConnectionId, Outbound>>,
}

impl Registry {
    fn wanted(&self, binding: Binding) -> bool {
        match binding {
            Binding::Channel(key) => self.channels.contains_key(&key),
            Binding::Workspace(key) => self.workspaces.contains_key(&key),
        }
    }

    fn bindings(&self) -> Vec<Binding> {
        self.channels
            .keys()
            .map(|key| Binding::Channel(*key))
            .chain(self.workspaces.keys().map(|key| Binding::Workspace(*key)))
            .collect()
    }
}

struct Inner {
    url: String,
    prefix: String,
    node_id: String,
    reconnect_backoff_max: Duration,
    registry: Mutex<Registry>,
    tracker: Mutex<PresenceTracker>,
    commands: mpsc::UnboundedSender<Command>,
    command_receiver: Mutex<Option<mpsc::UnboundedReceiver<Command>>>,
    connected: AtomicBool,
    presence_store: PresenceStore,
    metrics: Metrics,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every update is a few map operations that cannot leave the maps inconsistent.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Hub {
    pub fn new(
        bus: &BusConfig,
        node_id: &str,
        presence_store: PresenceStore,
        metrics: Metrics,
    ) -> Hub {
        let (commands, receiver) = mpsc::unbounded_channel();
        Hub {
            inner: Arc::new(Inner {
                url: bus.url.clone(),
                prefix: bus.prefix.clone(),
                node_id: node_id.to_owned(),
                reconnect_backoff_max: bus.reconnect_backoff_max.max(INITIAL_BACKOFF),
                registry: Mutex::new(Registry::default()),
                tracker: Mutex::new(PresenceTracker::new()),
                commands,
                command_receiver: Mutex::new(Some(receiver)),
                connected: AtomicBool::new(false),
                presence_store,
                metrics,
            }),
        }
    }

    /// `P.realtime`, the headers exchange of the realtime topology.
    pub fn exchange(&self) -> String {
        realtime_exchange(&self.inner.prefix)
    }

    /// True while the hub holds a broker subscription.
    pub fn is_connected(&self) -> bool {
        self.inner.connected.load(Ordering::Relaxed)
    }

    /// Liveness for readiness (`realtime_hub`) and `atelier_consumer_up{consumer="realtime_hub"}`.
    fn set_connected(&self, connected: bool) {
        self.inner.connected.store(connected, Ordering::Relaxed);
        self.inner
            .metrics
            .set_consumer_up("realtime_hub", connected);
    }

    /// Adds a local subscriber of a channel; returns once the node is bound to it.
    pub async fn subscribe(
        &self,
        key: ChannelKey,
        connection: ConnectionId,
        outbound: Outbound,
    ) -> Result<(), HubError> {
        lock(&self.inner.registry)
            .channels
            .entry(key)
            .or_default()
            .insert(connection, outbound);
        let synced = self.sync(Binding::Channel(key)).await;
        if synced.is_err() {
            self.unsubscribe(key, connection);
        }
        synced
    }

    /// Removes a local subscriber; the binding goes with the last one.
    pub fn unsubscribe(&self, key: ChannelKey, connection: ConnectionId) {
        let emptied = {
            let mut registry = lock(&self.inner.registry);
            match registry.channels.get_mut(&key) {
                Some(subscribers) => {
                    subscribers.remove(&connection);
                    let emptied = subscribers.is_empty();
                    if emptied {
                        registry.channels.remove(&key);
                    }
                    emptied
                }
                None => false,
            }
        };
        if emptied {
            self.command(Command::Sync {
                binding: Binding::Channel(key),
                done: None,
            });
        }
    }

    /// Adds a local presence watcher of a workspace; returns the workspace's present users
    /// once the node is bound (read from MongoDB when this is the node's first watcher).
    pub async fn watch(
        &self,
        key: WorkspaceKey,
        connection: ConnectionId,
        outbound: Outbound,
    ) -> Result<Vec<(UserId, PresenceStatus)>, HubError> {
        let first = {
            let mut tracker = lock(&self.inner.tracker);
            let first = !tracker.is_tracked(key);
            tracker.track(key);
            first
        };
        lock(&self.inner.registry)
            .workspaces
            .entry(key)
            .or_default()
            .insert(connection, outbound);
        if let Err(error) = self.sync(Binding::Workspace(key)).await {
            self.unwatch(key, connection);
            return Err(error);
        }
        if first {
            let now_ms = chrono::Utc::now().timestamp_millis();
            let rows = self
                .inner
                .presence_store
                .snapshot(key.0, key.1, now_ms)
                .await
                .map_err(|error| HubError(format!("reading presence: {error}")))?;
            let now = Instant::now();
            let mut tracker = lock(&self.inner.tracker);
            for row in rows {
                let Ok(user) = row.user.parse::<UserId>() else {
                    continue;
                };
                let remaining = u64::try_from(row.expires_at_ms - now_ms).unwrap_or_default();
                tracker.apply_if_unknown(
                    key,
                    user,
                    &row.session,
                    row.status,
                    now + Duration::from_millis(remaining),
                );
            }
        }
        Ok(lock(&self.inner.tracker).snapshot(key))
    }

    /// Removes a local presence watcher; the binding goes with the last one.
    pub fn unwatch(&self, key: WorkspaceKey, connection: ConnectionId) {
        let emptied = {
            let mut registry = lock(&self.inner.registry);
            match registry.workspaces.get_mut(&key) {
                Some(watchers) => {
                    watchers.remove(&connection);
                    let emptied = watchers.is_empty();
                    if emptied {
                        registry.workspaces.remove(&key);
                    }
                    emptied
                }
                None => false,
            }
        };
        if emptied {
            lock(&self.inner.tracker).forget(key);
            self.command(Command::Sync {
                binding: Binding::Workspace(key),
                done: None,
            });
        }
    }

    /// Publishes a typing notice to every node with subscribers of the channel. Dropped while
    /// the hub is disconnected (typing is ephemeral).
    pub fn publish_typing(&self, message: &TypingMessage) {
        self.publish(
            TYPING_KEY,
            vec![
                ("tenant", message.tenant.to_string()),
                ("aggregate_id", message.channel_id.to_string()),
            ],
            serde_json::to_vec(message),
        );
    }

    /// Publishes a presence announcement to every node watching the workspace.
    pub fn publish_presence(&self, message: &PresenceMessage) {
        self.publish(
            PRESENCE_KEY,
            vec![
                ("tenant", message.tenant.to_string()),
                ("workspace_id", message.workspace_id.to_string()),
            ],
            serde_json::to_vec(message),
        );
    }

    fn publish(
        &self,
        routing_key: &'static str,
        headers: Vec<(&'static str, String)>,
        body: Result<Vec<u8>, serde_json::Error>,
    ) {
        if !self.is_connected() {
            tracing::debug!(routing_key, "realtime hub disconnected: notice dropped");
            return;
        }
        match body {
            Ok(body) => self.command(Command::Publish {
                routing_key,
                headers,
                body,
            }),
            Err(error) => tracing::error!(%error, "realtime notice not serialisable"),
        }
    }

    async fn sync(&self, binding: Binding) -> Result<(), HubError> {
        let (done, wait) = oneshot::channel();
        self.command(Command::Sync {
            binding,
            done: Some(done),
        });
        match tokio::time::timeout(BIND_TIMEOUT, wait).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(error))) => Err(HubError(error)),
            Ok(Err(_dropped)) => Err(HubError("the broker connection dropped".to_owned())),
            Err(_elapsed) => Err(HubError(format!(
                "no broker binding within {BIND_TIMEOUT:?}"
            ))),
        }
    }

    fn command(&self, command: Command) {
        if self.inner.commands.send(command).is_err() {
            tracing::debug!("realtime hub stopped: command dropped");
        }
    }

    /// Runs the hub until `cancel` fires: the supervised broker subscription and the presence
    /// expiry ticker. Call once per hub (a second call returns at once, logged).
    pub async fn run(self, cancel: CancellationToken) {
        self.set_connected(false);
        let Some(mut commands) = lock(&self.inner.command_receiver).take() else {
            tracing::error!("realtime hub started twice; the second run does nothing");
            return;
        };
        tokio::join!(
            self.supervise(&mut commands, &cancel),
            self.expire_presence(&cancel)
        );
        tracing::info!("realtime hub stopped");
    }

    async fn supervise(
        &self,
        commands: &mut mpsc::UnboundedReceiver<Command>,
        cancel: &CancellationToken,
    ) {
        let mut backoff = INITIAL_BACKOFF;
        loop {
            let mut subscribed = false;
            let result = self.session(commands, cancel, &mut subscribed).await;
            self.set_connected(false);
            match result {
                Ok(()) => break,
                Err(error) => {
                    tracing::warn!(%error, "realtime hub session failed; reconnecting");
                }
            }
            if subscribed {
                backoff = INITIAL_BACKOFF;
            }
            // Subscribes waiting for a binding fail fast while disconnected; the next session
            // binds everything still wanted anyway.
            while let Ok(command) = commands.try_recv() {
                if let Command::Sync {
                    done: Some(done), ..
                } = command
                    && done
                        .send(Err("the broker is unreachable".to_owned()))
                        .is_err()
                {
                    tracing::debug!("subscriber gave up waiting for its binding");
                }
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = backoff
                .saturating_mul(2)
                .min(self.inner.reconnect_backoff_max);
        }
    }

    /// One broker session; `Ok` only when cancelled.
    async fn session(
        &self,
        commands: &mut mpsc::UnboundedReceiver<Command>,
        cancel: &CancellationToken,
        subscribed: &mut bool,
    ) -> Result<(), String> {
        let setup = tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            setup = tokio::time::timeout(SETUP_TIMEOUT, self.set_up()) => setup
                .map_err(|_elapsed| format!("setup timed out after {SETUP_TIMEOUT:?}"))??,
        };
        let (connection, channel, queue, mut consumer, mut bound) = setup;
        *subscribed = true;
        self.set_connected(true);
        tracing::info!(queue = %queue, "realtime hub subscribed");
        let exchange = self.exchange();
        let end = loop {
            tokio::select! {
                biased;
                () = cancel.cancelled() => break Ok(()),
                command = commands.recv() => match command {
                    None => break Ok(()),
                    Some(Command::Sync { binding, done }) => {
                        let result = self.reconcile(&channel, &queue, &mut bound, binding).await;
                        let failed = result.as_ref().err().cloned();
                        if let Some(done) = done
                            && done.send(result).is_err()
                        {
                            tracing::debug!("subscriber gave up waiting for its binding");
                        }
                        if let Some(error) = failed {
                            break Err(error);
                        }
                    }
                    Some(Command::Publish { routing_key, headers, body }) => {
                        if let Err(error) = publish(&channel, &exchange, routing_key, &headers, &body).await {
                            break Err(error);
                        }
                    }
                },
                delivery = consumer.next() => match delivery {
                    Some(Ok(delivery)) => self.dispatch(&delivery.routing_key, &delivery.data),
                    Some(Err(error)) => break Err(format!("consuming: {error}")),
                    None => break Err("the broker ended the subscription".to_owned()),
                },
            }
        };
        self.set_connected(false);
        let close = connection.close(200, ShortString::from("realtime hub session over"));
        match tokio::time::timeout(CLOSE_TIMEOUT, close).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::debug!(%error, "realtime hub connection close failed"),
            Err(_elapsed) => tracing::debug!("realtime hub connection close timed out"),
        }
        end
    }

    #[allow(clippy::type_complexity)] // a private tuple of what one session set up
    async fn set_up(
        &self,
    ) -> Result<
        (
            Connection,
            Channel,
            String,
            lapin::Consumer,
            HashSet<Binding>,
        ),
        String,
    > {
        let prefix = &self.inner.prefix;
        let node = &self.inner.node_id;
        let name = format!("atelier:{prefix}:realtime:{node}");
        let connection = Connection::connect(
            &self.inner.url,
            ConnectionProperties::default().with_connection_name(LongString::from(name.as_str())),
        )
        .await
        .map_err(|error| format!("connecting: {error}"))?;
        let channel = connection
            .create_channel()
            .await
            .map_err(|error| format!("channel.open: {error}"))?;
        let events = atelier_bus::topology::events_exchange(prefix);
        let exchange = self.exchange();
        // Same arguments as the bus's own declaration of the events exchange.
        channel
            .exchange_declare(
                ShortString::from(events.as_str()),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(|error| format!("exchange.declare events: {error}"))?;
        channel
            .exchange_declare(
                ShortString::from(exchange.as_str()),
                ExchangeKind::Headers,
                ExchangeDeclareOptions {
                    auto_delete: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(|error| format!("exchange.declare realtime: {error}"))?;
        channel
            .exchange_bind(
                ShortString::from(exchange.as_str()),
                ShortString::from(events.as_str()),
                ShortString::from("chat.#"),
                ExchangeBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|error| format!("exchange.bind: {error}"))?;
        let queue = format!(
            "{prefix}.realtime.{node}.{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let mut arguments = FieldTable::default();
        arguments.insert(
            ShortString::from("x-max-length"),
            AMQPValue::LongLongInt(NODE_QUEUE_MAX_LENGTH),
        );
        channel
            .queue_declare(
                ShortString::from(queue.as_str()),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                arguments,
            )
            .await
            .map_err(|error| format!("queue.declare: {error}"))?;
        channel
            .queue_bind(
                ShortString::from(queue.as_str()),
                ShortString::from(exchange.as_str()),
                ShortString::from(""),
                QueueBindOptions::default(),
                match_all(&[("node", node.clone())]),
            )
            .await
            .map_err(|error| format!("queue.bind node: {error}"))?;
        let mut bound = HashSet::new();
        let wanted = lock(&self.inner.registry).bindings();
        for binding in wanted {
            self.reconcile(&channel, &queue, &mut bound, binding)
                .await?;
        }
        let consumer = channel
            .basic_consume(
                ShortString::from(queue.as_str()),
                ShortString::from(name.as_str()),
                BasicConsumeOptions {
                    no_ack: true,
                    exclusive: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(|error| format!("basic.consume: {error}"))?;
        Ok((connection, channel, queue, consumer, bound))
    }

    /// Binds or unbinds `binding` so the broker matches the registry.
    async fn reconcile(
        &self,
        channel: &Channel,
        queue: &str,
        bound: &mut HashSet<Binding>,
        binding: Binding,
    ) -> Result<(), String> {
        let wanted = lock(&self.inner.registry).wanted(binding);
        let is_bound = bound.contains(&binding);
        if wanted == is_bound {
            return Ok(());
        }
        let arguments = match binding {
            Binding::Channel((tenant, channel_id)) => match_all(&[
                ("tenant", tenant.to_string()),
                ("aggregate_id", channel_id.to_string()),
            ]),
            Binding::Workspace((tenant, workspace)) => match_all(&[
                ("tenant", tenant.to_string()),
                ("workspace_id", workspace.to_string()),
            ]),
        };
        let exchange = self.exchange();
        if wanted {
            channel
                .queue_bind(
                    ShortString::from(queue),
                    ShortString::from(exchange.as_str()),
                    ShortString::from(""),
                    QueueBindOptions::default(),
                    arguments,
                )
                .await
                .map_err(|error| format!("queue.bind: {error}"))?;
            bound.insert(binding);
        } else {
            channel
                .queue_unbind(
                    ShortString::from(queue),
                    ShortString::from(exchange.as_str()),
                    ShortString::from(""),
                    arguments,
                )
                .await
                .map_err(|error| format!("queue.unbind: {error}"))?;
            bound.remove(&binding);
        }
        Ok(())
    }

    /// Decodes one message once, serialises its frame once and queues it to every local
    /// subscriber. No storage round trip.
    fn dispatch(&self, routing_key: &ShortString, body: &[u8]) {
        match routing_key.as_str() {
            TYPING_KEY => match serde_json::from_slice::<TypingMessage>(body) {
                Ok(message) => {
                    let text = shared(&ServerFrame::Typing {
                        channel_id: message.channel_id,
                        user_id: message.user_id,
                        expires_in_ms: message.expires_in_ms,
                    });
                    let registry = lock(&self.inner.registry);
                    let mut count = 0;
                    if let Some(subscribers) =
                        registry.channels.get(&(message.tenant, message.channel_id))
                    {
                        for outbound in subscribers.values() {
                            if outbound.session() != message.session && outbound.push(text.clone())
                            {
                                count += 1;
                            }
                        }
                    }
                    self.inner.metrics.realtime_delivered("typing", count);
                }
                Err(error) => tracing::warn!(%error, "undecodable typing notice dropped"),
            },
            PRESENCE_KEY => match serde_json::from_slice::<PresenceMessage>(body) {
                Ok(message) => {
                    let key = (message.tenant, message.workspace_id);
                    let change = lock(&self.inner.tracker).apply(
                        key,
                        message.user_id,
                        &message.session,
                        message.status,
                        Instant::now() + Duration::from_millis(message.ttl_ms),
                    );
                    if let Some(change) = change {
                        self.fan_out_presence(&[change]);
                    }
                }
                Err(error) => tracing::warn!(%error, "undecodable presence notice dropped"),
            },
            _ => match serde_json::from_slice::<EventEnvelope>(body) {
                Ok(event) => self.dispatch_event(event),
                Err(error) => {
                    tracing::warn!(%error, routing_key = %routing_key, "undecodable event dropped")
                }
            },
        }
    }

    fn dispatch_event(&self, event: EventEnvelope) {
        if event.aggregate_type != "channel" {
            return;
        }
        let Ok(channel_id) = event.aggregate_id.parse::<ChannelId>() else {
            tracing::warn!(event = %event.id, aggregate_id = %event.aggregate_id, "channel event without a channel id");
            return;
        };
        let key = (event.tenant, channel_id);
        let text = shared(&event_frame(channel_id, event));
        let registry = lock(&self.inner.registry);
        let mut count = 0;
        if let Some(subscribers) = registry.channels.get(&key) {
            for outbound in subscribers.values() {
                if outbound.push(text.clone()) {
                    count += 1;
                }
            }
        }
        self.inner.metrics.realtime_delivered("event", count);
    }

    fn fan_out_presence(&self, changes: &[PresenceChange]) {
        let registry = lock(&self.inner.registry);
        for change in changes {
            let Some(watchers) = registry.workspaces.get(&change.workspace) else {
                continue;
            };
            let text = shared(&ServerFrame::Presence {
                workspace_id: change.workspace.1,
                user_id: change.user,
                status: change.status,
            });
            let mut count = 0;
            for outbound in watchers.values() {
                if outbound.push(text.clone()) {
                    count += 1;
                }
            }
            self.inner.metrics.realtime_delivered("presence", count);
        }
    }

    async fn expire_presence(&self, cancel: &CancellationToken) {
        let mut tick = tokio::time::interval(PRESENCE_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_purge = Instant::now();
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                _ = tick.tick() => {}
            }
            let changes = lock(&self.inner.tracker).expire(Instant::now());
            if !changes.is_empty() {
                self.fan_out_presence(&changes);
            }
            if last_purge.elapsed() >= PRESENCE_PURGE_INTERVAL {
                last_purge = Instant::now();
                let before_ms = chrono::Utc::now().timestamp_millis() - 60_000;
                if let Err(error) = self.inner.presence_store.purge_expired(before_ms).await {
                    tracing::warn!(%error, "purging expired presence rows failed");
                }
            }
        }
    }
}

/// `P.realtime`.
pub fn realtime_exchange(prefix: &str) -> String {
    format!("{prefix}.realtime")
}

/// The `event` frame of a chat event.
pub fn event_frame(channel_id: ChannelId, event: EventEnvelope) -> ServerFrame {
    ServerFrame::Event {
        channel_id,
        event_id: event.id,
        event_type: event.event_type,
        occurred_at: event.occurred_at,
        data: event.data,
    }
}

fn shared(frame: &ServerFrame) -> Arc<str> {
    Arc::from(frame::encode(frame))
}

fn match_all(pairs: &[(&str, String)]) -> FieldTable {
    let mut table = FieldTable::default();
    table.insert(
        ShortString::from("x-match"),
        AMQPValue::LongString(LongString::from("all")),
    );
    for (key, value) in pairs {
        table.insert(
            ShortString::from(*key),
            AMQPValue::LongString(LongString::from(value.as_str())),
        );
    }
    table
}

async fn publish(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    headers: &[(&'static str, String)],
    body: &[u8],
) -> Result<(), String> {
    let mut table = FieldTable::default();
    for (key, value) in headers {
        table.insert(
            ShortString::from(*key),
            AMQPValue::LongString(LongString::from(value.as_str())),
        );
    }
    let properties = BasicProperties::default()
        .with_content_type(ShortString::from("application/json"))
        .with_headers(table);
    // Ephemeral notices: no confirm (a lost typing notice is harmless), not persistent.
    channel
        .basic_publish(
            ShortString::from(exchange),
            ShortString::from(routing_key),
            BasicPublishOptions::default(),
            body,
            properties,
        )
        .await
        .map_err(|error| format!("basic.publish: {error}"))?;
    Ok(())
}
