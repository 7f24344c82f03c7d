//! The chat event types (`chat.*`) and the JSON Schemas of their `data`: the catalog entries
//! this crate owns (see `atelier_outbox::catalog`). Every one has `aggregate_type = "channel"`, the channel id
//! as `aggregate_id`, and `channel_id` and `workspace_id` in its `data`. Message events carry
//! the message as the API shows it (`data.message`, without per-viewer fields).

use serde_json::{Value, json};

use atelier_outbox::catalog::{
    EventType,
    schema::{object_schema, prefixed_id},
};

/// Every chat event type, at every `data_version` still emitted.
pub fn types() -> Vec<EventType> {
    vec![
        channel_event(
            "chat.channel.created",
            "A channel was created (its first members follow as chat.member.added).",
            false,
        ),
        channel_event(
            "chat.channel.updated",
            "A channel's name, topic, archived, frozen or slow-mode setting changed.",
            true,
        ),
        member_event(
            "chat.member.added",
            "A user became a member of a channel.",
            true,
        ),
        member_event(
            "chat.member.updated",
            "A channel member's role changed.",
            true,
        ),
        member_event(
            "chat.member.removed",
            "A user left or was removed from a channel.",
            false,
        ),
        message_event(
            "chat.message.created",
            "A message (or thread reply) was sent.",
            false,
        ),
        message_event(
            "chat.message.updated",
            "A message was edited, pinned or unpinned, or its thread got a reply.",
            true,
        ),
        message_event(
            "chat.message.deleted",
            "A message was deleted; `message` is its tombstone.",
            false,
        ),
        reaction_event("chat.reaction.added", "A user reacted to a message."),
        reaction_event("chat.reaction.removed", "A user removed a reaction."),
        read_event(
            "chat.read.updated",
            "A member's read position in a channel moved.",
            false,
        ),
        read_event(
            "chat.thread.read_updated",
            "A member's read position in a thread moved.",
            true,
        ),
        scheduled_event(
            "chat.scheduled.created",
            "A message was scheduled to be sent later.",
        ),
        scheduled_event(
            "chat.scheduled.cancelled",
            "A scheduled message was cancelled before it was sent.",
        ),
    ]
}

fn ids() -> serde_json::Map<String, Value> {
    let Value::Object(map) = json!({
        "channel_id": prefixed_id("chn", "The channel."),
        "workspace_id": prefixed_id("wsp", "The channel's workspace."),
    }) else {
        unreachable!("a JSON object literal")
    };
    map
}

fn entry(
    event_type: &'static str,
    description: &'static str,
    extra: Value,
    required: &[&str],
) -> EventType {
    let mut properties = ids();
    if let Value::Object(extra) = extra {
        properties.extend(extra);
    }
    let mut all_required = vec!["channel_id", "workspace_id"];
    all_required.extend_from_slice(required);
    EventType {
        event_type,
        data_version: 1,
        description,
        schema: object_schema(
            event_type,
            1,
            description,
            Value::Object(properties),
            &all_required,
        ),
    }
}

fn time(description: &str) -> Value {
    json!({ "description": description, "type": "string", "format": "date-time" })
}

fn nullable_time(description: &str) -> Value {
    json!({ "description": description, "type": ["string", "null"], "format": "date-time" })
}

fn nullable_id(prefix: &str, description: &str) -> Value {
    json!({
        "description": description,
        "oneOf": [prefixed_id(prefix, description), { "type": "null" }],
    })
}

fn counter(description: &str) -> Value {
    json!({ "description": description, "type": "integer", "minimum": 0 })
}

fn changed(values: &[&str]) -> Value {
    json!({
        "description": "What changed.",
        "type": "array",
        "minItems": 1,
        "items": { "type": "string", "enum": values },
    })
}

fn channel_schema() -> Value {
    json!({
        "description": "The channel as the API shows it.",
        "type": "object",
        "properties": {
            "id": prefixed_id("chn", "The channel."),
            "workspace_id": prefixed_id("wsp", "Its workspace."),
            "kind": { "type": "string", "enum": ["public", "private", "direct"] },
            "name": { "type": "string", "maxLength": 80 },
            "topic": { "type": "string", "maxLength": 250 },
            "direct_member_ids": { "type": "array", "items": prefixed_id("usr", "A member.") },
            "archived": { "type": "boolean" },
            "frozen": { "type": "boolean" },
            "slow_mode_seconds": counter("Seconds between two messages of a member; 0: off."),
            "last_seq": counter("The newest message's sequence number."),
            "change_seq": counter("The newest change-feed position."),
            "created_by": nullable_id("usr", "The creator."),
            "created_at": time("Creation time."),
            "updated_at": time("Last change."),
        },
        "required": ["id", "workspace_id", "kind", "name", "topic", "archived", "frozen", "slow_mode_seconds", "last_seq", "change_seq", "created_at", "updated_at"],
    })
}

fn channel_event(event_type: &'static str, description: &'static str, update: bool) -> EventType {
    let mut extra = json!({ "channel": channel_schema() });
    let mut required = vec!["channel"];
    if update {
        extra["changed"] = changed(&["name", "topic", "archived", "frozen", "slow_mode_seconds"]);
        required.push("changed");
    }
    entry(event_type, description, extra, &required)
}

fn member_event(event_type: &'static str, description: &'static str, role: bool) -> EventType {
    let mut extra = json!({ "user_id": prefixed_id("usr", "The member.") });
    let mut required = vec!["user_id"];
    if role {
        extra["role"] = json!({
            "description": "The member's channel role from now on.",
            "type": "string",
            "enum": ["owner", "moderator", "member"],
        });
        required.push("role");
    }
    entry(event_type, description, extra, &required)
}

