//! `Idempotency-Key` on `POST`: a retried request gets the first response, not a second effect.
//!
//! Applies to `POST` requests of an authenticated principal that carry the header (1 to 255
//! printable ASCII characters, else `400 invalid_idempotency_key`). Keys are scoped per tenant
//! and per principal (API key or user): two API keys of one tenant never share a key.
//!
//! - first request: runs; its response is stored for `identity.idempotency_ttl` (2xx, 3xx and
//!   4xx; a 5xx is not stored, so a retry runs again);
//! - same key, same request (method, path and query, body): the stored status, body,
//!   `Content-Type` and `Location` are sent again with `Idempotency-Replayed: true`;
//! - same key, different request: `422 idempotency_key_reused`;
//! - same key while the first is still running: `409 idempotency_request_in_flight`.
//!
//! **Atomic with the effect.** The claim ([`IdempotencyClaim`]) goes into the request scope of
//! the request's units of work, which store each unit's result in the record inside the unit's
//! transaction; a retry whose first attempt committed but never stored its response (5xx after
//! the commit, crash) runs the handler again and gets the committed results back (see
//! [`atelier_identity::idempotency`]). Secrets in responses (`apiKeys.create`'s `key`,
//! webhook secrets) are replaced by [`REDACTED_SECRET`] before the response is stored.
//!
//! Storage lives in [`atelier_identity::idempotency`]; this module only fingerprints requests
//! and captures and replays responses. It runs inside the rate limiter (a replay still costs a
//! request) and after the body limit (the body it reads is bounded).

use std::sync::Arc;

use atelier_identity::{
    IdentityError,
    idempotency::{Begin, StoredResponse},
    scope::IdempotencyClaim,
};
use poem::{
    Body, Endpoint, IntoResponse, Request, Response, Result,
    http::{HeaderValue, Method, StatusCode, header},
};
use poem_openapi::OperationId;
use sha2::{Digest, Sha256};

use crate::{
    ApiState,
    auth::AuthOutcome,
    middleware::BodyTooLarge,
    problem::{Problem, ProblemError, STORAGE_RETRY_AFTER_SECONDS},
    rate_limit::render_error,
};

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// What a replayed response shows instead of a secret (it is shown once, never stored).
pub const REDACTED_SECRET: &str = "[redacted: shown once]";
/// Response fields holding a secret, by operation: the stored response has them replaced with
/// [`REDACTED_SECRET`], so no secret is kept in `idempotency_keys` (issue 11 item 5). A
/// replay answers the same status and record, without the secret.
const SECRET_FIELDS: &[(&str, &str)] = &[
    ("apiKeys.create", "key"),
    ("webhooks.endpoints.create", "secret"),
    ("webhooks.endpoints.secret.rotate", "secret"),
];

pub const IDEMPOTENCY_REPLAYED_HEADER: &str = "idempotency-replayed";
/// Longest accepted key.
pub const MAX_KEY_LENGTH: usize = 255;

/// SHA-256 (hex) identifying a request: method, path with query, body. Length-prefixed, so
/// no two requests share a fingerprint by moving bytes between parts.
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for part in [method.as_bytes(), path_and_query.as_bytes(), body] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// A key is 1 to 255 printable ASCII characters (space included, as in other APIs' UUIDs or
/// free-form keys).
pub fn valid_key(key: &[u8]) -> bool {
    (1..=MAX_KEY_LENGTH).contains(&key.len()) && key.iter().all(|b| (0x20..=0x7e).contains(b))
}

