//! The node's live documents: one task per loaded document owns its [`DocumentSession`], the
//! sockets on it talk to that task through channels, and the [`UpdateLog`] makes its updates
//! durable.
//!
//! - **Loading.** The first connection to a document on this node starts its task, which loads
//!   the snapshot and the later updates from the log before it handles anything; commands that
//!   arrive meanwhile wait in its inbox. Only nodes with connections (or server-side edits) for a
//!   document load it.
//! - **Frames.** A client frame goes through [`DocumentSession::receive`]; the reply goes to the
//!   sender, the broadcast to every other connection (each has a bounded queue: a connection
//!   whose queue is full is dropped as a slow reader, it never blocks the document), and the
//!   accepted update to the log. A frame the session refuses closes that connection with the
//!   error's close code; the document is unharmed.
//! - **Durable acks.** When the log reports an update durable, the document merges the update's
//!   state vector into its durable state vector and sends the durable-ack frame to the
//!   connections that asked for acks.
//! - **Compaction.** Every `compact_after_updates` accepted updates the document asks the log to
//!   compact it, in the background (one compaction per document at a time).
//! - **Eviction.** A document without connections for `grace` is dropped from memory once every
//!   update it accepted is durable; a connection arriving meanwhile keeps it.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use atelier_canvas_sync::{
    ConnId, DocumentSession, SessionLimits, SyncError, encode_durable_ack,
    yrs::{
        StateVector,
        sync::{Message, SyncMessage},
        updates::encoder::Encode,
    },
};
use atelier_core::TenantId;
use tokio::sync::mpsc;

use crate::{
    log::{Compaction, LogError, UpdateLog},
    metrics::CanvasMetrics,
};

/// How the node runs its live documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    /// Limits every document session enforces on clients.
    pub limits: SessionLimits,
    /// How long a document without connections stays loaded.
    pub grace: Duration,
    /// Accepted updates between two compaction requests for one document.
    pub compact_after_updates: u64,
    /// Frames queued for one connection before it is dropped as a slow reader.
    pub connection_queue: usize,
    /// While a document is being edited, a periodic version is kept this often.
    pub version_every: Duration,
    /// Content edits of a document are announced (the gatekeeper's `edited`) at most this often.
    pub edit_event_every: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            limits: SessionLimits::default(),
            grace: Duration::from_secs(30),
            compact_after_updates: 500,
            connection_queue: 1_024,
            version_every: Duration::from_secs(600),
            edit_event_every: Duration::from_secs(10),
        }
    }
}

/// What a connection receives from its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A binary y-protocols frame.
    Frame(Arc<[u8]>),
    /// The document ends this connection: close the socket with this code and reason.
    Close { code: u16, reason: String },
}

/// WebSocket close code for a connection dropped because it did not read its frames fast
/// enough (the realtime gateway uses the same code).
pub const CLOSE_SLOW_READER: u16 = 4008;
/// WebSocket close code when the document could not be loaded (storage trouble): try again.
pub const CLOSE_UNAVAILABLE: u16 = 1013;

/// The other nodes serving documents (see [`crate::fanout`]); a single node runs without.
#[async_trait::async_trait]
pub trait Peers: Send + Sync + 'static {
    /// Start hearing the others' updates for the document (returns once bound, or failed).
    async fn watch(&self, tenant: TenantId, document: &str);
    /// Stop hearing them (the document was unloaded).
    fn unwatch(&self, tenant: TenantId, document: &str);
    /// Tell the others about an update this node accepted.
    fn publish(&self, tenant: TenantId, document: &str, update: &[u8]);
    /// Tell the others about an awareness frame of this node's sockets (states set or gone),
    /// for their sockets on the document.
    fn publish_awareness(&self, _tenant: TenantId, _document: &str, _frame: &[u8]) {}
}

/// Asked again whether connected users may stay when their access may have changed.
#[async_trait::async_trait]
pub trait Gatekeeper: Send + Sync + 'static {
    /// What `user` may do on the document now: `None` no access, `Some(can_write)`.
    async fn recheck(
        &self,
        tenant: TenantId,
        user: &str,
        document: &str,
    ) -> Result<Option<bool>, String>;

    /// `editors` changed the document's content in the last window (at most one call per
    /// document per [`SyncOptions::edit_event_every`]); the domain announces it.
    async fn edited(&self, _tenant: TenantId, _document: &str, _editors: Vec<String>) {}
}

/// A gatekeeper set after the hub is built (the domain service that answers needs the hub).
#[derive(Default)]
pub struct LateGatekeeper {
    inner: std::sync::OnceLock<Arc<dyn Gatekeeper>>,
}

impl LateGatekeeper {
    /// Sets the gatekeeper (once; later calls are ignored).
    pub fn set(&self, gatekeeper: Arc<dyn Gatekeeper>) {
        self.inner.set(gatekeeper).ok();
    }
}

#[async_trait::async_trait]
impl Gatekeeper for LateGatekeeper {
    async fn recheck(
        &self,
        tenant: TenantId,
        user: &str,
        document: &str,
    ) -> Result<Option<bool>, String> {
        match self.inner.get() {
            Some(gatekeeper) => gatekeeper.recheck(tenant, user, document).await,
            None => Err("the canvas service is not started".to_owned()),
        }
    }

    async fn edited(&self, tenant: TenantId, document: &str, editors: Vec<String>) {
        if let Some(gatekeeper) = self.inner.get() {
            gatekeeper.edited(tenant, document, editors).await;
        }
    }
}

