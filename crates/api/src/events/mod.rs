//! The event catalog and the replayable event log over HTTP.
//!
//! - `GET /v1/event-types` (`events.types.list`): every event type with its `data` JSON Schema,
//!   from the deployment's [`Catalog`];
//! - `GET /v1/events` (`events.list`): the tenant's published events in log order, by opaque
//!   cursor. The cursor is base64url (no padding) of `{"log_batch":N,"order":"evt_..."}`, the
//!   position of the last event returned; clients must treat it as opaque.
//!
//! A client replays by following `next_cursor` until `has_more` is false, then keeps polling
//! with the last `next_cursor` (echoed when a page is empty) to tail the log.

use crate::edge::time::Timestamp;
use atelier_core::{EventEnvelope, EventId};
use atelier_outbox::{OutboxError, catalog::Catalog};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Query, payload::Json};

use crate::{ApiState, ApiTags, auth::ApiKeyAuth, problem::ErrorResponse};

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

#[derive(Debug, Object)]
pub struct EventTypeList {
    pub items: Vec<EventTypeView>,
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

#[derive(Debug, Object)]
pub struct EventPage {
    /// Events in log order, oldest first.
    pub items: Vec<Event>,
    /// Pass as `after` to read on. The last item's position, or the `after` given when the
    /// page is empty (keep polling with it); absent only when both are.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
    /// Whether more events already follow this page.
    pub has_more: bool,
}

#[derive(Debug, ApiResponse)]
pub enum EventTypeListResponse {
    #[oai(status = 200)]
    Ok(Json<EventTypeList>),
}

#[derive(Debug, ApiResponse)]
pub enum EventPageResponse {
    #[oai(status = 200)]
    Ok(Json<EventPage>),
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
    ) -> Result<EventTypeListResponse, ErrorResponse> {
        let ApiKeyAuth(principal) = auth;
        atelier_identity::tenancy::Tenancy::readable_tenant(&principal)
            .map_err(crate::edge::identity_error)?;
        let items = state
            .catalog
            .entries()
            .iter()
            .map(|entry| EventTypeView {
                event_type: entry.event_type.to_owned(),
                data_version: entry.data_version,
                description: entry.description.to_owned(),
                schema: entry.schema.clone(),
            })
            .collect();
        Ok(EventTypeListResponse::Ok(Json(EventTypeList { items })))
    }

    /// The tenant's published events in log order, after a cursor (API key). Replay from the
    /// start by omitting `after`; tail the log by polling with the last `next_cursor`.
    /// Events older than the retention period (30 days by default) are no longer listed.
    #[oai(path = "/events", method = "get", operation_id = "events.list")]
    async fn list(
        &self,
        auth: ApiKeyAuth,
        state: Data<&ApiState>,
        /// Opaque cursor from a previous page's `next_cursor`; omit to start at the oldest
        /// retained event.
        after: Query<Option<String>>,
        /// Comma-separated event types to include (default: all); each must be catalogued.
        types: Query<Option<String>>,
        /// Page size, 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> Result<EventPageResponse, ErrorResponse> {
        let ApiKeyAuth(principal) = auth;
        atelier_identity::tenancy::Tenancy::readable_tenant(&principal)
            .map_err(crate::edge::identity_error)?;
        let after_text = after.0.filter(|text| !text.is_empty());
        let position = match after_text.as_deref() {
            None => None,
            Some(text) => Some(parse_cursor(text).ok_or_else(|| {
                ErrorResponse::bad_request(
                    "invalid_cursor",
                    "`after` is not a cursor this API issued.",
                )
            })?),
        };
        let types = parse_types(&state.catalog, types.0.as_deref().unwrap_or_default())?;
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        let mut events = state
            .outbox
            .log_page(principal.tenant(), position, &types, i64::from(limit) + 1)
            .await
            .map_err(outbox_error)?;
        let has_more = events.len() > limit as usize;
        events.truncate(limit as usize);
        let next_cursor = match events.last() {
            Some(last) => Some(make_cursor(last.log_batch.unwrap_or_default(), &last.order)),
            None => after_text,
        };
        let items = events
            .iter()
            .map(|event| event.to_envelope().map(event_view))
            .collect::<Result<Vec<_>, _>>()
            .map_err(outbox_error)?;
        Ok(EventPageResponse::Ok(Json(EventPage {
            items,
            next_cursor,
            has_more,
        })))
    }
}

