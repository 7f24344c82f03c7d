//! The webhook event types (`webhook.*`) and the JSON Schemas of their `data`: the catalog
//! entries this crate owns (see `atelier_outbox::catalog`).

use atelier_outbox::catalog::{
    EventType,
    schema::{object_schema, prefixed_id},
};
use serde_json::{Value, json};

/// Every webhook event type, at every `data_version` still emitted.
pub fn types() -> Vec<EventType> {
    vec![
        webhook_endpoint_created(),
        webhook_endpoint_updated(),
        webhook_endpoint_deleted(),
        webhook_endpoint_disabled(),
        webhook_attempt_exhausted(),
    ]
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

#[cfg(test)]
mod tests {
    use atelier_outbox::catalog::check;
    use serde_json::json;

    use super::types;

    #[test]
    fn entries_are_valid() {
        check::entries_are_valid(types(), |schema| {
            jsonschema::draft202012::meta::validate(schema).is_ok()
        });
    }

    /// What each schema accepts and refuses: `(type, data, valid)`.
    #[test]
    fn schemas_accept_what_delivery_emits_and_refuse_the_rest() {
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
        check::schema_cases(types(), cases, |schema, data| {
            jsonschema::draft202012::new(schema).unwrap().is_valid(data)
        });
    }
}