/// Something that may have changed who may use documents (from the event log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessChange {
    /// A document's grants or state changed: re-check its connections (or only `user`'s).
    Document {
        tenant: TenantId,
        document: String,
        user: Option<String>,
    },
    /// The document was deleted: every connection ends (4404).
    DocumentDeleted { tenant: TenantId, document: String },
    /// A user's workspace membership changed: re-check their connections to the workspace's
    /// documents.
    Member {
        tenant: TenantId,
        workspace: String,
        user: String,
    },
    /// A user was deleted: their connections end (4403).
    UserDeleted { tenant: TenantId, user: String },
    /// A login was revoked: the connections made with it end (4403).
    LoginRevoked { tenant: TenantId, login: String },
}

/// The resource type canvas documents are granted as (identity's resource grants).
pub const RESOURCE_TYPE: &str = "canvas_document";

/// Close code: the user's access to the document changed (role or archived state); reconnect
/// to continue with the new permissions.
pub const CLOSE_ACCESS_CHANGED: u16 = 4409;
/// Close code: no access any more (or never had it).
pub const CLOSE_ACCESS_REVOKED: u16 = 4403;
/// Close code: the document does not exist (any more).
pub const CLOSE_DOCUMENT_GONE: u16 = 4404;

/// How long after a reconnect of the fan-out a document re-reads its log a second time.
const RESYNC_AGAIN_AFTER: Duration = Duration::from_secs(2);

/// The first byte of an awareness frame (message type 1 as a varuint).
const AWARENESS_MESSAGE: u8 = 1;

/// A connection's permissions on the document, decided by the domain before it connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joining {
    /// Who connects (the user id the edits are attributed to).
    pub user: Option<String>,
    /// The document's workspace (access changes are announced per workspace member).
    pub workspace: Option<String>,
    /// The login (the token's `sid`) the socket authenticated with: revoking it ends it.
    pub login: Option<String>,
    /// May send updates (editor or owner, document not archived).
    pub can_write: bool,
    /// Asked for durable acks.
    pub wants_acks: bool,
}

type DocumentKey = (TenantId, String);

enum Command {
    Connect {
        conn: ConnId,
        joining: Joining,
        outgoing: mpsc::Sender<Outgoing>,
    },
    Frame {
        conn: ConnId,
        frame: Vec<u8>,
    },
    Disconnect {
        conn: ConnId,
    },
    Durable {
        seq: u64,
        accepted_at: Instant,
    },
    Compacted {
        folded: usize,
    },
    /// An awareness frame of another node's sockets: relayed to every local socket.
    RemoteAwareness {
        frame: Vec<u8>,
    },
    /// An update another node accepted.
    Remote {
        updates: Vec<Vec<u8>>,
    },
    /// Re-read the log: the fan-out may have missed updates.
    Resync,
    /// Access may have changed for the matching connections: ask the gatekeeper.
    Recheck {
        user: Option<String>,
        workspace: Option<String>,
    },
    /// The gatekeeper's answers, per user.
    Verdicts {
        verdicts: Vec<(String, Result<Option<bool>, String>)>,
    },
    /// The edit-event window of the document ended: announce its editors.
    FlushEditors,
    /// An accepted update could not be logged: the in-memory document is dropped.
    LogFailed,
    /// Ends the connections made with a login.
    EndLogin {
        login: String,
    },
    /// Ends the connections of `user` (their access was revoked) or, with `None`, every one.
    Evict {
        user: Option<String>,
        code: u16,
        reason: String,
    },
    DurableState {
        answer: tokio::sync::oneshot::Sender<StateVector>,
    },
    /// The whole document as one v1 update.
    State {
        answer: tokio::sync::oneshot::Sender<Vec<u8>>,
    },
    /// A server-side edit (HTTP, agents): applied like a writer's update frame.
    Edit {
        conn: ConnId,
        update: Vec<u8>,
        user: Option<String>,
        answer: tokio::sync::oneshot::Sender<EditOutcome>,
    },
}

/// What the document answers a server-side edit: refused, or accepted (with the signal of its
/// durability) or unchanged (`None`).
type EditOutcome = Result<Option<tokio::sync::oneshot::Receiver<()>>, SyncError>;

/// Why a server-side read or edit of a document failed.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The update is malformed or over a limit; the document is unchanged.
    #[error(transparent)]
    Refused(#[from] SyncError),
    /// The document could not be loaded or the edit not made durable (storage trouble, or the
    /// node is stopping).
    #[error("the document is unavailable")]
    Unavailable,
}

/// Everything a hub is built from ([`SyncHub::build`]).
pub struct HubParts {
    pub log: UpdateLog,
    pub options: SyncOptions,
    /// The other nodes (multi-node), if any.
    pub peers: Option<Arc<dyn Peers>>,
    pub metrics: CanvasMetrics,
    /// Where periodic versions go (every [`SyncOptions::version_every`]); none kept without.
    pub versions: Option<crate::versions::Versions>,
    /// Tenants whose documents have limits other than [`SyncOptions::limits`].
    pub tenant_limits: HashMap<TenantId, SessionLimits>,
    /// Asked when access may have changed; without one, access changes end no connection
    /// except deletions and revoked logins.
    pub gatekeeper: Option<Arc<dyn Gatekeeper>>,
}

/// The node's live documents.
#[derive(Clone)]
pub struct SyncHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    log: UpdateLog,
    options: SyncOptions,
    peers: Option<Arc<dyn Peers>>,
    versions: Option<crate::versions::Versions>,
    tenant_limits: HashMap<TenantId, SessionLimits>,
    gatekeeper: Option<Arc<dyn Gatekeeper>>,
    documents: Mutex<HashMap<DocumentKey, mpsc::UnboundedSender<Command>>>,
    next_conn: AtomicU64,
    metrics: CanvasMetrics,
}

