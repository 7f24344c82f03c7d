//! The WebSocket protocol, version 1: client and server frames and close codes.
//!
//! Every frame is one JSON text message carrying `"v": 1` and a `"type"`. These types are a
//! wire format of their own (not API types): fields are only ever added, and a breaking change
//! is a new `v`. Unknown fields are ignored, so clients and servers can add optional fields.
//!
//! [`decode_client`] sorts a text message into a [`ClientFrame`] or a [`FrameError`] whose
//! [`FrameError::disposition`] says whether the socket is closed (1007) or answered with an
//! `error` frame and kept open. [`encode`] serialises a [`ServerFrame`] once; the hub shares the
//! text between every local subscriber.

use atelier_core::EventId;
use atelier_identity::{UserId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::topic::Topic;

/// The protocol version this server speaks.
pub const PROTOCOL_VERSION: u64 = 1;

/// The topic kind the v1 `channel_id` fields stand for: `"channel_id": "chn_..."` in a client
/// frame means `"topic": {"kind": "channel", "id": "chn_..."}`, and server frames about a
/// `channel` topic also carry `channel_id`.
pub const CHANNEL_ALIAS_KIND: &str = "channel";

/// Close codes the gateway sends (RFC 6455 section 7.4 and the private range 4000-4999).
pub mod close {
    /// The client asked to close, or the server closed normally.
    pub const NORMAL: u16 = 1000;
    /// The node is shutting down; reconnect (to another node) and resume.
    pub const GOING_AWAY: u16 = 1001;
    /// A binary frame that names no topic (`<kind>:<id>` and a newline first).
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// A text frame that is not a valid v1 frame (not JSON, no `v`/`type`, bad fields, a topic
    /// id its kind does not accept).
    pub const MALFORMED_FRAME: u16 = 1007;
    /// A frame larger than `realtime.max_frame_bytes`.
    pub const FRAME_TOO_LARGE: u16 = 1009;
    /// An unexpected server failure (logged).
    pub const INTERNAL_ERROR: u16 = 1011;
    /// No frame (pong or otherwise) arrived within `realtime.ping_timeout`.
    pub const PING_TIMEOUT: u16 = 4000;
    /// The access token expired while connected: refresh it and reconnect.
    pub const TOKEN_EXPIRED: u16 = 4001;
    /// The socket's login (refresh-token family) was revoked, or its user deleted: its tokens
    /// are refused from now on. Sign in again (a deleted user cannot).
    pub const ACCESS_REVOKED: u16 = 4003;
    /// The client read too slowly: a frame waited longer than `realtime.stalled_after` to be
    /// written to its socket, or its outbound queue (`realtime.outbound_queue`) filled up.
    /// (When not even the close frame can be written, the connection is dropped instead.)
    /// Reconnect and resume from the last event id.
    pub const SLOW_CONSUMER: u16 = 4008;
    /// The client kept sending frames while refused for exceeding `realtime.frames_per_second`
    /// (bursts of `realtime.frame_burst`). Send fewer frames; reconnect after a pause.
    pub const RATE_LIMITED: u16 = 4029;
    /// The user already holds `realtime.max_sockets_per_user` sockets on this node. Close one
    /// (or share one socket per device); do not reconnect in a loop.
    pub const TOO_MANY_SOCKETS: u16 = 4030;
}

/// A frame a client sends. `id` is the client's correlation id, echoed in `ack` / `error`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Receive the topic's events (and typing notices). Answered by `ack` or `error`; no
    /// event of the topic comes before the `ack`, which states the `position` after which
    /// every event of the topic is delivered. With `after` (the last `event_id` received of
    /// this topic, or the `position` of an earlier ack) the events missed since then are
    /// replayed right after the `ack`, or a `resync_required` says they cannot be.
    Subscribe {
        id: String,
        topic: Topic,
        #[serde(default)]
        after: Option<EventId>,
    },
    /// Stop receiving a topic. Answered by `ack` (also when not subscribed).
    Unsubscribe { id: String, topic: Topic },
    /// After a reconnect and the subscribes: replay the subscribed topics' events after
    /// `after` (the `event_id` of the last `event` frame received). Answered by the replayed
    /// `event` frames, then `resync_required` for topics that cannot be covered, then `ack`.
    Resume { id: String, after: EventId },
    /// "I am typing in this topic" (subscribed topics only). Throttled per user and topic.
    Typing { topic: Topic },
    /// Announce this connection's presence in a workspace (`online` or `away`), and repeat it
    /// as a heartbeat within `presence_ttl_ms`; `offline` withdraws it.
    Presence {
        #[serde(default)]
        id: Option<String>,
        workspace_id: WorkspaceId,
        status: PresenceStatus,
    },
    /// Receive `presence` frames of a workspace's members (a snapshot first, then changes).
    WatchPresence {
        id: String,
        workspace_id: WorkspaceId,
    },
    /// Stop receiving a workspace's presence.
    UnwatchPresence {
        id: String,
        workspace_id: WorkspaceId,
    },
    /// Application-level keep-alive (browsers cannot send WebSocket pings). Answered by `pong`.
    Ping {
        #[serde(default)]
        id: Option<String>,
    },
}

