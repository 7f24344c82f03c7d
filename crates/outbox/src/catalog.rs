//! The event catalog: every event type the platform emits, with the JSON Schema of its `data`.
//!
//! The catalog is the contract integrators code against (the event log, and later webhooks,
//! deliver these types). It is static data: [`catalog`] lists one [`EventType`] per
//! `(type, data_version)`; each schema is JSON Schema draft 2020-12 describing `data` only
//! (the envelope around it is fixed, see [`atelier_core::EventEnvelope`]).
//!
//! The schemas are also committed as files, `openapi/events/<type>.v<version>.json`, rendered by
//! [`schema_files`] and written by `atelier events-schemas --out openapi/events`; a test fails
//! when the files and this module differ. A domain crate that starts emitting a new type (or a
//! new `data_version`) adds it here in the same change; the integration tests check that every
//! emitted event is catalogued and that its `data` validates.
//!
//! Layout: public items, then one function per event type building its schema, then the small
//! schema helpers.

use std::sync::LazyLock;

#[path = "catalog_access.rs"]
mod access;
#[path = "catalog_chat.rs"]
mod chat;

use serde_json::{Value, json};

/// The JSON Schema dialect of every `data` schema.
pub const SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// One event type at one `data_version`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventType {
    /// Dotted type, also the RabbitMQ routing key, e.g. `identity.user.created`.
    pub event_type: &'static str,
    /// Version of the `data` layout described by `schema`.
    pub data_version: u32,
    /// One line: what happened.
    pub description: &'static str,
    /// JSON Schema (draft 2020-12) of the event's `data`.
    pub schema: Value,
}

impl EventType {
    /// The committed schema file's name: `<type>.v<version>.json`.
    pub fn file_name(&self) -> String {
        format!("{}.v{}.json", self.event_type, self.data_version)
    }
}

/// Every event type emitted today, sorted by type then version.
pub fn catalog() -> &'static [EventType] {
    static CATALOG: LazyLock<Vec<EventType>> = LazyLock::new(|| {
        let mut types = vec![
            workspace_created(),
            user_created(),
            member_updated(),
            member_removed(),
            webhook_endpoint_created(),
            webhook_endpoint_updated(),
            webhook_endpoint_deleted(),
            webhook_endpoint_disabled(),
            webhook_attempt_exhausted(),
        ];
        types.extend(chat::types());
        types.extend(access::types());
        types.sort_by(|a, b| (a.event_type, a.data_version).cmp(&(b.event_type, b.data_version)));
        types
    });
    &CATALOG
}

/// The catalog entry of `event_type` at `data_version`.
pub fn find(event_type: &str, data_version: u32) -> Option<&'static EventType> {
    catalog()
        .iter()
        .find(|entry| entry.event_type == event_type && entry.data_version == data_version)
}

/// Whether any version of `event_type` is catalogued.
pub fn is_known_type(event_type: &str) -> bool {
    catalog().iter().any(|entry| entry.event_type == event_type)
}

/// The committed schema files: `(file name, contents)`, pretty JSON with a final newline.
pub fn schema_files() -> Vec<(String, String)> {
    catalog()
        .iter()
        .map(|entry| {
            let mut text = serde_json::to_string_pretty(&entry.schema)
                .expect("a serde_json::Value always serializes");
            text.push('\n');
            (entry.file_name(), text)
        })
        .collect()
}

fn workspace_created() -> EventType {
    let description = "A workspace was created, optionally with its first owner.";
    EventType {
        event_type: "identity.workspace.created",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.workspace.created",
            1,
            description,
            json!({
                "workspace_id": prefixed_id("wsp", "The new workspace."),
                "name": name("The workspace's name."),
                "owner": {
                    "description": "The user made owner at creation, or null.",
                    "oneOf": [prefixed_id("usr", "The first owner."), { "type": "null" }],
                },
            }),
            &["workspace_id", "name", "owner"],
        ),
    }
}

fn user_created() -> EventType {
    let description = "A user of the organisation was created.";
    EventType {
        event_type: "identity.user.created",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.user.created",
            1,
            description,
            json!({
                "user_id": prefixed_id("usr", "The new user."),
                "display_name": name("The user's display name."),
                "external_id": {
                    "description": "The tenant's own id for this user, or null.",
                    "type": ["string", "null"],
                    "minLength": 1,
                    "maxLength": 200,
                },
            }),
            &["user_id", "display_name", "external_id"],
        ),
    }
}

