//! Conversions between AMQP field tables and plain values, and the names of Atelier's own
//! message headers.

use std::collections::BTreeMap;

use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};

use crate::BusError;

/// Attempt number (1-based) of the delivery that carries it.
pub(crate) const ATTEMPT: &str = "x-atelier-attempt";
/// The routing key the event was first published with (retries and replays travel through the
/// default exchange, whose routing key is the queue name).
pub(crate) const ROUTING_KEY: &str = "x-atelier-routing-key";
pub(crate) const LAST_ERROR: &str = "x-atelier-last-error";
pub(crate) const DEAD_LETTERED_AT: &str = "x-atelier-dead-lettered-at";
pub(crate) const REASON: &str = "x-atelier-reason";

/// Headers the broker adds when it dead-letters or redelivers; dropped from copies we publish
/// so they do not grow with every retry cycle.
const BROKER_HEADERS: &[&str] = &[
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
];

/// A short string (exchange, queue, routing key, header name), checked for AMQP's 255 bytes.
pub(crate) fn short(value: &str) -> Result<ShortString, BusError> {
    ShortString::try_new(value).map_err(|_| BusError::NameTooLong(value.to_owned()))
}

pub(crate) fn string_value(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(text) => Some(String::from_utf8_lossy(text.as_bytes()).into_owned()),
        AMQPValue::ShortString(text) => Some(text.as_str().to_owned()),
        _ => None,
    }
}

fn integer_value(value: &AMQPValue) -> Option<i64> {
    match value {
        AMQPValue::ShortShortInt(number) => Some(i64::from(*number)),
        AMQPValue::ShortShortUInt(number) => Some(i64::from(*number)),
        AMQPValue::ShortInt(number) => Some(i64::from(*number)),
        AMQPValue::ShortUInt(number) => Some(i64::from(*number)),
        AMQPValue::LongInt(number) => Some(i64::from(*number)),
        AMQPValue::LongUInt(number) => Some(i64::from(*number)),
        AMQPValue::LongLongInt(number) => Some(*number),
        AMQPValue::LongString(_) | AMQPValue::ShortString(_) => {
            string_value(value).and_then(|text| text.trim().parse().ok())
        }
        _ => None,
    }
}

pub(crate) fn get_string(headers: Option<&FieldTable>, key: &str) -> Option<String> {
    headers?.inner().get(key).and_then(string_value)
}

/// The attempt header, at least 1; absent or unreadable means the first attempt.
pub(crate) fn attempt(headers: Option<&FieldTable>) -> u32 {
    headers
        .and_then(|table| table.inner().get(ATTEMPT))
        .and_then(integer_value)
        .and_then(|number| u32::try_from(number).ok())
        .unwrap_or(1)
        .max(1)
}

