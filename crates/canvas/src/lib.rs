//! Canvas: collaborative Yjs documents.
//!
//! - [`log`]: the append-only update log (group commit, load, compaction, purge).
//! - [`fanout`]: multi-node documents (updates shared through RabbitMQ).
//! - [`sync`]: the node's live documents (one task per loaded document, durable acks,
//!   compaction requests, eviction).

pub mod fanout;
pub mod log;
pub mod sync;