fn member_updated() -> EventType {
    let description = "A user was added to a workspace or their role in it changed.";
    EventType {
        event_type: "identity.member.updated",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.member.updated",
            1,
            description,
            json!({
                "workspace_id": prefixed_id("wsp", "The workspace."),
                "user_id": prefixed_id("usr", "The member."),
                "role": {
                    "description": "The member's role from now on.",
                    "type": "string",
                    "enum": ["owner", "admin", "member", "guest"],
                },
            }),
            &["workspace_id", "user_id", "role"],
        ),
    }
}

fn member_removed() -> EventType {
    let description = "A user was removed from a workspace.";
    EventType {
        event_type: "identity.member.removed",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.member.removed",
            1,
            description,
            json!({
                "workspace_id": prefixed_id("wsp", "The workspace."),
                "user_id": prefixed_id("usr", "The removed member."),
            }),
            &["workspace_id", "user_id"],
        ),
    }
}

/// The public settings of a webhook endpoint, shared by `created` and `updated` (never its
/// secrets or extra headers).
fn webhook_endpoint_properties() -> serde_json::Map<String, Value> {
    let Value::Object(properties) = json!({
        "endpoint_id": prefixed_id("wep", "The endpoint."),
        "url": {
            "description": "Where deliveries are sent.",
            "type": "string",
            "format": "uri",
            "maxLength": 2048,
        },
        "event_types": {
            "description": "Event types delivered; empty means every type.",
            "type": "array",
            "items": { "type": "string" },
        },
        "enabled": {
            "description": "Whether deliveries are made.",
            "type": "boolean",
        },
    }) else {
        unreachable!("a JSON object literal")
    };
    properties
}

fn webhook_endpoint_created() -> EventType {
    let description = "A webhook endpoint was created.";
    EventType {
        event_type: "webhook.endpoint.created",
        data_version: 1,
        description,
        schema: object_schema(
            "webhook.endpoint.created",
            1,
            description,
            Value::Object(webhook_endpoint_properties()),
            &["endpoint_id", "url", "event_types", "enabled"],
        ),
    }
}

fn webhook_endpoint_updated() -> EventType {
    let description = "A webhook endpoint's settings changed or its signing secret was rotated.";
    let mut properties = webhook_endpoint_properties();
    properties.insert(
        "changed".to_owned(),
        json!({
            "description": "What changed.",
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "string",
                "enum": ["url", "description", "event_types", "rate_limit_per_second", "headers", "enabled", "secret"],
            },
        }),
    );
    EventType {
        event_type: "webhook.endpoint.updated",
        data_version: 1,
        description,
        schema: object_schema(
            "webhook.endpoint.updated",
            1,
            description,
            Value::Object(properties),
            &["endpoint_id", "url", "event_types", "enabled", "changed"],
        ),
    }
}

fn webhook_endpoint_deleted() -> EventType {
    let description = "A webhook endpoint was deleted.";
    EventType {
        event_type: "webhook.endpoint.deleted",
        data_version: 1,
        description,
        schema: object_schema(
            "webhook.endpoint.deleted",
            1,
            description,
            json!({ "endpoint_id": prefixed_id("wep", "The deleted endpoint.") }),
            &["endpoint_id"],
        ),
    }
}

fn webhook_endpoint_disabled() -> EventType {
    let description =
        "Atelier disabled a webhook endpoint (it answered 410 Gone, or kept failing).";
    EventType {
        event_type: "webhook.endpoint.disabled",
        data_version: 1,
        description,
        schema: object_schema(
            "webhook.endpoint.disabled",
            1,
            description,
            json!({
                "endpoint_id": prefixed_id("wep", "The disabled endpoint."),
                "reason": {
                    "description": "Why: `gone` after a 410 answer, `failing` after failing for `webhooks.disable_after`.",
                    "type": "string",
                    "minLength": 1,
                },
            }),
            &["endpoint_id", "reason"],
        ),
    }
}

fn webhook_attempt_exhausted() -> EventType {
    let description =
        "A message used every delivery attempt to a webhook endpoint and was dead-lettered.";
    EventType {
        event_type: "webhook.attempt.exhausted",
        data_version: 1,
        description,
        schema: object_schema(
            "webhook.attempt.exhausted",
            1,
            description,
            json!({
                "endpoint_id": prefixed_id("wep", "The endpoint the message was for."),
                "event_id": prefixed_id("evt", "The undelivered event (the `webhook-id`)."),
                "event_type": {
                    "description": "The undelivered event's type.",
                    "type": "string",
                    "minLength": 1,
                },
                "attempts": {
                    "description": "Attempts made.",
                    "type": "integer",
                    "minimum": 1,
                },
                "last_response_status": {
                    "description": "HTTP status of the last attempt, or null when it got no answer.",
                    "type": ["integer", "null"],
                    "minimum": 100,
                    "maximum": 599,
                },
                "last_error": {
                    "description": "Why the last attempt got no answer (connection, timeout...), or null.",
                    "type": ["string", "null"],
                },
            }),
            &[
                "endpoint_id",
                "event_id",
                "event_type",
                "attempts",
                "last_response_status",
                "last_error",
            ],
        ),
    }
}

