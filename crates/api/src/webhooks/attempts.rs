//! Webhook delivery attempts and redelivery over HTTP (API key).
//!
//! - `GET /v1/webhooks/endpoints/:endpoint_id/attempts` (`webhooks.attempts.listByEndpoint`)
//!   and `GET /v1/webhooks/messages/:event_id/attempts` (`webhooks.attempts.listByMessage`):
//!   the attempt log, newest first, by opaque cursor (base64url of
//!   `{"at_ms":N,"id":"wat_..."}`, the last attempt returned);
//! - `POST /v1/webhooks/endpoints/:endpoint_id/messages/:event_id/resend`
//!   (`webhooks.messages.resend`): deliver one message to one endpoint again;
//! - `POST /v1/webhooks/endpoints/:endpoint_id/recover` (`webhooks.endpoints.recover`):
//!   deliver again every message whose last attempt to the endpoint failed in a time range.
//!
//! Reads need `TenantRead`, redelivery `TenantAdmin`. Ids of another tenant answer 404.

use crate::edge::json::JsonBody;
use crate::edge::time::Timestamp;
use atelier_core::EventId;
use atelier_webhooks::{Attempts, Endpoints, delivery::Redelivery};
use atelier_webhooks::{
    EndpointId, WebhookError,
    attempts::{AttemptCursor, AttemptId, AttemptRecord},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{TimeZone, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    ApiState, ApiTags,
    auth::ApiKeyAuth,
    edge::{ApiResult, parse_id, webhook_error},
    problem::ErrorResponse,
};

/// The webhook attempts and redelivery API.
#[derive(Debug, Default)]
pub struct WebhookAttemptsApi;

const DEFAULT_LIMIT: u32 = 50;

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum WebhookAttemptStatus {
    /// The receiver answered 2xx.
    Succeeded,
    /// Another answer, a network error or a refused address.
    Failed,
    /// Not sent: the endpoint was deleted or disabled.
    Skipped,
}

/// One delivery attempt.
#[derive(Debug, Object)]
pub struct WebhookAttempt {
    /// `wat_...`
    pub id: String,
    pub endpoint_id: String,
    /// The message: the event id, sent as `webhook-id`.
    pub event_id: String,
    pub event_type: String,
    /// 1-based attempt number of this delivery (a resend starts at 1 again).
    pub attempt: u32,
    pub at: Timestamp,
    pub status: WebhookAttemptStatus,
    /// The receiver's HTTP status, when it answered.
    #[oai(skip_serializing_if_is_none)]
    pub response_status: Option<u16>,
    /// Time to the response headers, or to the failure.
    #[oai(skip_serializing_if_is_none)]
    pub latency_ms: Option<i64>,
    /// The first 2 KiB of the response body (invalid UTF-8 replaced).
    #[oai(skip_serializing_if_is_none)]
    pub response_body: Option<String>,
    /// Why no answer was received, or why the attempt was skipped.
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<String>,
}

#[derive(Debug, Object)]
pub struct WebhookAttemptPage {
    /// Newest first.
    pub items: Vec<WebhookAttempt>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

/// Which failed messages to deliver again.
#[derive(Debug, Object)]
pub struct RecoverRequest {
    /// Messages whose last attempt failed at or after this time.
    pub since: Timestamp,
    /// ...and before this time (default: now).
    pub until: Option<Timestamp>,
}

#[derive(Debug, Object)]
pub struct RecoverResult {
    /// Messages enqueued again.
    pub count: u32,
}

#[derive(Debug, ApiResponse)]
pub enum AttemptPageResponse {
    #[oai(status = 200)]
    Ok(Json<WebhookAttemptPage>),
}

#[derive(Debug, ApiResponse)]
pub enum ResendResponse {
    /// Enqueued; delivered shortly, attempt 1, with the same `webhook-id`.
    #[oai(status = 202)]
    Accepted,
}

#[derive(Debug, ApiResponse)]
pub enum RecoverResponse {
    /// Enqueued.
    #[oai(status = 202)]
    Accepted(Json<RecoverResult>),
}

#[OpenApi(prefix_path = "/v1/webhooks", tag = "ApiTags::Webhooks")]
impl WebhookAttemptsApi {
    /// An endpoint's delivery attempts, newest first.
    #[oai(
        path = "/endpoints/:endpoint_id/attempts",
        method = "get",
        operation_id = "webhooks.attempts.listByEndpoint"
    )]
    async fn list_by_endpoint(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        endpoint_id: Path<String>,
        /// Opaque cursor from a previous page's `next_cursor`.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<AttemptPageResponse> {
        atelier_identity::tenancy::Tenancy::readable_tenant(&principal)
            .map_err(crate::edge::identity_error)?;
        let tenant = principal.tenant();
        let id = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let cursor = parse_cursor_param(cursor.0)?;
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        // 404 for an endpoint of another tenant (or none), not an empty page.
        state
            .service::<Endpoints>()?
            .get(tenant, id)
            .await
            .map_err(webhook_error)?;
        let attempts = state
            .service::<Attempts>()?
            .list_by_endpoint(tenant, id, cursor, i64::from(limit) + 1)
            .await
            .map_err(|error| webhook_error(error.into()))?;
        Ok(AttemptPageResponse::Ok(Json(page(attempts, limit))))
    }

    /// A message's delivery attempts to every endpoint, newest first.
    #[oai(
        path = "/messages/:event_id/attempts",
        method = "get",
        operation_id = "webhooks.attempts.listByMessage"
    )]
    async fn list_by_message(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        /// The event id (`evt_...`), sent as `webhook-id`.
        event_id: Path<String>,
        /// Opaque cursor from a previous page's `next_cursor`.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<AttemptPageResponse> {
        atelier_identity::tenancy::Tenancy::readable_tenant(&principal)
            .map_err(crate::edge::identity_error)?;
        let tenant = principal.tenant();
        let id = parse_id::<EventId>("event_id", &event_id)?;
        let cursor = parse_cursor_param(cursor.0)?;
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        let attempts = state
            .service::<Attempts>()?
            .list_by_message(tenant, id, cursor, i64::from(limit) + 1)
            .await
            .map_err(|error| webhook_error(error.into()))?;
        if attempts.is_empty() && cursor.is_none() {
            // Unknown to this tenant (another tenant's event included) unless it is a known
            // event with no attempts yet.
            state
                .service::<Redelivery>()?
                .event(tenant, id)
                .await
                .map_err(webhook_error)?;
        }
        Ok(AttemptPageResponse::Ok(Json(page(attempts, limit))))
    }

    /// Delivers one message to one endpoint again (a new delivery, attempt 1, same
    /// `webhook-id`). The message must still be in the event log's retention.
    #[oai(
        path = "/endpoints/:endpoint_id/messages/:event_id/resend",
        method = "post",
        operation_id = "webhooks.messages.resend"
    )]
    async fn resend(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        endpoint_id: Path<String>,
        event_id: Path<String>,
    ) -> ApiResult<ResendResponse> {
        atelier_identity::tenancy::Tenancy::administered_tenant(&principal)
            .map_err(crate::edge::identity_error)?;
        let endpoint = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let event = parse_id::<EventId>("event_id", &event_id)?;
        state
            .service::<Redelivery>()?
            .resend(principal.tenant(), endpoint, event)
            .await
            .map_err(redelivery_error)?;
        Ok(ResendResponse::Accepted)
    }

    /// Delivers again every message whose last attempt to this endpoint failed between
    /// `since` and `until` (default now). Reads up to 10 000 attempts from `since`; recover a
    /// longer outage in several calls.
    #[oai(
        path = "/endpoints/:endpoint_id/recover",
        method = "post",
        operation_id = "webhooks.endpoints.recover"
    )]
    async fn recover(
        &self,
        ApiKeyAuth(principal): ApiKeyAuth,
        state: Data<&ApiState>,
        endpoint_id: Path<String>,
        body: JsonBody<RecoverRequest>,
    ) -> ApiResult<RecoverResponse> {
        atelier_identity::tenancy::Tenancy::administered_tenant(&principal)
            .map_err(crate::edge::identity_error)?;
        let endpoint = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let since = body.since.timestamp_millis();
        let until = body
            .until
            .map_or_else(Utc::now, |until| until.0)
            .timestamp_millis();
        if until <= since {
            return Err(ErrorResponse::invalid_field(
                "until",
                "must be later than `since`",
            ));
        }
        let count = state
            .service::<Redelivery>()?
            .recover(principal.tenant(), endpoint, since, until)
            .await
            .map_err(redelivery_error)?;
        Ok(RecoverResponse::Accepted(Json(RecoverResult { count })))
    }
}

