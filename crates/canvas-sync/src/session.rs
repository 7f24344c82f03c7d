//! [`DocumentSession`]: one loaded document, the connections editing or viewing it, and what
//! each frame they send turns into.
//!
//! Layout: the public types first (`ConnId`, `SessionLimits`, `Outcome`, `Dropped`,
//! `DocumentSession`), then the update pipeline (`apply_checked`) and the size accounting.

use std::collections::{BTreeSet, HashMap};

use yrs::sync::{Awareness, AwarenessUpdate};
use yrs::updates::decoder::Decode;
use yrs::{ClientID, Doc, ReadTxn, StateVector, Transact, Update};

use crate::error::SyncError;
use crate::protocol::{self, Inbound};

/// A connection to one document, numbered by the server (unique within a session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl std::fmt::Display for ConnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}

/// Limits a session enforces on what clients send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Largest update payload (sync step 2 or update) or awareness payload one frame may carry.
    pub max_update_bytes: usize,
    /// Largest encoded document state (v1, pending updates included) a client update may grow the
    /// document to.
    pub max_document_bytes: usize,
}

impl Default for SessionLimits {
    /// 1 MiB per update, 16 MiB per document.
    fn default() -> Self {
        SessionLimits {
            max_update_bytes: 1 << 20,
            max_document_bytes: 16 << 20,
        }
    }
}

/// What one received frame turned into.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Frames for the sender only (sync step 2 answering its step 1, awareness answering its
    /// query).
    pub reply: Vec<Vec<u8>>,
    /// Frames for every *other* connection on this document.
    pub broadcast: Vec<Vec<u8>>,
    /// The v1 update that changed the document (only what was new to it), for the document's
    /// log. `None` when nothing changed.
    pub accepted_update: Option<Vec<u8>>,
    /// Set when the frame was deliberately ignored; the server may count it.
    pub dropped: Option<Dropped>,
}

/// Why a frame was ignored without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// A sync step 2 or update from a read-only connection (viewer, commenter).
    ReadOnlyUpdate,
    /// A message type only servers send (auth 2, durable ack 100).
    ServerOnlyMessage { message_type: u64 },
    /// A message type y-protocols does not define; y-protocols peers ignore these too.
    UnknownMessage { message_type: u64 },
    /// An awareness update whose every entry claimed a client id another connection owns.
    ForeignAwareness,
}

/// One loaded document and its connections: the sans-IO core of a y-websocket compatible server.
///
/// The session owns the document (inside a yrs [`Awareness`]) and a *replica* of it: every update
/// is integrated into the replica first and only reaches the document if that succeeded, because
/// yrs integrates an update block by block and an update that fails half-way (for instance an
/// item whose parent is not a shared type) would otherwise leave the document half-changed. This
/// doubles the memory of a loaded document; a refused update costs one rebuild of the replica.
pub struct DocumentSession {
    awareness: Awareness,
    replica: Doc,
    connections: HashMap<ConnId, Connection>,
    limits: SessionLimits,
    size: SizeEstimate,
}

impl std::fmt::Debug for DocumentSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentSession")
            .field("connections", &self.connections)
            .field("limits", &self.limits)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// The server document's own client id: the largest id yrs accepts (2^53 - 1). Yjs clients pick
/// random 32-bit ids, so none of them can collide with it; the server never edits the document,
/// but yrs's awareness refuses to let peers remove the state of the document's own id.
const SERVER_CLIENT_ID: u64 = (1 << 53) - 1;

#[derive(Debug)]
struct Connection {
    can_write: bool,
    /// Awareness client ids this connection announced a (non-null) state for.
    client_ids: BTreeSet<ClientID>,
}

/// The document's encoded size, measured exactly now and then and estimated in between.
#[derive(Debug, Clone, Copy)]
struct SizeEstimate {
    /// Encoded state length at the last measurement.
    measured: usize,
    /// Sum of what the accepted updates added since then (their effective updates, plus the
    /// length of those left pending).
    growth: usize,
}

