//! [`BusConfig`]: how to reach RabbitMQ and how to size the pool and consumers.
//!
//! Durations (de)serialize in humantime form (`"10s"`, `"250ms"`), like the other Atelier
//! config sections.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// RabbitMQ settings. Defaults are listed on [`BusConfig::default`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BusConfig {
    /// AMQP URL, e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`.
    pub url: String,
    /// Prefix of every exchange and queue name (`atelier`, or a per-test `t01h...`).
    pub prefix: String,
    /// Maximum number of pooled connections (publishers, declarations, DLQ tools).
    /// Consumers hold their own, dedicated connection each.
    pub pool_size: usize,
    /// `basic.qos` prefetch per consumer channel; also the number of deliveries a consumer
    /// handles concurrently.
    pub prefetch: u16,
    /// `x-delivery-limit` of every work queue: how often the broker redelivers a message whose
    /// handler never settled it (crash, lost connection) before dead-lettering it.
    pub delivery_limit: u32,
    /// How long a publish waits for the broker confirm.
    #[serde(with = "humantime_serde")]
    pub confirm_timeout: Duration,
    /// Cap of the consumer reconnect backoff (it starts at 100ms and doubles).
    #[serde(with = "humantime_serde")]
    pub reconnect_backoff_max: Duration,
}

impl Default for BusConfig {
    /// Local broker with the guest account, prefix `atelier`, 16 pooled connections,
    /// prefetch 32, delivery limit 5, confirm timeout 10s, reconnect backoff capped at 10s.
    fn default() -> Self {
        Self {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            prefix: "atelier".to_owned(),
            pool_size: 16,
            prefetch: 32,
            delivery_limit: 5,
            confirm_timeout: Duration::from_secs(10),
            reconnect_backoff_max: Duration::from_secs(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_humantime_durations_and_fills_defaults() {
        let config: BusConfig = serde_json::from_str(
            r#"{"prefix": "staging", "confirm_timeout": "2s 500ms", "reconnect_backoff_max": "30s"}"#,
        )
        .expect("valid config");
        assert_eq!(
            config,
            BusConfig {
                prefix: "staging".to_owned(),
                confirm_timeout: Duration::from_millis(2_500),
                reconnect_backoff_max: Duration::from_secs(30),
                ..BusConfig::default()
            }
        );
        let round_trip: BusConfig =
            serde_json::from_str(&serde_json::to_string(&config).expect("serializes"))
                .expect("deserializes");
        assert_eq!(round_trip, config);
    }
}
