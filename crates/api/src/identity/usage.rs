//! The tenant's metered usage over HTTP, and the middleware that counts requests.
//!
//! - `GET /v1/usage?from=&to=` (`usage.get`): hourly counters and their totals;
//! - [`record_usage`]: runs inside `auth::authenticate` and, for every request of an
//!   authenticated principal, adds `requests`, `op:<operationId>` (`op:unmatched` when no
//!   operation matched) and the declared `request_bytes` / `response_bytes`
//!   (`Content-Length`, when present) to the tenant's current hour, in one upsert.

use crate::edge::time::Timestamp;
use std::{collections::BTreeMap, sync::Arc};

use atelier_identity::usage::{HourUsage, hour_of};
use chrono::{DateTime, Duration, TimeZone, Utc};
use poem::{Endpoint, IntoResponse, Request, Response, http::header, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, OperationId, param::Query, payload::Json};

use crate::{
    ApiState, ApiTags,
    auth::{ApiKeyAuth, AuthOutcome},
    edge::identity_error,
    problem::ErrorResponse,
};

/// The usage API.
#[derive(Debug, Default)]
pub struct UsageApi;

/// Widest range one request may ask for.
pub const MAX_RANGE_DAYS: i64 = 31;

/// Counters of one hour.
#[derive(Debug, Object)]
pub struct UsageHour {
    /// Start of the hour (UTC).
    pub hour: Timestamp,
    /// Metric → amount, e.g. `op:workspaces.create`, `requests`, `request_bytes`.
    pub counters: BTreeMap<String, i64>,
}

#[derive(Debug, Object)]
pub struct UsageReport {
    /// Start of the range (inclusive), rounded down to its hour.
    pub from: Timestamp,
    /// End of the range (exclusive).
    pub to: Timestamp,
    /// Hours with any usage, oldest first.
    pub hours: Vec<UsageHour>,
    /// Every counter summed over the range.
    pub totals: BTreeMap<String, i64>,
}

#[derive(Debug, ApiResponse)]
pub enum UsageResponse {
    #[oai(status = 200)]
    Ok(Json<UsageReport>),
}

#[OpenApi(prefix_path = "/v1/usage", tag = "ApiTags::Usage")]
impl UsageApi {
    /// The tenant's hourly usage counters and totals (API key). Defaults to the last 24 hours;
    /// at most 31 days per request.
    #[oai(path = "/", method = "get", operation_id = "usage.get")]
    async fn get(
        &self,
        auth: ApiKeyAuth,
        state: Data<&ApiState>,
        /// Start (RFC 3339; default `to` minus 24 hours). Rounded down to the hour.
        from: Query<Option<DateTime<Utc>>>,
        /// End, exclusive (RFC 3339; default now).
        to: Query<Option<DateTime<Utc>>>,
    ) -> Result<UsageResponse, ErrorResponse> {
        let ApiKeyAuth(principal) = auth;
        let (from, to) = range(from.0, to.0, Utc::now())?;
        let hours = state
            .identity
            .usage
            .report_for(&principal, from.timestamp(), to.timestamp())
            .await
            .map_err(identity_error)?;
        Ok(UsageResponse::Ok(Json(report_view(from, to, hours))))
    }
}

