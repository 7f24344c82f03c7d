//! The machine-readable contract of the WebSocket protocol: an AsyncAPI 3.0 document of
//! `/v1/realtime`, built from this crate's frame types (the committed copy is
//! `openapi/asyncapi.json`, regenerated with `atelier asyncapi --out openapi/asyncapi.json`
//! and compared by the `asyncapi` test of `atelier-tests`).
//!
//! The document describes a client of the gateway: `send` operations are the frames a client
//! sends ([`ClientFrame`](crate::frame::ClientFrame)), `receive` operations the frames it
//! receives ([`ServerFrame`]). Server examples are real [`ServerFrame`] values serialised with
//! [`frame::encode`]; the enumerations (error codes, reasons, presence statuses) and close
//! codes come from the frame module's types and constants, through exhaustive matches, so a
//! new variant does not compile until it is documented here.

use atelier_core::EventId;
use atelier_identity::{UserId, WorkspaceId};
use serde_json::{Map, Value, json};

use crate::{
    RealtimeConfig,
    frame::{
        self, CHANNEL_ALIAS_KIND, ErrorCode, MAX_ID_BYTES, PROTOCOL_VERSION, PresenceStatus,
        ResyncReason, RevokeReason, ServerFrame, close,
    },
    topic::Topic,
};

/// The AsyncAPI version of the document.
pub const ASYNCAPI_VERSION: &str = "3.0.0";
/// The version of the contract (`info.version`).
pub const DOCUMENT_VERSION: &str = "1.0.0";
/// The gateway's address.
pub const ADDRESS: &str = "/v1/realtime";
/// The channel's key under `channels`.
pub const CHANNEL_KEY: &str = "realtime";

/// A WebSocket close code the gateway sends, as listed in `x-close-codes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseCode {
    pub code: u16,
    /// The constant's name in [`crate::frame::close`], lowercase.
    pub name: &'static str,
    pub meaning: &'static str,
    pub action: &'static str,
    /// Whether a client should reconnect (with backoff) and resume.
    pub reconnect: bool,
}

/// Every close code of [`crate::frame::close`] (the `asyncapi` test checks none is missing).
pub const CLOSE_CODES: &[CloseCode] = &[
    CloseCode {
        code: close::NORMAL,
        name: "normal",
        meaning: "Normal close (the reply to a client's close).",
        action: "",
        reconnect: false,
    },
    CloseCode {
        code: close::GOING_AWAY,
        name: "going_away",
        meaning: "The node is shutting down.",
        action: "Reconnect (another node) and resume.",
        reconnect: true,
    },
    CloseCode {
        code: close::UNSUPPORTED_DATA,
        name: "unsupported_data",
        meaning: "A binary frame that does not start with its topic (`kind:id` and a newline).",
        action: "Fix the client.",
        reconnect: false,
    },
    CloseCode {
        code: close::MALFORMED_FRAME,
        name: "malformed_frame",
        meaning: "A malformed text frame: not UTF-8, not JSON, no `v` / `type`, invalid fields \
                  (an `id` over 128 bytes too), or a topic id its kind does not accept.",
        action: "Fix the client.",
        reconnect: false,
    },
    CloseCode {
        code: close::FRAME_TOO_LARGE,
        name: "frame_too_large",
        meaning: "A frame larger than `realtime.max_frame_bytes` (`hello.max_frame_bytes`).",
        action: "Send smaller frames.",
        reconnect: false,
    },
    CloseCode {
        code: close::INTERNAL_ERROR,
        name: "internal_error",
        meaning: "An unexpected server error (logged).",
        action: "Reconnect with backoff and resume.",
        reconnect: true,
    },
    CloseCode {
        code: close::PING_TIMEOUT,
        name: "ping_timeout",
        meaning: "Nothing heard (no pong, no frame) within `realtime.ping_timeout`.",
        action: "Reconnect and resume.",
        reconnect: true,
    },
    CloseCode {
        code: close::TOKEN_EXPIRED,
        name: "token_expired",
        meaning: "The access token expired while connected.",
        action: "Refresh the token, reconnect and resume.",
        reconnect: true,
    },
    CloseCode {
        code: close::ACCESS_REVOKED,
        name: "access_revoked",
        meaning: "The login (refresh-token family) was revoked or the user deleted: the token \
                  is refused from now on.",
        action: "Sign in again (a deleted user cannot); do not reconnect with the same token.",
        reconnect: false,
    },
    CloseCode {
        code: close::SLOW_CONSUMER,
        name: "slow_consumer",
        meaning: "Too slow: a frame waited longer than `realtime.stalled_after` to be written, \
                  or `realtime.outbound_queue` frames were waiting. When not even the close \
                  frame can be written within 2 s the connection is dropped without one.",
        action: "Read faster; reconnect and resume.",
        reconnect: true,
    },
    CloseCode {
        code: close::RATE_LIMITED,
        name: "rate_limited",
        meaning: "The client kept sending frames while refused with `error` `rate_limited` \
                  (`realtime.frames_per_second`, bursts of `realtime.frame_burst`).",
        action: "Send fewer frames; reconnect after a pause and resume.",
        reconnect: true,
    },
    CloseCode {
        code: close::TOO_MANY_SOCKETS,
        name: "too_many_sockets",
        meaning: "The user already holds `realtime.max_sockets_per_user` sockets on this node \
                  (sent at once, before `hello`).",
        action: "Close a socket you no longer use; do not reconnect in a loop.",
        reconnect: false,
    },
];

/// Every `error` code, in documentation order.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::NotFound,
    ErrorCode::TooManySubscriptions,
    ErrorCode::NotSubscribed,
    ErrorCode::UnsupportedVersion,
    ErrorCode::UnknownType,
    ErrorCode::UnknownTopicKind,
    ErrorCode::BinaryNotAccepted,
    ErrorCode::Unavailable,
    ErrorCode::RateLimited,
];

