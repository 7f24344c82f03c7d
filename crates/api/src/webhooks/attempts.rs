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
    edge::{ApiResult, Page, cursor, parse_id, webhook_error},
    problem::ErrorResponse,
};

/// The attempt lists' cursor kind (their position: `(at_ms, id)` of the last attempt read).
const CURSOR_KIND: &str = "attempts";

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
    Ok(Json<Page<WebhookAttempt>>),
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
        let id = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let cursor = parse_cursor_param(cursor.0)?;
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        // 404 for an endpoint of another tenant (or none), not an empty page.
        state
            .service::<Endpoints>()?
            .get(&principal, id)
            .await
            .map_err(webhook_error)?;
        let attempts = state
            .service::<Attempts>()?
            .list_by_endpoint(&principal, id, cursor, i64::from(limit) + 1)
            .await
            .map_err(webhook_error)?;
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
        let id = parse_id::<EventId>("event_id", &event_id)?;
        let cursor = parse_cursor_param(cursor.0)?;
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        let attempts = state
            .service::<Attempts>()?
            .list_by_message(&principal, id, cursor, i64::from(limit) + 1)
            .await
            .map_err(webhook_error)?;
        if attempts.is_empty() && cursor.is_none() {
            // Unknown to this tenant (another tenant's event included) unless it is a known
            // event with no attempts yet.
            state
                .service::<Redelivery>()?
                .event(&principal, id)
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
        let endpoint = parse_id::<EndpointId>("endpoint_id", &endpoint_id)?;
        let event = parse_id::<EventId>("event_id", &event_id)?;
        state
            .service::<Redelivery>()?
            .resend(&principal, endpoint, event)
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
            .recover(&principal, endpoint, since, until)
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

fn page(attempts: Vec<AttemptRecord>, limit: u32) -> Page<WebhookAttempt> {
    Page::of(
        attempts,
        limit as usize,
        |last| cursor::encode(CURSOR_KIND, &(last.at_ms, last.id.to_string())),
        attempt_view,
    )
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

/// The attempt to read on from: `(at_ms, id)` of the last one read, in a cursor of these lists.
fn parse_cursor_param(text: Option<String>) -> ApiResult<Option<AttemptCursor>> {
    cursor::decode::<(i64, String)>(CURSOR_KIND, "cursor", text.as_deref())?
        .map(|(at_ms, id)| {
            id.parse::<AttemptId>()
                .map(|id| (at_ms, id))
                .map_err(|_| cursor::invalid("cursor"))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_other_cursors_are_refused() {
        let id = AttemptId::generate();
        let text = cursor::encode(CURSOR_KIND, &(1_700_000_000_000_i64, id.to_string()));
        assert_eq!(
            parse_cursor_param(Some(text)).unwrap(),
            Some((1_700_000_000_000, id))
        );
        for text in [
            "garbage".to_owned(),
            cursor::encode(CURSOR_KIND, &(1, "evt_01J9ZQ2V3M4N5P6Q7R8S9T0VWX")),
            cursor::encode("events", &(1, id.to_string())),
        ] {
            assert!(parse_cursor_param(Some(text.clone())).is_err(), "{text}");
        }
    }
}
