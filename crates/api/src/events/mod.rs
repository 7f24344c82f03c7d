//! The event catalog and the replayable event log over HTTP.
//!
//! - `GET /v1/event-types` (`events.types.list`): every event type with its `data` JSON Schema,
//!   from the deployment's [`Catalog`];
//! - `GET /v1/events` (`events.list`): the tenant's published events in log order, by opaque
//!   cursor (the edge's one codec; the position is the last event's `(log_batch, order)`);
//!   clients treat it as opaque.
//!
//! A client replays by following `next_cursor` until `has_more` is false, then keeps polling
//! with the last `next_cursor` (echoed when a page is empty) to tail the log.

use crate::edge::time::Timestamp;
use atelier_core::{EventEnvelope, EventId};
use atelier_outbox::OutboxError;
use atelier_webhooks::EventLog;
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Query, payload::Json};

use crate::{
    ApiState, ApiTags,
    auth::ApiKeyAuth,
    edge::{Page, cursor, page, webhook_error},
    problem::ErrorResponse,
};

/// The event log's cursor kind (its position: `(log_batch, order)` of the last event read).
const CURSOR_KIND: &str = "events";

/// The event catalog and event log API.
#[derive(Debug, Default)]
pub struct EventsApi;

const DEFAULT_LIMIT: u32 = 100;
/// Longest `types` list accepted, in bytes (the catalog is far smaller).
const MAX_TYPES_LENGTH: usize = 4096;

/// One catalogued event type.
#[derive(Debug, Object)]
pub struct EventTypeView {
    /// Dotted type, also the RabbitMQ routing key, e.g. `identity.user.created`.
    #[oai(rename = "type")]
    pub event_type: String,
    /// Version of the `data` layout this schema describes.
    pub data_version: u32,
    /// What happened, in one line.
    pub description: String,
    /// JSON Schema (draft 2020-12) of the event's `data`.
    pub schema: serde_json::Value,
}

/// One event, as published (the event envelope).
#[derive(Debug, Object)]
pub struct Event {
    /// Stable event id (`evt_...`); de-duplicate on it.
    pub id: String,
    /// The event type; see `GET /v1/event-types`.
    #[oai(rename = "type")]
    pub event_type: String,
    /// Version of the envelope layout.
    pub envelope_version: u32,
    /// Version of this type's `data` schema.
    pub data_version: u32,
    /// The tenant (`ten_...`).
    pub tenant: String,
    pub occurred_at: Timestamp,
    /// What the event is about, e.g. `workspace`.
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// Type-specific payload, valid against the type's schema.
    pub data: serde_json::Value,
}

#[derive(Debug, ApiResponse)]
pub enum EventTypeListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<EventTypeView>>),
}

#[derive(Debug, ApiResponse)]
pub enum EventPageResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Event>>),
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Events")]
impl EventsApi {
    /// Every event type the platform emits, with the JSON Schema of its `data` (API key).
    #[oai(
        path = "/event-types",
        method = "get",
        operation_id = "events.types.list"
    )]
    async fn list_types(
        &self,
        auth: ApiKeyAuth,
        state: Data<&ApiState>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<EventTypeListResponse, ErrorResponse> {
        const KIND: &str = "event_types";
        let ApiKeyAuth(principal) = auth;
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        // Ordered by type, then data version (a position sorts as the pair does).
        let mut entries: Vec<(String, EventTypeView)> = state
            .service::<EventLog>()?
            .types(&principal)
            .map_err(webhook_error)?
            .iter()
            .map(|entry| {
                let position = format!("{}@{:010}", entry.event_type, entry.data_version);
                let view = EventTypeView {
                    event_type: entry.event_type.to_owned(),
                    data_version: entry.data_version,
                    description: entry.description.to_owned(),
                    schema: entry.schema.clone(),
                };
                (position, view)
            })
            .collect();
        entries.sort_by(|(a, _), (b, _)| a.cmp(b));
        let slice = request.slice(entries, |(position, _)| position);
        Ok(EventTypeListResponse::Ok(Json(Page::by_id(
            KIND,
            slice,
            |(position, _)| position.clone(),
            |(_, view)| view,
        ))))
    }

    /// The tenant's published events in log order, after a cursor (API key). Replay from the
    /// start by omitting `cursor`; tail the log by polling with the last `next_cursor`.
    /// Events older than the retention period (30 days by default) are no longer listed.
    #[oai(path = "/events", method = "get", operation_id = "events.list")]
    async fn list(
        &self,
        auth: ApiKeyAuth,
        state: Data<&ApiState>,
        /// Opaque cursor from a previous page's `next_cursor`; omit to start at the oldest
        /// retained event.
        cursor: Query<Option<String>>,
        /// Comma-separated event types to include (default: all); each must be catalogued.
        types: Query<Option<String>>,
        /// Page size, 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> Result<EventPageResponse, ErrorResponse> {
        let ApiKeyAuth(principal) = auth;
        let log = state.service::<EventLog>()?;
        let position = log_position(cursor.0.as_deref())?;
        let types = parse_types(types.0.as_deref().unwrap_or_default())?;
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        let events = log
            .page(&principal, position, &types, i64::from(limit) + 1)
            .await
            .map_err(webhook_error)?;
        let items = events
            .iter()
            .map(|event| {
                let position = (event.log_batch.unwrap_or_default(), event.order.as_str());
                let view = event.to_envelope().map(event_view)?;
                Ok((cursor::encode(CURSOR_KIND, &position), view))
            })
            .collect::<Result<Vec<_>, OutboxError>>()
            .map_err(|error| webhook_error(error.into()))?;
        Ok(EventPageResponse::Ok(Json(Page::of_log(
            items,
            limit as usize,
            cursor.0.filter(|text| !text.is_empty()),
            |(position, _)| position.clone(),
            |(_, view)| view,
        ))))
    }
}

