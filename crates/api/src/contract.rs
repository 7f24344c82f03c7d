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
//! - operations with a body declare 408 `body_read_timeout` (no `default` response: progenitor
//!   counts a `default` as a second success type);
//! - public operations say `security: []`; `servers` names a node;
//! - events are typed: `Event` is a union discriminated by `type`, one variant per catalogued
//!   event type with its `data` schema (`<Type>Data`, converted from the catalog's JSON Schema
//!   2020-12 to OpenAPI 3.0), so the event log and webhook consumers get types too.

use atelier_chat::{ChannelId, MessageId, ScheduledMessageId};
use atelier_core::EventId;
use atelier_feeds::ActivityId;
use atelier_identity::{ApiKeyId, UserId, WorkspaceId};
use atelier_outbox::catalog::EventType;
use atelier_webhooks::{EndpointId, attempts::AttemptId};
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

/// A deprecated operation (README, "Versioning"): the document marks it `deprecated: true`
/// and every response of it carries `Deprecation: @<since>` (RFC 9745), `Sunset: <date>`
/// (RFC 8594) and a `Link` to its successor. Removed after the sunset, in a new version only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deprecation {
    pub operation_id: &'static str,
    /// When it was deprecated, Unix seconds.
    pub since_unix: i64,
    /// When it may stop working, as an HTTP date (`Sat, 01 May 2027 00:00:00 GMT`).
    pub sunset: &'static str,
    /// What to use instead (a path of the API or documentation URL).
    pub successor: &'static str,
}

impl Deprecation {
    /// The response headers announcing it.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("Deprecation", format!("@{}", self.since_unix)),
            ("Sunset", self.sunset.to_owned()),
            (
                "Link",
                format!("<{}>; rel=\"successor-version\"", self.successor),
            ),
        ]
    }
}

/// The deprecated operations of v1. None yet.
pub const DEPRECATIONS: &[Deprecation] = &[];

/// The deprecation of `operation_id`, if it is deprecated.
pub fn deprecation_of(operation_id: &str) -> Option<&'static Deprecation> {
    DEPRECATIONS
        .iter()
        .find(|deprecation| deprecation.operation_id == operation_id)
}

/// Applies the pass to the generated document; `events` are the deployment's event types.
pub fn finish(spec: &mut Value, events: &[EventType]) {
    finish_with(spec, events, DEPRECATIONS);
}

/// Parameters that carry an id, by name, and the id's prefix: their schema gets the id's
/// pattern (`chn_` and a ULID), so a client (or a fuzzer) knows what the server
/// accepts before it answers 400.
const ID_FIELDS: [(&str, &str); 18] = [
    ("channel_id", ChannelId::PREFIX),
    ("message_id", MessageId::PREFIX),
    ("scheduled_message_id", ScheduledMessageId::PREFIX),
    ("parent_id", MessageId::PREFIX),
    ("quoted_message_id", MessageId::PREFIX),
    ("around", MessageId::PREFIX),
    ("workspace_id", WorkspaceId::PREFIX),
    ("user_id", UserId::PREFIX),
    ("owner_id", UserId::PREFIX),
    ("creator_id", UserId::PREFIX),
    ("author", UserId::PREFIX),
    ("member_ids", UserId::PREFIX),
    ("mention_ids", UserId::PREFIX),
    ("api_key_id", ApiKeyId::PREFIX),
    ("endpoint_id", EndpointId::PREFIX),
    ("event_id", EventId::PREFIX),
    ("attempt_id", AttemptId::PREFIX),
    ("activity_id", ActivityId::PREFIX),
];

/// A prefixed id: the prefix, `_`, then a ULID (26 Crockford base32 digits, either case), as
/// the id parser accepts it.
fn id_pattern(prefix: &str) -> String {
    format!("^{prefix}_[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{{26}}$")
}

/// Adds the id pattern to a string schema (or the items of an array of strings) that has none.
fn add_id_pattern(schema: &mut Value, prefix: &str) {
    let target = if schema.get("type").and_then(Value::as_str) == Some("array") {
        match schema.get_mut("items") {
            Some(items) => items,
            None => return,
        }
    } else {
        schema
    };
    if target.get("type").and_then(Value::as_str) == Some("string")
        && target.get("pattern").is_none()
        && target.get("$ref").is_none()
    {
        target["pattern"] = Value::String(id_pattern(prefix));
    }
}

