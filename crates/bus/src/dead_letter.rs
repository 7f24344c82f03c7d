//! [`DeadLetter`], what operators see of a message in a dead-letter queue, and the header
//! rewrite that replays one.
//!
//! A DLQ holds two kinds of messages: those a consumer moved there (our `x-atelier-*` headers
//! say why), and those the broker moved after `x-delivery-limit` unsettled deliveries (only the
//! broker's `x-death` header says why, with reason `delivery_limit`). Both read the same here.

use lapin::{BasicProperties, message::Delivery as AmqpDelivery};
use serde::Serialize;

use crate::{
    BusError,
    bus::persistent_properties,
    headers::{self, ATTEMPT, DEAD_LETTERED_AT, LAST_ERROR, REASON, ROUTING_KEY},
};

/// A message in a dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    pub message_id: Option<String>,
    /// The routing key the event was published with.
    pub routing_key: String,
    /// The attempt that failed last.
    pub attempt: u32,
    /// `exhausted`, `rejected`, or the broker's reason (`delivery_limit`, ...).
    pub reason: String,
    pub last_error: Option<String>,
    /// RFC 3339.
    pub dead_lettered_at: Option<String>,
    /// The body, UTF-8 with invalid sequences replaced.
    pub body: String,
}

pub(crate) fn from_delivery(delivery: &AmqpDelivery) -> DeadLetter {
    let table = delivery.properties.headers().as_ref();
    let death = headers::latest_death(table);
    let routing_key = headers::get_string(table, ROUTING_KEY)
        .or_else(|| death.as_ref().and_then(|death| death.routing_key.clone()))
        .unwrap_or_else(|| delivery.routing_key.as_str().to_owned());
    let reason = headers::get_string(table, REASON)
        .or_else(|| death.as_ref().and_then(|death| death.reason.clone()))
        .unwrap_or_else(|| "unknown".to_owned());
    let dead_lettered_at = headers::get_string(table, DEAD_LETTERED_AT).or_else(|| {
        death
            .as_ref()
            .and_then(|death| death.time)
            .map(|time| time.to_rfc3339())
    });
    DeadLetter {
        message_id: delivery
            .properties
            .message_id()
            .as_ref()
            .map(|id| id.as_str().to_owned()),
        routing_key,
        attempt: headers::attempt(table),
        reason,
        last_error: headers::get_string(table, LAST_ERROR),
        dead_lettered_at,
        body: String::from_utf8_lossy(&delivery.data).into_owned(),
    }
}

/// Properties of the replayed copy: same id, content type and timestamp, the original routing
/// key kept in a header, attempt 1, no dead-letter bookkeeping.
pub(crate) fn replay_properties(delivery: &AmqpDelivery) -> Result<BasicProperties, BusError> {
    let letter = from_delivery(delivery);
    let table = delivery.properties.headers().as_ref();
    let mut copy = headers::copy_without(table, &[ATTEMPT, REASON, DEAD_LETTERED_AT, LAST_ERROR]);
    headers::set_attempt(&mut copy, 1);
    headers::set_string(&mut copy, ROUTING_KEY, &letter.routing_key)?;
    Ok(copy_properties(&delivery.properties).with_headers(copy))
}

/// The original's id, content type and timestamp on a persistent message.
pub(crate) fn copy_properties(original: &BasicProperties) -> BasicProperties {
    let mut properties = persistent_properties();
    if let Some(id) = original.message_id() {
        properties = properties.with_message_id(id.clone());
    }
    if let Some(content_type) = original.content_type() {
        properties = properties.with_content_type(content_type.clone());
    }
    if let Some(timestamp) = original.timestamp() {
        properties = properties.with_timestamp(*timestamp);
    }
    properties
}
