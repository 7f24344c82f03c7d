//! The machine-readable contract of the canvas sync socket: an AsyncAPI 3.0 document of
//! `/v1/canvas/sync/{document_id}` (committed as `openapi/canvas-asyncapi.json`, regenerated
//! with `atelier canvas-asyncapi --out openapi/canvas-asyncapi.json` and compared by the
//! `canvas_asyncapi` test of `atelier-tests`).
//!
//! The socket speaks y-protocols as y-websocket does: one binary message per frame. Close
//! codes come from the sync core's errors and the hub's constants, listed once in
//! [`CLOSE_CODES`].

use serde_json::{Value, json};

use crate::sync::{
    CLOSE_ACCESS_CHANGED, CLOSE_ACCESS_REVOKED, CLOSE_DOCUMENT_GONE, CLOSE_SLOW_READER,
    CLOSE_UNAVAILABLE,
};

/// The socket's address.
pub const ADDRESS: &str = "/v1/canvas/sync/{document_id}";

/// One close code the socket sends: `(code, meaning, what a client does)`.
pub const CLOSE_CODES: &[(u16, &str, &str)] = &[
    (
        1001,
        "The node is shutting down.",
        "Reconnect (another node); y-websocket does so by itself.",
    ),
    (
        1003,
        "A text frame: the protocol is binary.",
        "Fix the client.",
    ),
    (
        atelier_canvas_sync::error::CLOSE_MALFORMED,
        "A malformed y-protocols frame or an update that does not integrate; the document is unharmed.",
        "Fix the client; reconnecting re-syncs.",
    ),
    (
        atelier_canvas_sync::error::CLOSE_UPDATE_TOO_LARGE,
        "An update (or awareness payload) over the tenant's `max_update_bytes`.",
        "Send smaller updates.",
    ),
    (
        atelier_canvas_sync::error::CLOSE_INTERNAL,
        "An internal error.",
        "Reconnect with backoff.",
    ),
    (
        CLOSE_UNAVAILABLE,
        "The document could not be loaded (storage trouble) or moved to a new task on the node.",
        "Reconnect with backoff.",
    ),
    (
        4001,
        "The access token expired.",
        "Reconnect with a fresh token.",
    ),
    (
        CLOSE_SLOW_READER,
        "The client did not read the document's frames in time.",
        "Reconnect; re-syncing sends what was missed.",
    ),
    (
        CLOSE_ACCESS_REVOKED,
        "No access to the document (never had it, or lost it while connected: grant revoked, removed from the workspace, user deleted, login revoked).",
        "Do not reconnect with the same credentials.",
    ),
    (
        CLOSE_DOCUMENT_GONE,
        "The document does not exist (any more), or is another tenant's.",
        "Do not reconnect.",
    ),
    (
        CLOSE_ACCESS_CHANGED,
        "The user's role on the document changed (or it was archived or unarchived).",
        "Reconnect: the new connection has the new permissions.",
    ),
    (
        atelier_canvas_sync::error::CLOSE_DOCUMENT_TOO_LARGE,
        "The update would grow the document over the tenant's `max_document_bytes`; the document is unharmed.",
        "Do not resend that update.",
    ),
];

fn message(name: &str, title: &str, summary: &str, layout: &str, direction: &str) -> Value {
    json!({
        "name": name,
        "title": title,
        "summary": summary,
        "description": format!("{summary}\n\nLayout (lib0 varuints; `buf` = varuint length + bytes): `{layout}`. Sent by the {direction}."),
        "contentType": "application/octet-stream",
        "payload": { "type": "string", "format": "binary", "description": layout },
    })
}

