//! Canvas: collaborative Yjs documents.
//!
//! - [`log`]: the append-only update log (group commit, load, compaction, purge).
//! - [`fanout`]: multi-node documents (updates shared through RabbitMQ).
//! - [`metrics`]: the canvas series.
//! - [`sync`]: the node's live documents (one task per loaded document, durable acks,
//!   compaction requests, eviction).
//! - [`versions`]: named, periodic and before-restore versions of a document.

pub mod fanout;
pub mod log;
pub mod metrics;
pub mod sync;
pub mod versions;