impl DocumentSession {
    /// An empty document.
    pub fn new(limits: SessionLimits) -> Self {
        let awareness = Awareness::new(new_doc());
        let mut session = DocumentSession {
            awareness,
            replica: new_doc(),
            connections: HashMap::new(),
            limits,
            size: SizeEstimate {
                measured: 0,
                growth: 0,
            },
        };
        session.size.measured = session.encode_state_as_update().len();
        session
    }

    /// A document loaded from its snapshot (a v1 state update) and the v1 updates logged after
    /// it, in any order. Size limits do not apply: a stored document is loaded as it is.
    pub fn load<'a>(
        limits: SessionLimits,
        snapshot: Option<&'a [u8]>,
        updates: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Self, SyncError> {
        let mut session = DocumentSession::new(limits);
        for update in snapshot.into_iter().chain(updates) {
            session.apply_checked(update, None)?;
        }
        session.remeasure();
        Ok(session)
    }

    /// Registers a connection and returns the frames to send it first: sync step 1 with the
    /// server's state vector (writers only: a read-only connection's answer would be dropped),
    /// then the current awareness states if there are any.
    ///
    /// Connecting an id that is already connected starts it afresh (its awareness ids are
    /// forgotten, not removed).
    pub fn connect(&mut self, conn: ConnId, can_write: bool) -> Vec<Vec<u8>> {
        self.connections.insert(
            conn,
            Connection {
                can_write,
                client_ids: BTreeSet::new(),
            },
        );
        let mut frames = Vec::new();
        if can_write {
            frames.push(protocol::sync_step1_frame(self.state_vector()));
        }
        if let Some(frame) = self.awareness_states_frame(false) {
            frames.push(frame);
        }
        frames
    }

    /// Handles one frame from `conn`. On error the document and the awareness states are exactly
    /// as before, and the server closes the connection with [`SyncError::close_code`].
    pub fn receive(&mut self, conn: ConnId, frame: &[u8]) -> Result<Outcome, SyncError> {
        let can_write = self
            .connections
            .get(&conn)
            .ok_or(SyncError::UnknownConnection(conn))?
            .can_write;
        let mut outcome = Outcome::default();
        match protocol::parse_frame(frame)? {
            Inbound::SyncStep1(remote) => {
                let update = self
                    .awareness
                    .doc()
                    .transact()
                    .encode_state_as_update_v1(&remote);
                outcome.reply.push(protocol::sync_step2_frame(update));
            }
            Inbound::SyncStep2(update) | Inbound::Update(update) => {
                self.check_update_size(update.len())?;
                if !can_write {
                    outcome.dropped = Some(Dropped::ReadOnlyUpdate);
                    return Ok(outcome);
                }
                let limit = Some(self.limits.max_document_bytes);
                if let Some(effective) = self.apply_checked(update, limit)? {
                    outcome
                        .broadcast
                        .push(protocol::update_frame(effective.clone()));
                    outcome.accepted_update = Some(effective);
                }
            }
            Inbound::Awareness(payload) => {
                self.check_update_size(payload.len())?;
                let update = protocol::decode_awareness(payload)?;
                self.receive_awareness(conn, frame, update, &mut outcome);
            }
            Inbound::QueryAwareness => {
                if let Some(frame) = self.awareness_states_frame(true) {
                    outcome.reply.push(frame);
                }
            }
            Inbound::ServerOnly(message_type) => {
                outcome.dropped = Some(Dropped::ServerOnlyMessage { message_type });
            }
            Inbound::Unknown(message_type) => {
                outcome.dropped = Some(Dropped::UnknownMessage { message_type });
            }
        }
        Ok(outcome)
    }

    /// Forgets a connection and returns the awareness frame to broadcast to the others: the
    /// states of the client ids it announced, set to null (empty if it announced none, or was not
    /// connected).
    pub fn disconnect(&mut self, conn: ConnId) -> Vec<Vec<u8>> {
        let Some(connection) = self.connections.remove(&conn) else {
            return Vec::new();
        };
        let live: Vec<ClientID> = connection
            .client_ids
            .into_iter()
            .filter(|id| self.has_live_state(*id))
            .collect();
        if live.is_empty() {
            return Vec::new();
        }
        for id in &live {
            self.awareness.remove_state(*id);
        }
        match self.awareness.update_with_clients(live) {
            Ok(update) => vec![protocol::awareness_frame(update)],
            // Unreachable: every id was just checked to have a state.
            Err(_) => Vec::new(),
        }
    }

