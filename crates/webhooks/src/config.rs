//! Webhook settings of a deployment (the `webhooks` section of the configuration).

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Accept `http://` endpoint URLs (local development and tests only).
    pub allow_http: bool,
    /// Hosts or IP addresses exempt from the SSRF guard, comma-separated in the environment,
    /// e.g. `127.0.0.1` in tests. Everything resolving to private, loopback or link-local
    /// addresses is refused otherwise.
    pub allowed_hosts: Vec<String>,
    /// Delay before each retry, in order: `5s,5m,30m,2h,5h,10h,10h` by default.
    #[serde(with = "duration_list")]
    pub retry_schedule: Vec<Duration>,
    /// TCP connect timeout of a delivery.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Whole-request timeout of a delivery.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Longest `Retry-After` honoured from a receiver.
    #[serde(with = "humantime_serde")]
    pub max_retry_after: Duration,
    /// An endpoint failing without a single success for this long is disabled.
    #[serde(with = "humantime_serde")]
    pub disable_after: Duration,
    /// How long the previous secret keeps signing after a rotation.
    #[serde(with = "humantime_serde")]
    pub secret_rotation_overlap: Duration,
    /// How long the delivery path reuses an endpoint record it read (`0s` reads it for every
    /// event and delivery). Changes made through the API reach deliveries within this time.
    #[serde(with = "humantime_serde")]
    pub endpoint_cache_ttl: Duration,
    /// Longest a delivery waits in the consumer for its endpoint's throttle slot; a delivery
    /// further out is put back on a delay tier without using an attempt.
    #[serde(with = "humantime_serde")]
    pub throttle_max_wait: Duration,
    /// Deliveries one node sends at once (the prefetch of the delivery consumer, and of the
    /// fan-out consumer, which waits on job confirms). Both mostly wait on the network, so
    /// this is larger than `amqp.prefetch`.
    pub delivery_concurrency: u16,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Self {
            allow_http: false,
            allowed_hosts: Vec::new(),
            retry_schedule: vec![
                Duration::from_secs(5),
                minutes(5),
                minutes(30),
                minutes(120),
                minutes(300),
                minutes(600),
                minutes(600),
            ],
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_retry_after: minutes(60),
            disable_after: Duration::from_secs(5 * 24 * 3600),
            secret_rotation_overlap: Duration::from_secs(24 * 3600),
            endpoint_cache_ttl: Duration::from_secs(1),
            throttle_max_wait: Duration::from_secs(1),
            delivery_concurrency: 128,
        }
    }
}

/// A duration list written as one comma-separated string (`5s,5m,30m`), so it fits an
/// environment variable.
mod duration_list {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &[Duration], serializer: S) -> Result<S::Ok, S::Error> {
        let text: Vec<String> = value
            .iter()
            .map(|duration| humantime::format_duration(*duration).to_string())
            .collect();
        serializer.serialize_str(&text.join(","))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Duration>, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| humantime::parse_duration(part).map_err(serde::de::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_round_trips_as_text() {
        let config = WebhooksConfig::default();
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["retry_schedule"], "5s,5m,30m,2h,5h,10h,10h");
        let back: WebhooksConfig = serde_json::from_value(json).unwrap();
        assert_eq!(back, config);
    }
}
