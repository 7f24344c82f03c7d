//! The event envelope: what every state change others care about becomes.
//!
//! A service builds a [`NewEvent`] next to its domain write; the outbox stores it in the same
//! transaction and the relay publishes the [`EventEnvelope`] to RabbitMQ, routed by `type`.
//! The envelope is a wire format (queues, webhooks, the event log): fields are only ever added.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{EventId, TenantId};

/// Version of the envelope layout itself (not of an event type's `data`).
pub const ENVELOPE_VERSION: u32 = 1;

/// An event a domain write produces, before the outbox stamps it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Dotted lowercase type, e.g. `chat.message.created`. Also the RabbitMQ routing key.
    pub event_type: String,
    /// Version of this type's `data` schema.
    pub data_version: u32,
    /// What the event is about, e.g. `channel` / `chn_01J...`. Events of one aggregate are
    /// published in the order they were written.
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub data: serde_json::Value,
}

impl NewEvent {
    pub fn new(
        event_type: impl Into<String>,
        aggregate_type: impl Into<String>,
        aggregate_id: impl Into<String>,
        data: serde_json::Value,
    ) -> Self {
        Self {
            event_type: event_type.into(),
            data_version: 1,
            aggregate_type: aggregate_type.into(),
            aggregate_id: aggregate_id.into(),
            data,
        }
    }

    /// Stamps the event with its id, tenant and time.
    pub fn into_envelope(self, tenant: TenantId, occurred_at: DateTime<Utc>) -> EventEnvelope {
        EventEnvelope {
            envelope_version: ENVELOPE_VERSION,
            id: EventId::generate(),
            event_type: self.event_type,
            data_version: self.data_version,
            tenant,
            aggregate_type: self.aggregate_type,
            aggregate_id: self.aggregate_id,
            occurred_at,
            data: self.data,
        }
    }
}

/// The published form of an event (JSON on RabbitMQ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    pub envelope_version: u32,
    pub id: EventId,
    #[serde(rename = "type")]
    pub event_type: String,
    pub data_version: u32,
    pub tenant: TenantId,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub occurred_at: DateTime<Utc>,
    pub data: serde_json::Value,
}

/// Why an event type name is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event type `{0}` must be 2 to 5 dot-separated lowercase words ([a-z0-9_]+)")]
pub struct InvalidEventType(pub String);

/// Checks an event type: it doubles as a RabbitMQ topic routing key, so `*`, `#` and empty
/// words are not allowed.
pub fn validate_event_type(event_type: &str) -> Result<(), InvalidEventType> {
    let words: Vec<&str> = event_type.split('.').collect();
    let word_ok = |word: &&str| {
        !word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if (2..=5).contains(&words.len()) && words.iter().all(word_ok) {
        Ok(())
    } else {
        Err(InvalidEventType(event_type.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_table() {
        let cases = [
            ("chat.message.created", true),
            ("webhook.attempt.exhausted", true),
            ("a.b", true),
            ("single", false),
            ("chat..created", false),
            ("chat.*.created", false),
            ("chat.#", false),
            ("Chat.Message", false),
            ("a.b.c.d.e.f", false),
        ];
        for (input, ok) in cases {
            assert_eq!(validate_event_type(input).is_ok(), ok, "{input}");
        }
    }

    #[test]
    fn envelope_json_shape() {
        let tenant = TenantId::generate();
        let event = NewEvent::new(
            "chat.message.created",
            "channel",
            "chn_1",
            serde_json::json!({"x": 1}),
        )
        .into_envelope(tenant, Utc::now());
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "chat.message.created");
        assert_eq!(json["tenant"], tenant.to_string());
        assert!(json["id"].as_str().unwrap().starts_with("evt_"));
        let back: EventEnvelope = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }
}
