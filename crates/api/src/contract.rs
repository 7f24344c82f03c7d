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
//! - public operations say `security: []`; `servers` names a node;
//! - events are typed: `Event` is a union discriminated by `type`, one variant per catalogued
//!   event type with its `data` schema (`<Type>Data`, converted from the catalog's JSON Schema
//!   2020-12 to OpenAPI 3.0), so the event log and webhook consumers get types too.

use atelier_outbox::catalog::EventType;
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

/// Applies the pass to the generated document; `events` are the deployment's event types.
pub fn finish(spec: &mut Value, events: &[EventType]) {
    type_events(spec, events);
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

/// Replaces the generic `Event` object with a union of one object per event type.
fn type_events(spec: &mut Value, events: &[EventType]) {
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(generic) = schemas.get("Event").cloned() else {
        return;
    };
    if events.is_empty() {
        return;
    }
    let mut variants = Vec::new();
    let mut mapping = Map::new();
    for event in events {
        let name = schema_name(event);
        let data_name = format!("{name}Data");
        let mut data = openapi_schema(&event.schema);
        if let Some(data) = data.as_object_mut() {
            data.remove("title");
            data.insert(
                "description".into(),
                Value::String(format!(
                    "`data` of `{}` (data_version {}): {}",
                    event.event_type, event.data_version, event.description
                )),
            );
        }
        schemas.insert(data_name.clone(), data);
        let mut variant = generic.clone();
        variant["title"] = Value::String(format!("{name}Event"));
        variant["description"] = Value::String(event.description.to_owned());
        variant["properties"]["type"] = json!({
            "type": "string",
            "description": "The event type.",
            "enum": [event.event_type],
        });
        variant["properties"]["data_version"] = json!({
            "type": "integer",
            "format": "uint32",
            "enum": [event.data_version],
        });
        variant["properties"]["data"] =
            json!({ "$ref": format!("#/components/schemas/{data_name}") });
        let variant_name = format!("{name}Event");
        let reference = format!("#/components/schemas/{variant_name}");
        schemas.insert(variant_name, variant);
        mapping.insert(
            event.event_type.to_owned(),
            Value::String(reference.clone()),
        );
        variants.push(json!({ "$ref": reference }));
    }
    schemas.insert(
        "Event".into(),
        json!({
            "description": "One event, as published (the event envelope); `type` says which, and `data` follows that type's schema.",
            "oneOf": variants,
            "discriminator": { "propertyName": "type", "mapping": mapping },
        }),
    );
}

/// `chat.member.added` v1 → `ChatMemberAdded`; later versions get `V<n>`.
fn schema_name(event: &EventType) -> String {
    let mut name: String = event
        .event_type
        .split(['.', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    if event.data_version > 1 {
        name.push_str(&format!("V{}", event.data_version));
    }
    name
}

/// A JSON Schema 2020-12 (the subset the catalog uses) as an OpenAPI 3.0 schema object:
/// `type: [T, "null"]` becomes `type: T, nullable: true`, `const` a one-value `enum`, and the
/// document keywords (`$schema`, `$id`) go.
fn openapi_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(fields) => {
            let mut converted = Map::new();
            for (key, value) in fields {
                match key.as_str() {
                    "$schema" | "$id" => {}
                    "type" => match value {
                        Value::Array(types) => {
                            let named: Vec<&Value> =
                                types.iter().filter(|t| *t != "null").collect();
                            if named.len() == 1 {
                                converted.insert("type".into(), named[0].clone());
                            }
                            if named.len() < types.len() {
                                converted.insert("nullable".into(), Value::Bool(true));
                            }
                        }
                        other => {
                            converted.insert("type".into(), other.clone());
                        }
                    },
                    "const" => {
                        converted.insert("enum".into(), json!([value]));
                    }
                    "properties" => {
                        let properties = value
                            .as_object()
                            .map(|properties| {
                                properties
                                    .iter()
                                    .map(|(name, property)| {
                                        (name.clone(), openapi_schema(property))
                                    })
                                    .collect::<Map<_, _>>()
                            })
                            .unwrap_or_default();
                        converted.insert("properties".into(), Value::Object(properties));
                    }
                    _ => {
                        converted.insert(key.clone(), openapi_schema(value));
                    }
                }
            }
            for union in ["oneOf", "anyOf"] {
                let Some(Value::Array(branches)) = converted.remove(union) else {
                    continue;
                };
                let is_null = |branch: &Value| *branch == json!({ "type": "null" });
                let nullable = branches.iter().any(is_null);
                let mut rest: Vec<Value> = branches.into_iter().filter(|b| !is_null(b)).collect();
                if nullable {
                    converted.insert("nullable".into(), Value::Bool(true));
                }
                if rest.len() == 1 {
                    // `oneOf: [X, null]` is X, nullable.
                    if let Value::Object(only) = rest.remove(0) {
                        for (key, value) in only {
                            converted.entry(key).or_insert(value);
                        }
                    }
                } else if !rest.is_empty() {
                    converted.insert(union.into(), Value::Array(rest));
                }
            }
            Value::Object(converted)
        }
        Value::Array(items) => Value::Array(items.iter().map(openapi_schema).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_schema_becomes_openapi_3_0() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:x",
            "type": "object",
            "properties": {
                "edited_at": { "type": ["string", "null"], "format": "date-time" },
                "kind": { "const": "public" },
                "tags": { "type": "array", "items": { "type": ["integer", "null"] } },
                "properties": { "type": "string" },
                "by": { "description": "Who.", "oneOf": [{ "type": "string", "pattern": "^u" }, { "type": "null" }] }
            },
            "required": ["kind"]
        });
        assert_eq!(
            openapi_schema(&schema),
            json!({
                "type": "object",
                "properties": {
                    "edited_at": { "type": "string", "nullable": true, "format": "date-time" },
                    "kind": { "enum": ["public"] },
                    "tags": { "type": "array", "items": { "type": "integer", "nullable": true } },
                    "properties": { "type": "string" },
                    "by": { "description": "Who.", "nullable": true, "type": "string", "pattern": "^u" }
                },
                "required": ["kind"]
            })
        );
    }

    #[test]
    fn schema_names_are_camel_case_with_later_versions_marked() {
        let event = |event_type, data_version| EventType {
            event_type,
            data_version,
            description: "x",
            schema: json!({}),
        };
        assert_eq!(
            schema_name(&event("chat.member.added", 1)),
            "ChatMemberAdded"
        );
        assert_eq!(
            schema_name(&event("webhook.attempt.exhausted", 2)),
            "WebhookAttemptExhaustedV2"
        );
        assert_eq!(
            schema_name(&event("identity.api_key.created", 1)),
            "IdentityApiKeyCreated"
        );
    }
}