impl std::fmt::Debug for SyncHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncHub")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// One socket's attachment to a document: send its frames with [`Connection::receive`], read
/// what to write with [`Connection::next`]. Dropping it disconnects.
pub struct Connection {
    conn: ConnId,
    document: mpsc::UnboundedSender<Command>,
    outgoing: mpsc::Receiver<Outgoing>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Hands a frame the client sent to the document. False when the document has let this
    /// connection go (the next [`Connection::next`] says why).
    pub fn receive(&self, frame: Vec<u8>) -> bool {
        self.document
            .send(Command::Frame {
                conn: self.conn,
                frame,
            })
            .is_ok()
    }

    /// The next thing to write to the socket. `None`: the document dropped this connection
    /// without a close (its queue overflowed: close with [`CLOSE_SLOW_READER`]).
    pub async fn next(&mut self) -> Option<Outgoing> {
        self.outgoing.recv().await
    }

    /// What [`Connection::next`] would return now, without waiting: `None` when nothing is
    /// queued (or the queue is gone, which the next `next` reports). The socket writer drains
    /// what is queued with it, so a burst leaves in one write.
    pub fn try_next(&mut self) -> Option<Outgoing> {
        self.outgoing.try_recv().ok()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.document
            .send(Command::Disconnect { conn: self.conn })
            .ok();
    }
}

impl SyncHub {
    /// A hub serving documents on this node only.
    pub fn new(log: UpdateLog, options: SyncOptions) -> SyncHub {
        let metrics = CanvasMetrics::unregistered().expect("the canvas series are well formed");
        SyncHub::with_peers(log, options, None, metrics)
    }

    /// A hub that shares its documents' updates with other nodes through `peers`.
    pub fn with_peers(
        log: UpdateLog,
        options: SyncOptions,
        peers: Option<Arc<dyn Peers>>,
        metrics: CanvasMetrics,
    ) -> SyncHub {
        SyncHub::build(HubParts {
            log,
            options,
            peers,
            metrics,
            versions: None,
            tenant_limits: HashMap::new(),
            gatekeeper: None,
        })
    }

    /// A hub from all its parts.
    pub fn build(parts: HubParts) -> SyncHub {
        SyncHub {
            inner: Arc::new(HubInner {
                log: parts.log,
                options: parts.options,
                peers: parts.peers,
                versions: parts.versions,
                tenant_limits: parts.tenant_limits,
                gatekeeper: parts.gatekeeper,
                documents: Mutex::new(HashMap::new()),
                next_conn: AtomicU64::new(1),
                metrics: parts.metrics,
            }),
        }
    }

    /// The limits documents of `tenant` are held to: the tenant's override, else the default.
    pub fn limits_for(&self, tenant: TenantId) -> SessionLimits {
        self.inner
            .tenant_limits
            .get(&tenant)
            .copied()
            .unwrap_or(self.inner.options.limits)
    }

    /// The hub's series (registered on the node's registry when built by the module).
    pub fn metrics(&self) -> &CanvasMetrics {
        &self.inner.metrics
    }

    pub fn options(&self) -> SyncOptions {
        self.inner.options
    }

    /// Connects to the document (loading it on this node if needed). The caller has decided
    /// the connection may read the document.
    pub fn connect(&self, tenant: TenantId, document: &str, joining: Joining) -> Connection {
        let conn = ConnId(self.inner.next_conn.fetch_add(1, Ordering::Relaxed));
        let (outgoing_tx, outgoing) = mpsc::channel(self.inner.options.connection_queue);
        let mut command = Command::Connect {
            conn,
            joining,
            outgoing: outgoing_tx,
        };
        loop {
            let handle = self.document(tenant, document);
            match handle.send(command) {
                Ok(()) => {
                    return Connection {
                        conn,
                        document: handle,
                        outgoing,
                    };
                }
                // The document was being evicted: forget that task and start a new one.
                Err(mpsc::error::SendError(returned)) => {
                    command = returned;
                    self.forget(&(tenant, document.to_owned()), &handle);
                }
            }
        }
    }

    /// Ends the connections of `user` on the document (access revoked), or every connection.
    pub fn evict(
        &self,
        tenant: TenantId,
        document: &str,
        user: Option<&str>,
        code: u16,
        reason: &str,
    ) {
        let key = (tenant, document.to_owned());
        let handle = self.loaded_handle(&key);
        if let Some(handle) = handle {
            handle
                .send(Command::Evict {
                    user: user.map(str::to_owned),
                    code,
                    reason: reason.to_owned(),
                })
                .ok();
        }
    }

    /// The state vector of what is durable: asked of the loaded document, or (not loaded here)
    /// read from the log, where everything is durable.
    pub async fn durable_state_vector(
        &self,
        tenant: TenantId,
        document: &str,
    ) -> Result<StateVector, LogError> {
        let key = (tenant, document.to_owned());
        let handle = self.loaded_handle(&key);
        if let Some(handle) = handle {
            let (answer, answered) = tokio::sync::oneshot::channel();
            if handle.send(Command::DurableState { answer }).is_ok()
                && let Ok(state_vector) = answered.await
            {
                return Ok(state_vector);
            }
        }
        let stored = self.inner.log.load(tenant, document).await?;
        let session = DocumentSession::load(
            self.limits_for(tenant),
            stored.snapshot.as_deref(),
            stored.updates.iter().map(Vec::as_slice),
        )
        .map_err(|source| LogError::Corrupt {
            document: document.to_owned(),
            source,
        })?;
        Ok(session.state_vector())
    }