/// The JSON inside a cursor.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Cursor {
    log_batch: i64,
    order: String,
}

fn make_cursor(log_batch: i64, order: &str) -> String {
    let json = serde_json::to_vec(&Cursor {
        log_batch,
        order: order.to_owned(),
    })
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// `None` for anything this API did not issue (bad base64, JSON, batch or event id).
fn parse_cursor(text: &str) -> Option<(i64, String)> {
    if text.len() > 200 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let cursor: Cursor = serde_json::from_slice(&bytes).ok()?;
    if cursor.log_batch < 1 || cursor.order.parse::<EventId>().is_err() {
        return None;
    }
    Some((cursor.log_batch, cursor.order))
}

/// Splits `a.b.c, d.e.f` into known types; an unknown one is a 400 naming `types`.
fn parse_types(catalog: &Catalog, text: &str) -> Result<Vec<String>, ErrorResponse> {
    if text.len() > MAX_TYPES_LENGTH {
        return Err(ErrorResponse::invalid_field(
            "types",
            format!("must be at most {MAX_TYPES_LENGTH} characters"),
        ));
    }
    let mut types: Vec<String> = Vec::new();
    for event_type in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !catalog.is_known_type(event_type) {
            let shown: String = event_type.chars().take(100).collect();
            return Err(ErrorResponse::invalid_field(
                "types",
                format!("unknown event type `{shown}`; see GET /v1/event-types"),
            ));
        }
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

fn outbox_error(error: OutboxError) -> ErrorResponse {
    match error {
        OutboxError::Mongo(error) if atelier_store::is_unavailable(&error) => {
            tracing::warn!(%error, "MongoDB unavailable");
            ErrorResponse::unavailable("MongoDB", 5)
        }
        other => ErrorResponse::internal("reading the event log", &other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let order = EventId::generate().to_string();
        for batch in [1, 42, i64::MAX] {
            assert_eq!(
                parse_cursor(&make_cursor(batch, &order)),
                Some((batch, order.clone()))
            );
        }
        let encode = |json: &str| URL_SAFE_NO_PAD.encode(json);
        let garbage = [
            "".to_owned(),
            "garbage".to_owned(),
            "!!!".to_owned(),
            encode("{}"),
            encode("[1]"),
            encode(&format!(r#"{{"log_batch":0,"order":"{order}"}}"#)),
            encode(r#"{"log_batch":3,"order":"usr_01J9ZQ2V3M4N5P6Q7R8S9T0VWX"}"#),
            encode(&format!(r#"{{"log_batch":3,"order":"{order}","x":1}}"#)),
            "a".repeat(500),
        ];
        for text in garbage {
            assert_eq!(parse_cursor(&text), None, "{text}");
        }
    }

    #[test]
    fn types_table() {
        let cases: [(&str, Option<&[&str]>); 5] = [
            ("", Some(&[])),
            ("identity.user.created", Some(&["identity.user.created"])),
            (
                " identity.user.created ,identity.member.removed,,identity.user.created",
                Some(&["identity.user.created", "identity.member.removed"]),
            ),
            ("identity.user.created,chat.no_such.type", None),
            ("*", None),
        ];
        let catalog = Catalog::new(atelier_identity::events::types()).unwrap();
        for (input, expected) in cases {
            let parsed = parse_types(&catalog, input).ok();
            let expected = expected.map(|types| types.iter().map(|t| t.to_string()).collect());
            assert_eq!(parsed, expected, "{input}");
        }
    }
}