/// A user's presence in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceStatus {
    Online,
    Away,
    Offline,
}

impl PresenceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }
}

/// A frame the server sends. Frames about a topic carry `topic` (an object) and, for
/// `channel` topics, the v1 alias `channel_id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame of every connection: who you are and the limits of this session.
    Hello {
        session_id: String,
        user_id: UserId,
        max_frame_bytes: usize,
        max_subscriptions: usize,
        ping_interval_ms: u64,
        presence_ttl_ms: u64,
        /// The topic kinds this node serves.
        topic_kinds: Vec<String>,
    },
    /// The frame with this `id` was applied.
    Ack {
        id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        topic: Option<Topic>,
        #[serde(skip_serializing_if = "Option::is_none")]
        channel_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        workspace_id: Option<WorkspaceId>,
        /// `subscribe`: every event of the topic after this event id is delivered on the
        /// subscription (absent for kinds that keep no replayable history).
        #[serde(skip_serializing_if = "Option::is_none")]
        position: Option<EventId>,
        /// Resume, and subscribe with `after`: how many events were replayed.
        #[serde(skip_serializing_if = "Option::is_none")]
        replayed: Option<usize>,
    },
    /// The frame with this `id` (if any) was refused; the socket stays open.
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        code: ErrorCode,
        message: String,
        /// `rate_limited` only: the next frame sent after this many milliseconds is accepted.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
    /// An event of a subscribed topic (from the outbox). Clients de-duplicate on `event_id`
    /// (delivery is at least once) and keep the last one as their resume cursor.
    Event {
        topic: Topic,
        #[serde(skip_serializing_if = "Option::is_none")]
        channel_id: Option<String>,
        event_id: EventId,
        event_type: String,
        occurred_at: DateTime<Utc>,
        data: serde_json::Value,
    },
    /// A member's presence in a watched workspace changed.
    Presence {
        workspace_id: WorkspaceId,
        user_id: UserId,
        status: PresenceStatus,
    },
    /// Someone is typing in a subscribed topic; show it for `expires_in_ms` unless renewed.
    Typing {
        topic: Topic,
        #[serde(skip_serializing_if = "Option::is_none")]
        channel_id: Option<String>,
        user_id: UserId,
        expires_in_ms: u64,
    },
    /// Missed events of this topic cannot be replayed: fetch them from `changes_url` (for a
    /// channel, `GET /v1/channels/{id}/changes`) and continue with live events. With
    /// [`ResyncReason::DeliveryInterrupted`] the subscription has ended instead: subscribe
    /// again with `after`.
    ResyncRequired {
        topic: Topic,
        #[serde(skip_serializing_if = "Option::is_none")]
        channel_id: Option<String>,
        reason: ResyncReason,
        #[serde(skip_serializing_if = "Option::is_none")]
        changes_url: Option<String>,
    },
    /// The subscription ended because the user may no longer read the topic (removed from
    /// it or its workspace, access revoked...): no further events of it arrive, and
    /// subscribing again answers `not_found`.
    SubscriptionRevoked {
        topic: Topic,
        #[serde(skip_serializing_if = "Option::is_none")]
        channel_id: Option<String>,
        reason: RevokeReason,
    },
    /// Answer to a client `ping` frame.
    Pong {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
}