fn error_code_doc(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::NotFound => "the topic or workspace does not exist or is not readable by you",
        ErrorCode::TooManySubscriptions => {
            "`max_subscriptions` reached (topics and presence watches together)"
        }
        ErrorCode::NotSubscribed => {
            "typing, or a binary frame, on a topic you are not subscribed to"
        }
        ErrorCode::UnsupportedVersion => "a `v` this server does not speak (it speaks 1)",
        ErrorCode::UnknownType => "a `type` this server does not know",
        ErrorCode::UnknownTopicKind => {
            "a topic `kind` this node does not serve (see `hello.topic_kinds`)"
        }
        ErrorCode::BinaryNotAccepted => {
            "a binary frame for a topic whose kind takes none, or that its kind refused"
        }
        ErrorCode::Unavailable => "a dependency (RabbitMQ, MongoDB) is unavailable; retry",
        ErrorCode::RateLimited => {
            "the frame was not handled (over `realtime.frames_per_second`, bursts of \
             `realtime.frame_burst`): pause for `retry_after_ms`; sending on closes the socket (4029)"
        }
    }
}

/// Every `resync_required` reason.
pub const RESYNC_REASONS: &[ResyncReason] = &[
    ResyncReason::CursorTooOld,
    ResyncReason::TooManyMissed,
    ResyncReason::NotReplayable,
    ResyncReason::DeliveryInterrupted,
];

fn resync_reason_doc(reason: ResyncReason) -> &'static str {
    match reason {
        ResyncReason::CursorTooOld => {
            "the cursor is older than `realtime.resume_window`: reload from `changes_url`"
        }
        ResyncReason::TooManyMissed => {
            "more events were missed than `realtime.resume_max_events`: reload from `changes_url`"
        }
        ResyncReason::NotReplayable => {
            "the topic's kind keeps no replayable history: reload from `changes_url` if present"
        }
        ResyncReason::DeliveryInterrupted => {
            "the node's broker connection dropped and came back; the subscription has ended: \
             `subscribe` again with `after` = your cursor"
        }
    }
}

/// Every `subscription_revoked` reason.
pub const REVOKE_REASONS: &[RevokeReason] =
    &[RevokeReason::AccessRevoked, RevokeReason::AccessCheckFailed];

fn revoke_reason_doc(reason: RevokeReason) -> &'static str {
    match reason {
        RevokeReason::AccessRevoked => {
            "you may no longer read the topic (removed from it or its workspace, a grant revoked)"
        }
        RevokeReason::AccessCheckFailed => {
            "after such a change the access check could not be answered: subscribe again to retry"
        }
    }
}

/// Every presence status.
pub const PRESENCE_STATUSES: &[PresenceStatus] = &[
    PresenceStatus::Online,
    PresenceStatus::Away,
    PresenceStatus::Offline,
];

fn presence_status_doc(status: PresenceStatus) -> &'static str {
    match status {
        PresenceStatus::Online => "present and active",
        PresenceStatus::Away => "present but idle",
        PresenceStatus::Offline => "withdrawn (or expired)",
    }
}

/// The wire name of a serialisable unit variant.
fn wire<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => text,
        other => panic!("not a unit variant: {other:?}"),
    }
}

/// A string enumeration schema with one line of documentation per value.
fn enum_schema<T: serde::Serialize + Copy>(
    intro: &str,
    values: &[T],
    doc: fn(T) -> &'static str,
) -> Value {
    let names: Vec<String> = values.iter().map(|value| wire(*value)).collect();
    let mut description = format!("{intro}\n");
    let mut descriptions = Map::new();
    for (name, value) in names.iter().zip(values) {
        description.push_str(&format!("\n- `{name}`: {}", doc(*value)));
        descriptions.insert(name.clone(), json!(doc(*value)));
    }
    json!({
        "type": "string",
        "description": description,
        "enum": names,
        "x-enum-descriptions": descriptions,
    })
}

/// The client frames: message key, `type`, title, description, payload schema, examples,
/// and the server messages that answer it (the operation's `reply`).
struct ClientMessage {
    key: &'static str,
    kind: &'static str,
    summary: &'static str,
    description: &'static str,
    payload: Value,
    examples: Vec<(&'static str, Value)>,
    replies: &'static [&'static str],
}

struct ServerMessage {
    key: &'static str,
    kind: &'static str,
    summary: &'static str,
    description: &'static str,
    payload: Value,
    examples: Vec<(&'static str, ServerFrame)>,
}

const EXAMPLE_CHANNEL: &str = "chn_01J0000000000000000000000A";
const EXAMPLE_MESSAGE: &str = "msg_01J0000000000000000000000M";

fn example_event() -> EventId {
    parse_id(&format!("{}_01J0000000000000000000000E", EventId::PREFIX))
}

fn example_position() -> EventId {
    parse_id(&format!("{}_01J0000000000000000000000B", EventId::PREFIX))
}

fn example_user() -> UserId {
    parse_id(&format!("{}_01J0000000000000000000000X", UserId::PREFIX))
}

fn example_workspace() -> WorkspaceId {
    parse_id(&format!(
        "{}_01J0000000000000000000000W",
        WorkspaceId::PREFIX
    ))
}

fn parse_id<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse()
        .unwrap_or_else(|error| panic!("example id {text}: {error:?}"))
}

