//! The finishing pass over the OpenAPI document poem-openapi generates, for what its attributes
//! cannot say. The result is what `/v1/openapi.json` serves and what is committed at
//! `openapi/v1.json`; stock generators (openapi-typescript, openapi-python-client, progenitor,
//! openapi-generator) take it without flags.
//!
//! - media types are plain `application/json` (poem-openapi writes `; charset=utf-8`, which
//!   breaks the usual `*JSON` type helpers);
//! - header names are written as sent (`Retry-After`, not `RETRY-AFTER`);
//! - every response declares `X-Request-Id`, and the rate-limited ones `RateLimit` and
//!   `RateLimit-Policy`;
//! - every creating `POST` that honours `Idempotency-Key` declares it, with
//!   `Idempotency-Replayed` on its success and 422 `idempotency_key_reused`;
//! - operations without a body do not list 413 and 415;
//! - every operation has a `default` problem response (what the framework answers before a
//!   handler runs: 405, ...);
//! - public operations say `security: []`; `servers` names a node.

use serde_json::{Map, Value, json};

/// Media types poem-openapi writes with a charset parameter, and what clients expect.
const MEDIA_TYPES: [(&str, &str); 2] = [
    ("application/json; charset=utf-8", "application/json"),
    ("text/plain; charset=utf-8", "text/plain"),
];

/// Response headers poem-openapi upper-cases, in the case they are sent.
const HEADER_NAMES: [&str; 2] = ["Retry-After", "Cache-Control"];

/// Operations that take no credentials.
const PUBLIC_OPERATIONS: [&str; 5] = [
    "system.health",
    "system.readiness",
    "system.metrics",
    "tokens.refresh",
    "tokens.jwks",
];

/// Applies the pass to the generated document.
pub fn finish(spec: &mut Value) {
    if let Some(info) = spec.get_mut("info").and_then(Value::as_object_mut) {
        // 3.1 only; the document is 3.0.
        info.remove("summary");
    }
    spec["servers"] = json!([{
        "url": "{scheme}://{host}",
        "description": "An Atelier node (`./scripts/dev` serves one at http://127.0.0.1:8080).",
        "variables": {
            "scheme": { "default": "http", "enum": ["http", "https"] },
            "host": { "default": "127.0.0.1:8080" }
        }
    }]);
    add_components(spec);
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if let Some(operation) = operation.as_object_mut() {
                finish_operation(path, method, operation);
            }
        }
    }
}

fn add_components(spec: &mut Value) {
    let components = spec
        .as_object_mut()
        .map(|spec| spec.entry("components").or_insert_with(|| json!({})));
    let Some(components) = components.and_then(Value::as_object_mut) else {
        return;
    };
    let headers = components
        .entry("headers")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(headers) = headers else {
        return;
    };
    headers.insert(
        "XRequestId".into(),
        json!({
            "description": "The request id (also `request_id` in problem documents); quote it to support. A request's own `X-Request-Id` (1 to 128 characters of `[A-Za-z0-9._:-]`) is kept.",
            "required": true,
            "schema": { "type": "string" }
        }),
    );
    headers.insert(
        "RateLimit".into(),
        json!({
            "description": "`\"<policy>\";r=<remaining>;t=<seconds until the full quota is back>` (draft-ietf-httpapi-ratelimit-headers-09).",
            "schema": { "type": "string" }
        }),
    );
    headers.insert(
        "RateLimitPolicy".into(),
        json!({
            "description": "`\"<policy>\";q=<burst>;w=<seconds>` (draft-ietf-httpapi-ratelimit-headers-09).",
            "schema": { "type": "string" }
        }),
    );
    headers.insert(
        "IdempotencyReplayed".into(),
        json!({
            "description": "`true` when this is the stored response of an earlier request with the same `Idempotency-Key` (nothing was done again).",
            "schema": { "type": "boolean" }
        }),
    );
    let parameters = components
        .entry("parameters")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(parameters) = parameters {
        parameters.insert(
            "IdempotencyKey".into(),
            json!({
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Makes a retry safe: the same key with the same request within the retention period (24 hours by default) returns the first response with `Idempotency-Replayed: true` instead of acting twice; with a different request it answers 422 `idempotency_key_reused`, while the first is running 409 `idempotency_request_in_flight`. Scoped to the calling API key or user.",
                "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$" }
            }),
        );
    }
}

fn finish_operation(path: &str, method: &str, operation: &mut Map<String, Value>) {
    let operation_id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let public = PUBLIC_OPERATIONS.contains(&operation_id.as_str());
    if public {
        operation.insert("security".into(), json!([]));
    }
    if let Some(body) = operation.get_mut("requestBody") {
        rename_media_types(body);
    }
    let has_body = operation.contains_key("requestBody");
    let api = path.starts_with("/v1/") || path.starts_with("/.well-known/");
    let idempotent = api && method == "post" && !public;
    if idempotent {
        let parameters = operation.entry("parameters").or_insert_with(|| json!([]));
        if let Some(parameters) = parameters.as_array_mut() {
            parameters.push(json!({ "$ref": "#/components/parameters/IdempotencyKey" }));
        }
    }
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if !has_body {
        responses.remove("413");
        responses.remove("415");
    }
    if idempotent {
        responses.insert(
            "422".into(),
            problem_response(
                "The `Idempotency-Key` was used for a different request (`idempotency_key_reused`).",
            ),
        );
    }
    if api {
        responses.insert(
            "default".into(),
            problem_response("Any other error, as a problem document (e.g. 405 with `Allow`)."),
        );
    }
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        if let Some(content) = response.get_mut("content") {
            rename_media_keys(content);
        }
        let headers = response.entry("headers").or_insert_with(|| json!({}));
        let Some(headers) = headers.as_object_mut() else {
            continue;
        };
        canonical_header_names(headers);
        headers.insert(
            "X-Request-Id".into(),
            json!({ "$ref": "#/components/headers/XRequestId" }),
        );
        if api {
            headers.insert(
                "RateLimit".into(),
                json!({ "$ref": "#/components/headers/RateLimit" }),
            );
            headers.insert(
                "RateLimit-Policy".into(),
                json!({ "$ref": "#/components/headers/RateLimitPolicy" }),
            );
        }
        if idempotent && status.starts_with('2') {
            headers.insert(
                "Idempotency-Replayed".into(),
                json!({ "$ref": "#/components/headers/IdempotencyReplayed" }),
            );
        }
    }
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": { "$ref": "#/components/schemas/Problem" }
            }
        }
    })
}

fn rename_media_types(body: &mut Value) {
    if let Some(content) = body.get_mut("content") {
        rename_media_keys(content);
    }
}

fn rename_media_keys(content: &mut Value) {
    let Some(content) = content.as_object_mut() else {
        return;
    };
    for (from, to) in MEDIA_TYPES {
        if let Some(media) = content.remove(from) {
            content.insert(to.to_owned(), media);
        }
    }
}

fn canonical_header_names(headers: &mut Map<String, Value>) {
    for name in HEADER_NAMES {
        if let Some(header) = headers.remove(&name.to_ascii_uppercase()) {
            headers.insert(name.to_owned(), header);
        }
    }
}