/// Stable codes of `error` frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The topic or workspace does not exist or is not readable by you.
    NotFound,
    /// `realtime.max_subscriptions` reached (topics and presence watches together).
    TooManySubscriptions,
    /// Typing, or a binary frame, on a topic you are not subscribed to.
    NotSubscribed,
    /// A `v` this server does not speak.
    UnsupportedVersion,
    /// A `type` this server does not know.
    UnknownType,
    /// A topic `kind` this server does not serve (see `hello.topic_kinds`).
    UnknownTopicKind,
    /// A binary frame for a topic whose kind takes none, or that its kind refused.
    BinaryNotAccepted,
    /// A dependency (RabbitMQ, MongoDB) is unavailable; retry.
    Unavailable,
    /// More frames than `realtime.frames_per_second` (bursts of `realtime.frame_burst`): this
    /// one was not handled. Pause for `retry_after_ms`; sending on closes the socket (4029).
    RateLimited,
}

/// Why a topic needs a resync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResyncReason {
    /// The cursor is older than `realtime.resume_window`.
    CursorTooOld,
    /// More events were missed than `realtime.resume_max_events`.
    TooManyMissed,
    /// The topic's kind keeps no replayable history.
    NotReplayable,
    /// The node's broker connection dropped and came back: events published meanwhile may
    /// not have reached it. The subscription has ended; subscribe again with `after` = your
    /// cursor and the missed events are replayed.
    DeliveryInterrupted,
}

/// Why a subscription was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeReason {
    /// A change (membership, role, grant, the topic itself) means you may no longer read it.
    AccessRevoked,
    /// After such a change the access check could not be answered (storage unavailable):
    /// the subscription is dropped rather than kept unchecked. Subscribe again to retry.
    AccessCheckFailed,
}

/// The v1 `channel_id` alias of a topic: its id when it is a channel.
pub fn channel_alias(topic: &Topic) -> Option<String> {
    (topic.kind == CHANNEL_ALIAS_KIND).then(|| topic.id.clone())
}

impl ServerFrame {
    pub fn error(id: Option<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Error {
            id,
            code,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// The `error` `rate_limited` refusing the frame with this `id`.
    pub fn rate_limited(id: Option<String>, retry_after: std::time::Duration) -> Self {
        let retry_after_ms = u64::try_from(retry_after.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        Self::Error {
            id,
            code: ErrorCode::RateLimited,
            message: format!("too many frames: send the next one in {retry_after_ms} ms"),
            retry_after_ms: Some(retry_after_ms),
        }
    }

    pub fn ack(id: String) -> Self {
        Self::Ack {
            id,
            topic: None,
            channel_id: None,
            workspace_id: None,
            position: None,
            replayed: None,
        }
    }

    /// The `ack` of a frame about `topic`.
    pub fn topic_ack(id: String, topic: &Topic) -> Self {
        Self::Ack {
            id,
            topic: Some(topic.clone()),
            channel_id: channel_alias(topic),
            workspace_id: None,
            position: None,
            replayed: None,
        }
    }

    /// The `ack` of a frame about a workspace's presence.
    pub fn workspace_ack(id: String, workspace: WorkspaceId) -> Self {
        Self::Ack {
            id,
            topic: None,
            channel_id: None,
            workspace_id: Some(workspace),
            position: None,
            replayed: None,
        }
    }

    pub fn resync(topic: &Topic, reason: ResyncReason, changes_url: Option<String>) -> Self {
        Self::ResyncRequired {
            topic: topic.clone(),
            channel_id: channel_alias(topic),
            reason,
            changes_url,
        }
    }

    pub fn revoked(topic: &Topic, reason: RevokeReason) -> Self {
        Self::SubscriptionRevoked {
            topic: topic.clone(),
            channel_id: channel_alias(topic),
            reason,
        }
    }

    /// The `event` frame of an event of `topic`.
    pub fn event(topic: &Topic, event: atelier_core::EventEnvelope) -> Self {
        Self::Event {
            topic: topic.clone(),
            channel_id: channel_alias(topic),
            event_id: event.id,
            event_type: event.event_type,
            occurred_at: event.occurred_at,
            data: event.data,
        }
    }
}

/// Why a client text frame was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("protocol version {version} is not supported (this server speaks v1)")]
    UnsupportedVersion { id: Option<String>, version: u64 },
    #[error("unknown frame type `{kind}`")]
    UnknownType { id: Option<String>, kind: String },
}

/// What to do about a [`FrameError`].
#[derive(Debug, Clone, PartialEq)]
pub enum Disposition {
    /// Close the socket with this code and reason.
    Close(u16, String),
    /// Answer with this `error` frame and keep the socket.
    Reply(ServerFrame),
}

impl FrameError {
    pub fn disposition(&self) -> Disposition {
        match self {
            Self::Malformed(_) => Disposition::Close(close::MALFORMED_FRAME, truncate_reason(self)),
            Self::UnsupportedVersion { id, .. } => Disposition::Reply(ServerFrame::error(
                id.clone(),
                ErrorCode::UnsupportedVersion,
                self.to_string(),
            )),
            Self::UnknownType { id, .. } => Disposition::Reply(ServerFrame::error(
                id.clone(),
                ErrorCode::UnknownType,
                self.to_string(),
            )),
        }
    }
}

const FRAME_TYPES: &[&str] = &[
    "subscribe",
    "unsubscribe",
    "resume",
    "typing",
    "presence",
    "watch_presence",
    "unwatch_presence",
    "ping",
];

/// Decodes one client text frame.
pub fn decode_client(text: &str) -> Result<ClientFrame, FrameError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| FrameError::Malformed(error.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| FrameError::Malformed("a frame is a JSON object".to_owned()))?;
    let version = object
        .get("v")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| FrameError::Malformed("`v` (the protocol version) is missing".to_owned()))?;
    // Every correlation id is bounded, the optional ones and an unknown type's or version's
    // (echoed) too.
    let id = match object.get("id") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(id)) if id.len() <= MAX_ID_BYTES => Some(id.clone()),
        Some(serde_json::Value::String(_)) => {
            return Err(FrameError::Malformed(format!(
                "`id` is longer than {MAX_ID_BYTES} bytes"
            )));
        }
        // Not a string: the frame's own decoding refuses it (an unknown type echoes none).
        Some(_) => None,
    };
    if version != PROTOCOL_VERSION {
        return Err(FrameError::UnsupportedVersion { id, version });
    }
    let kind = object
        .get("type")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| FrameError::Malformed("`type` is missing".to_owned()))?
        .to_owned();
    if !FRAME_TYPES.contains(&kind.as_str()) {
        return Err(FrameError::UnknownType {
            id,
            kind: kind.chars().take(64).collect(),
        });
    }
    let mut value = value;
    if matches!(kind.as_str(), "subscribe" | "unsubscribe" | "typing") {
        alias_channel_id(&mut value)?;
    }
    serde_json::from_value(value)
        .map_err(|error| FrameError::Malformed(format!("`{kind}`: {error}")))
}

