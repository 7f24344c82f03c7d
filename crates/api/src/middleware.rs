//! The HTTP pipeline around every route, outermost first:
//!
//! 1. [`request_id`]: accept a sane `X-Request-Id` or mint one; echo it; open a tracing span.
//! 2. [`record_metrics`]: latency histogram and counter by route (operationId), method, status.
//! 3. [`problems`]: every error becomes `application/problem+json` carrying the request id.
//! 4. [`deadline`]: a request not answered within `http.request_timeout` answers 503
//!    `request_timeout` with `Retry-After` (its handler is dropped, which aborts an open
//!    transaction). A WebSocket's request ends with its upgrade, so the socket is not bound.
//! 5. [`limit_body`]: the body is read whole before any parsing, within
//!    `http.body_read_timeout` (else 408 `body_read_timeout`) and the configured size (else 413).
//!
//! Inside these, `lib.rs` adds authentication, rate limiting, usage metering, idempotency and
//! audit recording (their own modules), in that order.

use std::{sync::Arc, time::Instant};

use poem::{
    Body, Endpoint, IntoResponse, Request, Response, Result,
    http::{HeaderValue, StatusCode, header},
};
use poem_openapi::OperationId;
use tracing::Instrument;

use crate::{
    ApiState,
    problem::{self, PROBLEM_CONTENT_TYPE, Problem, ProblemError},
};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being handled, in request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub Arc<str>);

/// A request body exceeded the limit.
#[derive(Debug, thiserror::Error)]
#[error("The request body exceeds the limit of {limit} bytes.")]
pub struct BodyTooLarge {
    pub limit: usize,
}

impl poem::error::ResponseError for BodyTooLarge {
    fn status(&self) -> StatusCode {
        StatusCode::PAYLOAD_TOO_LARGE
    }
}

/// Accepts the caller's id when it is 1 to 128 characters of `[A-Za-z0-9._:-]`, else mints one.
pub fn accept_request_id(header: Option<&HeaderValue>) -> Arc<str> {
    let valid = |text: &str| {
        (1..=128).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    };
    match header.and_then(|value| value.to_str().ok()) {
        Some(text) if valid(text) => Arc::from(text),
        _ => Arc::from(format!("req_{}", ulid::Ulid::new()).as_str()),
    }
}

pub async fn request_id<E: Endpoint>(next: Arc<E>, mut request: Request) -> Result<Response> {
    let id = accept_request_id(request.headers().get(REQUEST_ID_HEADER));
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "http",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    async move {
        let started = Instant::now();
        let mut response = next.call(request).await?.into_response();
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        let status = response.status().as_u16();
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::warn!(status, millis, "request failed");
        } else {
            tracing::info!(status, millis, "request");
        }
        Ok(response)
    }
    .instrument(span)
    .await
}

pub async fn record_metrics<E: Endpoint>(next: Arc<E>, request: Request) -> Result<Response> {
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let metrics = request
        .data::<ApiState>()
        .map(|state| state.metrics.clone());
    let response = next.call(request).await?.into_response();
    if let Some(metrics) = metrics {
        let route = route_label(&response, &path);
        metrics.observe_http(
            &route,
            &method,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}

/// Bounded-cardinality label: the operationId, a known fixed path, or `unmatched`.
fn route_label(response: &Response, path: &str) -> String {
    if let Some(OperationId(id)) = response.data::<OperationId>() {
        return (*id).to_owned();
    }
    match path {
        "/docs" | "/v1/openapi.json" => path.to_owned(),
        _ if path.starts_with("/docs/") => "/docs".to_owned(),
        _ => "unmatched".to_owned(),
    }
}

pub async fn problems<E: Endpoint>(next: Arc<E>, request: Request) -> Result<Response> {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone());
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let response = problem_response(next, request, &method, &path).await;
    Ok(announce_deprecation(
        fill_request_id(response, request_id.as_deref()).await,
    ))
}

/// `Deprecation`, `Sunset` and `Link` on every response of a deprecated operation
/// ([`crate::contract::DEPRECATIONS`]).
fn announce_deprecation(mut response: Response) -> Response {
    let deprecation = response
        .data::<OperationId>()
        .and_then(|OperationId(id)| crate::contract::deprecation_of(id));
    if let Some(deprecation) = deprecation {
        for (name, value) in deprecation.headers() {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
}

async fn problem_response<E: Endpoint>(
    next: Arc<E>,
    request: Request,
    method: &str,
    path: &str,
) -> Response {
    match next.call(request).await {
        Ok(output) => output.into_response(),
        // A handler's own error response (an `ErrorResponse` variant): keep it as built.
        Err(error) if error.is_from_response() => {
            let operation = error.data::<OperationId>().copied();
            let mut response = error.into_response();
            if let Some(operation) = operation {
                response.set_data(operation);
            }
            response
        }
        Err(error) => {
            let mut response = problem::poem_error_response(&error, method, path);
            if let Some(operation) = error.data::<OperationId>() {
                response.set_data(*operation);
            }
            response
        }
    }
}

/// Adds the request id to problem bodies that handlers built without it.
async fn fill_request_id(response: Response, request_id: Option<&str>) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with(PROBLEM_CONTENT_TYPE));
    let Some(request_id) = request_id.filter(|_| is_problem) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let bytes = match body.into_bytes().await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, "could not read a problem body to add the request id");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut object)) => {
            object.insert("request_id".to_owned(), request_id.into());
            serde_json::to_vec(&object).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    };
    let mut response = Response::from_parts(parts, Body::from(body));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

