//! The node's fan-out hub: one RabbitMQ subscription per node (an
//! [`atelier_bus::EphemeralConsumer`]), bound only to what local sockets need, decoding each
//! message once and pushing one shared serialised frame into every local subscriber's bounded
//! queue; and the enforcement of access on live subscriptions.
//!
//! Topology for prefix `P` (see ARCHITECTURE.md):
//! - `P.realtime`: the bus's fan-out headers exchange (auto-delete), fed from the `P.events`
//!   topic exchange with every registered topic kind's event patterns (`chat.#`); typing and
//!   presence notices are published to it directly (they are not state changes and do not go
//!   through the outbox).
//! - Per node session: an exclusive, auto-delete queue `P.realtime.<node>.<ulid>`, bound with
//!   `{tenant, <the kind's binding headers>}` (for a channel `aggregate_type: channel,
//!   aggregate_id: chn_...`) per topic with at least one local subscriber,
//!   `{tenant, workspace_id: wsp_...}` per workspace with a local presence watcher, `{node:
//!   <node>}` (which keeps the exchange alive while the node is up), and, on `P.events`
//!   itself, the routing keys of every event that may change access: the kinds'
//!   [`TopicKind::access_event_types`] and the platform's [`LOGIN_REVOKED`] and
//!   [`USER_DELETED`]. A topic binding is removed when its last local subscriber leaves.
//!
//! Delivery is best effort (no acks, the queue is capped): a client that misses events
//! resumes from its last event id (replayed from the outbox collection). A new subscription's
//! live events are held until [`Hub::activate`], once its `ack` (with the position it starts
//! after) and any replay are queued.
//!
//! Access on live subscriptions: every event the hub sees is offered to every kind's
//! [`TopicKind::access_changes`]; each change queues a re-check of the local subscriptions it
//! can affect (by topic, by user, by user in a workspace), run by the access worker, which
//! revokes the refused ones (`subscription_revoked`). [`LOGIN_REVOKED`] and [`USER_DELETED`]
//! close the affected sockets with 4003 at once. Subscribes compare the
//! [`Hub::access_epoch`] before and after binding, so a change that arrives while a subscribe
//! checks access is not missed.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use atelier_bus::{Bus, EphemeralBinding, EphemeralConsumer, EphemeralSpec, FanoutExchange};
use atelier_core::{EventEnvelope, EventId, TenantId};
use atelier_identity::{UserId, WorkspaceId};
use atelier_observability::Metrics;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{
    frame::{self, PresenceStatus, ResyncReason, RevokeReason, ServerFrame, close},
    gateway::Close,
    presence::{PresenceChange, PresenceTracker, WorkspaceKey},
    presence_store::PresenceStore,
    topic::{AccessChange, Topic, TopicKey, TopicRegistry, TopicScope},
};

/// Identifies one WebSocket connection on this node.
pub type ConnectionId = u64;

/// Routing key of typing notices on `P.realtime`.
pub const TYPING_KEY: &str = "realtime.typing";
/// Routing key of presence announcements on `P.realtime`.
pub const PRESENCE_KEY: &str = "realtime.presence";
/// A login (refresh-token family) was revoked: its sockets are closed with 4003.
pub const LOGIN_REVOKED: &str = "identity.login.revoked";
/// A user was deleted: their sockets are closed with 4003.
pub const USER_DELETED: &str = "identity.user.deleted";

/// Cap of the node queue: beyond it the oldest messages are dropped (clients resume).
const NODE_QUEUE_MAX_LENGTH: i64 = 100_000;
const PRESENCE_TICK: Duration = Duration::from_secs(1);
const PRESENCE_PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// A serialised frame in a connection's outbound queue, with when it was queued: the age of
/// the oldest frame not yet written tells a client that stopped reading
/// (`realtime.stalled_after`).
#[derive(Debug, Clone)]
pub struct Queued {
    pub text: Arc<str>,
    pub queued_at: Instant,
}

/// The sending half of a connection's bounded outbound queue of serialised frames.
#[derive(Clone)]
pub struct Outbound {
    frames: mpsc::Sender<Queued>,
    slow: CancellationToken,
    closing: CancellationToken,
    close: Arc<Mutex<Option<Close>>>,
    session: Arc<str>,
    metrics: Metrics,
}

