//! The AsyncAPI contract of the realtime WebSocket (`openapi/asyncapi.json`): it is up to date
//! with the code, its examples are what the real frame codec reads and writes, real frames
//! match its schemas, its close codes are every code the gateway defines, and it validates
//! against the official AsyncAPI 3.0 JSON Schema (`@asyncapi/specs`, pinned in
//! `tests/asyncapi/package.json`, checked with ajv).

use std::{collections::BTreeSet, path::Path, process::Command, time::Duration};

use atelier_core::EventId;
use atelier_identity::{UserId, WorkspaceId};
use atelier_realtime::{
    Topic,
    asyncapi::{self, CLOSE_CODES},
    frame::{
        self, ErrorCode, PresenceStatus, ResyncReason, RevokeReason, ServerFrame, channel_alias,
        decode_client,
    },
};
use serde_json::{Value, json};

const REGENERATE: &str = "cargo run -q -p atelier -- asyncapi --out openapi/asyncapi.json";

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A validator of the payload schema `#/components/schemas/<name>` (its `$ref`s resolved in
/// the document).
fn validator(document: &Value, name: &str) -> jsonschema::Validator {
    let schema = json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": { "schemas": document["components"]["schemas"].clone() },
    });
    jsonschema::draft7::new(&schema).unwrap_or_else(|error| panic!("schema {name}: {error}"))
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {instance}\n{errors:#?}");
}

/// The messages of the channel whose key starts with `prefix`, with their payload schema name.
fn messages<'a>(document: &'a Value, prefix: &str) -> Vec<(&'a str, &'a Value, String)> {
    document["components"]["messages"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(key, message)| {
            key.starts_with(prefix) && message["contentType"] == "application/json"
        })
        .map(|(key, message)| {
            let reference = message["payload"]["$ref"].as_str().unwrap();
            let name = reference.rsplit('/').next().unwrap().to_owned();
            (key.as_str(), message, name)
        })
        .collect()
}

#[test]
fn the_committed_document_is_up_to_date() {
    let path = root().join("openapi/asyncapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == asyncapi::document_json(),
        "openapi/asyncapi.json is out of date with the code. Regenerate it with:\n\n    {REGENERATE}\n"
    );
}

