//! The feeds event types (`feeds.*`) and the JSON Schemas of their `data`: the catalog entries
//! this crate owns. Activity and follow events have `aggregate_type = "feed"` and the feed id
//! as `aggregate_id` (the feed an activity was added to; the follower of a follow); group
//! events `aggregate_type = "feed_group"` and the group's name.

use serde_json::{Map, Value, json};

use atelier_outbox::catalog::{
    EventType,
    schema::{object_schema, prefixed_id},
};

use crate::model::ActivityRecord;

/// Every feeds event type, at every `data_version` still emitted.
pub fn types() -> Vec<EventType> {
    vec![
        entry(
            "feeds.group.created",
            "A feed group was created.",
            json!({
                "name": { "description": "The group's name.", "type": "string" },
                "kind": { "description": "How its feeds are read.", "type": "string", "enum": ["flat"] },
                "owner": {
                    "description": "Who owns its feeds: `user`, `workspace` or `backend`.",
                    "type": "string",
                    "enum": ["user", "workspace", "backend"],
                },
            }),
            &["name", "kind", "owner"],
        ),
        activity_event(
            "feeds.activity.created",
            "An activity was added to a feed (and its `to` targets).",
        ),
        activity_event(
            "feeds.activity.updated",
            "An activity changed; every feed holding it shows the change.",
        ),
        entry(
            "feeds.activity.deleted",
            "An activity was deleted from every feed holding it.",
            json!({
                "feed_id": feed_id("The feed it was added to."),
                "activity_id": prefixed_id("act", "The activity."),
                "foreign_id": { "description": "Its foreign id (empty when none).", "type": "string" },
            }),
            &["feed_id", "activity_id", "foreign_id"],
        ),
        entry(
            "feeds.follow.created",
            "A feed started following another.",
            json!({
                "feed_id": feed_id("The follower feed."),
                "target_feed_id": feed_id("The followed feed."),
                "backfilled": { "description": "Activities copied into the follower.", "type": "integer", "minimum": 0 },
            }),
            &["feed_id", "target_feed_id", "backfilled"],
        ),
        entry(
            "feeds.follow.deleted",
            "A feed stopped following another.",
            json!({
                "feed_id": feed_id("The follower feed."),
                "target_feed_id": feed_id("The feed it no longer follows."),
                "kept_history": { "description": "Whether the copies already received were kept.", "type": "boolean" },
            }),
            &["feed_id", "target_feed_id", "kept_history"],
        ),
    ]
}

/// The `activity` of an event's data: the activity as the API shows it.
pub fn activity_data(record: &ActivityRecord) -> Value {
    let mut data = json!({
        "id": record.id,
        "feed_id": record.feed,
        "actor": record.actor,
        "verb": record.verb,
        "object": record.object,
        "time": time(record.time_ms),
        "to": record.to,
        "extra": extra(&record.extra),
        "created_at": time(record.created_at_ms),
        "updated_at": time(record.updated_at_ms),
    });
    if !record.target.is_empty() {
        data["target"] = json!(record.target);
    }
    if !record.foreign_id.is_empty() {
        data["foreign_id"] = json!(record.foreign_id);
    }
    data
}

/// The stored `extra` text as a JSON object (`{}` if it somehow is not one).
pub fn extra(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Unix milliseconds as an RFC 3339 time with `Z`.
pub fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn feed_id(description: &str) -> Value {
    json!({
        "description": description,
        "type": "string",
        "pattern": "^[a-z][a-z0-9_]{0,31}:[A-Za-z0-9_-]{1,64}$",
    })
}

fn text(description: &str) -> Value {
    json!({ "description": description, "type": "string" })
}

fn date_time(description: &str) -> Value {
    json!({ "description": description, "type": "string", "format": "date-time" })
}

fn activity_event(event_type: &'static str, description: &'static str) -> EventType {
    entry(
        event_type,
        description,
        json!({
            "feed_id": feed_id("The feed it was added to."),
            "activity": {
                "description": "The activity.",
                "type": "object",
                "properties": {
                    "id": prefixed_id("act", "The activity."),
                    "feed_id": feed_id("The feed it was added to."),
                    "actor": text("Who did it."),
                    "verb": text("What they did."),
                    "object": text("What they did it to."),
                    "target": text("Where (absent when none)."),
                    "time": date_time("When it happened."),
                    "foreign_id": text("The caller's own id for it (absent when none)."),
                    "to": {
                        "description": "Further feeds it was added to.",
                        "type": "array",
                        "items": feed_id("A feed."),
                    },
                    "extra": { "description": "Free-form data.", "type": "object" },
                    "created_at": date_time("When it was added."),
                    "updated_at": date_time("When it last changed."),
                },
                "required": ["id", "feed_id", "actor", "verb", "object", "time", "to", "extra", "created_at", "updated_at"],
            },
        }),
        &["feed_id", "activity"],
    )
}

fn entry(
    event_type: &'static str,
    description: &'static str,
    properties: Value,
    required: &[&str],
) -> EventType {
    EventType {
        event_type,
        data_version: 1,
        description,
        schema: object_schema(event_type, 1, description, properties, required),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entries_are_valid() {
        atelier_outbox::catalog::check::entries_are_valid(types(), |schema| {
            jsonschema::draft202012::meta::is_valid(schema)
        });
    }
}