/// Like [`webhook_error`], with RabbitMQ outages answered 503.
fn redelivery_error(error: WebhookError) -> ErrorResponse {
    match error {
        WebhookError::Bus(error) => {
            tracing::warn!(%error, "RabbitMQ unavailable for a redelivery");
            ErrorResponse::unavailable("RabbitMQ", 5)
        }
        other => webhook_error(other),
    }
}

fn page(mut attempts: Vec<AttemptRecord>, limit: u32) -> WebhookAttemptPage {
    let has_more = attempts.len() > limit as usize;
    attempts.truncate(limit as usize);
    let next_cursor = if has_more {
        attempts
            .last()
            .map(|last| make_cursor(&(last.at_ms, last.id)))
    } else {
        None
    };
    WebhookAttemptPage {
        items: attempts.into_iter().map(attempt_view).collect(),
        next_cursor,
        has_more,
    }
}

fn attempt_view(record: AttemptRecord) -> WebhookAttempt {
    use atelier_webhooks::attempts::AttemptStatus;
    WebhookAttempt {
        id: record.id.to_string(),
        endpoint_id: record.endpoint_id.to_string(),
        event_id: record.event_id.to_string(),
        event_type: record.event_type,
        attempt: record.attempt,
        at: Utc
            .timestamp_millis_opt(record.at_ms)
            .single()
            .unwrap_or_default()
            .into(),
        status: match record.status {
            AttemptStatus::Succeeded => WebhookAttemptStatus::Succeeded,
            AttemptStatus::Failed => WebhookAttemptStatus::Failed,
            AttemptStatus::Skipped => WebhookAttemptStatus::Skipped,
        },
        response_status: record.response_status,
        latency_ms: record.latency_ms,
        response_body: record.response_body,
        error: record.error,
    }
}

