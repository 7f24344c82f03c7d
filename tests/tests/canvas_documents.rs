//! Canvas documents over HTTP: create, list, update, archive, delete; sharing through grants
//! and what each role may do; content as Yjs and JSON, Yjs and JSON edits; versions, diff and
//! restore; bad input; events; the cross-tenant probe over every canvas endpoint.

use atelier_canvas_sync::yrs::{
    Doc, GetString, ReadTxn, StateVector, Text, Transact, Update, updates::decoder::Decode,
};
use atelier_tests::{TestApp, assert_cross_tenant_404, chat::ChatFixture, test_config};
use base64::{Engine, engine::general_purpose::STANDARD};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    app.call(token, method, path, body).await
}

/// A Yjs update typing `text` into the `title` text root (a document of its own).
fn title_update(text: &str) -> String {
    let doc = Doc::new();
    doc.get_or_insert_text("title")
        .insert(&mut doc.transact_mut(), 0, text);
    STANDARD.encode(
        doc.transact()
            .encode_state_as_update_v1(&StateVector::default()),
    )
}

fn title_of(content: &Value) -> String {
    let update = STANDARD
        .decode(content["update"].as_str().unwrap())
        .unwrap();
    let doc = Doc::new();
    doc.transact_mut()
        .apply_update(Update::decode_v1(&update).unwrap())
        .unwrap();
    let title = doc.get_or_insert_text("title");
    title.get_string(&doc.transact())
}