/// The message as the API shows it (`Message` in the OpenAPI spec, without `my_reactions`).
fn message_schema() -> Value {
    json!({
        "description": "The message as the API shows it.",
        "type": "object",
        "properties": {
            "id": prefixed_id("msg", "The message."),
            "channel_id": prefixed_id("chn", "Its channel."),
            "workspace_id": prefixed_id("wsp", "Its workspace."),
            "seq": { "description": "Position in the channel, monotonic (replies included).", "type": "integer", "minimum": 1 },
            "change_seq": { "description": "The channel's change-feed position at this change.", "type": "integer", "minimum": 1 },
            "author_id": prefixed_id("usr", "The author."),
            "text": { "description": "Empty once deleted.", "type": "string" },
            "mention_ids": { "type": "array", "items": prefixed_id("usr", "A mentioned user.") },
            "mention_channel": { "description": "`@channel` (or `@here`).", "type": "boolean" },
            "attachments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "url": { "type": "string" },
                        "mime_type": { "type": "string" },
                        "size_bytes": { "type": "integer", "minimum": 0 },
                        "name": { "type": "string" },
                    },
                    "required": ["url", "mime_type", "size_bytes", "name"],
                },
            },
            "quoted_message_id": nullable_id("msg", "The message quoted."),
            "parent_id": nullable_id("msg", "The thread root this replies to."),
            "client_message_id": { "description": "The sender's idempotency id.", "type": ["string", "null"] },
            "created_at": time("When it was sent."),
            "edited_at": nullable_time("Last edit."),
            "edit_count": counter("Previous versions kept."),
            "deleted": { "description": "A tombstone.", "type": "boolean" },
            "deleted_at": nullable_time("When it was deleted."),
            "pinned": { "type": "boolean" },
            "pinned_by": nullable_id("usr", "Who pinned it."),
            "pinned_at": nullable_time("When it was pinned."),
            "reactions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "emoji": { "type": "string", "minLength": 1 },
                        "count": { "type": "integer", "minimum": 1 },
                    },
                    "required": ["emoji", "count"],
                },
            },
            "thread": {
                "description": "Thread roots with replies: the thread's counters, else null.",
                "type": ["object", "null"],
                "properties": {
                    "reply_count": { "type": "integer", "minimum": 1 },
                    "last_reply_at": nullable_time("The newest reply."),
                    "participant_ids": { "type": "array", "items": prefixed_id("usr", "A participant.") },
                },
                "required": ["reply_count", "participant_ids"],
            },
            "scheduled_message_id": nullable_id("sch", "The scheduled message it was sent from."),
        },
        "required": ["id", "channel_id", "workspace_id", "seq", "change_seq", "author_id", "text", "mention_ids", "mention_channel", "attachments", "created_at", "deleted", "pinned", "reactions"],
    })
}

fn message_event(event_type: &'static str, description: &'static str, update: bool) -> EventType {
    let mut extra = json!({ "message": message_schema() });
    let mut required = vec!["message"];
    if update {
        extra["changed"] = changed(&["text", "pinned", "thread"]);
        required.push("changed");
    }
    entry(event_type, description, extra, &required)
}

fn reaction_event(event_type: &'static str, description: &'static str) -> EventType {
    entry(
        event_type,
        description,
        json!({
            "message_id": prefixed_id("msg", "The message."),
            "emoji": { "description": "The emoji or short code.", "type": "string", "minLength": 1, "maxLength": 64 },
            "user_id": prefixed_id("usr", "Who reacted (or removed their reaction)."),
            "count": counter("How many users react with this emoji now."),
            "change_seq": { "description": "The channel's change-feed position at this change.", "type": "integer", "minimum": 1 },
        }),
        &["message_id", "emoji", "user_id", "count", "change_seq"],
    )
}

fn read_event(event_type: &'static str, description: &'static str, thread: bool) -> EventType {
    let mut extra = json!({
        "user_id": prefixed_id("usr", "The member."),
        "last_read_seq": counter("Messages up to this sequence number are read."),
    });
    let mut required = vec!["user_id", "last_read_seq"];
    if thread {
        extra["message_id"] = prefixed_id("msg", "The thread's root message.");
        required.push("message_id");
    }
    entry(event_type, description, extra, &required)
}

fn scheduled_event(event_type: &'static str, description: &'static str) -> EventType {
    entry(
        event_type,
        description,
        json!({
            "scheduled_message_id": prefixed_id("sch", "The scheduled message."),
            "author_id": prefixed_id("usr", "Who it is sent as."),
            "send_at": time("When it is (or was to be) sent."),
        }),
        &["scheduled_message_id", "author_id", "send_at"],
    )
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
    fn schemas_accept_what_chat_emits_and_refuse_the_rest() {
        let workspace = "wsp_01J9ZQ2V3M4N5P6Q7R8S9T0VWX";
        let user = "usr_01J9ZQ2V3M4N5P6Q7R8S9T0VWY";
        let channel = "chn_01J9ZQ2V3M4N5P6Q7R8S9T0VX1";
        let message = "msg_01J9ZQ2V3M4N5P6Q7R8S9T0VX2";
        let cases = [
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
        check::schema_cases(types(), cases, |schema, data| {
            jsonschema::draft202012::new(schema).unwrap().is_valid(data)
        });
    }
}