#[test]
fn client_examples_are_read_by_the_real_decoder() {
    let document = asyncapi::document();
    let client = messages(&document, "client");
    let mut types = BTreeSet::new();
    for (key, message, schema) in &client {
        let validator = validator(&document, schema);
        let examples = message["examples"].as_array().unwrap();
        assert!(!examples.is_empty(), "{key} has no example");
        for example in examples {
            let payload = &example["payload"];
            assert_valid(&validator, payload, key);
            let frame = decode_client(&payload.to_string())
                .unwrap_or_else(|error| panic!("{key}: {payload} is refused: {error}"));
            assert_eq!(
                asyncapi::client_frame_type(&frame),
                message["name"],
                "{key}"
            );
            assert_eq!(payload["type"], message["name"], "{key}");
        }
        types.insert(message["name"].as_str().unwrap().to_owned());
    }
    // Every client frame type has a message (`client_frame_type` matches exhaustively).
    assert_eq!(types.len(), 8, "{types:?}");

    // Frames the decoder closes the socket for are refused by the schemas too.
    let long = "i".repeat(frame::MAX_ID_BYTES + 1);
    let workspace = "wsp_01J0000000000000000000000W";
    for (schema, text) in [
        (
            "ClientPingPayload",
            format!(r#"{{"v":1,"type":"ping","id":"{long}"}}"#),
        ),
        (
            "ClientPresencePayload",
            format!(r#"{{"v":1,"type":"presence","workspace_id":"{workspace}","status":"busy"}}"#),
        ),
        (
            "ClientSubscribePayload",
            r#"{"v":1,"type":"subscribe","id":"s1"}"#.to_owned(),
        ),
        (
            "ClientSubscribePayload",
            r#"{"v":1,"type":"subscribe","id":"s1","topic":"nocolon"}"#.to_owned(),
        ),
        (
            "ClientResumePayload",
            r#"{"v":1,"type":"resume","id":"r1","after":"not-an-event-id"}"#.to_owned(),
        ),
        ("ClientPingPayload", r#"{"type":"ping"}"#.to_owned()),
    ] {
        let instance: Value = serde_json::from_str(&text).unwrap();
        assert!(
            !validator(&document, schema).is_valid(&instance),
            "{schema} accepts {text}"
        );
        assert!(decode_client(&text).is_err(), "the decoder accepts {text}");
    }
}

/// Real frames of every variant, with and without their optional fields, channel and other
/// topics.
fn real_server_frames() -> Vec<ServerFrame> {
    let channel = Topic::new("channel", "chn_01J0000000000000000000000A");
    let doc = Topic::new("doc", "doc_1");
    let user: UserId = "usr_01J0000000000000000000000X".parse().unwrap();
    let workspace: WorkspaceId = "wsp_01J0000000000000000000000W".parse().unwrap();
    let event: EventId = "evt_01J0000000000000000000000E".parse().unwrap();
    let mut frames = vec![
        ServerFrame::Hello {
            session_id: format!("rts_{}", ulid::Ulid::new()),
            user_id: user,
            max_frame_bytes: 65536,
            max_subscriptions: 100,
            ping_interval_ms: 15_000,
            presence_ttl_ms: 60_000,
            topic_kinds: vec!["channel".to_owned()],
        },
        ServerFrame::ack("a".to_owned()),
        ServerFrame::topic_ack("a".to_owned(), &channel),
        ServerFrame::topic_ack("a".to_owned(), &doc),
        ServerFrame::workspace_ack("a".to_owned(), workspace),
        ServerFrame::Ack {
            id: "a".to_owned(),
            topic: Some(channel.clone()),
            channel_id: channel_alias(&channel),
            workspace_id: None,
            position: Some(event),
            replayed: Some(0),
        },
        ServerFrame::rate_limited(None, Duration::from_millis(1)),
        ServerFrame::Pong { id: None },
        ServerFrame::Pong {
            id: Some("p".to_owned()),
        },
        ServerFrame::Typing {
            topic: doc.clone(),
            channel_id: None,
            user_id: user,
            expires_in_ms: 6000,
        },
        ServerFrame::Typing {
            topic: channel.clone(),
            channel_id: channel_alias(&channel),
            user_id: user,
            expires_in_ms: 6000,
        },
        ServerFrame::Event {
            topic: channel.clone(),
            channel_id: channel_alias(&channel),
            event_id: event,
            event_type: "chat.message.deleted".to_owned(),
            occurred_at: chrono::Utc::now(),
            data: json!({"anything": [1, 2]}),
        },
        ServerFrame::Event {
            topic: doc.clone(),
            channel_id: None,
            event_id: event,
            event_type: "doc.updated".to_owned(),
            occurred_at: chrono::Utc::now(),
            data: json!(null),
        },
    ];
    for code in asyncapi::ERROR_CODES {
        frames.push(ServerFrame::error(Some("e".to_owned()), *code, "x"));
        frames.push(ServerFrame::error(None, *code, "x"));
    }
    // A rate_limited error always states when to retry.
    frames.retain(|frame| {
        !matches!(
            frame,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                retry_after_ms: None,
                ..
            }
        )
    });
    for status in asyncapi::PRESENCE_STATUSES {
        frames.push(ServerFrame::Presence {
            workspace_id: workspace,
            user_id: user,
            status: *status,
        });
    }
    for reason in asyncapi::RESYNC_REASONS {
        frames.push(ServerFrame::resync(&channel, *reason, None));
        frames.push(ServerFrame::resync(
            &doc,
            *reason,
            Some("/v1/docs/doc_1/changes".to_owned()),
        ));
    }
    for reason in asyncapi::REVOKE_REASONS {
        frames.push(ServerFrame::revoked(&channel, *reason));
        frames.push(ServerFrame::revoked(&doc, *reason));
    }
    frames
}

#[test]
fn real_server_frames_match_the_schemas_and_examples_are_real_frames() {
    let document = asyncapi::document();
    let server = messages(&document, "server");
    let by_type = |kind: &str| {
        server
            .iter()
            .find(|(_, message, _)| message["name"] == kind)
            .unwrap_or_else(|| panic!("no server message for `{kind}`"))
    };
    let union = validator(&document, "ServerFrame");
    let mut types = BTreeSet::new();
    for frame in real_server_frames() {
        let kind = asyncapi::server_frame_type(&frame);
        types.insert(kind);
        let (key, _, schema) = by_type(kind);
        let wire: Value = serde_json::from_str(&frame::encode(&frame)).unwrap();
        assert_valid(&validator(&document, schema), &wire, key);
        assert_valid(&union, &wire, "ServerFrame");
    }
    assert_eq!(types.len(), server.len(), "{types:?}");

    // The examples (real frames, encoded) validate too.
    for (key, message, schema) in &server {
        let validator = validator(&document, schema);
        let examples = message["examples"].as_array().unwrap();
        assert!(!examples.is_empty(), "{key} has no example");
        for example in examples {
            assert_valid(&validator, &example["payload"], key);
            assert_valid(&union, &example["payload"], key);
            assert_eq!(example["payload"]["type"], message["name"], "{key}");
        }
    }
    // A rate_limited error without retry_after_ms is not a valid frame.
    let invalid = json!({"v": 1, "type": "error", "code": "rate_limited", "message": "x"});
    assert!(!union.is_valid(&invalid));

    // The enumerations are exactly the codes the frames serialise.
    let schemas = &document["components"]["schemas"];
    let wire = |value: Value| value.as_str().unwrap().to_owned();
    for (name, values) in [
        (
            "ErrorCode",
            asyncapi::ERROR_CODES
                .iter()
                .map(|v| wire(serde_json::to_value(v).unwrap()))
                .collect::<Vec<_>>(),
        ),
        (
            "ResyncReason",
            [
                ResyncReason::CursorTooOld,
                ResyncReason::TooManyMissed,
                ResyncReason::NotReplayable,
                ResyncReason::DeliveryInterrupted,
            ]
            .iter()
            .map(|v| wire(serde_json::to_value(v).unwrap()))
            .collect(),
        ),
        (
            "RevokeReason",
            [RevokeReason::AccessRevoked, RevokeReason::AccessCheckFailed]
                .iter()
                .map(|v| wire(serde_json::to_value(v).unwrap()))
                .collect(),
        ),
        (
            "PresenceStatus",
            [
                PresenceStatus::Online,
                PresenceStatus::Away,
                PresenceStatus::Offline,
            ]
            .iter()
            .map(|v| wire(serde_json::to_value(v).unwrap()))
            .collect(),
        ),
    ] {
        assert_eq!(schemas[name]["enum"], json!(values), "{name}");
    }
}

#[test]
fn every_close_code_the_gateway_defines_is_documented() {
    // The constants of `frame::close`, read from the source so a new one cannot be missed.
    let source = std::fs::read_to_string(root().join("crates/realtime/src/frame.rs")).unwrap();
    let start = source
        .find("pub mod close {")
        .expect("mod close in frame.rs");
    let end = start + source[start..].find("\n}").unwrap();
    let defined: BTreeSet<u16> = source[start..end]
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub const "))
        .map(|line| {
            let value = line.split('=').nth(1).unwrap().trim().trim_end_matches(';');
            value.parse().unwrap()
        })
        .collect();
    assert!(defined.len() >= 12, "{defined:?}");
    let document = asyncapi::document();
    let listed: BTreeSet<u16> = document["channels"][asyncapi::CHANNEL_KEY]["x-close-codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|close| u16::try_from(close["code"].as_u64().unwrap()).unwrap())
        .collect();
    assert_eq!(listed, defined);
    assert_eq!(CLOSE_CODES.len(), defined.len());
    let description = document["info"]["description"].as_str().unwrap();
    for code in defined {
        assert!(description.contains(&format!("| {code} |")), "{code}");
    }
}

#[test]
fn the_document_validates_against_the_official_asyncapi_schema() {
    let dir = root().join("tests/asyncapi");
    if !dir.join("node_modules/@asyncapi/specs").exists() {
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .expect("npm (Node 20) for the AsyncAPI validation");
        assert!(
            output.status.success(),
            "npm ci in tests/asyncapi failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The generated document (the drift test compares it with the committed one).
    let path = std::env::temp_dir().join(format!("atelier-asyncapi-{}.json", std::process::id()));
    std::fs::write(&path, asyncapi::document_json()).unwrap();
    let output = Command::new("node")
        .arg(dir.join("validate.mjs"))
        .arg(&path)
        .output()
        .expect("node (20+) for the AsyncAPI validation");
    std::fs::remove_file(&path).ok();
    assert!(
        output.status.success(),
        "the AsyncAPI document does not validate against @asyncapi/specs:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The canvas sync socket's document (`openapi/canvas-asyncapi.json`): up to date, validated
/// against the official schema like the realtime one, and listing every close code the socket
/// can send.
#[test]
fn the_canvas_sync_document_is_up_to_date_and_valid() {
    let committed = std::fs::read_to_string(root().join("openapi/canvas-asyncapi.json"))
        .expect("openapi/canvas-asyncapi.json is committed");
    assert!(
        committed == atelier_canvas::asyncapi::document_json(),
        "openapi/canvas-asyncapi.json is stale: run `cargo run -q -p atelier -- canvas-asyncapi --out openapi/canvas-asyncapi.json`"
    );
    let listed: BTreeSet<u16> = atelier_canvas::asyncapi::CLOSE_CODES
        .iter()
        .map(|(code, _, _)| *code)
        .collect();
    for code in [
        atelier_canvas_sync::error::CLOSE_MALFORMED,
        atelier_canvas_sync::error::CLOSE_UPDATE_TOO_LARGE,
        atelier_canvas_sync::error::CLOSE_DOCUMENT_TOO_LARGE,
        atelier_canvas_sync::error::CLOSE_INTERNAL,
        atelier_canvas::sync::CLOSE_SLOW_READER,
        atelier_canvas::sync::CLOSE_UNAVAILABLE,
        atelier_canvas::sync::CLOSE_ACCESS_CHANGED,
        atelier_canvas::sync::CLOSE_ACCESS_REVOKED,
        atelier_canvas::sync::CLOSE_DOCUMENT_GONE,
        atelier_api::canvas::sync::CLOSE_TOKEN_EXPIRED,
        atelier_api::canvas::sync::CLOSE_NOT_FOUND,
        atelier_api::canvas::sync::CLOSE_FORBIDDEN,
    ] {
        assert!(
            listed.contains(&code),
            "close code {code} is not documented"
        );
    }
    let dir = root().join("tests/asyncapi");
    if !dir.join("node_modules/@asyncapi/specs").exists() {
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .expect("npm (Node 20) for the AsyncAPI validation");
        assert!(output.status.success());
    }
    let path = std::env::temp_dir().join(format!(
        "atelier-canvas-asyncapi-{}.json",
        std::process::id()
    ));
    std::fs::write(&path, &committed).unwrap();
    let output = Command::new("node")
        .arg(dir.join("validate.mjs"))
        .arg(&path)
        .output()
        .expect("node (20+) for the AsyncAPI validation");
    std::fs::remove_file(&path).ok();
    assert!(
        output.status.success(),
        "openapi/canvas-asyncapi.json does not validate:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