/// The receiving half, read by the socket writer. `slow` fires when the queue overflowed (or
/// the writer found the client stalled, [`OutboundReceiver::stalled`]); `closing` when the
/// server decided to close the socket ([`OutboundReceiver::close`] says with what).
pub struct OutboundReceiver {
    pub frames: mpsc::Receiver<Queued>,
    pub slow: CancellationToken,
    pub closing: CancellationToken,
    close: Arc<Mutex<Option<Close>>>,
    session: Arc<str>,
    metrics: Metrics,
}

impl OutboundReceiver {
    /// The close frame asked for by [`Outbound::close_with`].
    pub fn close(&self) -> Option<Close> {
        lock(&self.close).clone()
    }

    /// The writer could not write a frame within `realtime.stalled_after` of its queueing:
    /// the client stopped reading. Counted and closed like a full queue (4008).
    pub fn stalled(&self, waited: Duration) {
        if !self.slow.is_cancelled() {
            tracing::info!(session = %self.session, ?waited, "WebSocket client stalled: closing it");
            self.metrics.realtime_slow_consumer();
            self.slow.cancel();
        }
    }
}

/// A connection's outbound queue of `capacity` frames.
pub fn outbound(
    capacity: usize,
    session: Arc<str>,
    metrics: Metrics,
) -> (Outbound, OutboundReceiver) {
    let (frames, receiver) = mpsc::channel(capacity.max(1));
    let slow = CancellationToken::new();
    let closing = CancellationToken::new();
    let close = Arc::new(Mutex::new(None));
    (
        Outbound {
            frames,
            slow: slow.clone(),
            closing: closing.clone(),
            close: close.clone(),
            session: session.clone(),
            metrics: metrics.clone(),
        },
        OutboundReceiver {
            frames: receiver,
            slow,
            closing,
            close,
            session,
            metrics,
        },
    )
}

impl Outbound {
    /// Queues a frame without waiting (fan-out). A full queue marks the connection slow: it
    /// is closed with 4008 and the frame is dropped.
    pub fn push(&self, frame: Arc<str>) -> bool {
        match self.frames.try_send(Queued {
            text: frame,
            queued_at: Instant::now(),
        }) {
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
        let queued = Queued {
            text: frame,
            queued_at: Instant::now(),
        };
        match tokio::time::timeout(patience, self.frames.send(queued)).await {
            Ok(Ok(())) => true,
            Ok(Err(_closed)) => false,
            Err(_elapsed) => {
                self.mark_slow();
                false
            }
        }
    }

    /// Asks the socket to close with `close` (the first request wins).
    pub fn close_with(&self, close: Close) {
        {
            let mut slot = lock(&self.close);
            if slot.is_none() {
                *slot = Some(close);
            }
        }
        self.closing.cancel();
    }

    /// The session id of the connection.
    pub fn session(&self) -> &str {
        &self.session
    }

    pub(crate) fn mark_slow(&self) {
        if !self.slow.is_cancelled() {
            tracing::info!(session = %self.session, "WebSocket client too slow: closing it");
            self.metrics.realtime_slow_consumer();
            self.slow.cancel();
        }
    }
}

/// What the hub knows of one local connection: whose it is and its queue.
pub struct ConnectionHandle {
    pub id: ConnectionId,
    pub tenant: TenantId,
    pub user: UserId,
    /// The login (refresh-token family) of the token the socket authenticated with, if the
    /// token names one.
    pub login: Option<String>,
    pub outbound: Outbound,
    /// Topics the hub revoked that the connection has not yet dropped from its own state.
    revoked: Mutex<Vec<Topic>>,
}

impl ConnectionHandle {
    pub fn new(
        id: ConnectionId,
        tenant: TenantId,
        user: UserId,
        login: Option<String>,
        outbound: Outbound,
    ) -> Self {
        Self {
            id,
            tenant,
            user,
            login,
            outbound,
            revoked: Mutex::new(Vec::new()),
        }
    }