fn id_prefix(name: &str) -> Option<&'static str> {
    ID_FIELDS
        .iter()
        .find(|(field, _)| *field == name)
        .map(|(_, prefix)| *prefix)
}

/// Id patterns on every path and query parameter. (Not on body fields: generators such as
/// progenitor turn a constrained string into a newtype per field, which would make every id a
/// response hands out a different type from the field that takes it.)
fn id_patterns(spec: &mut Value) {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for parameter in parameters {
                let prefix = parameter
                    .get("name")
                    .and_then(Value::as_str)
                    .and_then(id_prefix);
                if let (Some(prefix), Some(schema)) = (prefix, parameter.get_mut("schema")) {
                    add_id_pattern(schema, prefix);
                }
            }
        }
    }
}

/// poem-openapi writes `format: uint32` for unsigned integers, which JSON Schema validators do
/// not enforce: the range becomes `minimum` / `maximum`, as the server checks it.
fn unsigned_ranges(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            let maximum = fields
                .get("format")
                .and_then(Value::as_str)
                .and_then(crate::edge::json::unsigned_max);
            if let Some(maximum) = maximum
                && fields.get("type").and_then(Value::as_str) == Some("integer")
            {
                fields.entry("minimum").or_insert(json!(0));
                if maximum < u64::MAX {
                    fields.entry("maximum").or_insert(json!(maximum));
                }
            }
            for value in fields.values_mut() {
                unsigned_ranges(value);
            }
        }
        Value::Array(items) => {
            for item in items {
                unsigned_ranges(item);
            }
        }
        _ => {}
    }
}

fn finish_with(spec: &mut Value, events: &[EventType], deprecations: &[Deprecation]) {
    id_patterns(spec);
    if let Some(schemas) = spec.pointer_mut("/components/schemas") {
        unsigned_ranges(schemas);
    }
    if let Some(paths) = spec.get_mut("paths") {
        unsigned_ranges(paths);
    }
    if let Some(schemas) = spec.pointer_mut("/components/schemas") {
        plain_references(schemas);
    }
    nullable_request_fields(spec);
    type_events(spec, events);
    mark_deprecations(spec, deprecations);
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

/// The names of the component schemas `value` refers to, directly or through other schemas.
fn referenced_schemas(
    document: &Value,
    value: &Value,
    found: &mut std::collections::BTreeSet<String>,
) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
                && found.insert(name.to_owned())
                && let Some(schema) = document.pointer(&format!("/components/schemas/{name}"))
            {
                referenced_schemas(document, schema, found);
            }
            for field in map.values() {
                referenced_schemas(document, field, found);
            }
        }
        Value::Array(items) => {
            for item in items {
                referenced_schemas(document, item, found);
            }
        }
        _ => {}
    }
}

/// A strict body reads `null` in an optional field as the field left out (README, "HTTP
/// contract"), so the document says so: in the schemas only requests use, every optional
/// field is `nullable`, except enums (null is none of their values, and strict bodies refuse
/// it there).
/// Schemas responses also use keep their fields non-null: responses never send `null`.
fn nullable_request_fields(spec: &mut Value) {
    use std::collections::BTreeSet;
    let (mut requests, mut responses) = (BTreeSet::new(), BTreeSet::new());
    for item in spec["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
    {
        for operation in item.as_object().into_iter().flat_map(|item| item.values()) {
            referenced_schemas(spec, &operation["requestBody"], &mut requests);
            referenced_schemas(spec, &operation["responses"], &mut responses);
        }
    }
    for name in requests.difference(&responses) {
        let Some(schema) = spec.pointer_mut(&format!("/components/schemas/{name}")) else {
            continue;
        };
        let required: Vec<String> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|field| field.as_str().map(str::to_owned))
            .collect();
        let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (field, property) in properties.iter_mut() {
            if required.contains(field) {
                continue;
            }
            // Enums refuse `null` (it is not one of their values); references keep no
            // siblings in 3.0.
            if property.get("$ref").is_none() && property.get("enum").is_none() {
                property["nullable"] = Value::Bool(true);
            }
        }
    }
}

