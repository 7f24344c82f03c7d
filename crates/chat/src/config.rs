//! Chat settings of a deployment (the `chat` section of the configuration).

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatConfig {
    /// Longest message text, in characters (Unicode scalar values).
    pub max_message_chars: usize,
    /// How often the scheduled-send worker looks for due messages.
    #[serde(with = "humantime_serde")]
    pub scheduler_poll_interval: Duration,
    /// How long a worker's claim on a scheduled message lasts before another node may take it
    /// over (a node that died while sending).
    #[serde(with = "humantime_serde")]
    pub scheduler_claim_ttl: Duration,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            max_message_chars: 4000,
            scheduler_poll_interval: Duration::from_millis(250),
            scheduler_claim_ttl: Duration::from_secs(30),
        }
    }
}