/// The correlation id of a text frame, if it is a JSON object with a string `id` of at most
/// [`MAX_ID_BYTES`] (for answering a frame that is not handled).
pub fn peek_id(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Id {
        id: Option<String>,
    }
    serde_json::from_str::<Id>(text)
        .ok()?
        .id
        .filter(|id| id.len() <= MAX_ID_BYTES)
}

/// The v1 form `"channel_id": "chn_..."` stands for `"topic": {"kind": "channel", ...}`.
fn alias_channel_id(value: &mut serde_json::Value) -> Result<(), FrameError> {
    let Some(object) = value.as_object_mut() else {
        return Ok(());
    };
    if object.contains_key("topic") {
        return Ok(());
    }
    if let Some(channel) = object.remove("channel_id") {
        let Some(channel) = channel.as_str() else {
            return Err(FrameError::Malformed("`channel_id` is a string".to_owned()));
        };
        object.insert(
            "topic".to_owned(),
            serde_json::json!({ "kind": CHANNEL_ALIAS_KIND, "id": channel }),
        );
    }
    Ok(())
}

/// A binary frame: the topic as `kind:id`, a newline (0x0A), then the payload for the topic's
/// kind. `None` when it does not start that way.
pub fn decode_binary(bytes: &[u8]) -> Option<(Topic, &[u8])> {
    let newline = bytes.iter().take(512).position(|byte| *byte == b'\n')?;
    let topic = std::str::from_utf8(&bytes[..newline]).ok()?.parse().ok()?;
    Some((topic, &bytes[newline + 1..]))
}

/// Longest client correlation id.
pub const MAX_ID_BYTES: usize = 128;

#[derive(Serialize)]
struct Wire<'a> {
    v: u64,
    #[serde(flatten)]
    frame: &'a ServerFrame,
}

/// Serialises a server frame with its version.
pub fn encode(frame: &ServerFrame) -> String {
    // Serialising these plain types cannot fail (string keys, no non-finite floats from us;
    // event data came from JSON); an empty object would be a bug, logged.
    serde_json::to_string(&Wire {
        v: PROTOCOL_VERSION,
        frame,
    })
    .unwrap_or_else(|error| {
        tracing::error!(%error, "a server frame could not be serialised");
        String::from("{}")
    })
}