fn example_topic() -> Topic {
    Topic::new(CHANNEL_ALIAS_KIND, EXAMPLE_CHANNEL)
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// `{"allOf": [$ref]}` with a description (a `$ref` takes no siblings in draft 7).
fn described_ref(name: &str, description: &str) -> Value {
    json!({ "allOf": [schema_ref(name)], "description": description })
}

/// A frame's payload schema: `v`, `type`, then `properties`; unknown fields are allowed.
fn frame_schema(kind: &str, title: &str, properties: Value, required: &[&str]) -> Value {
    let mut all = Map::new();
    all.insert("v".to_owned(), schema_ref("ProtocolVersion"));
    all.insert(
        "type".to_owned(),
        json!({ "type": "string", "const": kind, "description": "The frame type (the discriminator)." }),
    );
    if let Value::Object(properties) = properties {
        all.extend(properties);
    }
    let mut required_all = vec!["v", "type"];
    required_all.extend_from_slice(required);
    json!({
        "title": title,
        "type": "object",
        "properties": all,
        "required": required_all,
        "additionalProperties": true,
    })
}

fn client_messages() -> Vec<ClientMessage> {
    let topic_or_alias = json!([{ "required": ["topic"] }, { "required": ["channel_id"] }]);
    let with_alias = |mut schema: Value| {
        schema["anyOf"] = topic_or_alias.clone();
        schema
    };
    let topic_props = json!({
        "topic": described_ref("TopicRef", "The topic (an object or the string `kind:id`)."),
        "channel_id": described_ref(
            "ChannelId",
            "v1 alias: stands for `{\"kind\": \"channel\", \"id\": <channel_id>}` when `topic` is absent.",
        ),
    });
    let merge = |a: &Value, b: Value| {
        let mut merged = a.as_object().cloned().unwrap_or_default();
        if let Value::Object(b) = b {
            merged.extend(b);
        }
        Value::Object(merged)
    };
    let position = example_position().to_string();
    let workspace = example_workspace().to_string();
    vec![
        ClientMessage {
            key: "clientSubscribe",
            kind: "subscribe",
            summary: "Receive a topic's events and typing notices.",
            description: "Answered by `ack` (with `topic` and `position`; with `after` also \
                `replayed`) or `error` (`not_found`, `unknown_topic_kind`, \
                `too_many_subscriptions`, `unavailable`). No event of the topic comes before \
                its `ack`. With `after` (the last `event_id` received of this topic, or an \
                earlier ack's `position`) the missed `event`s follow the `ack`, or \
                `resync_required` says they cannot be replayed. A topic this socket already \
                holds is answered `ack` alone, without `position` or replay. An id the \
                topic's kind does not accept closes the socket with 1007.",
            payload: with_alias(frame_schema(
                "subscribe",
                "subscribe",
                merge(
                    &topic_props,
                    json!({
                        "id": schema_ref("CorrelationId"),
                        "after": described_ref(
                            "EventId",
                            "Your cursor of this topic: the last `event_id` received of it, or an earlier ack's `position`.",
                        ),
                    }),
                ),
                &["id"],
            )),
            examples: vec![
                (
                    "subscribe",
                    json!({"v": 1, "type": "subscribe", "id": "s1",
                        "topic": {"kind": CHANNEL_ALIAS_KIND, "id": EXAMPLE_CHANNEL}}),
                ),
                (
                    "resubscribeAfter",
                    json!({"v": 1, "type": "subscribe", "id": "s1",
                        "topic": format!("{CHANNEL_ALIAS_KIND}:{EXAMPLE_CHANNEL}"), "after": position}),
                ),
                (
                    "subscribeChannelAlias",
                    json!({"v": 1, "type": "subscribe", "id": "s1", "channel_id": EXAMPLE_CHANNEL}),
                ),
            ],
            replies: &["serverAck", "serverError"],
        },
        ClientMessage {
            key: "clientUnsubscribe",
            kind: "unsubscribe",
            summary: "Stop receiving a topic.",
            description: "Answered by `ack` (also when not subscribed).",
            payload: with_alias(frame_schema(
                "unsubscribe",
                "unsubscribe",
                merge(&topic_props, json!({ "id": schema_ref("CorrelationId") })),
                &["id"],
            )),
            examples: vec![(
                "unsubscribe",
                json!({"v": 1, "type": "unsubscribe", "id": "u1",
                    "topic": {"kind": CHANNEL_ALIAS_KIND, "id": EXAMPLE_CHANNEL}}),
            )],
            replies: &["serverAck", "serverError"],
        },
        ClientMessage {
            key: "clientResume",
            kind: "resume",
            summary: "Connection-wide resume of the first protocol (prefer `after` on `subscribe`).",
            description: "After a reconnect and the subscribes: the missed `event`s of the \
                subscribed topics after `after` (each topic checked again: one you may no \
                longer read gets `subscription_revoked`), `resync_required` for topics that \
                cannot be covered, then `ack` with `replayed`. One cursor for several topics \
                can skip events: prefer a cursor per topic (`after` on `subscribe`).",
            payload: frame_schema(
                "resume",
                "resume",
                json!({
                    "id": schema_ref("CorrelationId"),
                    "after": described_ref("EventId", "The `event_id` of the last `event` received."),
                }),
                &["id", "after"],
            ),
            examples: vec![(
                "resume",
                json!({"v": 1, "type": "resume", "id": "r1", "after": example_event().to_string()}),
            )],
            replies: &["serverAck", "serverError"],
        },
        ClientMessage {
            key: "clientTyping",
            kind: "typing",
            summary: "\"I am typing in this topic\" (a subscribed one).",
            description: "No answer; the topic's other subscribers get `typing` (at most one \
                per user and topic per `realtime.typing_throttle`). A topic you are not \
                subscribed to is answered `error` `not_subscribed`.",
            payload: with_alias(frame_schema("typing", "typing", topic_props.clone(), &[])),
            examples: vec![(
                "typing",
                json!({"v": 1, "type": "typing", "topic": {"kind": CHANNEL_ALIAS_KIND, "id": EXAMPLE_CHANNEL}}),
            )],
            replies: &[],
        },
        ClientMessage {
            key: "clientPresence",
            kind: "presence",
            summary: "Announce this connection's presence in a workspace.",
            description: "`online` or `away`, repeated within `hello.presence_ttl_ms` as a \
                heartbeat (or it expires); `offline` withdraws it. Answered by `ack` when it \
                has an `id`.",
            payload: frame_schema(
                "presence",
                "presence (client)",
                json!({
                    "id": described_ref("CorrelationId", "Optional: ask for an `ack`."),
                    "workspace_id": schema_ref("WorkspaceId"),
                    "status": schema_ref("PresenceStatus"),
                }),
                &["workspace_id", "status"],
            ),
            examples: vec![(
                "presence",
                json!({"v": 1, "type": "presence", "id": "p1", "workspace_id": workspace, "status": "online"}),
            )],
            replies: &["serverAck", "serverError"],
        },
        ClientMessage {
            key: "clientWatchPresence",
            kind: "watch_presence",
            summary: "Receive the presence of a workspace's members (you must be a member).",
            description: "Answered by `ack` (with `workspace_id`), then a `presence` frame per \
                present member (the snapshot), then changes; or `error` (`not_found`, \
                `too_many_subscriptions`, `unavailable`). A watch counts against \
                `max_subscriptions`.",
            payload: frame_schema(
                "watch_presence",
                "watch_presence",
                json!({ "id": schema_ref("CorrelationId"), "workspace_id": schema_ref("WorkspaceId") }),
                &["id", "workspace_id"],
            ),
            examples: vec![(
                "watchPresence",
                json!({"v": 1, "type": "watch_presence", "id": "w1", "workspace_id": workspace}),
            )],
            replies: &["serverAck", "serverError"],
        },
        ClientMessage {
            key: "clientUnwatchPresence",
            kind: "unwatch_presence",
            summary: "Stop receiving a workspace's presence.",
            description: "Answered by `ack` (with `workspace_id`).",
            payload: frame_schema(
                "unwatch_presence",
                "unwatch_presence",
                json!({ "id": schema_ref("CorrelationId"), "workspace_id": schema_ref("WorkspaceId") }),
                &["id", "workspace_id"],
            ),
            examples: vec![(
                "unwatchPresence",
                json!({"v": 1, "type": "unwatch_presence", "id": "w2", "workspace_id": workspace}),
            )],
            replies: &["serverAck"],
        },
        ClientMessage {
            key: "clientPing",
            kind: "ping",
            summary: "Application-level keep-alive (browsers cannot send WebSocket pings).",
            description: "Answered by `pong` (with the `id`, if any).",
            payload: frame_schema(
                "ping",
                "ping",
                json!({ "id": described_ref("CorrelationId", "Optional: echoed in the `pong`.") }),
                &[],
            ),
            examples: vec![
                ("ping", json!({"v": 1, "type": "ping", "id": "k1"})),
                ("pingWithoutId", json!({"v": 1, "type": "ping"})),
            ],
            replies: &["serverPong"],
        },
    ]
}

fn server_messages(config: &RealtimeConfig) -> Vec<ServerMessage> {
    let topic = example_topic();
    let user = example_user();
    let workspace = example_workspace();
    let event = example_event();
    let position = example_position();
    let topic_props = json!({
        "topic": schema_ref("Topic"),
        "channel_id": described_ref(
            "ChannelId",
            "v1 alias: present (the topic's id) when the topic's kind is `channel`.",
        ),
    });
    let merge = |b: Value| {
        let mut merged = topic_props.as_object().cloned().unwrap_or_default();
        if let Value::Object(b) = b {
            merged.extend(b);
        }
        Value::Object(merged)
    };
    let millis = |duration: std::time::Duration| u64::try_from(duration.as_millis()).unwrap_or(0);
    let created: chrono::DateTime<chrono::Utc> = "2026-01-01T12:00:00Z"
        .parse()
        .unwrap_or_else(|error| panic!("example time: {error}"));
    vec![
        ServerMessage {
            key: "serverHello",
            kind: "hello",
            summary: "First frame of every connection: who you are and the session's limits.",
            description: "Sent once, before any other frame (not sent when the socket is \
                refused with 4030).",
            payload: frame_schema(
                "hello",
                "hello",
                json!({
                    "session_id": { "type": "string", "pattern": "^rts_[0-9A-HJKMNP-TV-Z]{26}$",
                        "description": "This connection's id (in the server's logs)." },
                    "user_id": schema_ref("UserId"),
                    "max_frame_bytes": { "type": "integer", "minimum": 1024,
                        "description": "`realtime.max_frame_bytes`: a larger frame closes the socket (1009)." },
                    "max_subscriptions": { "type": "integer", "minimum": 1,
                        "description": "`realtime.max_subscriptions`: topics and presence watches together." },
                    "ping_interval_ms": { "type": "integer", "minimum": 1,
                        "description": "The server pings this often (`realtime.ping_interval`)." },
                    "presence_ttl_ms": { "type": "integer", "minimum": 1000,
                        "description": "Repeat `presence` within this (`realtime.presence_ttl`), or it expires." },
                    "topic_kinds": { "type": "array", "items": { "type": "string", "pattern": "^[a-z][a-z0-9_]*$" },
                        "description": "The topic kinds this node serves." },
                }),
                &[
                    "session_id",
                    "user_id",
                    "max_frame_bytes",
                    "max_subscriptions",
                    "ping_interval_ms",
                    "presence_ttl_ms",
                    "topic_kinds",
                ],
            ),
            examples: vec![(
                "hello",
                ServerFrame::Hello {
                    session_id: "rts_01J0000000000000000000000S".to_owned(),
                    user_id: user,
                    max_frame_bytes: config.max_frame_bytes,
                    max_subscriptions: config.max_subscriptions,
                    ping_interval_ms: millis(config.ping_interval),
                    presence_ttl_ms: millis(config.presence_ttl),
                    topic_kinds: vec![CHANNEL_ALIAS_KIND.to_owned()],
                },
            )],
        },
        ServerMessage {
            key: "serverAck",
            kind: "ack",
            summary: "The frame with this `id` was applied.",
            description: "Carries `topic` (and `channel_id`) for topic frames, `workspace_id` \
                for presence frames, `position` for a new `subscribe` (every event of the topic \
                after this `event_id` is delivered on the subscription; absent for kinds \
                without replayable history), and `replayed` for `resume` and `subscribe` with \
                `after`.",
            payload: frame_schema(
                "ack",
                "ack",
                merge(json!({
                    "id": described_ref("CorrelationId", "The `id` of the frame this answers."),
                    "workspace_id": schema_ref("WorkspaceId"),
                    "position": described_ref(
                        "EventId",
                        "`subscribe`: every event of the topic after this event id is delivered on the subscription.",
                    ),
                    "replayed": { "type": "integer", "minimum": 0,
                        "description": "`resume`, and `subscribe` with `after`: how many events were replayed." },
                })),
                &["id"],
            ),
            examples: vec![
                (
                    "subscribed",
                    ServerFrame::Ack {
                        id: "s1".to_owned(),
                        topic: Some(topic.clone()),
                        channel_id: frame::channel_alias(&topic),
                        workspace_id: None,
                        position: Some(position),
                        replayed: None,
                    },
                ),
                (
                    "resubscribedAfter",
                    ServerFrame::Ack {
                        id: "s1".to_owned(),
                        topic: Some(topic.clone()),
                        channel_id: frame::channel_alias(&topic),
                        workspace_id: None,
                        position: Some(position),
                        replayed: Some(3),
                    },
                ),
                (
                    "watching",
                    ServerFrame::workspace_ack("w1".to_owned(), workspace),
                ),
                ("plain", ServerFrame::ack("p1".to_owned())),
            ],
        },
        ServerMessage {
            key: "serverError",
            kind: "error",
            summary: "The frame with this `id` (if any) was refused; the socket stays open.",
            description: "`retry_after_ms` comes with `rate_limited` only.",
            payload: {
                let mut schema = frame_schema(
                    "error",
                    "error",
                    json!({
                        "id": described_ref("CorrelationId", "The refused frame's `id`, when it had one."),
                        "code": schema_ref("ErrorCode"),
                        "message": { "type": "string", "description": "For humans; may change." },
                        "retry_after_ms": { "type": "integer", "minimum": 1,
                            "description": "`rate_limited` only: the next frame sent after this many milliseconds is accepted." },
                    }),
                    &["code", "message"],
                );
                schema["if"] = json!({ "properties": { "code": { "const": wire(ErrorCode::RateLimited) } }, "required": ["code"] });
                schema["then"] = json!({ "required": ["retry_after_ms"] });
                schema
            },
            examples: vec![
                (
                    "notFound",
                    ServerFrame::error(
                        Some("s1".to_owned()),
                        ErrorCode::NotFound,
                        format!("no topic {topic}"),
                    ),
                ),
                (
                    "rateLimited",
                    ServerFrame::rate_limited(
                        Some("s2".to_owned()),
                        std::time::Duration::from_millis(250),
                    ),
                ),
            ],
        },
        ServerMessage {
            key: "serverEvent",
            kind: "event",
            summary: "An event of a subscribed topic.",
            description: "Delivery is at least once: de-duplicate on `event_id`, and keep the \
                last one as the topic's cursor. `data` is the event type's payload, as \
                documented by `GET /v1/event-types` (the JSON Schemas in `openapi/events`).",
            payload: frame_schema(
                "event",
                "event",
                merge(json!({
                    "event_id": schema_ref("EventId"),
                    "event_type": { "type": "string", "pattern": "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$",
                        "description": "E.g. `chat.message.created`, `.updated`, `.deleted`, reactions, read markers." },
                    "occurred_at": { "type": "string", "format": "date-time" },
                    "data": { "description": "The event's payload (see `GET /v1/event-types`)." },
                })),
                &["topic", "event_id", "event_type", "occurred_at", "data"],
            ),
            examples: vec![(
                "messageCreated",
                ServerFrame::Event {
                    topic: topic.clone(),
                    channel_id: frame::channel_alias(&topic),
                    event_id: event,
                    event_type: "chat.message.created".to_owned(),
                    occurred_at: created,
                    data: json!({
                        "channel_id": EXAMPLE_CHANNEL,
                        "workspace_id": workspace.to_string(),
                        "message": {
                            "id": EXAMPLE_MESSAGE,
                            "channel_id": EXAMPLE_CHANNEL,
                            "workspace_id": workspace.to_string(),
                            "seq": 42,
                            "change_seq": 97,
                            "author_id": user.to_string(),
                            "text": "hello",
                            "mention_ids": [],
                            "mention_channel": false,
                            "attachments": [],
                            "created_at": "2026-01-01T12:00:00Z",
                            "deleted": false,
                            "pinned": false,
                            "reactions": [],
                        },
                    }),
                },
            )],
        },
        ServerMessage {
            key: "serverPresence",
            kind: "presence",
            summary: "A member's presence in a watched workspace (the snapshot, then changes).",
            description: "After `watch_presence`'s `ack`: one per present member, then one per \
                change.",
            payload: frame_schema(
                "presence",
                "presence (server)",
                json!({
                    "workspace_id": schema_ref("WorkspaceId"),
                    "user_id": schema_ref("UserId"),
                    "status": schema_ref("PresenceStatus"),
                }),
                &["workspace_id", "user_id", "status"],
            ),
            examples: vec![(
                "presence",
                ServerFrame::Presence {
                    workspace_id: workspace,
                    user_id: user,
                    status: PresenceStatus::Away,
                },
            )],
        },
        ServerMessage {
            key: "serverTyping",
            kind: "typing",
            summary: "Someone is typing in a subscribed topic.",
            description: "Show it for `expires_in_ms` unless renewed.",
            payload: frame_schema(
                "typing",
                "typing (server)",
                merge(json!({
                    "user_id": schema_ref("UserId"),
                    "expires_in_ms": { "type": "integer", "minimum": 0,
                        "description": "Show the notice this long unless renewed (`realtime.typing_ttl`)." },
                })),
                &["topic", "user_id", "expires_in_ms"],
            ),
            examples: vec![(
                "typing",
                ServerFrame::Typing {
                    topic: topic.clone(),
                    channel_id: frame::channel_alias(&topic),
                    user_id: user,
                    expires_in_ms: millis(config.typing_ttl),
                },
            )],
        },
        ServerMessage {
            key: "serverResyncRequired",
            kind: "resync_required",
            summary: "Missed events of this topic cannot be replayed (or delivery was interrupted).",
            description: "For `cursor_too_old`, `too_many_missed` and `not_replayable`: reload \
                the topic's state from `changes_url` (present when the kind has one; a \
                channel's `/v1/channels/{id}/changes`), then set the cursor to the ack's \
                `position`: the live events follow. For `delivery_interrupted` the \
                subscription has ended: `subscribe` again with `after` = your cursor.",
            payload: frame_schema(
                "resync_required",
                "resync_required",
                merge(json!({
                    "reason": schema_ref("ResyncReason"),
                    "changes_url": { "type": "string", "format": "uri-reference",
                        "description": "Where to fetch what was missed (HTTP, same authentication)." },
                })),
                &["topic", "reason"],
            ),
            examples: vec![
                (
                    "tooManyMissed",
                    ServerFrame::resync(
                        &topic,
                        ResyncReason::TooManyMissed,
                        Some(format!("/v1/channels/{EXAMPLE_CHANNEL}/changes")),
                    ),
                ),
                (
                    "deliveryInterrupted",
                    ServerFrame::resync(
                        &topic,
                        ResyncReason::DeliveryInterrupted,
                        Some(format!("/v1/channels/{EXAMPLE_CHANNEL}/changes")),
                    ),
                ),
            ],
        },
        ServerMessage {
            key: "serverSubscriptionRevoked",
            kind: "subscription_revoked",
            summary: "The subscription ended: you may no longer read the topic.",
            description: "No more events of the topic arrive; subscribing again answers \
                `not_found` while you may not read it.",
            payload: frame_schema(
                "subscription_revoked",
                "subscription_revoked",
                merge(json!({ "reason": schema_ref("RevokeReason") })),
                &["topic", "reason"],
            ),
            examples: vec![(
                "accessRevoked",
                ServerFrame::revoked(&topic, RevokeReason::AccessRevoked),
            )],
        },
        ServerMessage {
            key: "serverPong",
            kind: "pong",
            summary: "Answer to a client `ping`.",
            description: "Echoes the ping's `id`, if any.",
            payload: frame_schema(
                "pong",
                "pong",
                json!({ "id": described_ref("CorrelationId", "The ping's `id`.") }),
                &[],
            ),
            examples: vec![
                (
                    "pong",
                    ServerFrame::Pong {
                        id: Some("k1".to_owned()),
                    },
                ),
                ("pongWithoutId", ServerFrame::Pong { id: None }),
            ],
        },
    ]
}

/// The `type` of a server frame (an exhaustive match: a new variant needs a message above).
pub fn server_frame_type(frame: &ServerFrame) -> &'static str {
    match frame {
        ServerFrame::Hello { .. } => "hello",
        ServerFrame::Ack { .. } => "ack",
        ServerFrame::Error { .. } => "error",
        ServerFrame::Event { .. } => "event",
        ServerFrame::Presence { .. } => "presence",
        ServerFrame::Typing { .. } => "typing",
        ServerFrame::ResyncRequired { .. } => "resync_required",
        ServerFrame::SubscriptionRevoked { .. } => "subscription_revoked",
        ServerFrame::Pong { .. } => "pong",
    }
}