    /// The document's current state as one v1 update (loading it on this node if needed).
    pub async fn state(&self, tenant: TenantId, document: &str) -> Result<Vec<u8>, EditError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.command(tenant, document, Command::State { answer });
        answered.await.map_err(|_| EditError::Unavailable)
    }

    /// Applies a v1 update as a writer's edit made on the server (attributed to `user`):
    /// checked against the limits, broadcast to every connection, logged. Resolves once the
    /// edit is durable; `false` when it changed nothing.
    pub async fn edit(
        &self,
        tenant: TenantId,
        document: &str,
        update: Vec<u8>,
        user: Option<String>,
    ) -> Result<bool, EditError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let conn = ConnId(self.inner.next_conn.fetch_add(1, Ordering::Relaxed));
        self.command(
            tenant,
            document,
            Command::Edit {
                conn,
                update,
                user,
                answer,
            },
        );
        match answered.await.map_err(|_| EditError::Unavailable)?? {
            Some(durable) => durable
                .await
                .map(|()| true)
                .map_err(|_| EditError::Unavailable),
            None => Ok(false),
        }
    }

    /// Hands a command to the document's task, starting it if needed.
    fn command(&self, tenant: TenantId, document: &str, mut command: Command) {
        loop {
            let handle = self.document(tenant, document);
            match handle.send(command) {
                Ok(()) => return,
                Err(mpsc::error::SendError(returned)) => {
                    command = returned;
                    self.forget(&(tenant, document.to_owned()), &handle);
                }
            }
        }
    }

    /// Applies an update another node accepted, if the document is loaded here.
    pub fn remote_update(&self, tenant: TenantId, document: &str, update: Vec<u8>) {
        let key = (tenant, document.to_owned());
        let handle = self.loaded_handle(&key);
        if let Some(handle) = handle {
            handle
                .send(Command::Remote {
                    updates: vec![update],
                })
                .ok();
        }
    }

    /// Applies an access change to the documents loaded here (see [`AccessChange`]).
    pub fn access_changed(&self, change: AccessChange) {
        let documents: Vec<(DocumentKey, mpsc::UnboundedSender<Command>)> = self
            .lock()
            .iter()
            .map(|(key, handle)| (key.clone(), handle.clone()))
            .collect();
        for ((tenant, document), handle) in documents {
            let command = match &change {
                AccessChange::Document {
                    tenant: changed,
                    document: which,
                    user,
                } if *changed == tenant && *which == document => Command::Recheck {
                    user: user.clone(),
                    workspace: None,
                },
                AccessChange::DocumentDeleted {
                    tenant: changed,
                    document: which,
                } if *changed == tenant && *which == document => Command::Evict {
                    user: None,
                    code: CLOSE_DOCUMENT_GONE,
                    reason: "the document was deleted".to_owned(),
                },
                AccessChange::Member {
                    tenant: changed,
                    workspace,
                    user,
                } if *changed == tenant => Command::Recheck {
                    user: Some(user.clone()),
                    workspace: Some(workspace.clone()),
                },
                AccessChange::UserDeleted {
                    tenant: changed,
                    user,
                } if *changed == tenant => Command::Evict {
                    user: Some(user.clone()),
                    code: CLOSE_ACCESS_REVOKED,
                    reason: "the user was deleted".to_owned(),
                },
                AccessChange::LoginRevoked {
                    tenant: changed,
                    login,
                } if *changed == tenant => Command::EndLogin {
                    login: login.clone(),
                },
                _ => continue,
            };
            handle.send(command).ok();
        }
    }

    /// Relays another node's awareness frame to this node's sockets on the document.
    pub fn remote_awareness(&self, tenant: TenantId, document: &str, frame: Vec<u8>) {
        let key = (tenant, document.to_owned());
        let handle = self.loaded_handle(&key);
        if let Some(handle) = handle {
            handle.send(Command::RemoteAwareness { frame }).ok();
        }
    }

    /// Every loaded document re-reads its log (the fan-out reconnected: it may have missed
    /// updates), now and again shortly after.
    pub fn resync_all(&self) {
        let handles: Vec<_> = self.lock().values().cloned().collect();
        for handle in handles {
            handle.send(Command::Resync).ok();
        }
    }

    /// The update log the hub writes.
    pub fn log(&self) -> &UpdateLog {
        &self.inner.log
    }

    /// Number of documents loaded on this node.
    pub fn loaded(&self) -> usize {
        self.lock().len()
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<DocumentKey, mpsc::UnboundedSender<Command>>> {
        self.inner
            .documents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn document(&self, tenant: TenantId, document: &str) -> mpsc::UnboundedSender<Command> {
        let key = (tenant, document.to_owned());
        let mut documents = self.lock();
        if let Some(handle) = documents.get(&key)
            && !handle.is_closed()
        {
            return handle.clone();
        }
        let (handle, inbox) = mpsc::unbounded_channel();
        documents.insert(key.clone(), handle.clone());
        drop(documents);
        tokio::spawn(run_document(self.clone(), key, handle.clone(), inbox));
        handle
    }

    /// The task of a document loaded on this node, if any.
    fn loaded_handle(&self, key: &DocumentKey) -> Option<mpsc::UnboundedSender<Command>> {
        self.lock().get(key).cloned()
    }

    /// Removes the document's entry if it is still `handle` (not a newer task's).
    fn forget(&self, key: &DocumentKey, handle: &mpsc::UnboundedSender<Command>) {
        let mut documents = self.lock();
        if documents
            .get(key)
            .is_some_and(|current| current.same_channel(handle))
        {
            documents.remove(key);
        }
    }
}

struct Attached {
    joining: Joining,
    outgoing: mpsc::Sender<Outgoing>,
}

struct InFlight {
    seq: u64,
    state_vector: StateVector,
    durable: bool,
}

struct LiveDocument {
    hub: SyncHub,
    key: DocumentKey,
    handle: mpsc::UnboundedSender<Command>,
    session: DocumentSession,
    connections: HashMap<ConnId, Attached>,
    durable: StateVector,
    /// Accepted updates in acceptance order, with the document's state vector right after
    /// each, until it and every earlier one is durable: the durable state vector is the last
    /// entry of the durable prefix (appends may complete out of order).
    in_flight: std::collections::VecDeque<InFlight>,
    next_seq: u64,
    since_compaction: u64,
    compacting: bool,
    /// When the last periodic version was taken (or the document loaded).
    versioned_at: Instant,
    counted_bytes: i64,
    /// Who edited the content since the last edit event; `None` until the first edit of a
    /// window (a flush is scheduled then).
    editors: Option<BTreeSet<String>>,
    /// An update could not be logged: the task ends and the document reloads from the log.
    broken: bool,
    /// Updates of this document in the log, not yet folded into its snapshot (as this node
    /// knows them: those it loaded and those it logged since).
    unfolded: i64,
}

async fn run_document(
    hub: SyncHub,
    key: DocumentKey,
    handle: mpsc::UnboundedSender<Command>,
    mut inbox: mpsc::UnboundedReceiver<Command>,
) {
    let options = hub.inner.options;
    // Bound before the log is read: an update accepted elsewhere meanwhile arrives in the
    // inbox and applies (idempotently) after the load.
    if let Some(peers) = &hub.inner.peers {
        peers.watch(key.0, &key.1).await;
    }
    let loaded = match hub.inner.log.load(key.0, &key.1).await {
        Ok(stored) => DocumentSession::load(
            hub.limits_for(key.0),
            stored.snapshot.as_deref(),
            stored.updates.iter().map(Vec::as_slice),
        )
        .map(|session| (session, stored.updates.len() as u64))
        .map_err(|source| LogError::Corrupt {
            document: key.1.clone(),
            source,
        }),
        Err(error) => Err(error),
    };
    let (session, logged) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            tracing::error!(tenant = %key.0, document = %key.1, %error, "loading a canvas document failed");
            // Nobody may attach to a document that did not load: close whoever waits.
            hub.forget(&key, &handle);
            if let Some(peers) = &hub.inner.peers {
                peers.unwatch(key.0, &key.1);
            }
            inbox.close();
            while let Some(command) = inbox.recv().await {
                if let Command::Connect { outgoing, .. } = command {
                    outgoing
                        .try_send(Outgoing::Close {
                            code: CLOSE_UNAVAILABLE,
                            reason: "the document could not be loaded; try again".to_owned(),
                        })
                        .ok();
                }
            }
            return;
        }
    };
    let durable = session.state_vector();
    let mut document = LiveDocument {
        hub: hub.clone(),
        key,
        handle,
        session,
        connections: HashMap::new(),
        durable,
        in_flight: std::collections::VecDeque::new(),
        next_seq: 0,
        since_compaction: logged,
        compacting: false,
        versioned_at: Instant::now(),
        counted_bytes: 0,
        unfolded: i64::try_from(logged).unwrap_or(i64::MAX),
        editors: None,
        broken: false,
    };
    hub.inner.metrics.loaded_documents.inc();
    hub.inner.metrics.unfolded_updates.add(document.unfolded);
    document.recount_bytes();
    if document.since_compaction >= options.compact_after_updates {
        document.compact();
    }
    loop {
        let idle = document.connections.is_empty();
        let command = if idle {
            match tokio::time::timeout(options.grace, inbox.recv()).await {
                Ok(command) => command,
                Err(_) => {
                    if document.in_flight.is_empty() && !document.compacting {
                        // Stop taking commands; what raced in is handled below, then we go.
                        document.hub.forget(&document.key, &document.handle);
                        inbox.close();
                        let mut reopened = false;
                        while let Some(command) = inbox.recv().await {
                            reopened |= matches!(command, Command::Connect { .. });
                            document.handle_command(command);
                        }
                        // A connection that raced in was accepted by this task, which has
                        // just closed its inbox: end it so the client reconnects to a new one.
                        if reopened {
                            document.evict_all(CLOSE_UNAVAILABLE, "document moved; reconnect");
                        }
                        break;
                    }
                    continue;
                }
            }
        } else {
            inbox.recv().await
        };
        let Some(command) = command else { break };
        document.handle_command(command);
        if document.broken {
            document.hub.forget(&document.key, &document.handle);
            inbox.close();
            while let Some(command) = inbox.recv().await {
                document.handle_command(command);
            }
            document.evict_all(
                atelier_canvas_sync::error::CLOSE_INTERNAL,
                "the document could not be saved; reconnect",
            );
            break;
        }
    }
    if let Some(peers) = &hub.inner.peers {
        peers.unwatch(document.key.0, &document.key.1);
    }
    let metrics = &hub.inner.metrics;
    metrics.loaded_documents.dec();
    metrics.loaded_bytes.sub(document.counted_bytes);
    metrics.unfolded_updates.sub(document.unfolded);
}

