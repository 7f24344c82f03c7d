//! The gateway: what one WebSocket connection does with the frames it receives, independent
//! of the WebSocket library (the adapter in `atelier-api` reads and writes the socket).
//!
//! [`Gateway::open`] starts a [`Connection`] for an authenticated user and hands back the
//! [`OutboundReceiver`] the socket writer drains. [`Connection::on_text`] handles one client
//! text frame: it decodes it, consults the sans-IO parts ([`Subscriptions`], the typing
//! [`Throttle`], [`crate::resume`]), performs the IO (access checks through the topic's
//! [`crate::TopicKind`], hub bindings, outbox reads, presence rows) and queues the replies.
//! [`Connection::on_binary`] routes a binary frame to the kind of the topic it names, when
//! that kind takes binary frames. [`Connection::on_closed`] withdraws everything the
//! connection held.

use std::{
    collections::{BTreeMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use atelier_core::{EventId, TenantId};
use atelier_identity::{UserId, WorkspaceId, tenancy::Tenancy};
use atelier_observability::Metrics;
use atelier_outbox::Outbox;

use crate::{
    RealtimeConfig,
    frame::{
        self, ClientFrame, Disposition, ErrorCode, PresenceStatus, RevokeReason, ServerFrame, close,
    },
    hub::{
        self, ConnectionHandle, Hub, Outbound, OutboundReceiver, PresenceMessage, TypingMessage,
    },
    presence_store::PresenceStore,
    resume::{self, ChannelResume},
    session::{Admission, FrameBudget, FrameVerdict, Subscriptions, Throttle},
    topic::{ReplaySource, Topic, TopicKind, TopicScope},
};

/// Everything a gateway needs. The topic kinds come with the hub ([`Hub::topics`]).
pub struct GatewayParts {
    pub config: RealtimeConfig,
    pub node_id: String,
    pub hub: Hub,
    pub tenancy: Tenancy,
    pub outbox: Outbox,
    pub presence: PresenceStore,
    pub metrics: Metrics,
}

/// The node's gateway. Cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    parts: GatewayParts,
    next_connection: AtomicU64,
    typing: Mutex<Throttle<(TenantId, UserId, Topic)>>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("node", &self.inner.parts.node_id)
            .finish_non_exhaustive()
    }
}

/// Close the socket with this code and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

impl Gateway {
    pub fn new(parts: GatewayParts) -> Self {
        let typing = Throttle::new(parts.config.typing_throttle);
        Self {
            inner: Arc::new(Inner {
                parts,
                next_connection: AtomicU64::new(1),
                typing: Mutex::new(typing),
            }),
        }
    }

    pub fn config(&self) -> &RealtimeConfig {
        &self.inner.parts.config
    }

    pub fn hub(&self) -> &Hub {
        &self.inner.parts.hub
    }