    /// The topics revoked since the last call.
    pub fn take_revoked(&self) -> Vec<Topic> {
        std::mem::take(&mut *lock(&self.revoked))
    }
}

/// The hub could not do what was asked (the broker is unreachable).
#[derive(Debug, thiserror::Error)]
#[error("realtime hub unavailable: {0}")]
pub struct HubError(pub String);

/// A typing notice between nodes (JSON on `P.realtime`, routing key [`TYPING_KEY`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypingMessage {
    /// 2 since notices carry a topic (1 carried a `channel_id`).
    pub v: u32,
    pub tenant: TenantId,
    pub topic: Topic,
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

/// One local subscription of a topic.
#[derive(Clone)]
struct Subscriber {
    connection: Arc<ConnectionHandle>,
    scope: TopicScope,
    /// Until the subscribe is acknowledged ([`Hub::activate`]), the topic's live events wait
    /// here (with their ids), so none reaches the client before its `ack`.
    held: Option<Vec<(EventId, Arc<str>)>>,
}

/// Most live events held for one subscription while its subscribe is being answered; beyond
/// it the client counts as too slow (4008).
const HELD_EVENTS_MAX: usize = 1024;

/// A re-check of access queued by an event.
struct AccessWork {
    tenant: TenantId,
    kind: &'static str,
    change: AccessChange,
    event: String,
}

#[derive(Default)]
struct Registry {
    connections: HashMap<ConnectionId, Arc<ConnectionHandle>>,
    /// How many of `connections` each user holds (for `realtime.max_sockets_per_user`).
    sockets_per_user: HashMap<(TenantId, UserId), usize>,
    topics: HashMap<TopicKey, HashMap<ConnectionId, Subscriber>>,
    workspaces: HashMap<WorkspaceKey, HashMap<ConnectionId, Outbound>>,
    /// Broker bindings wanted for local topics and watches, with how many keys want each.
    wanted: HashMap<EphemeralBinding, usize>,
}

struct Inner {
    node_id: String,
    topics: TopicRegistry,
    consumer: EphemeralConsumer,
    /// Bindings every session has: the node binding and the access event types.
    static_bindings: Vec<EphemeralBinding>,
    registry: Mutex<Registry>,
    tracker: Mutex<PresenceTracker>,
    access_work: mpsc::UnboundedSender<AccessWork>,
    access_receiver: Mutex<Option<mpsc::UnboundedReceiver<AccessWork>>>,
    access_epoch: AtomicU64,
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
        bus: &Bus,
        node_id: &str,
        topics: TopicRegistry,
        presence_store: PresenceStore,
        metrics: Metrics,
    ) -> Hub {
        let consumer = EphemeralConsumer::new(
            bus.clone(),
            EphemeralSpec {
                name: "realtime_hub".to_owned(),
                queue_stem: format!("realtime.{node_id}"),
                max_length: NODE_QUEUE_MAX_LENGTH,
                fanout: Some(FanoutExchange {
                    name: "realtime".to_owned(),
                    patterns: topics.event_patterns(),
                }),
            },
        );
        let mut static_bindings = vec![EphemeralBinding::fanout(vec![(
            "node".to_owned(),
            node_id.to_owned(),
        )])];
        let mut access_types = topics.access_event_types();
        access_types.extend([LOGIN_REVOKED.to_owned(), USER_DELETED.to_owned()]);
        access_types.sort();
        access_types.dedup();
        static_bindings.extend(access_types.into_iter().map(EphemeralBinding::events));
        let (access_work, access_receiver) = mpsc::unbounded_channel();
        Hub {
            inner: Arc::new(Inner {
                node_id: node_id.to_owned(),
                topics,
                consumer,
                static_bindings,
                registry: Mutex::new(Registry::default()),
                tracker: Mutex::new(PresenceTracker::new()),
                access_work,
                access_receiver: Mutex::new(Some(access_receiver)),
                access_epoch: AtomicU64::new(0),
                presence_store,
                metrics,
            }),
        }
    }

    /// `P.realtime`, the headers exchange of the realtime topology.
    pub fn exchange(&self) -> String {
        self.inner.consumer.fanout_exchange().unwrap_or_default()
    }

    /// The topic kinds this hub serves.
    pub fn topics(&self) -> &TopicRegistry {
        &self.inner.topics
    }

    /// True while the hub holds a broker subscription.
    pub fn is_connected(&self) -> bool {
        self.inner.consumer.is_connected()
    }

    /// Counts the access-changing events seen so far: a subscribe that checked access before
    /// the count moved checks again.
    pub fn access_epoch(&self) -> u64 {
        self.inner.access_epoch.load(Ordering::SeqCst)
    }