/// The JSON inside a cursor.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Cursor {
    at_ms: i64,
    id: String,
}

fn make_cursor((at_ms, id): &AttemptCursor) -> String {
    let json = serde_json::to_vec(&Cursor {
        at_ms: *at_ms,
        id: id.to_string(),
    })
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// `None` for anything this API did not issue.
fn parse_cursor(text: &str) -> Option<AttemptCursor> {
    if text.len() > 200 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let cursor: Cursor = serde_json::from_slice(&bytes).ok()?;
    Some((cursor.at_ms, cursor.id.parse::<AttemptId>().ok()?))
}

fn parse_cursor_param(cursor: Option<String>) -> ApiResult<Option<AttemptCursor>> {
    match cursor.filter(|text| !text.is_empty()) {
        None => Ok(None),
        Some(text) => parse_cursor(&text).map(Some).ok_or_else(|| {
            ErrorResponse::bad_request(
                "invalid_cursor",
                "`cursor` is not a cursor this API issued.",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let position = (1_700_000_000_000, AttemptId::generate());
        assert_eq!(parse_cursor(&make_cursor(&position)), Some(position));
        let encode = |json: &str| URL_SAFE_NO_PAD.encode(json);
        for text in [
            "garbage".to_owned(),
            encode("{}"),
            encode(r#"{"at_ms":1,"id":"evt_01J9ZQ2V3M4N5P6Q7R8S9T0VWX"}"#),
            encode(r#"{"at_ms":1,"id":"wat_01J9ZQ2V3M4N5P6Q7R8S9T0VWX","x":1}"#),
            "a".repeat(300),
        ] {
            assert_eq!(parse_cursor(&text), None, "{text}");
        }
    }
}