    /// A new connection of `user`, authenticated with a token of `login` (its refresh-token
    /// family, when the token names one); its `hello` frame is already queued. Refused with
    /// the close to send (4030) when the user already holds `realtime.max_sockets_per_user`
    /// connections on this node.
    pub fn open(
        &self,
        tenant: TenantId,
        user: UserId,
        login: Option<String>,
    ) -> Result<(Connection, OutboundReceiver), Close> {
        let parts = &self.inner.parts;
        let id = self.inner.next_connection.fetch_add(1, Ordering::Relaxed);
        let session: Arc<str> = Arc::from(format!("rts_{}", ulid::Ulid::new()).as_str());
        let (outbound, receiver) = hub::outbound(
            parts.config.outbound_queue,
            session.clone(),
            parts.metrics.clone(),
        );
        let handle = Arc::new(ConnectionHandle::new(
            id,
            tenant,
            user,
            login,
            outbound.clone(),
        ));
        let cap = parts.config.max_sockets_per_user;
        if let Err(held) = parts.hub.register(handle.clone(), cap) {
            tracing::info!(%user, held, "WebSocket refused: too many sockets for the user");
            return Err(Close {
                code: close::TOO_MANY_SOCKETS,
                reason: format!("at most {cap} connections per user on this node"),
            });
        }
        let hello = ServerFrame::Hello {
            session_id: session.to_string(),
            user_id: user,
            max_frame_bytes: parts.config.max_frame_bytes,
            max_subscriptions: parts.config.max_subscriptions,
            ping_interval_ms: millis(parts.config.ping_interval),
            presence_ttl_ms: millis(parts.config.presence_ttl),
            topic_kinds: parts
                .hub
                .topics()
                .names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        outbound.push(Arc::from(frame::encode(&hello)));
        let connection = Connection {
            gateway: self.clone(),
            tenant,
            user,
            handle,
            outbound,
            subscriptions: Subscriptions::new(parts.config.max_subscriptions),
            budget: FrameBudget::new(
                parts.config.frames_per_second,
                parts.config.frame_burst,
                Instant::now(),
            ),
            announced: BTreeMap::new(),
        };
        Ok((connection, receiver))
    }
}

/// One WebSocket connection's state.
pub struct Connection {
    gateway: Gateway,
    tenant: TenantId,
    user: UserId,
    handle: Arc<ConnectionHandle>,
    outbound: Outbound,
    subscriptions: Subscriptions,
    /// Client frames allowed (`realtime.frames_per_second`, `realtime.frame_burst`).
    budget: FrameBudget,
    /// Workspaces this connection announced presence in.
    announced: BTreeMap<WorkspaceId, PresenceStatus>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("session", &self.outbound.session())
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Connection {
    pub fn session_id(&self) -> &str {
        self.outbound.session()
    }

    /// Asks the socket to close with `close` (as the hub does when access goes away).
    pub fn close_with(&self, close: Close) {
        self.outbound.close_with(close);
    }

    /// Handles one client text frame. `Err` means: close the socket with that code.
    pub async fn on_text(&mut self, text: &str) -> Result<(), Close> {
        self.apply_revocations();
        if !self.within_budget(|| frame::peek_id(text)).await? {
            return Ok(());
        }
        let frame = match frame::decode_client(text) {
            Ok(frame) => frame,
            Err(error) => {
                return match error.disposition() {
                    Disposition::Close(code, reason) => Err(Close { code, reason }),
                    Disposition::Reply(reply) => self.reply(&reply).await,
                };
            }
        };
        match frame {
            ClientFrame::Subscribe { id, topic, after } => self.subscribe(id, topic, after).await,
            ClientFrame::Unsubscribe { id, topic } => {
                // An unknown kind was answered with an error: that is the frame's one answer.
                if self.kind_of(&Some(id.clone()), &topic).await?.is_none() {
                    return Ok(());
                }
                if self.subscriptions.remove_topic(&topic) {
                    self.parts()
                        .hub
                        .unsubscribe(&(self.tenant, topic.clone()), self.handle.id);
                }
                self.reply(&ServerFrame::topic_ack(id, &topic)).await
            }
            ClientFrame::Resume { id, after } => self.resume(id, after).await,
            ClientFrame::Typing { topic } => self.typing(topic).await,
            ClientFrame::Presence {
                id,
                workspace_id,
                status,
            } => self.announce(id, workspace_id, status).await,
            ClientFrame::WatchPresence { id, workspace_id } => self.watch(id, workspace_id).await,
            ClientFrame::UnwatchPresence { id, workspace_id } => {
                if self.subscriptions.remove_watch(workspace_id) {
                    self.parts()
                        .hub
                        .unwatch((self.tenant, workspace_id), self.handle.id);
                }
                self.reply(&ServerFrame::workspace_ack(id, workspace_id))
                    .await
            }
            ClientFrame::Ping { id } => self.reply(&ServerFrame::Pong { id }).await,
        }
    }

    /// Handles one client binary frame: `<kind>:<id>`, a newline, then the payload for a
    /// subscribed topic whose kind takes binary frames. A frame that names no topic closes
    /// the socket with 1003; any other refusal is an error frame.
    pub async fn on_binary(&mut self, bytes: &[u8]) -> Result<(), Close> {
        self.apply_revocations();
        if !self.within_budget(|| None).await? {
            return Ok(());
        }
        let Some((topic, payload)) = frame::decode_binary(bytes) else {
            return Err(Close {
                code: close::UNSUPPORTED_DATA,
                reason: "a binary frame starts with its topic (`kind:id` and a newline)".to_owned(),
            });
        };
        let kind = self.kind_of(&None, &topic).await?;
        let Some(kind) = kind else {
            return Ok(());
        };
        if !kind.accepts_binary() {
            return self
                .error(
                    None,
                    ErrorCode::BinaryNotAccepted,
                    format!("{} topics take no binary frames", topic.kind),
                )
                .await;
        }
        if !self.subscriptions.is_subscribed(&topic) {
            return self
                .error(
                    None,
                    ErrorCode::NotSubscribed,
                    format!("subscribe to {topic} before sending binary frames to it"),
                )
                .await;
        }
        match kind
            .on_binary(self.tenant, self.user, &topic.id, payload)
            .await
        {
            Ok(()) => Ok(()),
            Err(refusal) => {
                self.error(None, ErrorCode::BinaryNotAccepted, refusal.to_string())
                    .await
            }
        }
    }

    /// Withdraws the connection's subscriptions, watches and presence.
    pub async fn on_closed(mut self) {
        let hub = self.parts().hub.clone();
        for topic in self.subscriptions.topics() {
            hub.unsubscribe(&(self.tenant, topic.clone()), self.handle.id);
        }
        for workspace in self.subscriptions.watches() {
            hub.unwatch((self.tenant, workspace), self.handle.id);
        }
        hub.deregister(self.handle.id);
        let workspaces: Vec<WorkspaceId> = self.announced.keys().copied().collect();
        for workspace in workspaces {
            self.withdraw(workspace).await;
        }
    }

    /// Takes the frame's cost from the budget: `Ok(false)` once a frame over the budget is
    /// refused (`rate_limited`, with its id from `id`), `Err` (4029) when the client kept
    /// sending while refused.
    async fn within_budget(&mut self, id: impl FnOnce() -> Option<String>) -> Result<bool, Close> {
        match self.budget.take(Instant::now()) {
            FrameVerdict::Handle => Ok(true),
            FrameVerdict::Refuse { retry_after } => {
                self.reply(&ServerFrame::rate_limited(id(), retry_after))
                    .await?;
                Ok(false)
            }
            FrameVerdict::Close => {
                tracing::info!(session = %self.session_id(), "WebSocket client kept sending over its frame budget: closing it");
                Err(Close {
                    code: close::RATE_LIMITED,
                    reason: "too many frames: send fewer, reconnect after a pause".to_owned(),
                })
            }
        }
    }

    /// Drops what the hub revoked from the connection's own state.
    fn apply_revocations(&mut self) {
        for topic in self.handle.take_revoked() {
            self.subscriptions.remove_topic(&topic);
        }
    }

    /// The topic's kind. A kind this node does not serve answers an `unknown_topic_kind` error
    /// frame (`Ok(None)`); an id the kind refuses closes the socket with 1007.
    async fn kind_of(
        &self,
        id: &Option<String>,
        topic: &Topic,
    ) -> Result<Option<Arc<dyn TopicKind>>, Close> {
        let Some(kind) = self.parts().hub.topics().get(&topic.kind).cloned() else {
            self.error(
                id.clone(),
                ErrorCode::UnknownTopicKind,
                format!(
                    "unknown topic kind `{}`",
                    topic.kind.chars().take(64).collect::<String>()
                ),
            )
            .await?;
            return Ok(None);
        };
        if let Err(message) = kind.validate_id(&topic.id) {
            return Err(Close {
                code: close::MALFORMED_FRAME,
                reason: frame::truncate_reason(&format!("invalid {} id: {message}", topic.kind)),
            });
        }
        Ok(Some(kind))
    }

    fn parts(&self) -> &GatewayParts {
        &self.gateway.inner.parts
    }

    /// The topic's stored events after `after`, at most `max + 1` (one more says "too many").
    async fn events_after(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        after: EventId,
        max: usize,
    ) -> Result<Vec<atelier_outbox::store::StoredEvent>, atelier_outbox::OutboxError> {
        self.parts()
            .outbox
            .aggregate_events_after(
                self.tenant,
                aggregate_type,
                aggregate_id,
                &after.to_string(),
                i64::try_from(max + 1).unwrap_or(i64::MAX),
            )
            .await
    }

    async fn reply(&self, frame: &ServerFrame) -> Result<(), Close> {
        let patience = self.parts().config.ping_timeout;
        if self
            .outbound
            .send(Arc::from(frame::encode(frame)), patience)
            .await
        {
            Ok(())
        } else {
            Err(Close {
                code: close::SLOW_CONSUMER,
                reason: "outbound queue full: read faster, then reconnect and resume".to_owned(),
            })
        }
    }

    async fn error(
        &self,
        id: Option<String>,
        code: ErrorCode,
        message: String,
    ) -> Result<(), Close> {
        self.reply(&ServerFrame::error(id, code, message)).await
    }

    /// Subscribes in an order safe for resuming: the hub binds the topic and holds its live
    /// events; the topic's position (or the events missed after `after`) is read; then come
    /// the `ack` (with `position`), `resync_required` if the missed events cannot be
    /// replayed, the replayed events, and only then the held and later live events.
    async fn subscribe(
        &mut self,
        id: String,
        topic: Topic,
        after: Option<EventId>,
    ) -> Result<(), Close> {
        let Some(kind) = self.kind_of(&Some(id.clone()), &topic).await? else {
            return Ok(());
        };
        match self.subscriptions.admit_topic(&topic) {
            // Held already (and live): answered without a position or a replay.
            Admission::Already => self.reply(&ServerFrame::topic_ack(id, &topic)).await,
            Admission::CapReached => {
                let cap = self.parts().config.max_subscriptions;
                self.error(
                    Some(id),
                    ErrorCode::TooManySubscriptions,
                    format!("at most {cap} subscriptions and presence watches per connection"),
                )
                .await
            }
            Admission::Check => {
                let hub = self.parts().hub.clone();
                let epoch = hub.access_epoch();
                let Some(scope) = self.authorize(&id, kind.as_ref(), &topic).await? else {
                    return Ok(());
                };
                let key = (self.tenant, topic.clone());
                if let Err(error) = hub.subscribe(key.clone(), &self.handle, scope).await {
                    tracing::warn!(%error, %topic, "subscribe failed");
                    return self
                        .error(Some(id), ErrorCode::Unavailable, "try again".to_owned())
                        .await;
                }
                // An access change seen while we checked: check again, now that the hub
                // would re-check this subscription for any later one.
                if hub.access_epoch() != epoch {
                    let again = self.authorize(&id, kind.as_ref(), &topic).await;
                    if !matches!(again, Ok(Some(_))) {
                        hub.unsubscribe(&key, self.handle.id);
                        return again.map(|_| ());
                    }
                }
                // Read after the binding is in place: what is not in the read arrives live.
                let catch_up = match self.catch_up(kind.as_ref(), &topic, after).await {
                    Ok(catch_up) => catch_up,
                    Err(error) => {
                        tracing::warn!(%error, %topic, "reading the topic's position failed");
                        hub.unsubscribe(&key, self.handle.id);
                        return self
                            .error(Some(id), ErrorCode::Unavailable, "try again".to_owned())
                            .await;
                    }
                };
                self.subscriptions.add_topic(topic.clone(), scope);
                let mut ack = ServerFrame::topic_ack(id, &topic);
                if let ServerFrame::Ack {
                    position, replayed, ..
                } = &mut ack
                {
                    *position = catch_up.position;
                    *replayed = after.map(|_| catch_up.events.len());
                }
                self.reply(&ack).await?;
                if let Some(reason) = catch_up.resync {
                    self.reply(&ServerFrame::resync(
                        &topic,
                        reason,
                        kind.changes_url(&topic.id),
                    ))
                    .await?;
                }
                let mut delivered = HashSet::new();
                for event in catch_up.events {
                    delivered.insert(event.id);
                    self.reply(&ServerFrame::event(&topic, event)).await?;
                }
                hub.activate(&key, self.handle.id, catch_up.position, &delivered);
                Ok(())
            }
        }
    }

    /// Where a new subscription of `topic` starts: the events after `after` when they can be
    /// replayed (the position is then `after`), else the topic's newest event (with the reason
    /// to resync when `after` could not be covered).
    async fn catch_up(
        &self,
        kind: &dyn TopicKind,
        topic: &Topic,
        after: Option<EventId>,
    ) -> Result<CatchUp, String> {
        let ReplaySource::Outbox {
            aggregate_type,
            aggregate_id,
        } = kind.replay_source(&topic.id)
        else {
            return Ok(CatchUp {
                position: None,
                events: Vec::new(),
                resync: after.map(|_| frame::ResyncReason::NotReplayable),
            });
        };
        let parts = self.parts();
        let now = chrono::Utc::now();
        let mut resync = None;
        if let Some(after) = after {
            let (max, window) = (parts.config.resume_max_events, parts.config.resume_window);
            let in_window = resume::cursor_in_window(after, now, window);
            let stored = if in_window {
                self.events_after(&aggregate_type, &aggregate_id, after, max)
                    .await
                    .map_err(|error| error.to_string())?
            } else {
                Vec::new()
            };
            match resume::decide(in_window, stored.len(), max) {
                ChannelResume::Replay => {
                    let events = stored
                        .iter()
                        .filter_map(|stored| match stored.to_envelope() {
                            Ok(envelope) => Some(envelope),
                            Err(error) => {
                                tracing::error!(%error, "stored event not replayable; skipped");
                                None
                            }
                        })
                        .collect();
                    return Ok(CatchUp {
                        position: Some(after),
                        events,
                        resync: None,
                    });
                }
                ChannelResume::Resync(reason) => resync = Some(reason),
            }
        }
        let head = parts
            .outbox
            .aggregate_head(self.tenant, &aggregate_type, &aggregate_id)
            .await
            .map_err(|error| error.to_string())?;
        let head = head
            .map(|id| id.parse::<EventId>())
            .transpose()
            .map_err(|error| format!("stored event id: {error}"))?;
        Ok(CatchUp {
            position: Some(resume::position(head, now)),
            events: Vec::new(),
            resync,
        })
    }

    /// The kind's access check; `None` once the refusal (`not_found` or `unavailable`) is
    /// answered.
    async fn authorize(
        &self,
        id: &str,
        kind: &dyn TopicKind,
        topic: &Topic,
    ) -> Result<Option<TopicScope>, Close> {
        match kind.authorize(self.tenant, self.user, &topic.id).await {
            Ok(Some(scope)) => Ok(Some(scope)),
            Ok(None) => {
                self.error(
                    Some(id.to_owned()),
                    ErrorCode::NotFound,
                    format!("{topic} does not exist or is not readable"),
                )
                .await?;
                Ok(None)
            }
            Err(error) => {
                tracing::warn!(%error, %topic, "topic access check failed");
                self.error(
                    Some(id.to_owned()),
                    ErrorCode::Unavailable,
                    "try again".to_owned(),
                )
                .await?;
                Ok(None)
            }
        }
    }

    /// Replays each subscribed topic's events after `after`, after checking again that the
    /// user may still read it (a topic they may not is revoked, not replayed).
    async fn resume(&mut self, id: String, after: EventId) -> Result<(), Close> {
        let config = &self.parts().config;
        let (max, window) = (config.resume_max_events, config.resume_window);
        let in_window = resume::cursor_in_window(after, chrono::Utc::now(), window);
        let topics: Vec<Topic> = self.subscriptions.topics().cloned().collect();
        let mut replayed = 0;
        for topic in topics {
            let Some(kind) = self.parts().hub.topics().get(&topic.kind).cloned() else {
                continue;
            };
            let readable = kind.authorize(self.tenant, self.user, &topic.id).await;
            let refusal = match readable {
                Ok(Some(_)) => None,
                Ok(None) => Some(RevokeReason::AccessRevoked),
                Err(error) => {
                    tracing::warn!(%error, %topic, "access check before replay failed");
                    return self
                        .error(Some(id), ErrorCode::Unavailable, "try again".to_owned())
                        .await;
                }
            };
            if let Some(reason) = refusal {
                self.subscriptions.remove_topic(&topic);
                self.parts()
                    .hub
                    .unsubscribe(&(self.tenant, topic.clone()), self.handle.id);
                self.reply(&ServerFrame::revoked(&topic, reason)).await?;
                continue;
            }
            let ReplaySource::Outbox {
                aggregate_type,
                aggregate_id,
            } = kind.replay_source(&topic.id)
            else {
                self.reply(&ServerFrame::resync(
                    &topic,
                    frame::ResyncReason::NotReplayable,
                    kind.changes_url(&topic.id),
                ))
                .await?;
                continue;
            };
            let events = if in_window {
                match self
                    .events_after(&aggregate_type, &aggregate_id, after, max)
                    .await
                {
                    Ok(events) => events,
                    Err(error) => {
                        tracing::warn!(%error, %topic, "reading events to replay failed");
                        return self
                            .error(Some(id), ErrorCode::Unavailable, "try again".to_owned())
                            .await;
                    }
                }
            } else {
                Vec::new()
            };
            match resume::decide(in_window, events.len(), max) {
                ChannelResume::Resync(reason) => {
                    self.reply(&ServerFrame::resync(
                        &topic,
                        reason,
                        kind.changes_url(&topic.id),
                    ))
                    .await?;
                }
                ChannelResume::Replay => {
                    for stored in events {
                        match stored.to_envelope() {
                            Ok(envelope) => {
                                self.reply(&ServerFrame::event(&topic, envelope)).await?;
                                replayed += 1;
                            }
                            Err(error) => {
                                tracing::error!(%error, "stored event not replayable; skipped")
                            }
                        }
                    }
                }
            }
        }
        self.reply(&ServerFrame::Ack {
            id,
            topic: None,
            channel_id: None,
            workspace_id: None,
            position: None,
            replayed: Some(replayed),
        })
        .await
    }

    async fn typing(&mut self, topic: Topic) -> Result<(), Close> {
        if !self.subscriptions.is_subscribed(&topic) {
            return self
                .error(
                    None,
                    ErrorCode::NotSubscribed,
                    format!("subscribe to {topic} before typing in it"),
                )
                .await;
        }
        let allowed = self
            .gateway
            .inner
            .typing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .allow(&(self.tenant, self.user, topic.clone()), Instant::now());
        if allowed {
            self.parts().hub.publish_typing(&TypingMessage {
                v: 2,
                tenant: self.tenant,
                topic,
                user_id: self.user,
                session: self.session_id().to_owned(),
                expires_in_ms: millis(self.parts().config.typing_ttl),
            });
        }
        Ok(())
    }

    async fn is_member(&self, id: &Option<String>, workspace: WorkspaceId) -> Result<bool, Close> {
        match self
            .parts()
            .tenancy
            .member_role(self.tenant, workspace, self.user)
            .await
        {
            Ok(Some(_role)) => Ok(true),
            Ok(None) => {
                self.error(
                    id.clone(),
                    ErrorCode::NotFound,
                    format!("workspace {workspace} does not exist or you are not a member"),
                )
                .await?;
                Ok(false)
            }
            Err(error) => {
                tracing::warn!(%error, %workspace, "membership check failed");
                self.error(id.clone(), ErrorCode::Unavailable, "try again".to_owned())
                    .await?;
                Ok(false)
            }
        }
    }

    async fn announce(
        &mut self,
        id: Option<String>,
        workspace: WorkspaceId,
        status: PresenceStatus,
    ) -> Result<(), Close> {
        if status == PresenceStatus::Offline {
            if self.announced.contains_key(&workspace) {
                self.withdraw(workspace).await;
            }
        } else {
            if !self.announced.contains_key(&workspace) && !self.is_member(&id, workspace).await? {
                return Ok(());
            }
            let ttl = self.parts().config.presence_ttl;
            let expires_at_ms = chrono::Utc::now().timestamp_millis()
                + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
            if let Err(error) = self
                .parts()
                .presence
                .upsert(
                    self.tenant,
                    workspace,
                    self.user,
                    self.session_id(),
                    status,
                    expires_at_ms,
                )
                .await
            {
                tracing::warn!(%error, %workspace, "storing presence failed");
                return self
                    .error(id, ErrorCode::Unavailable, "try again".to_owned())
                    .await;
            }
            self.announced.insert(workspace, status);
            self.parts().hub.publish_presence(&PresenceMessage {
                v: 1,
                tenant: self.tenant,
                workspace_id: workspace,
                user_id: self.user,
                session: self.session_id().to_owned(),
                status,
                ttl_ms: millis(ttl),
            });
        }
        match id {
            Some(id) => self.reply(&ServerFrame::workspace_ack(id, workspace)).await,
            None => Ok(()),
        }
    }

    async fn withdraw(&mut self, workspace: WorkspaceId) {
        self.announced.remove(&workspace);
        if let Err(error) = self
            .parts()
            .presence
            .remove(self.tenant, workspace, self.session_id())
            .await
        {
            // The row expires on its own; watchers still get the offline notice below.
            tracing::warn!(%error, %workspace, "removing presence failed");
        }
        self.parts().hub.publish_presence(&PresenceMessage {
            v: 1,
            tenant: self.tenant,
            workspace_id: workspace,
            user_id: self.user,
            session: self.session_id().to_owned(),
            status: PresenceStatus::Offline,
            ttl_ms: 0,
        });
    }

    async fn watch(&mut self, id: String, workspace: WorkspaceId) -> Result<(), Close> {
        match self.subscriptions.admit_watch(workspace) {
            Admission::Already => {
                return self.reply(&ServerFrame::workspace_ack(id, workspace)).await;
            }
            Admission::CapReached => {
                let cap = self.parts().config.max_subscriptions;
                return self
                    .error(
                        Some(id),
                        ErrorCode::TooManySubscriptions,
                        format!("at most {cap} subscriptions and presence watches per connection"),
                    )
                    .await;
            }
            Admission::Check => {}
        }
        if !self.is_member(&Some(id.clone()), workspace).await? {
            return Ok(());
        }
        let hub = self.parts().hub.clone();
        let snapshot = match hub
            .watch(
                (self.tenant, workspace),
                self.handle.id,
                self.outbound.clone(),
            )
            .await
        {
            Ok(snapshot) => snapshot,
            Err(error) => {
                tracing::warn!(%error, %workspace, "presence watch failed");
                return self
                    .error(Some(id), ErrorCode::Unavailable, "try again".to_owned())
                    .await;
            }
        };
        self.subscriptions.add_watch(workspace);
        self.reply(&ServerFrame::workspace_ack(id, workspace))
            .await?;
        for (user_id, status) in snapshot {
            self.reply(&ServerFrame::Presence {
                workspace_id: workspace,
                user_id,
                status,
            })
            .await?;
        }
        Ok(())
    }
}

/// Where a new subscription starts, and what it replays first.
struct CatchUp {
    /// Every event of the topic after this one is delivered on the subscription.
    position: Option<EventId>,
    /// Missed events after the client's `after`, replayed right after the `ack`.
    events: Vec<atelier_core::EventEnvelope>,
    /// `after` could not be covered: `resync_required` with this reason after the `ack`.
    resync: Option<frame::ResyncReason>,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