/// The `type` of a client frame (an exhaustive match: a new variant needs a message above).
pub fn client_frame_type(frame: &frame::ClientFrame) -> &'static str {
    use frame::ClientFrame;
    match frame {
        ClientFrame::Subscribe { .. } => "subscribe",
        ClientFrame::Unsubscribe { .. } => "unsubscribe",
        ClientFrame::Resume { .. } => "resume",
        ClientFrame::Typing { .. } => "typing",
        ClientFrame::Presence { .. } => "presence",
        ClientFrame::WatchPresence { .. } => "watch_presence",
        ClientFrame::UnwatchPresence { .. } => "unwatch_presence",
        ClientFrame::Ping { .. } => "ping",
    }
}

fn components_schemas() -> Value {
    let id_pattern = |prefix: &str| format!("^{prefix}_[0-9A-HJKMNP-TV-Z]{{26}}$");
    json!({
        "ProtocolVersion": {
            "type": "integer",
            "const": PROTOCOL_VERSION,
            "description": "The protocol version, in every frame. Another integer is answered `error` `unsupported_version`; a missing or non-integer `v` closes the socket (1007).",
        },
        "CorrelationId": {
            "type": "string",
            "maxLength": MAX_ID_BYTES,
            "description": format!("The client's correlation id, echoed in the `ack` or `error` answering the frame. At most {MAX_ID_BYTES} bytes (UTF-8; the schema's `maxLength` counts characters): a longer one closes the socket (1007)."),
        },
        "TopicKind": {
            "type": "string",
            "minLength": 1,
            "description": "A topic kind, e.g. `channel`; the kinds a node serves are `hello.topic_kinds` (registered kinds are `[a-z][a-z0-9_]*`). Another kind is answered `error` `unknown_topic_kind`.",
            "examples": [CHANNEL_ALIAS_KIND],
        },
        "Topic": {
            "title": "Topic",
            "type": "object",
            "description": "A subscribable stream of events: `{kind, id}`. Server frames always carry the object form.",
            "properties": {
                "kind": schema_ref("TopicKind"),
                "id": { "type": "string", "minLength": 1,
                    "description": "The topic's id, validated by its kind (a `channel` topic's id is a channel id, `chn_...`): an id the kind does not accept closes the socket (1007)." },
            },
            "required": ["kind", "id"],
        },
        "TopicString": {
            "type": "string",
            "pattern": "^[^:]+:.+$",
            "description": "The topic as `kind:id` (split at the first colon; both non-empty), e.g. `channel:chn_...`.",
            "examples": [format!("{CHANNEL_ALIAS_KIND}:{EXAMPLE_CHANNEL}")],
        },
        "TopicRef": {
            "description": "A topic in a client frame: the object `{\"kind\": ..., \"id\": ...}` or the string `kind:id`.",
            "oneOf": [schema_ref("Topic"), schema_ref("TopicString")],
        },
        "ChannelId": {
            "type": "string",
            "pattern": id_pattern("chn"),
            "description": "A chat channel id (the v1 alias of a `channel` topic).",
        },
        "EventId": {
            "type": "string",
            "pattern": id_pattern(EventId::PREFIX),
            "description": "An event id (`evt_` and a ULID): the topic cursors.",
        },
        "UserId": {
            "type": "string",
            "pattern": id_pattern(UserId::PREFIX),
        },
        "WorkspaceId": {
            "type": "string",
            "pattern": id_pattern(WorkspaceId::PREFIX),
        },
        "PresenceStatus": enum_schema("A user's presence in a workspace.", PRESENCE_STATUSES, presence_status_doc),
        "ErrorCode": enum_schema("Stable codes of `error` frames.", ERROR_CODES, error_code_doc),
        "ResyncReason": enum_schema("Why a topic needs a resync.", RESYNC_REASONS, resync_reason_doc),
        "RevokeReason": enum_schema("Why a subscription was revoked.", REVOKE_REASONS, revoke_reason_doc),
    })
}

