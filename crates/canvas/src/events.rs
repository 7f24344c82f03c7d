//! The canvas event types (`canvas.*`) and the JSON Schemas of their `data`: the catalog entries
//! this crate owns (see `atelier_outbox::catalog`). Every one has `aggregate_type = "document"`,
//! the document id as `aggregate_id`, and `document_id` and `workspace_id` in its `data`.
//!
//! CRDT traffic itself never goes through the outbox (ARCHITECTURE.md, "Canvas documents"):
//! content edits surface as `canvas.document.updated` with `changed: ["content"]`, at most once
//! per document per `canvas.edit_event_every`, naming who edited in that window.

use serde_json::{Value, json};

use atelier_core::NewEvent;
use atelier_outbox::catalog::{
    EventType,
    schema::{object_schema, prefixed_id},
};

use crate::model::DocumentRecord;

/// The aggregate type of every canvas event.
pub const AGGREGATE: &str = "document";

/// Every canvas event type, at every `data_version` still emitted.
pub fn types() -> Vec<EventType> {
    vec![
        entry(
            "canvas.document.created",
            "A canvas document was created (its creator owns it).",
            json!({ "document": document_schema() }),
            &["document"],
        ),
        entry(
            "canvas.document.updated",
            "A document's name, description, declared roots or archived state changed, or its content was edited (at most one content event per document per throttle window, naming the editors).",
            json!({
                "document": document_schema(),
                "changed": {
                    "description": "What changed.",
                    "type": "array",
                    "minItems": 1,
                    "items": { "type": "string", "enum": ["name", "description", "roots", "archived", "content"] },
                },
                "editor_ids": {
                    "description": "For content edits: the users who edited in the window (API-key edits name no user).",
                    "type": "array",
                    "items": prefixed_id("usr", "An editor."),
                },
            }),
            &["document", "changed"],
        ),
        entry(
            "canvas.document.deleted",
            "A document was deleted with its content, versions and grants.",
            json!({}),
            &[],
        ),
        entry(
            "canvas.document.shared",
            "A user's grant on a document was set or revoked.",
            json!({
                "user_id": prefixed_id("usr", "The user the document is shared with."),
                "role": {
                    "description": "The user's role on the document from now on; null when the grant was revoked.",
                    "type": ["string", "null"],
                    "enum": ["owner", "editor", "commenter", "viewer", null],
                },
                "by": {
                    "description": "Who changed it (a user id, or null for the tenant's backend).",
                    "oneOf": [prefixed_id("usr", "The user."), { "type": "null" }],
                },
            }),
            &["user_id", "role"],
        ),
        entry(
            "canvas.document.version.created",
            "A version of the document was kept (named on demand, periodic, or before a restore).",
            json!({ "version": version_schema() }),
            &["version"],
        ),
        entry(
            "canvas.document.restored",
            "A version was restored as a forward edit every connected client received.",
            json!({
                "version": version_schema(),
                "by": {
                    "description": "Who restored it (a user id, or null for the tenant's backend).",
                    "oneOf": [prefixed_id("usr", "The user."), { "type": "null" }],
                },
            }),
            &["version"],
        ),
    ]
}

fn entry(
    event_type: &'static str,
    description: &'static str,
    extra: Value,
    required: &[&str],
) -> EventType {
    let mut properties = serde_json::Map::new();
    properties.insert(
        "document_id".to_owned(),
        prefixed_id("doc", "The document."),
    );
    properties.insert(
        "workspace_id".to_owned(),
        prefixed_id("wsp", "The document's workspace."),
    );
    if let Value::Object(extra) = extra {
        properties.extend(extra);
    }
    let mut all_required = vec!["document_id", "workspace_id"];
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

fn document_schema() -> Value {
    json!({
        "description": "The document as the API shows it.",
        "type": "object",
        "properties": {
            "id": prefixed_id("doc", "The document."),
            "workspace_id": prefixed_id("wsp", "Its workspace."),
            "name": { "type": "string", "minLength": 1, "maxLength": 200 },
            "description": { "type": "string", "maxLength": 2000 },
            "roots": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": { "type": "string", "minLength": 1 },
                        "kind": { "type": "string", "enum": ["map", "array", "text", "xml_fragment"] },
                    },
                    "required": ["name", "kind"],
                },
            },
            "archived": { "type": "boolean" },
            "created_by": { "oneOf": [prefixed_id("usr", "The creator."), { "type": "null" }] },
            "created_at": { "type": "string", "format": "date-time" },
            "updated_at": { "type": "string", "format": "date-time" },
        },
        "required": ["id", "workspace_id", "name", "description", "roots", "archived", "created_at", "updated_at"],
    })
}

