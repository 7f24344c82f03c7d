//! Webhook endpoint records.

use std::collections::BTreeMap;

use atelier_core::{TenantId, define_id};
use serde::{Deserialize, Serialize};

define_id!(
    /// A webhook endpoint of a tenant.
    EndpointId,
    "wep"
);

/// One signing secret of an endpoint. During a rotation the previous secret stays until
/// `expires_at_ms`, and deliveries are signed with every unexpired secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointSecret {
    /// `whsec_` followed by base64 of 24 to 64 random bytes (Standard Webhooks).
    pub secret: String,
    pub created_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<i64>,
}

/// A stored endpoint. Times are Unix milliseconds (see the README on the dev server's dates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointRecord {
    #[serde(rename = "_id")]
    pub id: EndpointId,
    pub tenant: TenantId,
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Event types delivered; empty means every type.
    #[serde(default)]
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why the platform disabled it (`gone` after a 410, `failing` after failing too long).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Deliveries per second to this endpoint; `None` is unthrottled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_second: Option<u32>,
    /// Extra headers sent with every delivery.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Newest first.
    pub secrets: Vec<EndpointSecret>,
    /// Start of the current run of failed deliveries; cleared by a success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl EndpointRecord {
    /// Whether an event of `event_type` goes to this endpoint.
    pub fn wants(&self, event_type: &str) -> bool {
        self.enabled
            && (self.event_types.is_empty() || self.event_types.iter().any(|t| t == event_type))
    }

    /// Secrets that still sign deliveries at `now_ms`, newest first.
    pub fn signing_secrets(&self, now_ms: i64) -> impl Iterator<Item = &EndpointSecret> {
        self.secrets
            .iter()
            .filter(move |secret| secret.expires_at_ms.is_none_or(|at| at > now_ms))
    }
}