/// String-valued headers only.
pub(crate) fn string_map(headers: Option<&FieldTable>) -> BTreeMap<String, String> {
    headers
        .map(|table| {
            table
                .inner()
                .iter()
                .filter_map(|(key, value)| Some((key.as_str().to_owned(), string_value(value)?)))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn set_string(headers: &mut FieldTable, key: &str, value: &str) -> Result<(), BusError> {
    headers.insert(short(key)?, AMQPValue::LongString(LongString::from(value)));
    Ok(())
}

pub(crate) fn set_attempt(headers: &mut FieldTable, attempt: u32) {
    headers.insert(
        ShortString::from(ATTEMPT),
        AMQPValue::LongLongInt(i64::from(attempt)),
    );
}

/// A copy of `headers` without the broker's dead-letter bookkeeping and without `remove`.
pub(crate) fn copy_without(headers: Option<&FieldTable>, remove: &[&str]) -> FieldTable {
    let mut copy = FieldTable::default();
    if let Some(table) = headers {
        for (key, value) in table {
            let name = key.as_str();
            if !BROKER_HEADERS.contains(&name) && !remove.contains(&name) {
                copy.insert(key.clone(), value.clone());
            }
        }
    }
    copy
}

/// The most recent `x-death` entry the broker added, if any.
pub(crate) struct BrokerDeath {
    pub reason: Option<String>,
    pub routing_key: Option<String>,
    pub time: Option<chrono::DateTime<chrono::Utc>>,
}

pub(crate) fn latest_death(headers: Option<&FieldTable>) -> Option<BrokerDeath> {
    let AMQPValue::FieldArray(deaths) = headers?.inner().get("x-death")? else {
        return None;
    };
    // The broker keeps the most recent death first.
    let AMQPValue::FieldTable(death) = deaths.as_slice().first()? else {
        return None;
    };
    let entries = death.inner();
    let routing_key = match entries.get("routing-keys") {
        Some(AMQPValue::FieldArray(keys)) => keys.as_slice().first().and_then(string_value),
        _ => None,
    };
    let time = match entries.get("time") {
        Some(AMQPValue::Timestamp(seconds)) => i64::try_from(*seconds)
            .ok()
            .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0)),
        _ => None,
    };
    Some(BrokerDeath {
        reason: entries.get("reason").and_then(string_value),
        routing_key,
        time,
    })
}

#[cfg(test)]
mod tests {
    use lapin::types::FieldArray;

    use super::*;

    #[test]
    fn reads_attempts_of_any_integer_or_string_type() {
        let cases: Vec<(Option<AMQPValue>, u32)> = vec![
            (None, 1),
            (Some(AMQPValue::LongLongInt(3)), 3),
            (Some(AMQPValue::LongInt(2)), 2),
            (Some(AMQPValue::ShortShortUInt(4)), 4),
            (Some(AMQPValue::LongString("5".into())), 5),
            (Some(AMQPValue::LongLongInt(0)), 1),
            (Some(AMQPValue::LongLongInt(-2)), 1),
            (Some(AMQPValue::Boolean(true)), 1),
        ];
        for (value, expected) in cases {
            let mut table = FieldTable::default();
            if let Some(value) = value.clone() {
                table.insert(ATTEMPT.into(), value);
            }
            assert_eq!(attempt(Some(&table)), expected, "{value:?}");
        }
    }

    #[test]
    fn copies_without_broker_headers() {
        let mut table = FieldTable::default();
        table.insert(
            "x-death".into(),
            AMQPValue::FieldArray(FieldArray::default()),
        );
        table.insert("x-delivery-count".into(), AMQPValue::LongLongInt(2));
        table.insert("tenant".into(), AMQPValue::LongString("ten_1".into()));
        table.insert(ATTEMPT.into(), AMQPValue::LongLongInt(2));
        let copy = copy_without(Some(&table), &[ATTEMPT]);
        assert_eq!(
            string_map(Some(&copy)),
            BTreeMap::from([("tenant".to_owned(), "ten_1".to_owned())])
        );
    }

    #[test]
    fn reads_the_latest_death() {
        let mut death = FieldTable::default();
        death.insert(
            "reason".into(),
            AMQPValue::LongString("delivery_limit".into()),
        );
        let mut keys = FieldArray::default();
        keys.push(AMQPValue::LongString("doc.created".into()));
        death.insert("routing-keys".into(), AMQPValue::FieldArray(keys));
        death.insert("time".into(), AMQPValue::Timestamp(1_700_000_000));
        let mut deaths = FieldArray::default();
        deaths.push(AMQPValue::FieldTable(death));
        let mut table = FieldTable::default();
        table.insert("x-death".into(), AMQPValue::FieldArray(deaths));
        let latest = latest_death(Some(&table)).expect("a death");
        assert_eq!(latest.reason.as_deref(), Some("delivery_limit"));
        assert_eq!(latest.routing_key.as_deref(), Some("doc.created"));
        assert_eq!(
            latest.time.map(|time| time.to_rfc3339()),
            Some("2023-11-14T22:13:20+00:00".to_owned())
        );
        assert!(latest_death(None).is_none());
    }
}