/// `Retry-After` of a request that ran out of time.
pub const REQUEST_TIMEOUT_RETRY_AFTER_SECONDS: u64 = 5;

pub async fn deadline<E: Endpoint>(next: Arc<E>, request: Request) -> Result<Response> {
    let Some(timeout) = request
        .data::<ApiState>()
        .map(|state| state.config.request_timeout)
    else {
        return Ok(next.call(request).await?.into_response());
    };
    match tokio::time::timeout(timeout, next.call(request)).await {
        Ok(result) => Ok(result?.into_response()),
        Err(_) => {
            tracing::warn!(?timeout, "request deadline exceeded; answering 503");
            Err(ProblemError(
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "request_timeout",
                    format!(
                        "The request was not answered within {} s; retry in {} s.",
                        timeout.as_secs_f64(),
                        REQUEST_TIMEOUT_RETRY_AFTER_SECONDS
                    ),
                ),
                Some(REQUEST_TIMEOUT_RETRY_AFTER_SECONDS),
            )
            .into())
        }
    }
}

pub async fn limit_body<E: Endpoint>(next: Arc<E>, mut request: Request) -> Result<Response> {
    let (limit, read_timeout) = request
        .data::<ApiState>()
        .map(|state| (state.config.max_body_bytes, state.config.body_read_timeout))
        .unwrap_or((usize::MAX, std::time::Duration::MAX));
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    let has_body = match declared {
        Some(length) if length > limit => return Err(BodyTooLarge { limit }.into()),
        Some(length) => length > 0,
        // Chunked or unknown length (a GET without a length has none).
        None => request.method() != poem::http::Method::GET,
    };
    if has_body {
        // Read at most `limit` bytes within the body read timeout, then hand the body on.
        let body = request.take_body();
        match tokio::time::timeout(read_timeout, body.into_bytes_limit(limit)).await {
            Ok(Ok(bytes)) => request.set_body(bytes),
            Ok(Err(_)) => return Err(BodyTooLarge { limit }.into()),
            Err(_) => {
                let mut response = Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "body_read_timeout",
                    format!(
                        "The request body did not arrive within {} s.",
                        read_timeout.as_secs_f64()
                    ),
                )
                .into_poem_response();
                // The rest of the body may still come: this connection cannot be reused.
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                return Ok(response);
            }
        }
    }
    Ok(next.call(request).await?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_table() {
        let cases = [
            (Some("abc-123"), true),
            (Some("trace:01J.x_y"), true),
            (Some(""), false),
            (Some("has space"), false),
            (Some("<script>"), false),
            (None, false),
        ];
        for (input, kept) in cases {
            let header = input.map(|text| HeaderValue::from_str(text).unwrap());
            let id = accept_request_id(header.as_ref());
            assert_eq!(Some(&*id) == input, kept, "{input:?}");
            assert!(!id.is_empty());
        }
        let long = "a".repeat(129);
        let id = accept_request_id(Some(&HeaderValue::from_str(&long).unwrap()));
        assert!(id.starts_with("req_"));
    }
}