    /// Makes a connection known (for closing it when its login or user goes away).
    /// Refused (with how many the user holds) when the user already holds `max_per_user`
    /// connections on this node.
    pub fn register(
        &self,
        connection: Arc<ConnectionHandle>,
        max_per_user: usize,
    ) -> Result<(), usize> {
        let mut registry = lock(&self.inner.registry);
        let held = registry
            .sockets_per_user
            .entry((connection.tenant, connection.user))
            .or_default();
        if *held >= max_per_user {
            return Err(*held);
        }
        *held += 1;
        registry.connections.insert(connection.id, connection);
        Ok(())
    }

    /// Forgets a connection; its subscriptions and watches must be withdrawn separately.
    pub fn deregister(&self, connection: ConnectionId) {
        let mut registry = lock(&self.inner.registry);
        let Some(handle) = registry.connections.remove(&connection) else {
            return;
        };
        let user = (handle.tenant, handle.user);
        if let Some(held) = registry.sockets_per_user.get_mut(&user) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                registry.sockets_per_user.remove(&user);
            }
        }
    }

    /// Adds a local subscriber of a topic; returns once the node is bound to it. The topic's
    /// live events are held for the subscriber until [`Hub::activate`] (typing notices are
    /// dropped meanwhile).
    pub async fn subscribe(
        &self,
        key: TopicKey,
        connection: &Arc<ConnectionHandle>,
        scope: TopicScope,
    ) -> Result<(), HubError> {
        let binding = self
            .topic_binding(&key)
            .ok_or_else(|| HubError(format!("no topic kind `{}`", key.1.kind)))?;
        {
            let mut registry = lock(&self.inner.registry);
            let subscribers = registry.topics.entry(key.clone()).or_default();
            let first = subscribers.is_empty();
            subscribers.insert(
                connection.id,
                Subscriber {
                    connection: connection.clone(),
                    scope,
                    held: Some(Vec::new()),
                },
            );
            if first {
                *registry.wanted.entry(binding.clone()).or_default() += 1;
            }
        }
        let synced = self.inner.consumer.sync(binding).await;
        if let Err(error) = synced {
            self.unsubscribe(&key, connection.id);
            return Err(HubError(error.to_string()));
        }
        Ok(())
    }

    /// Starts live delivery to a subscriber once its `ack` (and replay) is queued: the events
    /// held meanwhile are queued first, in order, except those up to `position` (the ack's)
    /// and those in `delivered` (already replayed). False when the subscription is gone
    /// (revoked meanwhile).
    pub fn activate(
        &self,
        key: &TopicKey,
        connection: ConnectionId,
        position: Option<EventId>,
        delivered: &HashSet<EventId>,
    ) -> bool {
        let mut registry = lock(&self.inner.registry);
        let Some(subscriber) = registry
            .topics
            .get_mut(key)
            .and_then(|subscribers| subscribers.get_mut(&connection))
        else {
            return false;
        };
        let held = subscriber.held.take().unwrap_or_default();
        let mut count = 0;
        for (id, text) in held {
            let before = position.is_some_and(|position| id <= position);
            if !before && !delivered.contains(&id) && subscriber.connection.outbound.push(text) {
                count += 1;
            }
        }
        self.inner.metrics.realtime_delivered("event", count);
        true
    }

    /// Removes a local subscriber; the binding goes with the last one. True when it was there.
    pub fn unsubscribe(&self, key: &TopicKey, connection: ConnectionId) -> bool {
        let (removed, emptied) = {
            let mut registry = lock(&self.inner.registry);
            match registry.topics.get_mut(key) {
                Some(subscribers) => {
                    let removed = subscribers.remove(&connection).is_some();
                    let emptied = subscribers.is_empty();
                    if emptied {
                        registry.topics.remove(key);
                    }
                    (removed, emptied)
                }
                None => (false, false),
            }
        };
        if emptied && let Some(binding) = self.topic_binding(key) {
            self.release(binding);
        }
        removed
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
        let binding = workspace_binding(key);
        {
            let mut registry = lock(&self.inner.registry);
            let watchers = registry.workspaces.entry(key).or_default();
            let first_watcher = watchers.is_empty();
            watchers.insert(connection, outbound);
            if first_watcher {
                *registry.wanted.entry(binding.clone()).or_default() += 1;
            }
        }
        if let Err(error) = self.inner.consumer.sync(binding).await {
            self.unwatch(key, connection);
            return Err(HubError(error.to_string()));
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
            self.release(workspace_binding(key));
        }
    }

    /// Publishes a typing notice to every node with subscribers of the topic. Dropped while
    /// the hub is disconnected (typing is ephemeral).
    pub fn publish_typing(&self, message: &TypingMessage) {
        let Some(headers) = self.topic_headers(&(message.tenant, message.topic.clone())) else {
            return;
        };
        self.publish(TYPING_KEY, headers, serde_json::to_vec(message));
    }

    /// Publishes a presence announcement to every node watching the workspace.
    pub fn publish_presence(&self, message: &PresenceMessage) {
        self.publish(
            PRESENCE_KEY,
            workspace_headers((message.tenant, message.workspace_id)),
            serde_json::to_vec(message),
        );
    }

    fn publish(
        &self,
        routing_key: &'static str,
        headers: Vec<(String, String)>,
        body: Result<Vec<u8>, serde_json::Error>,
    ) {
        match body {
            Ok(body) => self.inner.consumer.publish(routing_key, headers, body),
            Err(error) => tracing::error!(%error, "realtime notice not serialisable"),
        }
    }

    /// Drops one want of `binding`; unbinds (without waiting) when nothing wants it.
    fn release(&self, binding: EphemeralBinding) {
        {
            let mut registry = lock(&self.inner.registry);
            if let Some(count) = registry.wanted.get_mut(&binding) {
                *count -= 1;
                if *count == 0 {
                    registry.wanted.remove(&binding);
                }
            }
        }
        self.inner.consumer.sync_later(binding);
    }

    /// `tenant` plus the kind's binding headers of the topic.
    fn topic_headers(&self, key: &TopicKey) -> Option<Vec<(String, String)>> {
        let kind = self.inner.topics.get(&key.1.kind)?;
        let mut headers = vec![("tenant".to_owned(), key.0.to_string())];
        headers.extend(kind.binding_headers(&key.1.id));
        headers.sort();
        Some(headers)
    }

    fn topic_binding(&self, key: &TopicKey) -> Option<EphemeralBinding> {
        self.topic_headers(key).map(EphemeralBinding::fanout)
    }

    /// Runs the hub until `cancel` fires: the supervised broker subscription, the access
    /// worker and the presence expiry ticker. Call once per hub (a second call's access worker
    /// returns at once, logged).
    pub async fn run(self, cancel: CancellationToken) {
        let handler = Arc::new(HubHandler {
            hub: self.clone(),
            interrupted: std::sync::atomic::AtomicBool::new(false),
        });
        tokio::join!(
            self.inner.consumer.run(handler, cancel.clone()),
            self.enforce_access(&cancel),
            self.expire_presence(&cancel)
        );
        tracing::info!("realtime hub stopped");
    }

    /// Decodes one message once, serialises its frame once and queues it to every local
    /// subscriber. No storage round trip.
    fn dispatch(&self, routing_key: &str, body: &[u8]) {
        match routing_key {
            TYPING_KEY => match serde_json::from_slice::<TypingMessage>(body) {
                Ok(message) => {
                    let text = shared(&ServerFrame::Typing {
                        channel_id: frame::channel_alias(&message.topic),
                        topic: message.topic.clone(),
                        user_id: message.user_id,
                        expires_in_ms: message.expires_in_ms,
                    });
                    let registry = lock(&self.inner.registry);
                    let mut count = 0;
                    if let Some(subscribers) = registry.topics.get(&(message.tenant, message.topic))
                    {
                        for subscriber in subscribers.values() {
                            let outbound = &subscriber.connection.outbound;
                            if subscriber.held.is_none()
                                && outbound.session() != message.session
                                && outbound.push(text.clone())
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
        self.close_for_identity(&event);
        for kind in self.inner.topics.kinds() {
            for change in kind.access_changes(&event) {
                self.inner.access_epoch.fetch_add(1, Ordering::SeqCst);
                let work = AccessWork {
                    tenant: event.tenant,
                    kind: kind.kind(),
                    change,
                    event: event.event_type.clone(),
                };
                if self.inner.access_work.send(work).is_err() {
                    tracing::debug!("realtime access worker stopped: re-check dropped");
                }
            }
            for id in kind.topics_of(&event) {
                let topic = Topic::new(kind.kind(), id);
                let key = (event.tenant, topic);
                let mut registry = lock(&self.inner.registry);
                let Some(subscribers) = registry.topics.get_mut(&key) else {
                    continue;
                };
                let text = shared(&ServerFrame::event(&key.1, event.clone()));
                let mut count = 0;
                for subscriber in subscribers.values_mut() {
                    let outbound = &subscriber.connection.outbound;
                    match &mut subscriber.held {
                        Some(held) if held.len() < HELD_EVENTS_MAX => {
                            held.push((event.id, text.clone()));
                        }
                        Some(_) => outbound.mark_slow(),
                        None => {
                            if outbound.push(text.clone()) {
                                count += 1;
                            }
                        }
                    }
                }
                self.inner.metrics.realtime_delivered("event", count);
            }
        }
    }

    /// A revoked login or a deleted user: close their sockets with 4003 at once.
    fn close_for_identity(&self, event: &EventEnvelope) {
        let text = |field: &str| event.data.get(field).and_then(serde_json::Value::as_str);
        /// Whose sockets close.
        enum Gone {
            Login(String),
            User(UserId),
        }
        let (gone, reason) = match event.event_type.as_str() {
            LOGIN_REVOKED => {
                let Some(login) = text("login_id") else {
                    tracing::warn!(event = %event.id, "login revocation without a login id");
                    return;
                };
                (
                    Gone::Login(login.to_owned()),
                    "the login was revoked: sign in again",
                )
            }
            USER_DELETED => {
                let Some(user) = text("user_id").and_then(|user| user.parse::<UserId>().ok())
                else {
                    tracing::warn!(event = %event.id, "user deletion without a user id");
                    return;
                };
                (Gone::User(user), "the user was deleted")
            }
            _ => return,
        };
        let matches = |connection: &ConnectionHandle| match &gone {
            Gone::Login(login) => connection.login.as_deref() == Some(login.as_str()),
            Gone::User(user) => connection.user == *user,
        };
        self.inner.access_epoch.fetch_add(1, Ordering::SeqCst);
        let registry = lock(&self.inner.registry);
        for connection in registry.connections.values() {
            if connection.tenant == event.tenant && matches(connection) {
                tracing::info!(session = %connection.outbound.session(), event = %event.event_type, "closing WebSocket: access revoked");
                connection.outbound.close_with(Close {
                    code: close::ACCESS_REVOKED,
                    reason: reason.to_owned(),
                });
            }
        }
    }

    /// The access worker: re-checks what each access change can affect; revokes the refused.
    async fn enforce_access(&self, cancel: &CancellationToken) {
        let Some(mut work) = lock(&self.inner.access_receiver).take() else {
            tracing::error!("realtime hub started twice; the second access worker does nothing");
            return;
        };
        loop {
            let item = tokio::select! {
                () = cancel.cancelled() => break,
                item = work.recv() => match item {
                    Some(item) => item,
                    None => break,
                },
            };
            self.recheck(item).await;
        }
    }

    async fn recheck(&self, work: AccessWork) {
        let Some(kind) = self.inner.topics.get(work.kind).cloned() else {
            return;
        };
        let affected: Vec<(TopicKey, Arc<ConnectionHandle>)> = {
            let registry = lock(&self.inner.registry);
            registry
                .topics
                .iter()
                .filter(|((tenant, topic), _)| *tenant == work.tenant && topic.kind == work.kind)
                .flat_map(|(key, subscribers)| {
                    subscribers
                        .values()
                        .filter(|subscriber| {
                            let user = subscriber.connection.user;
                            match &work.change {
                                AccessChange::Topic(id) => key.1.id == *id,
                                AccessChange::UserOnTopic(who, id) => {
                                    key.1.id == *id && user == *who
                                }
                                AccessChange::UserInWorkspace(who, workspace) => {
                                    user == *who && subscriber.scope.workspace == Some(*workspace)
                                }
                                AccessChange::User(who) => user == *who,
                            }
                        })
                        .map(|subscriber| (key.clone(), subscriber.connection.clone()))
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        // One check per (user, topic), however many sockets share it.
        let mut decided: HashMap<(UserId, Topic), Option<RevokeReason>> = HashMap::new();
        let mut revoked = HashSet::new();
        for (key, connection) in affected {
            let pair = (connection.user, key.1.clone());
            let decision = match decided.get(&pair) {
                Some(decision) => *decision,
                None => {
                    let decision = match kind.authorize(key.0, connection.user, &key.1.id).await {
                        Ok(Some(_)) => None,
                        Ok(None) => Some(RevokeReason::AccessRevoked),
                        Err(error) => {
                            tracing::warn!(%error, topic = %key.1, "access re-check failed: revoking the subscription");
                            Some(RevokeReason::AccessCheckFailed)
                        }
                    };
                    decided.insert(pair, decision);
                    decision
                }
            };
            if let Some(reason) = decision
                && self.revoke(&key, &connection, reason)
            {
                revoked.insert(key.1.clone());
            }
        }
        if !revoked.is_empty() {
            tracing::info!(event = %work.event, topics = revoked.len(), "subscriptions revoked after an access change");
        }
    }

    /// After a broker gap: ends every acknowledged local subscription with `resync_required`
    /// (`delivery_interrupted`). A subscribe still being answered is left alone: its replay
    /// reads the store after the gap.
    fn interrupt_all(&self) {
        let subscriptions: Vec<(TopicKey, Arc<ConnectionHandle>)> = {
            let registry = lock(&self.inner.registry);
            registry
                .topics
                .iter()
                .flat_map(|(key, subscribers)| {
                    subscribers
                        .values()
                        .filter(|subscriber| subscriber.held.is_none())
                        .map(|subscriber| (key.clone(), subscriber.connection.clone()))
                })
                .collect()
        };
        let mut ended = 0_u64;
        for (key, connection) in subscriptions {
            if !self.unsubscribe(&key, connection.id) {
                continue;
            }
            lock(&connection.revoked).push(key.1.clone());
            let changes_url = self
                .inner
                .topics
                .get(&key.1.kind)
                .and_then(|kind| kind.changes_url(&key.1.id));
            connection.outbound.push(shared(&ServerFrame::resync(
                &key.1,
                ResyncReason::DeliveryInterrupted,
                changes_url,
            )));
            ended += 1;
        }
        self.inner
            .metrics
            .realtime_delivered("resync_required", ended);
        if ended > 0 {
            tracing::warn!(
                subscriptions = ended,
                "broker connection restored: subscriptions asked to resubscribe from their cursors"
            );
        }
    }

    /// Ends one subscription: no more events, a `subscription_revoked` frame, and the
    /// connection drops it from its own state at its next frame.
    fn revoke(
        &self,
        key: &TopicKey,
        connection: &Arc<ConnectionHandle>,
        reason: RevokeReason,
    ) -> bool {
        if !self.unsubscribe(key, connection.id) {
            return false;
        }
        lock(&connection.revoked).push(key.1.clone());
        connection
            .outbound
            .push(shared(&ServerFrame::revoked(&key.1, reason)));
        self.inner
            .metrics
            .realtime_delivered("subscription_revoked", 1);
        true
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

/// The hub as the bus sees it while it runs.
struct HubHandler {
    hub: Hub,
    /// Whether a broker session ended since the hub started: the next one follows a gap.
    interrupted: std::sync::atomic::AtomicBool,
}

impl atelier_bus::EphemeralHandler for HubHandler {
    fn bindings(&self) -> Vec<EphemeralBinding> {
        let inner = &self.hub.inner;
        let mut bindings = inner.static_bindings.clone();
        bindings.extend(lock(&inner.registry).wanted.keys().cloned());
        bindings
    }

    fn wants(&self, binding: &EphemeralBinding) -> bool {
        let inner = &self.hub.inner;
        inner.static_bindings.contains(binding)
            || lock(&inner.registry).wanted.contains_key(binding)
    }

    fn deliver(&self, routing_key: &str, body: &[u8]) {
        self.hub.dispatch(routing_key, body);
    }

    /// A session that follows a lost one cannot rule out a gap (the node's queue went with
    /// the connection): every acknowledged subscription ends with `resync_required`
    /// (`delivery_interrupted`), and the client's re-subscribe with its cursor replays.
    fn connected(&self, connected: bool) {
        use std::sync::atomic::Ordering;
        if !connected {
            self.interrupted.store(true, Ordering::Relaxed);
        } else if self.interrupted.swap(false, Ordering::Relaxed) {
            self.hub.interrupt_all();
        }
    }
}

fn workspace_headers(key: WorkspaceKey) -> Vec<(String, String)> {
    vec![
        ("tenant".to_owned(), key.0.to_string()),
        ("workspace_id".to_owned(), key.1.to_string()),
    ]
}

fn workspace_binding(key: WorkspaceKey) -> EphemeralBinding {
    EphemeralBinding::fanout(workspace_headers(key))
}

fn shared(frame: &ServerFrame) -> Arc<str> {
    Arc::from(frame::encode(frame))
}
