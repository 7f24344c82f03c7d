//! The sans-IO Yjs sync core of the canvas product: what a y-websocket compatible server does
//! with the frames of the connections on one document, without sockets, tasks or storage.
//!
//! A server holds one [`DocumentSession`] per loaded document, calls [`DocumentSession::connect`]
//! when a socket joins, [`DocumentSession::receive`] for each binary frame and
//! [`DocumentSession::disconnect`] when it leaves, and carries out the returned [`Outcome`]:
//! `reply` to the sender, `broadcast` to the other connections, `accepted_update` to the
//! document's log (and to the other nodes, which call [`DocumentSession::apply_remote`]).
//!
//! - [`session`]: the session, its limits and outcomes.
//! - [`protocol`]: reading client frames, writing server frames, the durable ack.
//! - [`view`]: a JSON rendering of declared roots and a root/key diff of two versions.
//! - [`error`]: [`SyncError`] and its WebSocket close codes.
//!
//! # Wire format (y-protocols, as y-websocket speaks it)
//!
//! One message per WebSocket binary frame; integers are lib0 varuints, `buf` is a varuint
//! length followed by that many bytes.
//!
//! | frame | meaning |
//! |---|---|
//! | `0 0 buf(state vector)` | sync step 1: "send me what I miss" |
//! | `0 1 buf(update v1)` | sync step 2: the answer to a step 1 |
//! | `0 2 buf(update v1)` | an incremental update |
//! | `1 buf(awareness update)` | awareness: `varuint n`, then `n` × (`varuint client id`, `varuint clock`, `varstring state JSON`, `"null"` = gone) |
//! | `2 …` | auth (server to client; ignored from clients) |
//! | `3` | query awareness: the server answers with every current state |
//! | `100 buf(state vector)` | **durable ack** (Atelier's extension, server to client) |
//!
//! For example `[0, 0, 1, 0]` is a step 1 with an empty state vector, and an empty awareness
//! answer is `[1, 1, 0]`.
//!
//! # Decisions
//!
//! - **Handshake.** On connect a writer gets a step 1 with the server's state vector (its step 2
//!   brings the client's offline edits); every connection gets the current awareness states if
//!   there are any. Every step 1 a client sends is answered with a step 2, read-only or not.
//! - **Read-only connections** (viewers, commenters): their step 2 and update frames are dropped
//!   ([`Dropped::ReadOnlyUpdate`]: no error, no broadcast, nothing logged); their awareness is
//!   relayed. They are not sent a step 1, since its answer would be dropped.
//! - **Updates** (step 2 and update alike) are checked against
//!   [`SessionLimits::max_update_bytes`] (before the role, so a viewer cannot push large frames
//!   either), decoded, and integrated into a replica before the document, so an update that does
//!   not decode or fails half-way through integration leaves the document untouched. What the
//!   update added on the replica is then checked against [`SessionLimits::max_document_bytes`]
//!   (measured exactly only near the limit), so re-sent known updates never count. What was new
//!   to the document is broadcast as an update frame and returned as `accepted_update`; an update
//!   that changed nothing is neither. An update whose dependencies are missing waits in yrs's
//!   pending set (counted at its full length against the document limit, and included in
//!   snapshots) and is broadcast and returned once it integrates.
//! - **Awareness** frames are relayed to the others byte for byte, including re-sent states
//!   whose clock did not move (clients renew their state every 15 s and compare clocks
//!   themselves). A connection owns the client ids it announced a state for; it cannot speak
//!   for ids another connection owns (those entries are dropped). On disconnect the owned ids
//!   that still have a state are set to null with the next clock and that frame is broadcast.
//! - **Malformed frames** close the connection (1007): a truncated varint or buffer, an unknown
//!   sync sub-type, bytes after the message, a payload that does not decode or integrate.
//! - **Unknown message types** are ignored, their body unread ([`Dropped::UnknownMessage`]),
//!   as y-protocols peers do: a message type we do not know has no length we could check.
//!   Auth (2) and durable ack (100) from a client are ignored the same way
//!   ([`Dropped::ServerOnlyMessage`]).
//!
//! # The durable ack
//!
//! `varuint(100) · buf(state vector v1)`, built by [`encode_durable_ack`] and read by
//! [`decode_durable_ack`]: the state vector of what the server has made durable in the
//! document's log. A client that has all its edits covered by it may drop its local copy.
//!
//! Stock y-websocket 3.1.0 clients look the message type up in `provider.messageHandlers`; for
//! an unknown type they `console.error('Unable to compute message')`, send nothing back and keep
//! the connection open (the frame still counts as traffic for their 30 s liveness check). So a
//! stock client tolerates the ack but logs an error for each one: the server sends acks only to
//! clients that asked for them. A client opts in by registering
//! `provider.messageHandlers[100] = (encoder, decoder, provider) => ...` and telling the server
//! so when it connects (the product crate decides how, e.g. a query parameter).
//!
//! # Limits of yrs 0.28 worth knowing
//!
//! yrs builds client ids with a `debug_assert!` that they fit in 53 bits; a crafted update or
//! awareness entry with a larger id panics a debug build while decoding (release builds mask
//! the id). Yjs clients never produce such ids.

pub mod error;
pub mod protocol;
pub mod restore;
pub mod session;
pub mod view;

pub use error::SyncError;
pub use protocol::{decode_durable_ack, encode_durable_ack};
pub use restore::restore_update;
pub use session::{ConnId, DocumentSession, Dropped, Outcome, SessionLimits};
pub use view::{Change, Root, RootKind, diff, to_json};
/// The yrs version this crate is built on, re-exported so callers use the same types.
pub use yrs;