fn version_schema() -> Value {
    json!({
        "description": "The version (without its content).",
        "type": "object",
        "properties": {
            "id": prefixed_id("ver", "The version."),
            "name": { "type": ["string", "null"] },
            "kind": { "type": "string", "enum": ["named", "periodic", "before_restore"] },
            "created_by": { "oneOf": [prefixed_id("usr", "Who asked for it."), { "type": "null" }] },
            "created_at": { "type": "string", "format": "date-time" },
            "bytes": { "type": "integer", "minimum": 0 },
        },
        "required": ["id", "kind", "created_at", "bytes"],
    })
}

/// A document as events carry it (the API's shape).
pub fn document_json(document: &DocumentRecord) -> Value {
    json!({
        "id": document.id,
        "workspace_id": document.workspace,
        "name": document.name,
        "description": document.description,
        "roots": document.roots,
        "archived": document.is_archived(),
        "created_by": document.created_by,
        "created_at": time(document.created_at_ms),
        "updated_at": time(document.updated_at_ms),
    })
}

/// A version as events carry it.
pub fn version_json(version: &crate::versions::VersionRecord) -> Value {
    json!({
        "id": version.id,
        "name": version.name,
        "kind": version.kind,
        "created_by": version.created_by,
        "created_at": version.created_at.try_to_rfc3339_string().unwrap_or_default(),
        "bytes": version.bytes,
    })
}

/// RFC 3339 of Unix milliseconds.
pub fn time(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An event of `document` with `extra` data beside its ids.
pub fn event(event_type: &str, document: &DocumentRecord, extra: Value) -> NewEvent {
    let mut data = json!({
        "document_id": document.id,
        "workspace_id": document.workspace,
    });
    if let (Value::Object(data), Value::Object(extra)) = (&mut data, extra) {
        data.extend(extra);
    }
    NewEvent::new(event_type, AGGREGATE, document.id.to_string(), data)
}

#[cfg(test)]
mod tests {
    use atelier_core::TenantId;
    use atelier_identity::WorkspaceId;
    use atelier_outbox::catalog::check;

    use super::*;
    use crate::model::{DeclaredRoot, DocumentId, RootKindName};

    #[test]
    fn entries_are_valid() {
        check::entries_are_valid(types(), |schema| {
            jsonschema::draft202012::meta::validate(schema).is_ok()
        });
    }

    #[test]
    fn schemas_accept_what_canvas_emits_and_refuse_the_rest() {
        let document = DocumentRecord {
            id: DocumentId::generate(),
            tenant: TenantId::generate(),
            workspace: WorkspaceId::generate(),
            name: "Landing page".to_owned(),
            description: String::new(),
            roots: vec![DeclaredRoot {
                name: "shapes".to_owned(),
                kind: RootKindName::Map,
            }],
            created_by: None,
            created_at_ms: 1_700_000_000_000,
            updated_at_ms: 1_700_000_000_000,
            archived_at_ms: None,
        };
        let data = |event: NewEvent| event.data;
        let user = "usr_01J9ZQ2V3M4N5P6Q7R8S9T0VWY";
        let cases = vec![
            (
                "canvas.document.created",
                data(event(
                    "canvas.document.created",
                    &document,
                    json!({ "document": document_json(&document) }),
                )),
                true,
            ),
            (
                "canvas.document.updated",
                data(event(
                    "canvas.document.updated",
                    &document,
                    json!({ "document": document_json(&document), "changed": ["content"], "editor_ids": [user] }),
                )),
                true,
            ),
            (
                "canvas.document.updated",
                data(event(
                    "canvas.document.updated",
                    &document,
                    json!({ "document": document_json(&document), "changed": ["colour"] }),
                )),
                false,
            ),
            (
                "canvas.document.shared",
                data(event(
                    "canvas.document.shared",
                    &document,
                    json!({ "user_id": user, "role": null, "by": null }),
                )),
                true,
            ),
            (
                "canvas.document.shared",
                data(event(
                    "canvas.document.shared",
                    &document,
                    json!({ "user_id": user, "role": "admin" }),
                )),
                false,
            ),
            (
                "canvas.document.deleted",
                json!({ "document_id": "doc_1" }),
                false,
            ),
        ];
        check::schema_cases(types(), cases, |schema, data| {
            jsonschema::draft202012::is_valid(schema, data)
        });
    }
}