/// A close reason fits in a control frame (125 bytes minus the code).
pub fn truncate_reason(reason: &impl std::fmt::Display) -> String {
    let mut text = reason.to_string();
    if text.len() > 120 {
        let mut end = 120;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANNEL: &str = "chn_01J0000000000000000000000A";

    #[test]
    fn client_frame_table() {
        let topic = Topic::new("channel", CHANNEL);
        let ok = |text: &str, expected: ClientFrame| {
            assert_eq!(decode_client(text), Ok(expected), "{text}");
        };
        // The v1 alias, the topic object and the topic string mean the same.
        for text in [
            format!(r#"{{"v":1,"type":"subscribe","id":"c1","channel_id":"{CHANNEL}"}}"#),
            format!(
                r#"{{"v":1,"type":"subscribe","id":"c1","topic":{{"kind":"channel","id":"{CHANNEL}"}}}}"#
            ),
            format!(r#"{{"v":1,"type":"subscribe","id":"c1","topic":"channel:{CHANNEL}"}}"#),
        ] {
            ok(
                &text,
                ClientFrame::Subscribe {
                    id: "c1".into(),
                    topic: topic.clone(),
                    after: None,
                },
            );
        }
        ok(
            &format!(
                r#"{{"v":1,"type":"unsubscribe","id":"c2","channel_id":"{CHANNEL}","extra":true}}"#
            ),
            ClientFrame::Unsubscribe {
                id: "c2".into(),
                topic: topic.clone(),
            },
        );
        ok(
            r#"{"v":1,"type":"subscribe","id":"d","topic":{"kind":"doc","id":"doc_1"}}"#,
            ClientFrame::Subscribe {
                id: "d".into(),
                topic: Topic::new("doc", "doc_1"),
                after: None,
            },
        );
        ok(
            &format!(
                r#"{{"v":1,"type":"subscribe","id":"c1","channel_id":"{CHANNEL}","after":"evt_01J0000000000000000000000B"}}"#
            ),
            ClientFrame::Subscribe {
                id: "c1".into(),
                topic: topic.clone(),
                after: Some("evt_01J0000000000000000000000B".parse().unwrap()),
            },
        );
        ok(r#"{"v":1,"type":"ping"}"#, ClientFrame::Ping { id: None });
        ok(
            &format!(r#"{{"type":"typing","v":1,"channel_id":"{CHANNEL}"}}"#),
            ClientFrame::Typing { topic },
        );

        let malformed = [
            "not json",
            "[1,2]",
            r#"{"type":"ping"}"#,
            r#"{"v":"1","type":"ping"}"#,
            r#"{"v":1}"#,
            r#"{"v":1,"type":"subscribe","id":"c1"}"#,
            r#"{"v":1,"type":"subscribe","id":"c1","channel_id":5}"#,
            r#"{"v":1,"type":"subscribe","id":"c1","topic":"nocolon"}"#,
            r#"{"v":1,"type":"subscribe","id":"c1","topic":"channel:x","after":"not-an-event-id"}"#,
            r#"{"v":1,"type":"presence","workspace_id":"wsp_01J0000000000000000000000A","status":"busy"}"#,
        ];
        for text in malformed {
            let error = decode_client(text).unwrap_err();
            assert!(
                matches!(
                    error.disposition(),
                    Disposition::Close(close::MALFORMED_FRAME, _)
                ),
                "{text}: {error:?}"
            );
        }
        // Correlation ids are at most 128 bytes in every frame, optional or echoed ones too.
        let (fits, long) = ("i".repeat(MAX_ID_BYTES), "i".repeat(MAX_ID_BYTES + 1));
        ok(
            &format!(r#"{{"v":1,"type":"ping","id":"{fits}"}}"#),
            ClientFrame::Ping { id: Some(fits) },
        );
        for text in [
            format!(r#"{{"v":1,"type":"ping","id":"{long}"}}"#),
            format!(r#"{{"v":1,"type":"dance","id":"{long}"}}"#),
            format!(
                r#"{{"v":1,"type":"presence","id":"{long}","workspace_id":"wsp_01J0000000000000000000000A","status":"online"}}"#
            ),
            format!(r#"{{"v":1,"type":"subscribe","id":"{long}","channel_id":"{CHANNEL}"}}"#),
        ] {
            let error = decode_client(&text).unwrap_err();
            assert!(
                matches!(
                    error.disposition(),
                    Disposition::Close(close::MALFORMED_FRAME, _)
                ),
                "{text}: {error:?}"
            );
        }
        assert_eq!(
            peek_id(r#"{"v":1,"type":"subscribe","id":"s1"}"#),
            Some("s1".into())
        );
        assert_eq!(peek_id(&format!(r#"{{"id":"{long}"}}"#)), None);
        assert_eq!(peek_id("not json"), None);
        assert_eq!(
            decode_client(r#"{"v":2,"type":"ping"}"#),
            Err(FrameError::UnsupportedVersion {
                id: None,
                version: 2
            })
        );
        // The refusal of an unsupported version echoes the frame's id, like every error.
        let newer = decode_client(r#"{"v":2,"type":"ping","id":"d"}"#).unwrap_err();
        assert!(
            matches!(
                newer.disposition(),
                Disposition::Reply(ServerFrame::Error { id: Some(ref id), code: ErrorCode::UnsupportedVersion, .. }) if id == "d"
            ),
            "{:?}",
            newer.disposition()
        );
        let unknown = decode_client(r#"{"v":1,"type":"dance","id":"x"}"#).unwrap_err();
        assert!(matches!(
            unknown.disposition(),
            Disposition::Reply(ServerFrame::Error { id: Some(ref id), code: ErrorCode::UnknownType, .. }) if id == "x"
        ));
    }

    #[test]
    fn server_frames_carry_the_version_type_and_channel_alias() {
        let channel = Topic::new("channel", CHANNEL);
        let doc = Topic::new("doc", "doc_1");
        let cases = [
            (
                ServerFrame::ack("c1".into()),
                serde_json::json!({"v":1,"type":"ack","id":"c1"}),
            ),
            (
                ServerFrame::topic_ack("c1".into(), &channel),
                serde_json::json!({"v":1,"type":"ack","id":"c1",
                    "topic":{"kind":"channel","id":CHANNEL},"channel_id":CHANNEL}),
            ),
            (
                ServerFrame::topic_ack("c1".into(), &doc),
                serde_json::json!({"v":1,"type":"ack","id":"c1","topic":{"kind":"doc","id":"doc_1"}}),
            ),
            (
                ServerFrame::error(Some("c2".into()), ErrorCode::NotFound, "no"),
                serde_json::json!({"v":1,"type":"error","id":"c2","code":"not_found","message":"no"}),
            ),
            (
                ServerFrame::resync(
                    &channel,
                    ResyncReason::TooManyMissed,
                    Some(format!("/v1/channels/{CHANNEL}/changes")),
                ),
                serde_json::json!({"v":1,"type":"resync_required","topic":{"kind":"channel","id":CHANNEL},
                    "channel_id":CHANNEL,"reason":"too_many_missed",
                    "changes_url":format!("/v1/channels/{CHANNEL}/changes")}),
            ),
            (
                ServerFrame::revoked(&doc, RevokeReason::AccessRevoked),
                serde_json::json!({"v":1,"type":"subscription_revoked",
                    "topic":{"kind":"doc","id":"doc_1"},"reason":"access_revoked"}),
            ),
            (
                ServerFrame::Pong { id: None },
                serde_json::json!({"v":1,"type":"pong"}),
            ),
            (
                ServerFrame::rate_limited(Some("s".into()), std::time::Duration::from_millis(250)),
                serde_json::json!({"v":1,"type":"error","id":"s","code":"rate_limited",
                    "message":"too many frames: send the next one in 250 ms","retry_after_ms":250}),
            ),
        ];
        for (frame, expected) in cases {
            let json: serde_json::Value = serde_json::from_str(&encode(&frame)).unwrap();
            assert_eq!(json, expected);
        }
    }

    #[test]
    fn binary_frames_name_their_topic_first() {
        let (topic, payload) = decode_binary(b"doc:doc_1\n\x00\x01").unwrap();
        assert_eq!(topic, Topic::new("doc", "doc_1"));
        assert_eq!(payload, b"\x00\x01");
        assert_eq!(decode_binary(b"doc:doc_1\n").unwrap().1, b"");
        for bad in [
            &b"\x00\x01\x02"[..],
            b"no topic\n",
            b"doc:doc_1",
            b"\xff:x\n",
        ] {
            assert!(decode_binary(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn close_reasons_fit_a_control_frame() {
        let long = "é".repeat(200);
        assert!(truncate_reason(&long).len() <= 120);
    }
}
