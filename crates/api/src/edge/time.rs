//! [`Timestamp`]: how every time in the HTTP API is written: RFC 3339 in UTC with `Z`
//! (`2026-01-31T09:00:00.123Z`), as in events (`occurred_at`) and webhook payloads.
//!
//! poem-openapi writes `chrono::DateTime<Utc>` as `+00:00`; this type is the same string
//! `date-time` in the spec, written the way `serde` writes it in events.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type},
};
use serde_json::Value;

/// A UTC time as the API writes it (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// From Unix milliseconds (`None` when out of range).
    pub fn from_millis(millis: i64) -> Option<Self> {
        DateTime::from_timestamp_millis(millis).map(Self)
    }

    /// The RFC 3339 text with `Z`.
    pub fn text(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl std::ops::Deref for Timestamp {
    type Target = DateTime<Utc>;

    fn deref(&self) -> &DateTime<Utc> {
        &self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(time: DateTime<Utc>) -> Self {
        Self(time)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(time: Timestamp) -> Self {
        time.0
    }
}

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(text) => Self::parse_from_parameter(&text),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ParseFromParameter for Timestamp {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.parse::<DateTime<Utc>>()?))
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_with_z_like_events() {
        let time = DateTime::parse_from_rfc3339("2026-01-31T09:00:00.123+00:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            Timestamp(time).to_json(),
            Some(Value::String("2026-01-31T09:00:00.123Z".to_owned()))
        );
        // The same text serde writes in event envelopes.
        assert_eq!(
            serde_json::to_value(time).unwrap(),
            Value::String("2026-01-31T09:00:00.123Z".to_owned())
        );
        assert_eq!(
            Timestamp::parse_from_parameter("2026-01-31T10:00:00.123+01:00").unwrap(),
            Timestamp(time)
        );
    }
}