pub async fn idempotency<E: Endpoint>(next: Arc<E>, mut request: Request) -> Result<Response> {
    if request.method() != Method::POST {
        return Ok(next.call(request).await?.into_response());
    }
    let Some(raw_key) = request.headers().get(IDEMPOTENCY_KEY_HEADER).cloned() else {
        return Ok(next.call(request).await?.into_response());
    };
    let principal = request
        .extensions()
        .get::<AuthOutcome>()
        .and_then(AuthOutcome::principal)
        .cloned();
    let (Some(principal), Some(state)) = (principal, request.data::<ApiState>().cloned()) else {
        // Unauthenticated: the operation answers 401 (or is public and not idempotent-keyed).
        return Ok(next.call(request).await?.into_response());
    };
    if !valid_key(raw_key.as_bytes()) {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            format!(
                "The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."
            ),
        ));
    }
    let key = String::from_utf8_lossy(raw_key.as_bytes()).into_owned();
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |value| value.as_str().to_owned());
    let limit = state.config.max_body_bytes;
    let body = request
        .take_body()
        .into_bytes_limit(limit)
        .await
        .map_err(|_| BodyTooLarge { limit })?;
    let fingerprint = fingerprint(&method, &path_and_query, &body);
    request.set_body(body);

    let tenant = principal.tenant();
    let actor = principal.actor();
    let store = &state.identity.idempotency;
    request.extensions_mut().insert(IdempotencyClaim {
        actor: actor.clone(),
        key: key.clone(),
    });
    match store.begin(tenant, &actor, &key, &fingerprint).await {
        Ok(Begin::Started) => {}
        Ok(Begin::Replay(stored)) => return Ok(replay(stored)),
        Ok(Begin::Mismatch) => {
            return Err(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different request; use a new key.",
            ));
        }
        Ok(Begin::InFlight) => {
            return Err(ProblemError(
                Problem::new(
                    StatusCode::CONFLICT,
                    "idempotency_request_in_flight",
                    "A request with this Idempotency-Key is still being processed; retry shortly.",
                ),
                Some(1),
            )
            .into());
        }
        Err(error) => return Err(storage_error("idempotency begin", &error)),
    }

    let response = match next.call(request).await {
        Ok(output) => output.into_response(),
        Err(error) => render_error(error, &method, &path),
    };
    if response.status().is_server_error() {
        if let Err(error) = store.abandon(tenant, &actor, &key).await {
            tracing::error!(%error, %tenant, "could not abandon an idempotency record; retries answer 409 until it goes stale");
        }
        return Ok(response);
    }
    let operation = response.data::<OperationId>().map(|id| id.0);
    let (parts, body) = response.into_parts();
    let bytes = match body.into_bytes().await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "could not read a response body to store it for Idempotency-Key");
            if let Err(error) = store.abandon(tenant, &actor, &key).await {
                tracing::error!(%error, %tenant, "could not abandon an idempotency record");
            }
            return Err(ProblemError(Problem::internal(), None).into());
        }
    };
    let text_header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
            .map(str::to_owned)
    };
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        content_type: text_header(header::CONTENT_TYPE),
        location: text_header(header::LOCATION),
        body: redact_secrets(operation, &bytes),
    };
    if let Err(error) = store.complete(tenant, &actor, &key, &stored).await {
        // The effect happened; without the record a retry would repeat it, but keeping the
        // key blocked forever is worse. Logged for the operator.
        tracing::error!(%error, %tenant, "could not store an Idempotency-Key response");
        if let Err(error) = store.abandon(tenant, &actor, &key).await {
            tracing::error!(%error, %tenant, "could not abandon an idempotency record");
        }
    }
    let mut response = Response::from_parts(parts, Body::from(bytes));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(response)
}

/// The body to store: with the operation's secret field (if any) replaced.
fn redact_secrets(operation: Option<&str>, body: &[u8]) -> Vec<u8> {
    let Some(field) = SECRET_FIELDS
        .iter()
        .find(|(name, _)| Some(*name) == operation)
        .map(|(_, field)| *field)
    else {
        return body.to_vec();
    };
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            if let Some(secret) = value.get_mut(field) {
                *secret = serde_json::Value::String(REDACTED_SECRET.to_owned());
            }
            serde_json::to_vec(&value).unwrap_or_default()
        }
        // Not JSON (a problem document is JSON too): store nothing of it rather than a secret.
        Err(_) => Vec::new(),
    }
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = Response::builder().status(status).body(stored.body);
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, stored.content_type),
        (header::LOCATION, stored.location),
    ] {
        if let Some(value) = value.and_then(|value| HeaderValue::from_str(&value).ok()) {
            headers.insert(name, value);
        }
    }
    headers.insert(
        IDEMPOTENCY_REPLAYED_HEADER,
        HeaderValue::from_static("true"),
    );
    response
}

fn problem(status: StatusCode, code: &str, detail: impl Into<String>) -> poem::Error {
    ProblemError(Problem::new(status, code, detail), None).into()
}

fn storage_error(context: &str, error: &IdentityError) -> poem::Error {
    if let IdentityError::Storage(storage) = error
        && storage.is_unavailable()
    {
        return ProblemError(
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "dependency_unavailable",
                format!("MongoDB is unavailable; retry in {STORAGE_RETRY_AFTER_SECONDS} s"),
            ),
            Some(STORAGE_RETRY_AFTER_SECONDS),
        )
        .into();
    }
    tracing::error!(%error, context, "unexpected failure");
    ProblemError(Problem::internal(), None).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_validation_table() {
        let long = "k".repeat(MAX_KEY_LENGTH);
        let too_long = "k".repeat(MAX_KEY_LENGTH + 1);
        let cases: &[(&[u8], bool)] = &[
            (b"0b4b6a5e-7c55-4a3f-9a59-3c1c8f6f1a11", true),
            (b"order 42", true),
            (long.as_bytes(), true),
            (b"", false),
            (too_long.as_bytes(), false),
            (b"tab\there", false),
            ("caf\u{e9}".as_bytes(), false),
        ];
        for (key, valid) in cases {
            assert_eq!(valid_key(key), *valid, "{:?}", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn fingerprints_cover_method_path_and_body() {
        let base = fingerprint("POST", "/v1/workspaces", b"{\"name\":\"a\"}");
        assert_eq!(
            base,
            fingerprint("POST", "/v1/workspaces", b"{\"name\":\"a\"}")
        );
        for other in [
            fingerprint("PUT", "/v1/workspaces", b"{\"name\":\"a\"}"),
            fingerprint("POST", "/v1/users", b"{\"name\":\"a\"}"),
            fingerprint("POST", "/v1/workspaces?x=1", b"{\"name\":\"a\"}"),
            fingerprint("POST", "/v1/workspaces", b"{\"name\":\"b\"}"),
        ] {
            assert_ne!(base, other);
        }
    }
}