/// The AsyncAPI 3.0.0 document of the canvas sync socket.
pub fn document() -> Value {
    let messages = json!({
        "syncStep1": message("syncStep1", "sync step 1", "\"Send me what I miss\": the sender's state vector. The server sends one to every writer on connect (its step 2 brings offline edits) and answers every client step 1 with a step 2.", "0 0 buf(state vector v1)", "client and the server"),
        "syncStep2": message("syncStep2", "sync step 2", "The answer to a step 1: what the receiver misses, as one update. From a read-only client (viewer, commenter) it is dropped.", "0 1 buf(update v1)", "client and the server"),
        "update": message("update", "update", "An incremental document update. The server relays what was new to every other socket (and node) and logs it; from a read-only client it is dropped without closing the socket.", "0 2 buf(update v1)", "client and the server"),
        "awareness": message("awareness", "awareness", "Presence states (cursors, selections): relayed byte for byte to every socket on the document, the sender included (renewals keep idle clients alive); a socket's states are set to null for the others when it closes.", "1 buf(varuint n, n × (varuint client id, varuint clock, varstring state JSON))", "client and the server"),
        "queryAwareness": message("queryAwareness", "query awareness", "Asks for every current awareness state; the server answers with one awareness message.", "3", "client"),
        "durableAck": message("durableAck", "durable ack", "Atelier's extension: the state vector of everything the server has made durable in the document's update log. Sent only to clients that connected with `acks=1`, after each durable write; a client whose edits are all covered may drop its local copy. Stock y-websocket clients that did not ask never receive it.", "100 buf(state vector v1)", "server"),
    });
    let message_ref = |key: &str| json!({ "$ref": format!("#/channels/sync/messages/{key}") });
    let close_codes: Vec<Value> = CLOSE_CODES
        .iter()
        .map(
            |(code, meaning, action)| json!({ "code": code, "meaning": meaning, "action": action }),
        )
        .collect();
    let close_table: String = CLOSE_CODES
        .iter()
        .map(|(code, meaning, action)| format!("| {code} | {meaning} | {action} |\n"))
        .collect();
    json!({
        "asyncapi": "3.0.0",
        "id": "urn:atelier:canvas-sync:v1",
        "info": {
            "title": "Atelier canvas sync socket",
            "version": "1.0.0",
            "description": "Yjs document sync for stock clients: `new WebsocketProvider(base + '/v1/canvas/sync', documentId, ydoc, { params: { token } })` (y-websocket 3, yjs 13) connects to `/v1/canvas/sync/{document_id}?token=<user access token>` and syncs unchanged. The protocol is y-protocols sync and awareness; Atelier adds the durable ack (message type 100) for clients that ask with `acks=1`. A missing or bad token answers a 401 problem before the upgrade; everything else is a close code after it (a browser cannot read an HTTP status).",
            "tags": [{ "name": "canvas" }],
        },
        "defaultContentType": "application/octet-stream",
        "servers": {
            "local": { "host": "{host}", "protocol": "ws", "title": "A node without TLS", "variables": { "host": { "default": "localhost:8080", "description": "Host and port of a node." } } },
            "tls": { "host": "{host}", "protocol": "wss", "title": "Behind TLS", "variables": { "host": { "default": "localhost:8443", "description": "Host and port of the TLS front." } } },
        },
        "channels": {
            "sync": {
                "address": ADDRESS,
                "title": "The sync socket of one document",
                "description": format!("One WebSocket per client per document; binary frames both ways.\n\n**Close codes** (`x-close-codes`):\n\n| code | meaning | client |\n|---|---|---|\n{close_table}"),
                "parameters": { "document_id": { "description": "The document (`doc_...`)." } },
                "servers": [{ "$ref": "#/servers/local" }, { "$ref": "#/servers/tls" }],
                "messages": {
                    "syncStep1": { "$ref": "#/components/messages/syncStep1" },
                    "syncStep2": { "$ref": "#/components/messages/syncStep2" },
                    "update": { "$ref": "#/components/messages/update" },
                    "awareness": { "$ref": "#/components/messages/awareness" },
                    "queryAwareness": { "$ref": "#/components/messages/queryAwareness" },
                    "durableAck": { "$ref": "#/components/messages/durableAck" },
                },
                "bindings": {
                    "ws": {
                        "method": "GET",
                        "query": {
                            "type": "object",
                            "properties": {
                                "token": { "type": "string", "maxLength": 4096, "description": "The user access token (what y-websocket's `params: { token }` sends); `access_token` and `Authorization: Bearer` work too." },
                                "acks": { "type": "string", "enum": ["1", "true"], "description": "Ask for durable acks (message type 100)." },
                            },
                        },
                        "bindingVersion": "0.1.0",
                    },
                },
                "x-close-codes": close_codes,
            },
        },
        "operations": {
            "sendSync": {
                "action": "send",
                "channel": { "$ref": "#/channels/sync" },
                "summary": "Sync and awareness from the client.",
                "messages": [message_ref("syncStep1"), message_ref("syncStep2"), message_ref("update"), message_ref("awareness"), message_ref("queryAwareness")],
            },
            "receiveSync": {
                "action": "receive",
                "channel": { "$ref": "#/channels/sync" },
                "summary": "Sync, awareness and durable acks from the server.",
                "messages": [message_ref("syncStep1"), message_ref("syncStep2"), message_ref("update"), message_ref("awareness"), message_ref("durableAck")],
            },
        },
        "components": { "messages": messages },
    })
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_json() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("a JSON value serializes");
    text.push('\n');
    text
}