fn close_codes_markdown() -> String {
    let mut table = String::from("| code | meaning | what to do |\n|---|---|---|\n");
    for close in CLOSE_CODES {
        table.push_str(&format!(
            "| {} | {} | {} |\n",
            close.code, close.meaning, close.action
        ));
    }
    table
}

fn info_description(config: &RealtimeConfig) -> String {
    let secs = |duration: std::time::Duration| humanize(duration);
    format!(
        "The realtime gateway of Atelier: end users' apps receive live events of **topics** (chat \
channels today), typing notices and presence over one WebSocket per device (README, section \
\"Realtime gateway (WebSocket)\", is the prose version). This document describes \
a client: `send` operations are frames the client sends, `receive` operations frames it receives.

**Connect** with `GET {ADDRESS}` (a WebSocket upgrade; `ws://` locally, `wss://` behind TLS) and a \
user access token (the JWT of `POST /v1/users/{{id}}/tokens`, as for HTTP): `Authorization: Bearer \
<token>`, or, from browsers (which cannot set headers on a WebSocket), the query parameter \
`?access_token=<token>`. API keys are refused: the gateway is for end users. A missing or invalid \
token, or an API key, is refused *before* the upgrade with a 401 `application/problem+json` \
(`unauthenticated`, `malformed_credentials`, `token_expired`, `token_not_yet_valid`, \
`invalid_token_signature`, `unknown_signing_key`, `invalid_token_claims`, `token_revoked`, \
`user_token_required` for an API key; 503 `dependency_unavailable` when authentication cannot be \
answered). The first frame is `hello`.

**Frames** are JSON text messages, each with `\"v\": {PROTOCOL_VERSION}` and a `\"type\"` (the \
discriminator); unknown fields are ignored, so both sides may add optional fields. `id` is the \
client's correlation id (a string of up to {MAX_ID_BYTES} bytes), echoed in the `ack` or `error` \
answering the frame. An unknown `type` is answered `error` `unknown_type`, another `v` `error` \
`unsupported_version`; anything else malformed closes the socket with 1007.

**Topics** are `{{\"kind\": \"channel\", \"id\": \"chn_...\"}}` or the string `\"channel:chn_...\"` \
(`kind:id`, split at the first colon); `hello.topic_kinds` lists the kinds a node serves. v1 alias: \
in `subscribe`, `unsubscribe` and `typing`, `\"channel_id\": \"chn_...\"` stands for the channel \
topic, and every server frame about a `channel` topic also carries `channel_id`.

**Limits** (defaults of the `realtime` configuration section): {fps} frames per second per socket \
(`realtime.frames_per_second`, text and binary alike) in bursts of {burst} (`realtime.frame_burst`); \
a frame beyond that is not handled but answered `error` `rate_limited` with `retry_after_ms`, and a \
client that keeps sending is closed with 4029. {sockets} sockets per user per node \
(`realtime.max_sockets_per_user`; one more is closed with 4030 before `hello`). {subs} topic \
subscriptions and presence watches together per socket (`realtime.max_subscriptions`). Frames of \
at most {bytes} bytes (`realtime.max_frame_bytes`, 1009 beyond). The server pings every {ping} \
(`realtime.ping_interval`) and closes with 4000 after {timeout} without a frame or pong \
(`realtime.ping_timeout`).

**Resuming without loss** works per topic: set the topic's cursor to the first `ack`'s \
`position`, then to each `event`'s `event_id`; after a reconnect, `subscribe` with `after` = the \
cursor: the `ack` (with `replayed`) is followed by the missed events, then the live ones. If \
`resync_required` follows instead (more than {max_events} missed (`realtime.resume_max_events`), a \
cursor older than {window} (`realtime.resume_window`), or a kind without replayable history), \
reload the topic from `changes_url`, then set the cursor to the ack's `position`. Delivery is at \
least once: de-duplicate events on `event_id`.

**Binary frames** go to topic kinds that take them (none of today's do): the topic as `kind:id`, a \
newline (0x0A) within the first 512 bytes, then the kind's payload, for a subscribed topic. Kinds \
that take none answer `error` `binary_not_accepted`; a binary frame that does not start with a \
topic closes the socket with 1003.

**Close codes** (also listed as `x-close-codes` on the channel):

{table}",
        fps = config.frames_per_second,
        burst = config.frame_burst,
        sockets = config.max_sockets_per_user,
        subs = config.max_subscriptions,
        bytes = config.max_frame_bytes,
        ping = secs(config.ping_interval),
        timeout = secs(config.ping_timeout),
        max_events = config.resume_max_events,
        window = secs(config.resume_window),
        table = close_codes_markdown(),
    )
}

fn humanize(duration: std::time::Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{} h", secs / 3600)
    } else {
        format!("{secs} s")
    }
}

