//! Contract details of the HTTP API: strict body types, empty search filters, `Allow` on 405,
//! body-less `POST`s, workspace owners, `Z` timestamps, and the README naming real event types.

use atelier_tests::{TestApp, chat::ChatFixture, test_config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn problem_fields(response: reqwest::Response) -> (StatusCode, Value, Vec<String>) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        assert!(
            content_type.starts_with("application/problem+json"),
            "{status}: {content_type}"
        );
    }
    let fields = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|error| error["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (status, body, fields)
}

#[tokio::test]
async fn body_fields_of_the_wrong_type_are_refused_naming_the_field() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let cases = [
        ("/v1/users", json!({ "display_name": 5 }), "display_name"),
        ("/v1/users", json!({ "display_name": true }), "display_name"),
        ("/v1/users", json!({ "display_name": null }), "display_name"),
        (
            "/v1/users",
            json!({ "display_name": "Ada", "external_id": 42 }),
            "external_id",
        ),
        ("/v1/workspaces", json!({ "name": 7 }), "name"),
        ("/v1/api-keys", json!({ "name": ["k"] }), "name"),
    ];
    for (path, body, field) in cases {
        let response = app
            .http
            .post(app.url(path))
            .bearer_auth(&tenant.api_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, problem, fields) = problem_fields(response).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}: {status} {problem}"
        );
        assert!(
            fields.iter().any(|named| named == field),
            "{path} {body}: expected `{field}` in {problem}"
        );
    }
    // Nothing was created by the refused requests.
    let (_, users) = app
        .call(&tenant.api_key, Method::GET, "/v1/users", None)
        .await;
    assert_eq!(users["items"].as_array().map(Vec::len), Some(0), "{users}");
    app.stop_and_clean().await;
}

/// The README's search example sends every filter, empty: an empty filter is no filter.
#[tokio::test]
async fn search_with_empty_filters_searches_without_them() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 1).await;
    let channel = chat.channel(&app, "public", 0, &[]).await;
    chat.send(&app, 0, &channel, "deploy the api").await;
    let (status, page) = app
        .call(
            &chat.user(0).token,
            Method::GET,
            "/v1/search/messages?q=deploy+api&channel_id=&author_id=&from=&to=",
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1), "{page}");
    // A filter that is present but invalid is a clear problem naming it.
    let (status, problem) = app
        .call(
            &chat.user(0).token,
            Method::GET,
            "/v1/search/messages?q=deploy&from=yesterday",
            None,
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "from", "{problem}");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn method_not_allowed_lists_the_allowed_methods() {
    let app = TestApp::spawn(test_config()).await;
    for (method, path, allowed) in [
        (Method::DELETE, "/healthz", vec!["GET"]),
        (Method::PUT, "/v1/users", vec!["GET", "POST"]),
        (
            Method::POST,
            "/v1/users/usr_01J00000000000000000000000",
            vec!["DELETE", "GET"],
        ),
    ] {
        let response = app
            .http
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        let header = response
            .headers()
            .get("allow")
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let mut listed: Vec<&str> = header.split(',').map(str::trim).collect();
        listed.retain(|method| *method != "HEAD" && *method != "OPTIONS");
        listed.sort_unstable();
        assert_eq!(listed, allowed, "{method} {path}: Allow: {header}");
    }
    app.stop_and_clean().await;
}

#[tokio::test]
async fn marking_a_thread_read_needs_no_body() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 2).await;
    let channel = chat.channel(&app, "private", 0, &[1]).await;
    let root = chat.send(&app, 0, &channel, "root").await;
    let (status, reply) = app
        .call(
            &chat.user(1).token,
            Method::POST,
            &format!("/v1/channels/{channel}/messages"),
            Some(json!({ "text": "reply", "parent_id": root["id"] })),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let response = app
        .http
        .post(app.url(&format!(
            "/v1/channels/{channel}/messages/{}/thread/read",
            root["id"].as_str().unwrap()
        )))
        .bearer_auth(&chat.user(0).token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    app.stop_and_clean().await;
}

/// A workspace always has an owner, from its creation.
#[tokio::test]
async fn a_workspace_is_not_created_without_an_owner() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let response = app
        .http
        .post(app.url("/v1/workspaces"))
        .bearer_auth(&tenant.api_key)
        .json(&json!({ "name": "Ownerless" }))
        .send()
        .await
        .unwrap();
    let (status, problem, fields) = problem_fields(response).await;
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{status}: {problem}"
    );
    assert!(fields.iter().any(|field| field == "owner_id"), "{problem}");
    let (_, workspaces) = app
        .call(&tenant.api_key, Method::GET, "/v1/workspaces", None)
        .await;
    assert_eq!(
        workspaces["items"].as_array().map(Vec::len),
        Some(0),
        "{workspaces}"
    );
    app.stop_and_clean().await;
}

/// Timestamps are UTC with `Z`, over HTTP as in events.
#[tokio::test]
async fn http_timestamps_end_in_z() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let user = app.create_user(&tenant, "Ada").await;
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::GET,
            &format!("/v1/users/{user}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let created_at = body["created_at"].as_str().unwrap();
    assert!(created_at.ends_with('Z'), "{created_at}");
    let (_, events) = app
        .call(&tenant.api_key, Method::GET, "/v1/events?limit=10", None)
        .await;
    let occurred_at = events["items"][0]["occurred_at"].as_str().unwrap_or("Z");
    assert!(occurred_at.ends_with('Z'), "{occurred_at}");
    app.stop_and_clean().await;
}

/// Every event type the README names in backticks exists in the catalog.
#[test]
fn the_readme_names_only_real_event_types() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let catalog = atelier_server::modules::catalog();
    let known: Vec<String> = catalog
        .entries()
        .iter()
        .map(|entry| entry.event_type.to_string())
        .collect();
    let mut unknown = Vec::new();
    for quoted in readme.split('`').skip(1).step_by(2) {
        let is_event_name = ["chat.", "identity.", "webhook."]
            .iter()
            .any(|prefix| quoted.starts_with(prefix))
            && quoted.split('.').count() >= 3
            && quoted.bytes().all(|b| {
                b.is_ascii_lowercase() || b == b'.' || b == b'_' || b == b'*' || b == b'/'
            });
        if !is_event_name {
            continue;
        }
        // `chat.message.created/updated/deleted` and `chat.channel.*` name several.
        let (stem, last) = quoted.rsplit_once('.').unwrap();
        for leaf in last.split('/') {
            let name = format!("{stem}.{leaf}");
            let matches = if leaf == "*" {
                known
                    .iter()
                    .any(|known| known.starts_with(&format!("{stem}.")))
            } else {
                known.contains(&name)
            };
            if !matches {
                unknown.push(name);
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "the README names unknown event types: {unknown:?}"
    );
}