impl LiveDocument {
    fn handle_command(&mut self, command: Command) {
        match command {
            Command::Connect {
                conn,
                joining,
                outgoing,
            } => {
                let frames = self.session.connect(conn, joining.can_write);
                self.connections
                    .insert(conn, Attached { joining, outgoing });
                self.hub.inner.metrics.connections.inc();
                for frame in frames {
                    self.send(conn, frame.into());
                }
            }
            Command::Frame { conn, frame } => self.receive(conn, &frame),
            Command::Disconnect { conn } => self.detach(conn, None),
            Command::Durable { seq, accepted_at } => {
                let metrics = &self.hub.inner.metrics;
                metrics
                    .durable_seconds
                    .observe(accepted_at.elapsed().as_secs_f64());
                metrics.unfolded_updates.inc();
                self.unfolded += 1;
                let Some(first) = self.in_flight.front().map(|entry| entry.seq) else {
                    return;
                };
                let Some(entry) = seq
                    .checked_sub(first)
                    .and_then(|index| usize::try_from(index).ok())
                    .and_then(|index| self.in_flight.get_mut(index))
                else {
                    return;
                };
                entry.durable = true;
                let mut advanced = false;
                while self.in_flight.front().is_some_and(|entry| entry.durable) {
                    if let Some(entry) = self.in_flight.pop_front() {
                        self.durable = entry.state_vector;
                        advanced = true;
                    }
                }
                if !advanced {
                    return;
                }
                let ack: Arc<[u8]> = encode_durable_ack(&self.durable).into();
                let wanting: Vec<ConnId> = self
                    .connections
                    .iter()
                    .filter(|(_, attached)| attached.joining.wants_acks)
                    .map(|(conn, _)| *conn)
                    .collect();
                for conn in wanting {
                    self.send(conn, ack.clone());
                }
            }
            Command::Compacted { folded } => {
                self.compacting = false;
                // Updates another node logged may be folded too: never below zero.
                let folded = i64::try_from(folded).unwrap_or(i64::MAX).min(self.unfolded);
                self.unfolded -= folded;
                self.hub.inner.metrics.unfolded_updates.sub(folded);
            }
            Command::RemoteAwareness { frame } => {
                let frame: Arc<[u8]> = frame.into();
                self.broadcast(frame, None);
            }
            Command::Remote { updates } => {
                for update in updates {
                    self.hub
                        .inner
                        .metrics
                        .updates
                        .with_label_values(&["remote"])
                        .inc();
                    match self.session.apply_remote(&update) {
                        Ok(frames) => {
                            for frame in frames {
                                let frame: Arc<[u8]> = frame.into();
                                self.broadcast(frame.clone(), None);
                            }
                        }
                        Err(error) => {
                            tracing::warn!(tenant = %self.key.0, document = %self.key.1, %error, "refused an update from another node or the log");
                        }
                    }
                }
            }
            Command::Recheck { user, workspace } => self.recheck(user, workspace),
            Command::Verdicts { verdicts } => {
                for (user, verdict) in verdicts {
                    let leaving: Vec<(ConnId, u16, &'static str)> = self
                        .connections
                        .iter()
                        .filter(|(_, attached)| attached.joining.user.as_deref() == Some(&user))
                        .filter_map(|(conn, attached)| match &verdict {
                            Ok(None) => Some((
                                *conn,
                                CLOSE_ACCESS_REVOKED,
                                "access to the document was revoked",
                            )),
                            Ok(Some(can_write)) if *can_write != attached.joining.can_write => {
                                Some((
                                    *conn,
                                    CLOSE_ACCESS_CHANGED,
                                    "access to the document changed; reconnect",
                                ))
                            }
                            _ => None,
                        })
                        .collect();
                    if let Err(error) = &verdict {
                        tracing::warn!(tenant = %self.key.0, document = %self.key.1, %user, %error, "re-checking canvas access failed; the connection stays");
                    }
                    for (conn, code, reason) in leaving {
                        self.detach(
                            conn,
                            Some(Outgoing::Close {
                                code,
                                reason: reason.to_owned(),
                            }),
                        );
                    }
                }
            }
            Command::FlushEditors => self.flush_editors(),
            Command::LogFailed => {
                self.broken = true;
                self.evict_all(
                    atelier_canvas_sync::error::CLOSE_INTERNAL,
                    "the document could not be saved; reconnect",
                );
            }
            Command::EndLogin { login } => {
                let leaving: Vec<ConnId> = self
                    .connections
                    .iter()
                    .filter(|(_, attached)| attached.joining.login.as_deref() == Some(&login))
                    .map(|(conn, _)| *conn)
                    .collect();
                for conn in leaving {
                    self.detach(
                        conn,
                        Some(Outgoing::Close {
                            code: CLOSE_ACCESS_REVOKED,
                            reason: "the login was revoked".to_owned(),
                        }),
                    );
                }
            }
            Command::Resync => {
                let log = self.hub.inner.log.clone();
                let handle = self.handle.clone();
                let (tenant, document) = self.key.clone();
                tokio::spawn(async move {
                    for delay in [Duration::ZERO, RESYNC_AGAIN_AFTER] {
                        tokio::time::sleep(delay).await;
                        match log.load(tenant, &document).await {
                            Ok(stored) => {
                                let updates =
                                    stored.snapshot.into_iter().chain(stored.updates).collect();
                                if handle.send(Command::Remote { updates }).is_err() {
                                    return;
                                }
                            }
                            Err(error) => {
                                tracing::warn!(%tenant, %document, %error, "re-reading a canvas document failed");
                            }
                        }
                    }
                });
            }
            Command::Evict { user, code, reason } => {
                let leaving: Vec<ConnId> = self
                    .connections
                    .iter()
                    .filter(|(_, attached)| user.is_none() || attached.joining.user == user)
                    .map(|(conn, _)| *conn)
                    .collect();
                for conn in leaving {
                    self.detach(
                        conn,
                        Some(Outgoing::Close {
                            code,
                            reason: reason.clone(),
                        }),
                    );
                }
            }
            Command::DurableState { answer } => {
                answer.send(self.durable.clone()).ok();
            }
            Command::State { answer } => {
                answer.send(self.session.encode_state_as_update()).ok();
            }
            Command::Edit {
                conn,
                update,
                user,
                answer,
            } => {
                answer.send(self.edit(conn, update, user)).ok();
            }
        }
    }

    fn receive(&mut self, conn: ConnId, frame: &[u8]) {
        let Some(attached) = self.connections.get(&conn) else {
            return;
        };
        let user = attached.joining.user.clone();
        match self.session.receive(conn, frame) {
            Ok(outcome) => {
                for reply in outcome.reply {
                    self.send(conn, reply.into());
                }
                for frame in outcome.broadcast {
                    // Awareness goes back to its sender too, as y-websocket's server does: a
                    // client alone on a document hears its own 15 s renewals, so its 30 s
                    // liveness check never drops an idle connection.
                    let echo = frame.first() == Some(&AWARENESS_MESSAGE);
                    if echo && let Some(peers) = &self.hub.inner.peers {
                        peers.publish_awareness(self.key.0, &self.key.1, &frame);
                    }
                    let frame: Arc<[u8]> = frame.into();
                    self.broadcast(frame, (!echo).then_some(conn));
                }
                if let Some(update) = outcome.accepted_update {
                    self.accepted(update, user);
                }
            }
            Err(error) => {
                self.hub.inner.metrics.refused_frames.inc();
                tracing::debug!(tenant = %self.key.0, document = %self.key.1, %conn, %error, "refused a sync frame");
                self.detach(
                    conn,
                    Some(Outgoing::Close {
                        code: error.close_code(),
                        reason: close_reason(&error),
                    }),
                );
            }
        }
    }

    /// Remembers who edited; the first edit of a window schedules its flush.
    fn note_editor(&mut self, user: Option<&String>) {
        let first = self.editors.is_none();
        let editors = self.editors.get_or_insert_with(BTreeSet::new);
        if let Some(user) = user {
            editors.insert(user.clone());
        }
        if first {
            let handle = self.handle.clone();
            let every = self.hub.inner.options.edit_event_every;
            tokio::spawn(async move {
                tokio::time::sleep(every).await;
                handle.send(Command::FlushEditors).ok();
            });
        }
    }

    /// Hands the window's editors to the gatekeeper, in the background.
    fn flush_editors(&mut self) {
        let Some(editors) = self.editors.take() else {
            return;
        };
        let Some(gatekeeper) = self.hub.inner.gatekeeper.clone() else {
            return;
        };
        let (tenant, document) = self.key.clone();
        tokio::spawn(async move {
            gatekeeper
                .edited(tenant, &document, editors.into_iter().collect())
                .await;
        });
    }

    /// Asks the gatekeeper about the users of the matching connections, in the background;
    /// its answers come back as [`Command::Verdicts`].
    fn recheck(&mut self, user: Option<String>, workspace: Option<String>) {
        let Some(gatekeeper) = self.hub.inner.gatekeeper.clone() else {
            return;
        };
        let mut users: Vec<String> = self
            .connections
            .values()
            .filter(|attached| user.is_none() || attached.joining.user == user)
            .filter(|attached| workspace.is_none() || attached.joining.workspace == workspace)
            .filter_map(|attached| attached.joining.user.clone())
            .collect();
        users.sort();
        users.dedup();
        if users.is_empty() {
            return;
        }
        let handle = self.handle.clone();
        let (tenant, document) = self.key.clone();
        tokio::spawn(async move {
            let mut verdicts = Vec::with_capacity(users.len());
            for user in users {
                let verdict = gatekeeper.recheck(tenant, &user, &document).await;
                verdicts.push((user, verdict));
            }
            handle.send(Command::Verdicts { verdicts }).ok();
        });
    }

    /// A server-side edit through a connection of its own that lives for this one update.
    fn edit(&mut self, conn: ConnId, update: Vec<u8>, user: Option<String>) -> EditOutcome {
        self.session.connect(conn, true);
        let frame = Message::Sync(SyncMessage::Update(update)).encode_v1();
        let outcome = self.session.receive(conn, &frame);
        self.session.disconnect(conn);
        let outcome = outcome?;
        for frame in outcome.broadcast {
            let frame: Arc<[u8]> = frame.into();
            self.broadcast(frame.clone(), None);
        }
        Ok(outcome.accepted_update.map(|update| {
            let (durable, waiting) = tokio::sync::oneshot::channel();
            self.accepted_notifying(update, user, Some(durable));
            waiting
        }))
    }

    /// Logs an accepted update; the document hears back when it is durable.
    fn accepted(&mut self, update: Vec<u8>, user: Option<String>) {
        self.accepted_notifying(update, user, None);
    }

    /// [`LiveDocument::accepted`], also telling `notify` once the update is durable.
    fn accepted_notifying(
        &mut self,
        update: Vec<u8>,
        user: Option<String>,
        notify: Option<tokio::sync::oneshot::Sender<()>>,
    ) {
        if let Some(peers) = &self.hub.inner.peers {
            peers.publish(self.key.0, &self.key.1, &update);
        }
        self.note_editor(user.as_ref());
        let source = if notify.is_some() { "server" } else { "client" };
        self.hub
            .inner
            .metrics
            .updates
            .with_label_values(&[source])
            .inc();
        let seq = self.next_seq;
        self.next_seq += 1;
        self.in_flight.push_back(InFlight {
            seq,
            state_vector: self.session.state_vector(),
            durable: false,
        });
        let accepted_at = Instant::now();
        let log = self.hub.inner.log.clone();
        let handle = self.handle.clone();
        let (tenant, document) = self.key.clone();
        tokio::spawn(async move {
            match log.append(tenant, &document, update, user).await {
                Ok(()) => {
                    handle.send(Command::Durable { seq, accepted_at }).ok();
                    if let Some(notify) = notify {
                        notify.send(()).ok();
                    }
                }
                // The update is not durable. The document drops its in-memory state and ends
                // every socket: clients reconnect and re-send what they have (their step 2),
                // so nothing they edited is lost.
                Err(error) => {
                    tracing::error!(%tenant, %document, %error, "an accepted update was not logged; dropping the document from memory");
                    handle.send(Command::LogFailed).ok();
                }
            }
        });
        self.since_compaction += 1;
        if self.since_compaction >= self.hub.inner.options.compact_after_updates {
            self.compact();
        }
        if self.versioned_at.elapsed() >= self.hub.inner.options.version_every {
            self.keep_periodic_version();
        }
        self.recount_bytes_every(64);
    }

    /// Keeps the current state as a periodic version, in the background.
    fn keep_periodic_version(&mut self) {
        let Some(versions) = self.hub.inner.versions.clone() else {
            return;
        };
        self.versioned_at = Instant::now();
        let state = self.session.encode_state_as_update();
        let (tenant, document) = self.key.clone();
        tokio::spawn(async move {
            if let Err(error) = versions
                .create(
                    tenant,
                    &document,
                    None,
                    crate::versions::VersionKind::Periodic,
                    None,
                    state,
                )
                .await
            {
                tracing::warn!(%tenant, %document, %error, "keeping a periodic version failed");
            }
        });
    }

    fn compact(&mut self) {
        if self.compacting {
            return;
        }
        self.compacting = true;
        self.since_compaction = 0;
        let log = self.hub.inner.log.clone();
        let handle = self.handle.clone();
        let metrics = self.hub.inner.metrics.clone();
        let (tenant, document) = self.key.clone();
        tokio::spawn(async move {
            let folded = match log.compact(tenant, &document).await {
                Ok(Compaction::Folded { updates, .. }) => {
                    metrics.compactions.inc();
                    updates
                }
                Ok(Compaction::Nothing | Compaction::Superseded) => 0,
                Err(error) => {
                    metrics.compaction_failures.inc();
                    tracing::warn!(%tenant, %document, %error, "compacting a canvas document failed");
                    0
                }
            };
            handle.send(Command::Compacted { folded }).ok();
        });
    }

    /// Queues a frame for every connection but `except`.
    fn broadcast(&mut self, frame: Arc<[u8]>, except: Option<ConnId>) {
        let targets: Vec<ConnId> = self
            .connections
            .keys()
            .copied()
            .filter(|conn| Some(*conn) != except)
            .collect();
        for conn in targets {
            self.send(conn, frame.clone());
        }
    }

    /// Queues a frame for a connection; a full queue drops the connection (slow reader).
    fn send(&mut self, conn: ConnId, frame: Arc<[u8]>) {
        let Some(attached) = self.connections.get(&conn) else {
            return;
        };
        match attached.outgoing.try_send(Outgoing::Frame(frame)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.hub.inner.metrics.slow_readers.inc();
                // Dropping its sender ends the connection's stream without a close: the
                // socket closes with CLOSE_SLOW_READER.
                self.detach(conn, None);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => self.detach(conn, None),
        }
    }

    /// Forgets a connection (after an optional last message) and tells the others its
    /// awareness states are gone.
    fn detach(&mut self, conn: ConnId, last: Option<Outgoing>) {
        let Some(attached) = self.connections.remove(&conn) else {
            return;
        };
        self.hub.inner.metrics.connections.dec();
        if let Some(last) = last {
            attached.outgoing.try_send(last).ok();
        }
        drop(attached);
        for frame in self.session.disconnect(conn) {
            if let Some(peers) = &self.hub.inner.peers {
                peers.publish_awareness(self.key.0, &self.key.1, &frame);
            }
            let frame: Arc<[u8]> = frame.into();
            self.broadcast(frame.clone(), None);
        }
    }

    fn evict_all(&mut self, code: u16, reason: &str) {
        let all: Vec<ConnId> = self.connections.keys().copied().collect();
        for conn in all {
            self.detach(
                conn,
                Some(Outgoing::Close {
                    code,
                    reason: reason.to_owned(),
                }),
            );
        }
    }

    fn recount_bytes_every(&mut self, updates: u64) {
        if self.since_compaction.is_multiple_of(updates) {
            self.recount_bytes();
        }
    }

    /// Re-measures the document's encoded size for the loaded-bytes figure.
    fn recount_bytes(&mut self) {
        let bytes = i64::try_from(self.session.encode_state_as_update().len()).unwrap_or(i64::MAX);
        self.hub
            .inner
            .metrics
            .loaded_bytes
            .add(bytes - self.counted_bytes);
        self.counted_bytes = bytes;
    }
}

/// A close reason within the WebSocket limit of 123 bytes.
fn close_reason(error: &SyncError) -> String {
    let mut reason = error.to_string();
    if reason.len() > 120 {
        let mut end = 120;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_fit_a_close_frame() {
        let error = SyncError::Malformed {
            reason: "é".repeat(200),
        };
        let reason = close_reason(&error);
        assert!(reason.len() <= 123);
        assert!(reason.starts_with("malformed frame: é"));
    }
}