/// The binary frame a client may send (for topic kinds that take them).
fn binary_message() -> Value {
    json!({
        "name": "binary",
        "title": "binary frame",
        "summary": "A binary WebSocket frame for a topic whose kind takes binary frames (none of today's kinds do).",
        "description": "Layout: the topic as `kind:id` in UTF-8, a newline (0x0A) within the first 512 bytes, then the payload for the topic's kind. The topic must be subscribed (else `error` `not_subscribed`); a kind that takes no binary frames, or refuses this one, answers `error` `binary_not_accepted`; a frame that does not start with a topic closes the socket with 1003. Binary frames count against the same frame budget as text frames.",
        "contentType": "application/octet-stream",
        "payload": {
            "type": "string",
            "format": "binary",
            "description": "`<kind>:<id>\\n<payload bytes>`",
        },
        "x-binary-layout": [
            { "field": "topic", "encoding": "UTF-8", "description": "`kind:id` (both non-empty), split at the first colon." },
            { "field": "separator", "bytes": "0x0A", "description": "A newline, within the first 512 bytes of the frame." },
            { "field": "payload", "encoding": "bytes", "description": "The rest of the frame, handed to the topic's kind." },
        ],
    })
}

/// The AsyncAPI 3.0.0 document of `/v1/realtime`.
pub fn document() -> Value {
    let config = RealtimeConfig::default();
    let clients = client_messages();
    let servers = server_messages(&config);
    let channel_ref = json!({ "$ref": format!("#/channels/{CHANNEL_KEY}") });
    let message_ref =
        |key: &str| json!({ "$ref": format!("#/channels/{CHANNEL_KEY}/messages/{key}") });

    let mut messages = Map::new();
    let mut channel_messages = Map::new();
    let mut operations = Map::new();
    let mut client_payloads = Vec::new();
    let mut server_payloads = Vec::new();
    let mut payload_schemas = Map::new();

    for message in &clients {
        let schema_name = format!("{}Payload", upper_first(message.key));
        client_payloads.push(schema_ref(&schema_name));
        let examples: Vec<Value> = message
            .examples
            .iter()
            .map(|(name, payload)| json!({ "name": name, "payload": payload }))
            .collect();
        messages.insert(
            message.key.to_owned(),
            json!({
                "name": message.kind,
                "title": format!("{} (client → server)", message.kind),
                "summary": message.summary,
                "description": message.description,
                "contentType": "application/json",
                "payload": schema_ref(&schema_name),
                "examples": examples,
            }),
        );
        payload_schemas.insert(schema_name, message.payload.clone());
        channel_messages.insert(
            message.key.to_owned(),
            json!({ "$ref": format!("#/components/messages/{}", message.key) }),
        );
        let mut operation = json!({
            "action": "send",
            "channel": channel_ref,
            "title": format!("Send {}", message.kind),
            "summary": message.summary,
            "messages": [message_ref(message.key)],
        });
        if !message.replies.is_empty() {
            operation["reply"] = json!({
                "channel": channel_ref,
                "messages": message.replies.iter().map(|key| message_ref(key)).collect::<Vec<_>>(),
            });
        }
        operations.insert(
            format!("send{}", upper_first(&camel(message.kind))),
            operation,
        );
    }

    messages.insert("clientBinary".to_owned(), binary_message());
    channel_messages.insert(
        "clientBinary".to_owned(),
        json!({ "$ref": "#/components/messages/clientBinary" }),
    );
    operations.insert(
        "sendBinary".to_owned(),
        json!({
            "action": "send",
            "channel": channel_ref,
            "title": "Send a binary frame",
            "summary": "A binary frame for a subscribed topic whose kind takes them.",
            "messages": [message_ref("clientBinary")],
        }),
    );

    for message in &servers {
        let schema_name = format!("{}Payload", upper_first(message.key));
        server_payloads.push(schema_ref(&schema_name));
        let examples: Vec<Value> = message
            .examples
            .iter()
            .map(|(name, frame)| {
                debug_assert_eq!(server_frame_type(frame), message.kind);
                let payload: Value = serde_json::from_str(&frame::encode(frame))
                    .unwrap_or_else(|error| panic!("example {name}: {error}"));
                json!({ "name": name, "payload": payload })
            })
            .collect();
        messages.insert(
            message.key.to_owned(),
            json!({
                "name": message.kind,
                "title": format!("{} (server → client)", message.kind),
                "summary": message.summary,
                "description": message.description,
                "contentType": "application/json",
                "payload": schema_ref(&schema_name),
                "examples": examples,
            }),
        );
        payload_schemas.insert(schema_name, message.payload.clone());
        channel_messages.insert(
            message.key.to_owned(),
            json!({ "$ref": format!("#/components/messages/{}", message.key) }),
        );
        operations.insert(
            format!("receive{}", upper_first(&camel(message.kind))),
            json!({
                "action": "receive",
                "channel": channel_ref,
                "title": format!("Receive {}", message.kind),
                "summary": message.summary,
                "messages": [message_ref(message.key)],
            }),
        );
    }

    let mut schemas = components_schemas();
    for (name, payload) in payload_schemas {
        schemas[name] = payload;
    }
    schemas["ClientFrame"] = json!({
        "description": "Any client text frame, by `type`.",
        "discriminator": "type",
        "oneOf": client_payloads,
    });
    schemas["ServerFrame"] = json!({
        "description": "Any server frame, by `type`.",
        "discriminator": "type",
        "oneOf": server_payloads,
    });

    let close_codes: Vec<Value> = CLOSE_CODES
        .iter()
        .map(|close| {
            json!({
                "code": close.code,
                "name": close.name,
                "meaning": close.meaning,
                "action": close.action,
                "reconnect": close.reconnect,
            })
        })
        .collect();

    let security = json!([
        { "$ref": "#/components/securitySchemes/bearerToken" },
        { "$ref": "#/components/securitySchemes/accessTokenQuery" },
    ]);
    let host_variable = json!({
        "host": {
            "default": "127.0.0.1:8080",
            "description": "`host[:port]` of an `atelier serve` node with the `api` role (or the load balancer in front of the nodes).",
        }
    });

    json!({
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:atelier:realtime:v1",
        "info": {
            "title": "Atelier realtime gateway",
            "version": DOCUMENT_VERSION,
            "description": info_description(&config),
            "tags": [{ "name": "realtime" }],
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "{host}",
                "protocol": "ws",
                "title": "A node without TLS",
                "description": "`ws://{host}/v1/realtime`.",
                "variables": host_variable,
                "security": security,
            },
            "tls": {
                "host": "{host}",
                "protocol": "wss",
                "title": "Behind TLS",
                "description": "`wss://{host}/v1/realtime`.",
                "variables": host_variable,
                "security": security,
            },
        },
        "channels": {
            CHANNEL_KEY: {
                "address": ADDRESS,
                "title": "The realtime WebSocket",
                "summary": "One WebSocket per device: topic events, typing notices and presence.",
                "description": format!(
                    "Versioned JSON text frames (`\"v\": {PROTOCOL_VERSION}`, discriminated by `type`) both ways, and binary frames from the client for kinds that take them.\n\n**Close codes** (`x-close-codes`):\n\n{}",
                    close_codes_markdown()
                ),
                "servers": [
                    { "$ref": "#/servers/local" },
                    { "$ref": "#/servers/tls" },
                ],
                "messages": channel_messages,
                "bindings": {
                    "ws": {
                        "method": "GET",
                        "headers": {
                            "type": "object",
                            "properties": {
                                "Authorization": {
                                    "type": "string",
                                    "pattern": "^[Bb]earer .+$",
                                    "description": "`Bearer <user access token>` (or `access_token` in the query).",
                                },
                            },
                        },
                        "query": {
                            "type": "object",
                            "properties": {
                                "access_token": {
                                    "type": "string",
                                    "maxLength": 4096,
                                    "description": "The user access token, for clients that cannot set headers (browsers). Used when there is no `Authorization: Bearer` header.",
                                },
                            },
                        },
                        "bindingVersion": "0.1.0",
                    },
                },
                "x-close-codes": close_codes,
            },
        },
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A user access token in `Authorization: Bearer <token>`. API keys are refused (401 `user_token_required`).",
                },
                "accessTokenQuery": {
                    "type": "httpApiKey",
                    "name": "access_token",
                    "in": "query",
                    "description": "The user access token in the `access_token` query parameter (for browsers, which cannot set headers on a WebSocket).",
                },
            },
        },
    })
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `watch_presence` → `watchPresence`.
fn camel(text: &str) -> String {
    let mut parts = text.split('_');
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        out.push_str(&upper_first(part));
    }
    out
}

/// The document as committed: pretty JSON and a trailing newline.
pub fn document_json() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_builds_with_every_message() {
        let doc = document();
        assert_eq!(doc["asyncapi"], "3.0.0");
        let messages = doc["components"]["messages"].as_object().unwrap();
        assert_eq!(messages.len(), 8 + 1 + 9);
        assert_eq!(
            doc["channels"][CHANNEL_KEY]["x-close-codes"]
                .as_array()
                .unwrap()
                .len(),
            CLOSE_CODES.len()
        );
    }
}
