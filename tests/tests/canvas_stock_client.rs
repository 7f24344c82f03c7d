//! Stock Yjs clients (`yjs` 13 + `y-websocket` 3 from the npm registry, unchanged; see
//! tests/canvas-clients) against the canvas sync socket: two editors converge, offline edits
//! merge on reconnect, awareness crosses and disappears, a viewer's edits are dropped while
//! its socket stays, a restored version reaches both, the same across two nodes, and refused
//! connections get their documented close codes.
//!
//! `scripts/test` installs the clients and sets `ATELIER_TEST_CANVAS_CLIENTS`; without it (a
//! bare `cargo test` on a machine without Node) the tests say so and pass.

use std::path::PathBuf;

use atelier_tests::{TestApp, chat::ChatFixture, test_config};
use reqwest::Method;
use serde_json::{Value, json};

fn clients() -> Option<PathBuf> {
    match std::env::var("ATELIER_TEST_CANVAS_CLIENTS") {
        Ok(path) => {
            let path = PathBuf::from(path);
            assert!(
                path.join("node_modules/y-websocket").is_dir(),
                "ATELIER_TEST_CANVAS_CLIENTS is set but {} has no node_modules: run npm ci there",
                path.display()
            );
            Some(path)
        }
        Err(_) => {
            eprintln!("skipped: ATELIER_TEST_CANVAS_CLIENTS is not set (scripts/test sets it)");
            None
        }
    }
}

fn sync_base(app: &TestApp) -> String {
    format!(
        "{}/v1/canvas/sync",
        app.base_url.replacen("http://", "ws://", 1)
    )
}

/// Runs a scenario of tests/canvas-clients/scenario.mjs; its JSON lines.
async fn scenario(dir: &PathBuf, name: &str, args: Value) -> Vec<Value> {
    let output = tokio::process::Command::new("node")
        .current_dir(dir)
        .arg("scenario.mjs")
        .arg(name)
        .arg(args.to_string())
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "scenario {name} failed:\n{stdout}\n{stderr}"
    );
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

fn step<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|line| line["step"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {lines:?}"))
}

/// A document in the fixture's workspace: user 0 owns it, user 1 edits, user 2 views.
async fn document(app: &TestApp, fixture: &ChatFixture) -> String {
    let (status, document) = app
        .call(
            &fixture.user(0).token,
            Method::POST,
            &format!("/v1/workspaces/{}/canvas/documents", fixture.workspace),
            Some(json!({ "name": "Board", "roots": [{ "name": "text", "kind": "text" }] })),
        )
        .await;
    assert_eq!(status, 201, "{document}");
    let id = document["id"].as_str().unwrap().to_owned();
    let (status, grant) = app
        .call(
            &fixture.user(0).token,
            Method::PUT,
            &format!("/v1/canvas/documents/{id}/grants/{}", fixture.user(1).id),
            Some(json!({ "role": "editor" })),
        )
        .await;
    assert_eq!(status, 200, "{grant}");
    id
}

#[tokio::test]
async fn stock_clients_collaborate_and_viewers_are_read_only() {
    let Some(dir) = clients() else { return };
    let app = TestApp::spawn(test_config()).await;
    let fixture = ChatFixture::new(&app, 3).await;
    let id = document(&app, &fixture).await;
    let lines = scenario(
        &dir,
        "collaborate",
        json!({
            "base": sync_base(&app),
            "http": app.base_url,
            "document": id,
            "alice": fixture.user(0).token,
            "bob": fixture.user(1).token,
            "viewer": fixture.user(2).token,
        }),
    )
    .await;
    assert_eq!(step(&lines, "converged")["alice"], "hello world");
    let merged = step(&lines, "offline_merged");
    assert_eq!(merged["alice"], merged["bob"]);
    step(&lines, "awareness_seen");
    step(&lines, "awareness_removed");
    let restored = step(&lines, "restored");
    assert_eq!(restored["alice"], restored["kept"], "{restored}");
    assert_eq!(restored["bob"], restored["kept"], "{restored}");
    let viewer = step(&lines, "viewer_dropped");
    assert!(
        !viewer["bob"].as_str().unwrap().contains("VANDAL"),
        "{viewer}"
    );
    assert_eq!(viewer["viewer_connected"], true, "{viewer}");
    assert_eq!(viewer["viewer_closes"], json!([]), "{viewer}");
    // The server has every edit, durably.
    let (_, content) = app
        .call(
            &fixture.user(0).token,
            Method::GET,
            &format!("/v1/canvas/documents/{id}/content/json"),
            None,
        )
        .await;
    assert_eq!(content["content"]["text"], merged["alice"], "{content}");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn stock_clients_on_two_nodes_converge() {
    let Some(dir) = clients() else { return };
    let config = test_config();
    let first = TestApp::spawn(config.clone()).await;
    let mut second_config = config.clone();
    second_config.node_id = format!("second-{}", atelier_tests::unique());
    let second = TestApp::spawn(second_config).await;
    let fixture = ChatFixture::new(&first, 3).await;
    let id = document(&first, &fixture).await;
    let lines = scenario(
        &dir,
        "collaborate",
        json!({
            "base": sync_base(&first),
            "bob_base": sync_base(&second),
            "http": second.base_url,
            "document": id,
            "alice": fixture.user(0).token,
            "bob": fixture.user(1).token,
        }),
    )
    .await;
    assert_eq!(step(&lines, "converged")["bob"], "hello world");
    step(&lines, "offline_merged");
    step(&lines, "awareness_seen");
    // Restored through the node Bob is not on: Alice's node hears it through the fan-out.
    let restored = step(&lines, "restored");
    assert_eq!(restored["alice"], restored["kept"], "{restored}");
    // Each update is in the log once, whichever node accepted it.
    let (_, content) = second
        .call(
            &fixture.user(0).token,
            Method::GET,
            &format!("/v1/canvas/documents/{id}/content/json"),
            None,
        )
        .await;
    assert_eq!(content["content"]["text"], restored["kept"]);
    second.stop().await.unwrap();
    first.stop_and_clean().await;
}

#[tokio::test]
async fn refused_sockets_get_their_close_codes() {
    let Some(dir) = clients() else { return };
    let app = TestApp::spawn(test_config()).await;
    let fixture = ChatFixture::new(&app, 2).await;
    let id = document(&app, &fixture).await;
    let intruder = app.create_tenant().await;
    let stranger = app.create_user(&intruder, "Stranger").await;
    let stranger_token =
        atelier_tests::chat::mint_token(&app, &intruder, &stranger.to_string()).await;
    let unknown = atelier_canvas::DocumentId::generate().to_string();
    for (document, token, code) in [
        (unknown.as_str(), fixture.user(0).token.as_str(), 4404),
        // Another tenant's document is unknown to the stranger.
        (id.as_str(), stranger_token.as_str(), 4404),
    ] {
        let lines = scenario(
            &dir,
            "refused",
            json!({ "base": sync_base(&app), "document": document, "token": token }),
        )
        .await;
        assert_eq!(step(&lines, "closed")["code"], code, "{document}");
    }
    app.stop_and_clean().await;
}