/// poem-openapi wraps a described reference as `allOf: [{$ref}, {description}]`. Generators
/// take that badly (openapi-python-client cannot take `allOf` of an enum and drops the whole
/// model; openapi-generator warns), so such a field becomes the plain reference: the
/// referenced schema carries its documentation.
fn plain_references(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            let reference = fields
                .get("allOf")
                .and_then(Value::as_array)
                .and_then(|parts| {
                    let references: Vec<&Value> =
                        parts.iter().filter_map(|part| part.get("$ref")).collect();
                    let only_notes = parts.iter().all(|part| {
                        part.get("$ref").is_some()
                            || part
                                .as_object()
                                .is_some_and(|part| part.keys().all(|key| key == "description"))
                    });
                    match references.as_slice() {
                        [reference] if only_notes => Some((*reference).clone()),
                        _ => None,
                    }
                });
            if let Some(reference) = reference {
                fields.clear();
                fields.insert("$ref".into(), reference);
                return;
            }
            for value in fields.values_mut() {
                plain_references(value);
            }
        }
        Value::Array(items) => {
            for item in items {
                plain_references(item);
            }
        }
        _ => {}
    }
}

/// `deprecated: true` and the `Deprecation` and `Sunset` headers on deprecated operations.
fn mark_deprecations(spec: &mut Value, deprecations: &[Deprecation]) {
    if deprecations.is_empty() {
        return;
    }
    if spec["components"].get("headers").is_none() {
        spec["components"]["headers"] = json!({});
    }
    if let Some(headers) = spec
        .pointer_mut("/components/headers")
        .and_then(Value::as_object_mut)
    {
        headers.insert(
            "Deprecation".into(),
            json!({ "description": "The operation is deprecated since this time (`@<unix seconds>`, RFC 9745).", "schema": { "type": "string" } }),
        );
        headers.insert(
            "Sunset".into(),
            json!({ "description": "The operation may stop working after this date (RFC 8594).", "schema": { "type": "string" } }),
        );
    }
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            let Some(deprecation) = deprecations.iter().find(|d| d.operation_id == id) else {
                continue;
            };
            operation["deprecated"] = Value::Bool(true);
            let note = format!(
                "\n\n**Deprecated**: use {} instead; it may stop working after {}.",
                deprecation.successor, deprecation.sunset
            );
            let description = operation["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            operation["description"] = Value::String(description + &note);
            if let Some(responses) = operation["responses"].as_object_mut() {
                for response in responses.values_mut() {
                    response["headers"]["Deprecation"] =
                        json!({ "$ref": "#/components/headers/Deprecation" });
                    response["headers"]["Sunset"] =
                        json!({ "$ref": "#/components/headers/Sunset" });
                }
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
    if api && has_body {
        responses.insert(
            "408".into(),
            problem_response(
                "The body did not arrive within `http.body_read_timeout` (`body_read_timeout`).",
            ),
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
    fn a_deprecated_operation_is_marked_and_declares_its_headers() {
        let mut spec = json!({
            "info": { "title": "t", "version": "1" },
            "paths": { "/v1/old": { "get": {
                "operationId": "things.old",
                "description": "Old.",
                "responses": { "200": { "description": "ok" } }
            } } },
            "components": { "schemas": {} }
        });
        let deprecation = Deprecation {
            operation_id: "things.old",
            since_unix: 1_796_000_000,
            sunset: "Sat, 01 May 2027 00:00:00 GMT",
            successor: "/v1/new",
        };
        finish_with(&mut spec, &[], &[deprecation]);
        let operation = &spec["paths"]["/v1/old"]["get"];
        assert_eq!(operation["deprecated"], true);
        assert!(
            operation["description"]
                .as_str()
                .unwrap()
                .contains("/v1/new")
        );
        let headers = &operation["responses"]["200"]["headers"];
        assert!(headers.get("Deprecation").is_some() && headers.get("Sunset").is_some());
        assert!(spec["components"]["headers"].get("Sunset").is_some());
        assert_eq!(
            deprecation.headers(),
            [
                ("Deprecation", "@1796000000".to_owned()),
                ("Sunset", "Sat, 01 May 2027 00:00:00 GMT".to_owned()),
                ("Link", "</v1/new>; rel=\"successor-version\"".to_owned()),
            ]
        );
    }

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
    fn id_patterns_accept_what_the_id_parser_accepts() {
        let pattern = regex::Regex::new(&id_pattern("chn")).unwrap();
        let id = atelier_core::TenantId::generate()
            .to_string()
            .replace("ten_", "chn_");
        for (text, parses) in [
            (id.clone(), true),
            (id.to_lowercase(), true),
            ("chn_".to_owned() + &"Z".repeat(26), true),
            ("chn_01ARZ3NDEKTSV4RRFFQ69G5FAI".to_owned(), false),
            ("wsp_01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned(), false),
            ("chn_01ARZ3NDEKTSV4RRFFQ69G5FA".to_owned(), false),
        ] {
            let parsed = atelier_core::id::parse_prefixed(&text, "chn").is_ok();
            assert_eq!(parsed, parses, "{text}: the parser");
            assert_eq!(pattern.is_match(&text), parses, "{text}: the pattern");
        }
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

/// What a client generated from `old` would break on in `new`, for operations of the same
/// version (`/v1/...`): a removed operation, a removed or retyped field of a success response,
/// a new required field or parameter of a request, a removed request field or enum value, a
/// response field that may now be null. Additions (operations, optional request fields,
/// response fields, enum values: clients tolerate unknown values, see the README) are not
/// breaking. A breaking change ships as a new version (`/v2/...`), which this does not
/// compare.
pub fn breaking_changes(old: &Value, new: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let (Some(old_paths), Some(new_paths)) = (
        old.get("paths").and_then(Value::as_object),
        new.get("paths").and_then(Value::as_object),
    ) else {
        return vec!["a document has no paths".to_owned()];
    };
    for (path, old_item) in old_paths {
        let Some(old_item) = old_item.as_object() else {
            continue;
        };
        for (method, old_operation) in old_item {
            let name = format!("{} {path}", method.to_uppercase());
            let Some(new_operation) = new_paths.get(path).and_then(|item| item.get(method)) else {
                found.push(format!("{name}: the operation was removed"));
                continue;
            };
            compare_parameters(&name, old_operation, new_operation, &mut found);
            let old_body = request_schema(old, old_operation);
            let new_body = request_schema(new, new_operation);
            match (old_body, new_body) {
                (Some(old_body), Some(new_body)) => {
                    compare_request(&name, "body", old, &old_body, new, &new_body, &mut found, 0);
                }
                (None, Some(_)) if operation_body_required(new_operation) => {
                    found.push(format!("{name}: a required request body was added"));
                }
                _ => {}
            }
            let Some(old_responses) = old_operation.get("responses").and_then(Value::as_object)
            else {
                continue;
            };
            for (status, old_response) in old_responses {
                if !status.starts_with('2') {
                    continue;
                }
                let place = format!("{name} {status}");
                let Some(new_response) = new_operation.pointer(&format!("/responses/{status}"))
                else {
                    found.push(format!("{place}: the success response was removed"));
                    continue;
                };
                if let (Some(old_schema), Some(new_schema)) =
                    (media_schema(old_response), media_schema(new_response))
                {
                    compare_response(&place, "", old, old_schema, new, new_schema, &mut found, 0);
                }
            }
        }
    }
    found
}

fn operation_body_required(operation: &Value) -> bool {
    operation
        .pointer("/requestBody/required")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn request_schema(document: &Value, operation: &Value) -> Option<Value> {
    let body = operation.get("requestBody")?;
    media_schema(body).map(|schema| resolve(document, schema).clone())
}

fn media_schema(part: &Value) -> Option<&Value> {
    part.get("content")?
        .as_object()?
        .values()
        .next()?
        .get("schema")
}

/// Follows `$ref`s (and a lone `allOf` wrapper) to the schema itself.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    for _ in 0..32 {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            match reference
                .strip_prefix('#')
                .and_then(|pointer| document.pointer(pointer))
            {
                Some(target) => schema = target,
                None => return schema,
            }
        } else if let Some([only]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            schema = only;
        } else {
            return schema;
        }
    }
    schema
}

fn type_of(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

fn required_set(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|required| required.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn join_field(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

#[allow(clippy::too_many_arguments)]
fn compare_response(
    place: &str,
    field: &str,
    old_document: &Value,
    old: &Value,
    new_document: &Value,
    new: &Value,
    found: &mut Vec<String>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let (old, new) = (resolve(old_document, old), resolve(new_document, new));
    let shown = if field.is_empty() {
        "the body".to_owned()
    } else {
        format!("`{field}`")
    };
    if let (Some(old_type), Some(new_type)) = (type_of(old), type_of(new))
        && old_type != new_type
    {
        found.push(format!(
            "{place}: {shown} changed type from {old_type} to {new_type}"
        ));
        return;
    }
    if new.get("nullable") == Some(&Value::Bool(true))
        && old.get("nullable") != Some(&Value::Bool(true))
    {
        found.push(format!("{place}: {shown} may now be null"));
    }
    if let Some(old_properties) = old.get("properties").and_then(Value::as_object) {
        let new_properties = new.get("properties").and_then(Value::as_object);
        let old_required = required_set(old);
        let new_required = required_set(new);
        for (name, old_property) in old_properties {
            let path = join_field(field, name);
            match new_properties.and_then(|properties| properties.get(name)) {
                None => found.push(format!("{place}: response field `{path}` was removed")),
                Some(new_property) => {
                    if old_required.contains(&name.as_str())
                        && !new_required.contains(&name.as_str())
                    {
                        found.push(format!(
                            "{place}: response field `{path}` is no longer always present"
                        ));
                    }
                    compare_response(
                        place,
                        &path,
                        old_document,
                        old_property,
                        new_document,
                        new_property,
                        found,
                        depth + 1,
                    );
                }
            }
        }
    }
    if let (Some(old_items), Some(new_items)) = (old.get("items"), new.get("items")) {
        compare_response(
            place,
            &format!("{}[]", if field.is_empty() { "items" } else { field }),
            old_document,
            old_items,
            new_document,
            new_items,
            found,
            depth + 1,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn compare_request(
    place: &str,
    field: &str,
    old_document: &Value,
    old: &Value,
    new_document: &Value,
    new: &Value,
    found: &mut Vec<String>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let (old, new) = (resolve(old_document, old), resolve(new_document, new));
    if let (Some(old_type), Some(new_type)) = (type_of(old), type_of(new))
        && old_type != new_type
    {
        found.push(format!(
            "{place}: request {field} changed type from {old_type} to {new_type}"
        ));
        return;
    }
    if let (Some(old_values), Some(new_values)) = (
        old.get("enum").and_then(Value::as_array),
        new.get("enum").and_then(Value::as_array),
    ) {
        for value in old_values {
            if !new_values.contains(value) {
                found.push(format!(
                    "{place}: request {field} no longer accepts {value}"
                ));
            }
        }
    }
    let old_properties = old.get("properties").and_then(Value::as_object);
    let Some(new_properties) = new.get("properties").and_then(Value::as_object) else {
        return;
    };
    let old_required = required_set(old);
    for name in required_set(new) {
        if !old_required.contains(&name) {
            found.push(format!(
                "{place}: request field `{}` is now required",
                join_field(
                    field.trim_start_matches("body").trim_start_matches('.'),
                    name
                )
            ));
        }
    }
    if let Some(old_properties) = old_properties {
        for (name, old_property) in old_properties {
            let path = join_field(field, name);
            match new_properties.get(name) {
                None => found.push(format!("{place}: request field `{path}` was removed")),
                Some(new_property) => compare_request(
                    place,
                    &path,
                    old_document,
                    old_property,
                    new_document,
                    new_property,
                    found,
                    depth + 1,
                ),
            }
        }
    }
}

fn compare_parameters(name: &str, old: &Value, new: &Value, found: &mut Vec<String>) {
    let list = |operation: &Value| -> Vec<(String, String, bool)> {
        operation
            .get("parameters")
            .and_then(Value::as_array)
            .map(|parameters| {
                parameters
                    .iter()
                    .filter_map(|parameter| {
                        Some((
                            parameter.get("name")?.as_str()?.to_owned(),
                            parameter.get("in")?.as_str()?.to_owned(),
                            parameter
                                .get("required")
                                .and_then(Value::as_bool)
                                .unwrap_or(false),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let old_parameters = list(old);
    for (parameter, location, required) in list(new) {
        let before = old_parameters
            .iter()
            .find(|(name, place, _)| *name == parameter && *place == location);
        match before {
            None if required => found.push(format!(
                "{name}: new required {location} parameter `{parameter}`"
            )),
            Some((_, _, false)) if required => found.push(format!(
                "{name}: {location} parameter `{parameter}` is now required"
            )),
            _ => {}
        }
    }
    for (parameter, location, _) in &old_parameters {
        if location != "header"
            && !list(new)
                .iter()
                .any(|(name, place, _)| name == parameter && place == location)
        {
            found.push(format!(
                "{name}: {location} parameter `{parameter}` was removed"
            ));
        }
    }
}

#[cfg(test)]
mod breaking_tests {
    use super::*;

    fn document(response: Value, request: Value, parameters: Value) -> Value {
        json!({
            "paths": {
                "/v1/things": {
                    "post": {
                        "parameters": parameters,
                        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewThing" } } } },
                        "responses": { "201": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Thing" } } } } }
                    }
                }
            },
            "components": { "schemas": { "Thing": response, "NewThing": request } }
        })
    }

    fn base() -> Value {
        document(
            json!({ "type": "object", "properties": {
                "id": { "type": "string" },
                "kind": { "type": "string", "enum": ["a", "b"] },
                "count": { "type": "integer" }
            }, "required": ["id", "kind"] }),
            json!({ "type": "object", "properties": {
                "name": { "type": "string" },
                "kind": { "type": "string", "enum": ["a", "b"] }
            }, "required": ["name"] }),
            json!([{ "name": "limit", "in": "query", "required": false, "schema": { "type": "integer" } }]),
        )
    }

    #[test]
    fn additions_are_not_breaking() {
        let mut new = base();
        new["components"]["schemas"]["Thing"]["properties"]["extra"] = json!({ "type": "string" });
        new["components"]["schemas"]["NewThing"]["properties"]["note"] =
            json!({ "type": "string" });
        new["components"]["schemas"]["NewThing"]["properties"]["kind"]["enum"] =
            json!(["a", "b", "c"]);
        new["paths"]["/v1/others"] = json!({ "get": { "responses": {} } });
        assert_eq!(breaking_changes(&base(), &new), Vec::<String>::new());
        assert_eq!(breaking_changes(&base(), &base()), Vec::<String>::new());
    }

    #[test]
    fn each_breaking_change_is_named() {
        type Change = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "the operation was removed",
                Box::new(|d: &mut Value| {
                    d["paths"]["/v1/things"]
                        .as_object_mut()
                        .unwrap()
                        .remove("post");
                }),
            ),
            (
                "response field `count` was removed",
                Box::new(|d: &mut Value| {
                    d["components"]["schemas"]["Thing"]["properties"]
                        .as_object_mut()
                        .unwrap()
                        .remove("count");
                }),
            ),
            (
                "`id` changed type from string to integer",
                Box::new(|d: &mut Value| {
                    d["components"]["schemas"]["Thing"]["properties"]["id"] =
                        json!({ "type": "integer" });
                }),
            ),
            (
                "`id` is no longer always present",
                Box::new(|d: &mut Value| {
                    d["components"]["schemas"]["Thing"]["required"] = json!(["kind"]);
                }),
            ),
            (
                "request field `kind` is now required",
                Box::new(|d: &mut Value| {
                    d["components"]["schemas"]["NewThing"]["required"] = json!(["name", "kind"]);
                }),
            ),
            (
                "no longer accepts \"b\"",
                Box::new(|d: &mut Value| {
                    d["components"]["schemas"]["NewThing"]["properties"]["kind"]["enum"] =
                        json!(["a"]);
                }),
            ),
            (
                "query parameter `limit` is now required",
                Box::new(|d: &mut Value| {
                    d["paths"]["/v1/things"]["post"]["parameters"][0]["required"] = json!(true);
                }),
            ),
            (
                "new required query parameter `since`",
                Box::new(|d: &mut Value| {
                    d["paths"]["/v1/things"]["post"]["parameters"]
                        .as_array_mut()
                        .unwrap()
                        .push(json!({ "name": "since", "in": "query", "required": true }));
                }),
            ),
            (
                "the success response was removed",
                Box::new(|d: &mut Value| {
                    d["paths"]["/v1/things"]["post"]["responses"] = json!({ "200": {} });
                }),
            ),
        ];
        for (expected, change) in cases {
            let mut new = base();
            change(&mut new);
            let found = breaking_changes(&base(), &new);
            assert!(
                found.iter().any(|line| line.contains(expected)),
                "expected `{expected}` in {found:?}"
            );
        }
    }
}
