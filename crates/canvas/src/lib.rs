//! Canvas: collaborative Yjs documents.
//!
//! - [`log`]: the append-only update log (group commit, load, compaction, purge).

pub mod log;