    /// Applies an update that another node or the log accepted, and returns the frames to send
    /// to every local connection. Size limits do not apply (the accepting node enforced them;
    /// refusing here would make nodes diverge), the malformed-update guard does.
    pub fn apply_remote(&mut self, update: &[u8]) -> Result<Vec<Vec<u8>>, SyncError> {
        Ok(self
            .apply_checked(update, None)?
            .map(protocol::update_frame)
            .into_iter()
            .collect())
    }

    /// The whole document as one v1 update (pending updates included): a snapshot.
    pub fn encode_state_as_update(&self) -> Vec<u8> {
        self.awareness
            .doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    /// The document's state vector (what it has integrated).
    pub fn state_vector(&self) -> StateVector {
        self.awareness.doc().transact().state_vector()
    }

    /// The document, for read-only views ([`crate::to_json`]). Do not edit it: edits would not be
    /// on the replica, logged or broadcast.
    pub fn doc(&self) -> &Doc {
        self.awareness.doc()
    }

    /// The awareness client ids `conn` currently owns (announced with a non-null state).
    pub fn awareness_client_ids(&self, conn: ConnId) -> Vec<u64> {
        self.connections
            .get(&conn)
            .map(|c| c.client_ids.iter().map(ClientID::get).collect())
            .unwrap_or_default()
    }

    /// Number of connected connections.
    pub fn connection_count(&self) -> usize {
        self.connections.len()
    }

    /// The limits this session enforces.
    pub fn limits(&self) -> SessionLimits {
        self.limits
    }

    fn receive_awareness(
        &mut self,
        conn: ConnId,
        frame: &[u8],
        update: AwarenessUpdate,
        outcome: &mut Outcome,
    ) {
        // A connection may speak only for client ids no other connection owns; entries for
        // another connection's ids are dropped (a peer must not remove or overwrite someone
        // else's cursor). When nothing was dropped the frame is relayed byte for byte.
        let total = update.clients.len();
        let clients: HashMap<_, _> = update
            .clients
            .into_iter()
            .filter(|(id, _)| !self.owned_by_other(conn, *id))
            .collect();
        if clients.is_empty() && total > 0 {
            outcome.dropped = Some(Dropped::ForeignAwareness);
            return;
        }
        let relay = if clients.len() == total {
            frame.to_vec()
        } else {
            protocol::awareness_frame(AwarenessUpdate {
                clients: clients.clone(),
            })
        };
        if let Some(connection) = self.connections.get_mut(&conn) {
            for (id, entry) in &clients {
                if entry.json.as_ref() == "null" {
                    connection.client_ids.remove(id);
                } else {
                    connection.client_ids.insert(*id);
                }
            }
        }
        // Stale entries (an older clock) leave the server's states unchanged; the frame is still
        // relayed, because y-protocols clients re-send their state to keep it from timing out
        // and each receiver compares clocks itself.
        match self.awareness.apply_update(AwarenessUpdate { clients }) {
            Ok(()) => {}
            // Unreachable: yrs only fails here when it serialises a state, which apply does not.
            Err(_) => return,
        }
        outcome.broadcast.push(relay);
    }

    fn owned_by_other(&self, conn: ConnId, id: ClientID) -> bool {
        self.connections
            .iter()
            .any(|(other, c)| *other != conn && c.client_ids.contains(&id))
    }

    fn has_live_state(&self, id: ClientID) -> bool {
        self.awareness
            .iter()
            .any(|(client, state)| client == id && state.data.is_some())
    }

    /// An awareness frame with every non-null state; `None` when there are none, unless
    /// `even_if_empty` (a query is always answered).
    fn awareness_states_frame(&self, even_if_empty: bool) -> Option<Vec<u8>> {
        let update = self.awareness.update().ok()?;
        if update.clients.is_empty() && !even_if_empty {
            return None;
        }
        Some(protocol::awareness_frame(update))
    }

    fn check_update_size(&self, size: usize) -> Result<(), SyncError> {
        let limit = self.limits.max_update_bytes;
        if size > limit {
            return Err(SyncError::UpdateTooLarge { size, limit });
        }
        Ok(())
    }

    fn remeasure(&mut self) {
        self.size = SizeEstimate {
            measured: self.encode_state_as_update().len(),
            growth: 0,
        };
    }

    /// Decodes and integrates an update, replica first, and returns the effective update (what
    /// was new to the document) or `None` when it changed nothing.
    ///
    /// With a `document_limit`, the update is charged what it adds on the replica (its effective
    /// update, plus its own length if part of it is left pending: pending data is kept and
    /// snapshotted too). While the estimate stays under the limit nothing is measured; above it
    /// the document is measured exactly (one encode, only for documents near their limit), and
    /// if that plus the charge is still over, the replica is rebuilt and the update refused.
    fn apply_checked(
        &mut self,
        update: &[u8],
        document_limit: Option<usize>,
    ) -> Result<Option<Vec<u8>>, SyncError> {
        // Decoding twice is cheaper than cloning the decoded blocks (yrs's `Update` is not Clone).
        let for_replica = Update::decode_v1(update).map_err(SyncError::malformed)?;
        let for_document = Update::decode_v1(update).map_err(SyncError::malformed)?;
        let charge = {
            let mut txn = self.replica.transact_mut();
            match txn.apply_update(for_replica) {
                Ok(()) => {
                    let effective = if txn.insert_set().is_empty() && txn.delete_set().is_empty() {
                        0
                    } else {
                        txn.encode_update_v1().len()
                    };
                    let pending = if txn.has_missing_updates() {
                        update.len()
                    } else {
                        0
                    };
                    Ok(effective + pending)
                }
                Err(error) => Err(SyncError::malformed(error)),
            }
        };
        let charge = match charge {
            Ok(charge) => charge,
            Err(error) => {
                self.rebuild_replica()?;
                return Err(error);
            }
        };
        if let Some(limit) = document_limit
            && let Err(error) = self.check_document_size(charge, limit)
        {
            self.rebuild_replica()?;
            return Err(error);
        }
        let effective = {
            let mut txn = self.awareness.doc().transact_mut();
            if let Err(error) = txn.apply_update(for_document) {
                // The replica accepted what the document refused: not expected, as both hold the
                // same state. Re-align the replica with the document; the document may be harmed.
                drop(txn);
                self.rebuild_replica()?;
                return Err(SyncError::malformed(error));
            }
            if txn.insert_set().is_empty() && txn.delete_set().is_empty() {
                None
            } else {
                Some(txn.encode_update_v1())
            }
        };
        self.size.growth += charge;
        Ok(effective)
    }

    fn check_document_size(&mut self, charge: usize, limit: usize) -> Result<(), SyncError> {
        if charge == 0 || self.size.measured + self.size.growth + charge <= limit {
            return Ok(());
        }
        self.remeasure();
        let projected = self.size.measured + charge;
        if projected > limit {
            return Err(SyncError::DocumentTooLarge { projected, limit });
        }
        Ok(())
    }

    /// Replaces the replica with a copy of the document (after the replica took half an update).
    fn rebuild_replica(&mut self) -> Result<(), SyncError> {
        let replica = new_doc();
        let state = self.encode_state_as_update();
        let update = Update::decode_v1(&state).map_err(|error| {
            SyncError::malformed(format!("re-reading the document's own state: {error}"))
        })?;
        replica
            .transact_mut()
            .apply_update(update)
            .map_err(|error| {
                SyncError::malformed(format!("re-applying the document's own state: {error}"))
            })?;
        self.replica = replica;
        Ok(())
    }
}

fn new_doc() -> Doc {
    Doc::with_client_id(SERVER_CLIENT_ID)
}
