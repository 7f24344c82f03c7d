//! Canvas: collaborative Yjs documents.
//!
//! - [`log`]: the append-only update log (group commit, load, compaction, purge).
//! - [`sync`]: the node's live documents (one task per loaded document, durable acks,
//!   compaction requests, eviction).

pub mod log;
pub mod sync;