#[tokio::test]
async fn documents_roles_content_and_versions() {
    let app = TestApp::spawn(test_config()).await;
    // user 0 owns the workspace, 1 and 2 are members.
    let fixture = ChatFixture::new(&app, 3).await;
    let (owner, member, other) = (fixture.user(0), fixture.user(1), fixture.user(2));
    let workspace = &fixture.workspace;

    // A member creates a document: they own it.
    let (status, document) = call(
        &app,
        &member.token,
        Method::POST,
        &format!("/v1/workspaces/{workspace}/canvas/documents"),
        Some(json!({
            "name": "  Landing page  ",
            "roots": [{ "name": "title", "kind": "text" }, { "name": "shapes", "kind": "map" }],
        })),
    )
    .await;
    assert_eq!(status, 201, "{document}");
    assert_eq!(document["name"], "Landing page");
    assert_eq!(document["archived"], false);
    assert_eq!(document["created_by"], member.id.as_str());
    let id = document["id"].as_str().unwrap().to_owned();
    let doc_path = format!("/v1/canvas/documents/{id}");

    // Every workspace member reads it; only the owner (and workspace admins) edit.
    let (status, _) = call(&app, &other.token, Method::GET, &doc_path, None).await;
    assert_eq!(status, 200);
    let (status, problem) = call(
        &app,
        &other.token,
        Method::PATCH,
        &doc_path,
        Some(json!({ "name": "Mine now" })),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    let (status, problem) = call(
        &app,
        &other.token,
        Method::POST,
        &format!("{doc_path}/updates"),
        Some(json!({ "update": title_update("x") })),
    )
    .await;
    assert_eq!(status, 403, "{problem}");

    // The owner shares it with `other` as editor; a viewer grant cannot grant ownership.
    let (status, grant) = call(
        &app,
        &member.token,
        Method::PUT,
        &format!("{doc_path}/grants/{}", other.id),
        Some(json!({ "role": "editor" })),
    )
    .await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(grant["role"], "editor");
    let (status, problem) = call(
        &app,
        &other.token,
        Method::PUT,
        &format!("{doc_path}/grants/{}", owner.id),
        Some(json!({ "role": "owner" })),
    )
    .await;
    assert_eq!(status, 403, "editors do not grant ownership: {problem}");
    let (status, problem) = call(
        &app,
        &other.token,
        Method::PUT,
        &format!("{doc_path}/grants/{}", owner.id),
        Some(json!({ "role": "viewer" })),
    )
    .await;
    assert_eq!(status, 403, "only owners share: {problem}");
    let (status, grants) = call(
        &app,
        &other.token,
        Method::GET,
        &format!("{doc_path}/grants"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(grants["items"].as_array().unwrap().len(), 2, "{grants}");

    // The editor edits the content with a Yjs update; it is durable when answered.
    let (status, edit) = call(
        &app,
        &other.token,
        Method::POST,
        &format!("{doc_path}/updates"),
        Some(json!({ "update": title_update("Hello") })),
    )
    .await;
    assert_eq!(status, 200, "{edit}");
    assert_eq!(edit["changed"], true);
    let (status, content) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/content"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{content}");
    assert_eq!(title_of(&content), "Hello");
    let (_, durable) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/durable"),
        None,
    )
    .await;
    assert_eq!(
        durable["state_vector"], content["state_vector"],
        "all of it is durable"
    );

    // A version, then JSON edits, then the JSON view.
    let (status, version) = call(
        &app,
        &member.token,
        Method::POST,
        &format!("{doc_path}/versions"),
        Some(json!({ "name": "Draft 1" })),
    )
    .await;
    assert_eq!(status, 201, "{version}");
    let version_id = version["id"].as_str().unwrap().to_owned();
    let (status, edit) = call(
        &app,
        &other.token,
        Method::POST,
        &format!("{doc_path}/edits"),
        Some(json!({ "ops": [
            { "op": "text_insert", "root": "title", "index": 5, "text": ", world" },
            { "op": "map_set", "root": "shapes", "key": "s1", "value": { "kind": "circle" } },
        ]})),
    )
    .await;
    assert_eq!(status, 200, "{edit}");
    let (status, view) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/content/json"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["content"]["title"], "Hello, world");
    assert_eq!(view["content"]["shapes"]["s1"]["kind"], "circle");

    // The diff names what changed since the version.
    let (status, diff) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/versions/{version_id}/diff"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{diff}");
    let changes: Vec<(String, Option<String>)> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["root"].as_str().unwrap().to_owned(),
                c["key"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            ("shapes".to_owned(), Some("s1".to_owned())),
            ("title".to_owned(), None)
        ]
    );

    // Restore Draft 1 as a forward edit; the content before is kept as a version.
    let (status, restored) = call(
        &app,
        &other.token,
        Method::POST,
        &format!("{doc_path}/versions/{version_id}/restore"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{restored}");
    let (_, view) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/content/json"),
        None,
    )
    .await;
    assert_eq!(view["content"]["title"], "Hello");
    assert_eq!(view["content"]["shapes"], json!({}));
    let (_, versions) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/versions?limit=1"),
        None,
    )
    .await;
    assert_eq!(versions["has_more"], true, "{versions}");
    let (_, versions) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/versions"),
        None,
    )
    .await;
    let kinds: Vec<&str> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["named", "before_restore"]);
    let (status, old) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/versions/{version_id}/content/json"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(old["content"]["title"], "Hello");

    // Archived: read-only, until unarchived; only owners archive.
    let (status, _) = call(
        &app,
        &other.token,
        Method::PATCH,
        &doc_path,
        Some(json!({ "archived": true })),
    )
    .await;
    assert_eq!(status, 403);
    let (status, archived) = call(
        &app,
        &member.token,
        Method::PATCH,
        &doc_path,
        Some(json!({ "archived": true })),
    )
    .await;
    assert_eq!(status, 200, "{archived}");
    assert_eq!(archived["archived"], true);
    let (status, problem) = call(
        &app,
        &other.token,
        Method::POST,
        &format!("{doc_path}/updates"),
        Some(json!({ "update": title_update("late") })),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "document_archived");
    let (status, _) = call(
        &app,
        &member.token,
        Method::PATCH,
        &doc_path,
        Some(json!({ "archived": false, "name": "Home" })),
    )
    .await;
    assert_eq!(status, 200);

    // Revoking the grant takes the editor back to what membership gives (read).
    let (status, _) = call(
        &app,
        &member.token,
        Method::DELETE,
        &format!("{doc_path}/grants/{}", other.id),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &app,
        &other.token,
        Method::POST,
        &format!("{doc_path}/edits"),
        Some(json!({ "ops": [{ "op": "map_delete", "root": "shapes", "key": "s1" }] })),
    )
    .await;
    assert_eq!(status, 403);

    // The list pages; events were written for each change.
    let (status, list) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("/v1/workspaces/{workspace}/canvas/documents?limit=1"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["id"], id.as_str());
    // The event log holds each event once the relay has published it.
    let wanted = [
        "canvas.document.created",
        "canvas.document.shared",
        "canvas.document.version.created",
        "canvas.document.restored",
        "canvas.document.updated",
    ];
    let api_key = fixture.tenant.api_key.clone();
    atelier_tests::eventually(
        std::time::Duration::from_secs(15),
        "canvas events in the event log",
        || {
            let app = &app;
            let api_key = api_key.clone();
            async move {
                let (_, events) =
                    call(app, &api_key, Method::GET, "/v1/events?limit=100", None).await;
                let types: Vec<String> = events["items"]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|e| e["type"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                wanted
                    .iter()
                    .all(|wanted| types.iter().any(|t| t == wanted))
            }
        },
    )
    .await;

    // Deleting: owners only; then 404 everywhere.
    let (status, _) = call(&app, &other.token, Method::DELETE, &doc_path, None).await;
    assert_eq!(status, 403);
    let (status, _) = call(&app, &member.token, Method::DELETE, &doc_path, None).await;
    assert_eq!(status, 204);

    // Every canvas event type was emitted, and each event's data matches its catalogued schema.
    let catalog = atelier_server::modules::catalog();
    let mut seen = std::collections::BTreeSet::new();
    atelier_tests::eventually(
        std::time::Duration::from_secs(15),
        "canvas.document.deleted in the event log",
        || {
            let app = &app;
            let api_key = api_key.clone();
            async move {
                let (_, events) =
                    call(app, &api_key, Method::GET, "/v1/events?limit=200", None).await;
                events["items"].as_array().is_some_and(|items| {
                    items.iter().any(|e| e["type"] == "canvas.document.deleted")
                })
            }
        },
    )
    .await;
    let (_, events) = call(&app, &api_key, Method::GET, "/v1/events?limit=200", None).await;
    for event in events["items"].as_array().unwrap() {
        let event_type = event["type"].as_str().unwrap();
        if !event_type.starts_with("canvas.") {
            continue;
        }
        let entry = catalog.find(event_type, 1).unwrap();
        assert!(
            jsonschema::draft202012::is_valid(&entry.schema, &event["data"]),
            "{event_type}: {} does not match its schema",
            event["data"]
        );
        seen.insert(event_type.to_owned());
    }
    let catalogued: std::collections::BTreeSet<String> = catalog
        .entries()
        .iter()
        .filter(|entry| entry.event_type.starts_with("canvas."))
        .map(|entry| entry.event_type.to_owned())
        .collect();
    assert_eq!(seen, catalogued, "every canvas event type is emitted");
    let (status, problem) = call(
        &app,
        &member.token,
        Method::GET,
        &format!("{doc_path}/content"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(problem["code"], "document_not_found");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn(test_config()).await;
    let fixture = ChatFixture::new(&app, 1).await;
    let owner = fixture.user(0);
    let workspace = &fixture.workspace;
    let create = format!("/v1/workspaces/{workspace}/canvas/documents");
    for (body, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x".repeat(201) }), "name"),
        (
            json!({ "name": "ok", "roots": [{ "name": "a", "kind": "map" }, { "name": "a", "kind": "text" }] }),
            "roots",
        ),
        (
            json!({ "name": "ok", "roots": [{ "name": "a", "kind": "tree" }] }),
            "roots",
        ),
    ] {
        let (status, problem) = call(
            &app,
            &owner.token,
            Method::POST,
            &create,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}: {problem}");
        assert!(problem.to_string().contains(field), "{body}: {problem}");
    }
    let (_, document) = call(
        &app,
        &owner.token,
        Method::POST,
        &create,
        Some(json!({ "name": "Doc" })),
    )
    .await;
    let doc_path = format!("/v1/canvas/documents/{}", document["id"].as_str().unwrap());
    let (_, before) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/content"),
        None,
    )
    .await;
    for body in [
        json!({ "update": "not base64!" }),
        json!({ "update": STANDARD.encode([0u8, 2, 50, 1, 2]) }),
    ] {
        let (status, problem) = call(
            &app,
            &owner.token,
            Method::POST,
            &format!("{doc_path}/updates"),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}: {problem}");
    }
    let (status, problem) = call(
        &app,
        &owner.token,
        Method::POST,
        &format!("{doc_path}/edits"),
        Some(json!({ "ops": [
            { "op": "map_set", "root": "shapes", "key": "a", "value": 1 },
            { "op": "text_delete", "root": "title", "index": 3, "length": 9 },
        ]})),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    let (_, after) = call(
        &app,
        &owner.token,
        Method::GET,
        &format!("{doc_path}/content"),
        None,
    )
    .await;
    assert_eq!(before, after, "refused edits changed nothing");
    for path in [
        "/v1/canvas/documents/nope".to_owned(),
        format!("{doc_path}/versions/nope"),
    ] {
        let (status, problem) = call(&app, &owner.token, Method::GET, &path, None).await;
        assert_eq!(status, 400, "{path}: {problem}");
    }
    app.stop_and_clean().await;
}

#[tokio::test]
async fn another_tenant_gets_404_from_every_canvas_endpoint() {
    let app = TestApp::spawn(test_config()).await;
    let fixture = ChatFixture::new(&app, 2).await;
    let owner = fixture.user(0);
    let (_, document) = call(
        &app,
        &owner.token,
        Method::POST,
        &format!("/v1/workspaces/{}/canvas/documents", fixture.workspace),
        Some(json!({ "name": "Secret" })),
    )
    .await;
    let id = document["id"].as_str().unwrap();
    let (_, version) = call(
        &app,
        &owner.token,
        Method::POST,
        &format!("/v1/canvas/documents/{id}/versions"),
        Some(json!({ "name": "v" })),
    )
    .await;
    let version = version["id"].as_str().unwrap();
    let user = fixture.user(1).id.clone();
    let intruder = app.create_tenant().await;
    let doc = format!("/v1/canvas/documents/{id}");
    let probes = vec![
        (
            Method::GET,
            format!("/v1/workspaces/{}/canvas/documents", fixture.workspace),
            None,
        ),
        (
            Method::POST,
            format!("/v1/workspaces/{}/canvas/documents", fixture.workspace),
            Some(json!({ "name": "x" })),
        ),
        (Method::GET, doc.clone(), None),
        (Method::PATCH, doc.clone(), Some(json!({ "name": "x" }))),
        (Method::DELETE, doc.clone(), None),
        (Method::GET, format!("{doc}/grants"), None),
        (
            Method::PUT,
            format!("{doc}/grants/{user}"),
            Some(json!({ "role": "viewer" })),
        ),
        (Method::DELETE, format!("{doc}/grants/{user}"), None),
        (Method::GET, format!("{doc}/content"), None),
        (Method::GET, format!("{doc}/content/json"), None),
        (Method::GET, format!("{doc}/durable"), None),
        (
            Method::POST,
            format!("{doc}/updates"),
            Some(json!({ "update": title_update("x") })),
        ),
        (
            Method::POST,
            format!("{doc}/edits"),
            Some(json!({ "ops": [{ "op": "array_push", "root": "a", "value": 1 }] })),
        ),
        (
            Method::POST,
            format!("{doc}/versions"),
            Some(json!({ "name": "x" })),
        ),
        (Method::GET, format!("{doc}/versions"), None),
        (Method::GET, format!("{doc}/versions/{version}"), None),
        (
            Method::GET,
            format!("{doc}/versions/{version}/content"),
            None,
        ),
        (
            Method::GET,
            format!("{doc}/versions/{version}/content/json"),
            None,
        ),
        (Method::GET, format!("{doc}/versions/{version}/diff"), None),
        (
            Method::POST,
            format!("{doc}/versions/{version}/restore"),
            None,
        ),
    ];
    assert_cross_tenant_404(&app, &intruder, &probes).await;
    // Nothing changed for the owner.
    let (status, still) = call(&app, &owner.token, Method::GET, &doc, None).await;
    assert_eq!(status, 200);
    assert_eq!(still["name"], "Secret");
    app.stop_and_clean().await;
}