/// Counts the request against its principal's tenant; see the module docs. A failed write is
/// logged and does not change the response.
pub async fn record_usage<E: Endpoint>(next: Arc<E>, request: Request) -> poem::Result<Response> {
    let tenant = request
        .extensions()
        .get::<AuthOutcome>()
        .and_then(AuthOutcome::principal)
        .map(|principal| principal.tenant());
    let (Some(tenant), Some(state)) = (tenant, request.data::<ApiState>().cloned()) else {
        return Ok(next.call(request).await?.into_response());
    };
    let request_bytes = content_length(request.headers());
    let result = next.call(request).await.map(IntoResponse::into_response);
    let (operation, response_bytes) = match &result {
        Ok(response) => (
            response.data::<OperationId>().map(|id| id.0),
            content_length(response.headers()),
        ),
        Err(error) => (error.data::<OperationId>().map(|id| id.0), None),
    };
    let mut increments = BTreeMap::from([
        ("requests".to_owned(), 1),
        (format!("op:{}", operation.unwrap_or("unmatched")), 1),
    ]);
    for (metric, bytes) in [
        ("request_bytes", request_bytes),
        ("response_bytes", response_bytes),
    ] {
        if let Some(bytes) = bytes.filter(|bytes| *bytes > 0) {
            increments.insert(metric.to_owned(), bytes);
        }
    }
    // In memory; the server's usage worker writes the hour buckets in batches.
    for (metric, amount) in &increments {
        state.usage_recorder.add(tenant, metric, *amount);
    }
    result
}

fn content_length(headers: &poem::http::HeaderMap) -> Option<i64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

/// Resolves defaults and checks the range; errors name the offending parameter.
fn range(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ErrorResponse> {
    let to = to.unwrap_or(now);
    let from = from.unwrap_or(to - Duration::hours(24));
    let from = Utc
        .timestamp_opt(hour_of(from.timestamp()), 0)
        .single()
        .unwrap_or(from);
    if from >= to {
        return Err(ErrorResponse::invalid_field("from", "must be before `to`"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(ErrorResponse::invalid_field(
            "to",
            format!("the range may span at most {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok((from, to))
}

fn report_view(from: DateTime<Utc>, to: DateTime<Utc>, hours: Vec<HourUsage>) -> UsageReport {
    let mut totals = BTreeMap::new();
    let hours = hours
        .into_iter()
        .map(|bucket| {
            for (metric, amount) in &bucket.counters {
                *totals.entry(metric.clone()).or_insert(0) += amount;
            }
            UsageHour {
                hour: Utc
                    .timestamp_opt(bucket.hour, 0)
                    .single()
                    .unwrap_or_default()
                    .into(),
                counters: bucket.counters,
            }
        })
        .collect();
    UsageReport {
        from: from.into(),
        to: to.into(),
        hours,
        totals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn range_table() {
        let now = at("2025-03-10T12:34:56Z");
        let field = |error: ErrorResponse| match error {
            ErrorResponse::BadRequest(problem) => problem.0.errors[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            range(None, None, now).unwrap(),
            (at("2025-03-09T12:00:00Z"), now)
        );
        assert_eq!(
            range(
                Some(at("2025-03-01T00:10:00Z")),
                Some(at("2025-03-02T00:00:00Z")),
                now
            )
            .unwrap(),
            (at("2025-03-01T00:00:00Z"), at("2025-03-02T00:00:00Z"))
        );
        assert!(
            range(
                Some(at("2025-02-01T00:00:00Z")),
                Some(at("2025-03-04T00:00:00Z")),
                now
            )
            .is_ok()
        );
        assert_eq!(
            field(
                range(
                    Some(at("2025-02-01T00:00:00Z")),
                    Some(at("2025-03-04T00:00:01Z")),
                    now
                )
                .unwrap_err()
            ),
            "to"
        );
        assert_eq!(
            field(range(Some(at("2025-03-11T00:00:00Z")), None, now).unwrap_err()),
            "from"
        );
    }

    #[test]
    fn totals_sum_every_hour() {
        let hours = vec![
            HourUsage {
                hour: 0,
                counters: BTreeMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)]),
            },
            HourUsage {
                hour: 3600,
                counters: BTreeMap::from([("a".to_owned(), 3)]),
            },
        ];
        let report = report_view(
            at("1970-01-01T00:00:00Z"),
            at("1970-01-01T02:00:00Z"),
            hours,
        );
        assert_eq!(
            report.totals,
            BTreeMap::from([("a".to_owned(), 4), ("b".to_owned(), 2)])
        );
        assert_eq!(report.hours[1].hour.0, at("1970-01-01T01:00:00Z"));
    }
}