/// The log position in `given`: `(log_batch, order)` of a published event, in a cursor of
/// this list.
fn log_position(given: Option<&str>) -> Result<Option<(i64, String)>, ErrorResponse> {
    cursor::decode::<(i64, String)>(CURSOR_KIND, "cursor", given)?
        .map(|(log_batch, order)| {
            (log_batch >= 1 && order.parse::<EventId>().is_ok())
                .then_some((log_batch, order))
                .ok_or_else(|| cursor::invalid("cursor"))
        })
        .transpose()
}

/// Splits `a.b.c, d.e.f` into distinct types (the service refuses unknown ones).
fn parse_types(text: &str) -> Result<Vec<String>, ErrorResponse> {
    if text.len() > MAX_TYPES_LENGTH {
        return Err(ErrorResponse::invalid_field(
            "types",
            format!("must be at most {MAX_TYPES_LENGTH} characters"),
        ));
    }
    let mut types: Vec<String> = Vec::new();
    for event_type in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !types.iter().any(|known| known == event_type) {
            types.push(event_type.to_owned());
        }
    }
    Ok(types)
}

fn event_view(envelope: EventEnvelope) -> Event {
    Event {
        id: envelope.id.to_string(),
        event_type: envelope.event_type,
        envelope_version: envelope.envelope_version,
        data_version: envelope.data_version,
        tenant: envelope.tenant.to_string(),
        occurred_at: envelope.occurred_at.into(),
        aggregate_type: envelope.aggregate_type,
        aggregate_id: envelope.aggregate_id,
        data: envelope.data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_other_cursors_are_refused() {
        let order = EventId::generate().to_string();
        for batch in [1, 42, i64::MAX] {
            let text = cursor::encode(CURSOR_KIND, &(batch, order.as_str()));
            assert_eq!(
                log_position(Some(&text)).unwrap(),
                Some((batch, order.clone()))
            );
        }
        assert_eq!(log_position(None).unwrap(), None);
        let garbage = [
            "garbage".to_owned(),
            cursor::encode(CURSOR_KIND, &(0, order.as_str())),
            cursor::encode(CURSOR_KIND, &(3, "usr_01J9ZQ2V3M4N5P6Q7R8S9T0VWX")),
            cursor::encode(CURSOR_KIND, &(3, order.as_str(), 1)),
            cursor::encode("audit", &(3, order.as_str())),
        ];
        for text in garbage {
            assert!(log_position(Some(&text)).is_err(), "{text}");
        }
    }

    #[test]
    fn types_table() {
        // Splitting only: unknown types are refused by the event log service (a 400 naming
        // `types`, see the event_log tests).
        let cases: [(&str, &[&str]); 4] = [
            ("", &[]),
            ("identity.user.created", &["identity.user.created"]),
            (
                " identity.user.created ,identity.member.removed,,identity.user.created",
                &["identity.user.created", "identity.member.removed"],
            ),
            (
                "identity.user.created,chat.no_such.type",
                &["identity.user.created", "chat.no_such.type"],
            ),
        ];
        for (input, expected) in cases {
            let parsed = parse_types(input).unwrap();
            assert_eq!(parsed, expected, "{input}");
        }
        assert!(parse_types(&"a".repeat(MAX_TYPES_LENGTH + 1)).is_err());
    }
}