/// An object schema with the catalog's `$schema`, `$id` and `title`.
///
/// Deliberately open (no `additionalProperties: false`): within one `data_version` fields are
/// only ever added, so a consumer validating with today's schema must keep accepting tomorrow's
/// events. Incompatible changes get a new `data_version` and a new entry. (Our own tests are
/// stricter: every field an emitted event carries must be declared here.)
fn object_schema(
    event_type: &str,
    data_version: u32,
    description: &str,
    properties: Value,
    required: &[&str],
) -> Value {
    json!({
        "$schema": SCHEMA_DIALECT,
        "$id": format!("urn:atelier:event:{event_type}:v{data_version}"),
        "title": format!("{event_type} v{data_version} data"),
        "description": description,
        "type": "object",
        "properties": properties,
        "required": required,
    })
}

/// `<prefix>_<ULID>`: a typed Atelier id (Crockford base32, upper case).
fn prefixed_id(prefix: &str, description: &str) -> Value {
    json!({
        "description": description,
        "type": "string",
        "pattern": format!("^{prefix}_[0-9A-HJKMNP-TV-Z]{{26}}$"),
    })
}

/// A trimmed display name, 1 to 200 characters (as the identity crate enforces).
fn name(description: &str) -> Value {
    json!({
        "description": description,
        "type": "string",
        "minLength": 1,
        "maxLength": 200,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/events");
    const REGENERATE: &str = "cargo run -q -p atelier -- events-schemas --out openapi/events";

    #[test]
    fn entries_are_unique_valid_types_with_valid_schemas() {
        let mut seen = std::collections::HashSet::new();
        for entry in catalog() {
            atelier_core::event::validate_event_type(entry.event_type).unwrap();
            assert!(
                seen.insert((entry.event_type, entry.data_version)),
                "{} v{} is catalogued twice",
                entry.event_type,
                entry.data_version
            );
            assert!(!entry.description.is_empty() && !entry.description.contains('\n'));
            assert_eq!(entry.schema["$schema"], SCHEMA_DIALECT);
            jsonschema::draft202012::meta::validate(&entry.schema).unwrap_or_else(|error| {
                panic!("{}: not a valid 2020-12 schema: {error}", entry.event_type)
            });
        }
    }

    /// What each schema accepts and refuses: `(type, data, valid)`.
    #[test]
    fn schemas_accept_what_tenancy_emits_and_refuse_the_rest() {
        let workspace = "wsp_01J9ZQ2V3M4N5P6Q7R8S9T0VWX";
        let user = "usr_01J9ZQ2V3M4N5P6Q7R8S9T0VWY";
        let endpoint = "wep_01J9ZQ2V3M4N5P6Q7R8S9T0VWZ";
        let event = "evt_01J9ZQ2V3M4N5P6Q7R8S9T0VX0";
        let cases = [
            (
                "webhook.attempt.exhausted",
                json!({ "endpoint_id": endpoint, "event_id": event, "event_type": "identity.user.created", "attempts": 8, "last_response_status": 500, "last_error": null }),
                true,
            ),
            (
                "webhook.attempt.exhausted",
                json!({ "endpoint_id": endpoint, "event_id": event, "event_type": "identity.user.created", "attempts": 8, "last_response_status": null, "last_error": "connection refused" }),
                true,
            ),
            (
                "webhook.attempt.exhausted",
                json!({ "endpoint_id": endpoint, "event_id": endpoint, "event_type": "identity.user.created", "attempts": 8, "last_response_status": null, "last_error": null }),
                false,
            ),
            (
                "identity.workspace.created",
                json!({ "workspace_id": workspace, "name": "Design", "owner": user }),
                true,
            ),
            (
                "identity.workspace.created",
                json!({ "workspace_id": workspace, "name": "Design", "owner": null }),
                true,
            ),
            (
                "identity.workspace.created",
                json!({ "workspace_id": user, "name": "Design", "owner": null }),
                false,
            ),
            (
                "identity.workspace.created",
                json!({ "workspace_id": workspace, "name": "Design" }),
                false,
            ),
            (
                "identity.user.created",
                json!({ "user_id": user, "display_name": "Ada", "external_id": null }),
                true,
            ),
            (
                "identity.user.created",
                json!({ "user_id": user, "display_name": "Ada", "external_id": "42" }),
                true,
            ),
            (
                "identity.user.created",
                json!({ "user_id": user, "display_name": "", "external_id": null }),
                false,
            ),
            (
                "identity.member.updated",
                json!({ "workspace_id": workspace, "user_id": user, "role": "guest" }),
                true,
            ),
            (
                "identity.member.updated",
                json!({ "workspace_id": workspace, "user_id": user, "role": "boss" }),
                false,
            ),
            (
                "identity.member.removed",
                json!({ "workspace_id": workspace, "user_id": user }),
                true,
            ),
            (
                "identity.member.removed",
                json!({ "workspace_id": workspace }),
                false,
            ),
            (
                "webhook.endpoint.created",
                json!({ "endpoint_id": endpoint, "url": "https://example.com/hook", "event_types": [], "enabled": true }),
                true,
            ),
            (
                "webhook.endpoint.created",
                json!({ "endpoint_id": user, "url": "https://example.com/hook", "event_types": [], "enabled": true }),
                false,
            ),
            (
                "webhook.endpoint.updated",
                json!({ "endpoint_id": endpoint, "url": "https://example.com/hook", "event_types": ["identity.user.created"], "enabled": false, "changed": ["secret"] }),
                true,
            ),
            (
                "webhook.endpoint.updated",
                json!({ "endpoint_id": endpoint, "url": "https://example.com/hook", "event_types": [], "enabled": true, "changed": [] }),
                false,
            ),
            (
                "webhook.endpoint.deleted",
                json!({ "endpoint_id": endpoint }),
                true,
            ),
            ("webhook.endpoint.deleted", json!({}), false),
            (
                "webhook.endpoint.disabled",
                json!({ "endpoint_id": endpoint, "reason": "gone" }),
                true,
            ),
            (
                "webhook.endpoint.disabled",
                json!({ "endpoint_id": endpoint, "reason": null }),
                false,
            ),
        ];
        let channel = "chn_01J9ZQ2V3M4N5P6Q7R8S9T0VX1";
        let message = "msg_01J9ZQ2V3M4N5P6Q7R8S9T0VX2";
        let chat_cases = [
            (
                "chat.reaction.added",
                json!({ "channel_id": channel, "workspace_id": workspace, "message_id": message, "emoji": "👍", "user_id": user, "count": 1, "change_seq": 3 }),
                true,
            ),
            (
                "chat.reaction.added",
                json!({ "channel_id": workspace, "workspace_id": workspace, "message_id": message, "emoji": "👍", "user_id": user, "count": 1, "change_seq": 3 }),
                false,
            ),
            (
                "chat.read.updated",
                json!({ "channel_id": channel, "workspace_id": workspace, "user_id": user, "last_read_seq": 0 }),
                true,
            ),
            (
                "chat.read.updated",
                json!({ "channel_id": channel, "user_id": user, "last_read_seq": 0 }),
                false,
            ),
            (
                "chat.member.added",
                json!({ "channel_id": channel, "workspace_id": workspace, "user_id": user, "role": "moderator" }),
                true,
            ),
            (
                "chat.member.added",
                json!({ "channel_id": channel, "workspace_id": workspace, "user_id": user, "role": "admin" }),
                false,
            ),
            (
                "chat.message.deleted",
                json!({ "channel_id": channel, "workspace_id": workspace, "message": { "id": message } }),
                false,
            ),
        ];
        for (event_type, data, valid) in cases.into_iter().chain(chat_cases) {
            let entry = find(event_type, 1).unwrap();
            let validator = jsonschema::draft202012::new(&entry.schema).unwrap();
            assert_eq!(validator.is_valid(&data), valid, "{event_type}: {data}");
        }
    }

    #[test]
    fn committed_schema_files_match_the_catalog() {
        let expected = schema_files();
        for (name, contents) in &expected {
            let committed =
                std::fs::read_to_string(format!("{EVENTS_DIR}/{name}")).unwrap_or_default();
            assert!(
                &committed == contents,
                "openapi/events/{name} is missing or differs from the catalog. Regenerate with:\n\n    {REGENERATE}\n"
            );
        }
        let mut stale = Vec::new();
        for file in std::fs::read_dir(EVENTS_DIR).expect("openapi/events exists") {
            let name = file.unwrap().file_name().to_string_lossy().into_owned();
            if !expected.iter().any(|(expected, _)| expected == &name) {
                stale.push(name);
            }
        }
        assert!(
            stale.is_empty(),
            "openapi/events has files the catalog does not list: {stale:?}. Delete them and regenerate with:\n\n    {REGENERATE}\n"
        );
    }

    #[test]
    fn lookups() {
        assert!(is_known_type("identity.user.created"));
        assert!(!is_known_type("identity.user"));
        assert!(find("identity.user.created", 2).is_none());
    }
}
