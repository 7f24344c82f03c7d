//! Feeds settings of a deployment (the `feeds` section of the configuration).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedsConfig {
    /// Entries kept per feed; older ones are trimmed on write.
    pub max_feed_length: u64,
    /// Largest `extra` data of an activity, in bytes of its JSON.
    pub max_extra_bytes: usize,
    /// Follower feeds written per fan-out transaction.
    pub fanout_chunk_size: usize,
    /// Activities copied by a follow when the request names no backfill limit.
    pub default_backfill: u32,
    /// Largest backfill limit a follow may ask for.
    pub max_backfill: u32,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        Self {
            max_feed_length: 1000,
            max_extra_bytes: 4096,
            fanout_chunk_size: 100,
            default_backfill: 100,
            max_backfill: 1000,
        }
    }
}
