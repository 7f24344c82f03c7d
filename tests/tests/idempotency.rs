//! `Idempotency-Key` over HTTP (replay, reuse with another body, in flight, scoping) and the
//! storage underneath.

use atelier_identity::idempotency::{Begin, StoredResponse};
use atelier_tests::{TestApp, TestTenant, test_config, unique};
use futures_util::TryStreamExt;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

async fn create_workspace(
    app: &TestApp,
    api_key: &str,
    key: Option<&str>,
    body: &Value,
) -> Response {
    // A workspace needs an owner: the same one for every request of a key, so retries send
    // the same body.
    let mut body = body.clone();
    if body.get("owner_id").is_none() {
        body["owner_id"] = owner_for(app, api_key).await.into();
    }
    let mut request = app
        .http
        .post(app.url("/v1/workspaces"))
        .bearer_auth(api_key)
        .json(&body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await.expect("create workspace")
}

/// One user per API key, created on first use, to own the workspaces the key creates.
async fn owner_for(app: &TestApp, api_key: &str) -> String {
    static OWNERS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    if let Some((_, owner)) = OWNERS
        .lock()
        .unwrap()
        .iter()
        .find(|(key, _)| key == api_key)
    {
        return owner.clone();
    }
    let (status, user) = app
        .call(
            api_key,
            reqwest::Method::POST,
            "/v1/users",
            Some(json!({ "display_name": "Owner" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let owner = user["id"].as_str().expect("user id").to_owned();
    OWNERS
        .lock()
        .unwrap()
        .push((api_key.to_owned(), owner.clone()));
    owner
}

async fn workspace_names(app: &TestApp, tenant: &TestTenant) -> Vec<String> {
    let response = app
        .http
        .get(app.url("/v1/workspaces"))
        .bearer_auth(&tenant.api_key)
        .send()
        .await
        .expect("list workspaces");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("list json");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["name"].as_str().expect("name").to_owned())
        .collect()
}

fn replayed(response: &Response) -> bool {
    response
        .headers()
        .get("idempotency-replayed")
        .is_some_and(|value| value == "true")
}

async fn problem_code(response: Response) -> String {
    let problem: Value = response.json().await.expect("problem json");
    problem["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_retry_replays_the_first_response_and_acts_once() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let key = format!("create-{}", unique());
    let body = json!({ "name": "Design" });

    let first = create_workspace(&app, &tenant.api_key, Some(&key), &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(!replayed(&first));
    let first_type = first.headers().get("content-type").cloned();
    let first_body: Value = first.json().await.expect("workspace json");

    let retry = create_workspace(&app, &tenant.api_key, Some(&key), &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert!(replayed(&retry));
    assert_eq!(retry.headers().get("content-type").cloned(), first_type);
    assert!(retry.headers().get("x-request-id").is_some());
    let retry_body: Value = retry.json().await.expect("replayed json");
    assert_eq!(retry_body, first_body);
    assert_eq!(workspace_names(&app, &tenant).await, ["Design"]);

    // Same key, another body: refused, nothing created.
    let reused = create_workspace(
        &app,
        &tenant.api_key,
        Some(&key),
        &json!({ "name": "Other" }),
    )
    .await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_code(reused).await, "idempotency_key_reused");
    assert_eq!(workspace_names(&app, &tenant).await, ["Design"]);

    // Without a key, every POST acts.
    for _ in 0..2 {
        let response =
            create_workspace(&app, &tenant.api_key, None, &json!({ "name": "Free" })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_eq!(workspace_names(&app, &tenant).await.len(), 3);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn client_errors_are_replayed_and_bad_keys_refused() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let key = unique();
    let invalid = json!({ "name": "" });

    let first = create_workspace(&app, &tenant.api_key, Some(&key), &invalid).await;
    assert_eq!(first.status(), StatusCode::BAD_REQUEST);
    assert!(!replayed(&first));
    let first_code = problem_code(first).await;
    let retry = create_workspace(&app, &tenant.api_key, Some(&key), &invalid).await;
    assert_eq!(retry.status(), StatusCode::BAD_REQUEST);
    assert!(replayed(&retry));
    let retry_problem: Value = retry.json().await.expect("problem");
    assert_eq!(retry_problem["code"], first_code.as_str());
    // The replayed problem carries this request's id, not the first one's.
    assert!(retry_problem["request_id"].as_str().is_some());

    let body = json!({ "name": "X" });
    for bad in ["k".repeat(256), "tab\tkey".to_owned()] {
        let response = create_workspace(&app, &tenant.api_key, Some(&bad), &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(problem_code(response).await, "invalid_idempotency_key");
    }
    assert!(workspace_names(&app, &tenant).await.is_empty());
    app.stop_and_clean().await;
}

#[tokio::test]
async fn keys_are_scoped_per_principal_and_per_tenant() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let other_tenant = app.create_tenant().await;
    let second_key = app
        .identity()
        .await
        .api_keys
        .bootstrap(tenant.tenant, "second", atelier_identity::ApiKeyScope::Full)
        .await
        .expect("second key");
    let key = unique();
    let body = json!({ "name": "Shared" });

    let first = create_workspace(&app, &tenant.api_key, Some(&key), &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    // Another API key of the same tenant: independent.
    let same_tenant = create_workspace(
        &app,
        second_key.secret.as_deref().unwrap(),
        Some(&key),
        &body,
    )
    .await;
    assert_eq!(same_tenant.status(), StatusCode::CREATED);
    assert!(!replayed(&same_tenant));
    // Another tenant: independent.
    let other = create_workspace(&app, &other_tenant.api_key, Some(&key), &body).await;
    assert_eq!(other.status(), StatusCode::CREATED);
    assert!(!replayed(&other));

    assert_eq!(workspace_names(&app, &tenant).await, ["Shared", "Shared"]);
    assert_eq!(workspace_names(&app, &other_tenant).await, ["Shared"]);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn a_request_still_in_flight_answers_409() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let me: Value = app
        .http
        .get(app.url("/v1/me"))
        .bearer_auth(&tenant.api_key)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("me json");
    let actor = format!("key:{}", me["api_key_id"].as_str().expect("api key id"));
    let key = unique();
    let body = br#"{"name":"Slow"}"#.to_vec();
    let fingerprint = atelier_api::idempotency::fingerprint("POST", "/v1/workspaces", &body);
    let store = app.identity().await.idempotency;

    // The "first request" holds the key, as a slow handler would.
    let begun = store
        .begin(tenant.tenant, &actor, &key, &fingerprint)
        .await
        .expect("begin");
    assert_eq!(begun, Begin::Started);
    let send = || {
        app.http
            .post(app.url("/v1/workspaces"))
            .bearer_auth(&tenant.api_key)
            .header("idempotency-key", &key)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
    };
    let duplicate = send().await.expect("duplicate");
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    assert!(duplicate.headers().get("retry-after").is_some());
    assert_eq!(
        problem_code(duplicate).await,
        "idempotency_request_in_flight"
    );
    assert!(workspace_names(&app, &tenant).await.is_empty());

    // When the first finishes, retries get its response.
    let stored = StoredResponse {
        status: 201,
        content_type: Some("application/json; charset=utf-8".to_owned()),
        location: None,
        body: br#"{"from":"first"}"#.to_vec(),
    };
    store
        .complete(tenant.tenant, &actor, &key, &stored)
        .await
        .expect("complete");
    let retry = send().await.expect("retry");
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert!(replayed(&retry));
    assert_eq!(
        retry.json::<Value>().await.expect("json"),
        json!({ "from": "first" })
    );
    assert!(workspace_names(&app, &tenant).await.is_empty());
    app.stop_and_clean().await;
}

#[tokio::test]
async fn storage_begin_complete_abandon() {
    let app = TestApp::spawn(test_config()).await;
    let store = app.identity().await.idempotency;
    let tenant = atelier_core::TenantId::generate();
    let other_tenant = atelier_core::TenantId::generate();
    let key = unique();
    let begin = |tenant, actor: &'static str, fingerprint: &'static str| {
        let store = store.clone();
        let key = key.clone();
        async move {
            store
                .begin(tenant, actor, &key, fingerprint)
                .await
                .expect("begin")
        }
    };

    assert_eq!(begin(tenant, "key:a", "f1").await, Begin::Started);
    assert_eq!(begin(tenant, "key:a", "f1").await, Begin::InFlight);
    assert_eq!(begin(tenant, "key:a", "f2").await, Begin::Mismatch);
    // Scoped per actor and per tenant.
    assert_eq!(begin(tenant, "key:b", "f1").await, Begin::Started);
    assert_eq!(begin(other_tenant, "key:a", "f1").await, Begin::Started);

    // A failed (5xx) first request is abandoned: a retry runs again.
    store.abandon(tenant, "key:a", &key).await.expect("abandon");
    assert_eq!(begin(tenant, "key:a", "f1").await, Begin::Started);

    let response = StoredResponse {
        status: 201,
        content_type: Some("application/json".to_owned()),
        location: Some("/v1/workspaces/wsp_x".to_owned()),
        body: vec![0, 1, 2, 255],
    };
    store
        .complete(tenant, "key:a", &key, &response)
        .await
        .expect("complete");
    assert_eq!(begin(tenant, "key:a", "f1").await, Begin::Replay(response));
    assert_eq!(begin(tenant, "key:a", "f2").await, Begin::Mismatch);
    // Abandon only forgets in-flight records, never a stored response.
    store.abandon(tenant, "key:a", &key).await.expect("abandon");
    assert!(matches!(
        begin(tenant, "key:a", "f1").await,
        Begin::Replay(_)
    ));

    // The record expires through a TTL index on a real date.
    let indexes: Vec<mongodb::IndexModel> = app
        .store()
        .await
        .database()
        .collection::<bson::Document>("idempotency_keys")
        .list_indexes()
        .await
        .expect("indexes")
        .try_collect()
        .await
        .expect("index list");
    assert!(
        indexes
            .iter()
            .any(|index| index.keys.contains_key("expires_at")
                && index
                    .options
                    .as_ref()
                    .and_then(|options| options.expire_after)
                    .is_some_and(|after| after.is_zero())),
        "{indexes:?}"
    );
    let raw = app
        .store()
        .await
        .database()
        .collection::<bson::Document>("idempotency_keys")
        .find_one(bson::doc! { "tenant": tenant.to_string() })
        .await
        .expect("find")
        .expect("a record");
    assert!(raw.get_datetime("expires_at").is_ok(), "{raw:?}");
    app.stop_and_clean().await;
}

/// The effect commits, then the request fails (a fault injected after the commit, as a lost
/// connection or a crash between commit and answer would): the retry with the same key must
/// answer the committed result, not create a second workspace.
#[tokio::test]
async fn a_retry_after_a_failure_past_the_commit_replays_instead_of_acting_twice() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let body = json!({ "name": format!("post-commit-{}", unique()) });
    // The owner is created before the fault is armed (its unit of work would take it).
    owner_for(&app, &tenant.api_key).await;

    atelier_outbox::unit::faults::fail_after_commit_once(tenant.tenant);
    let first = create_workspace(&app, &tenant.api_key, Some("k-post-commit"), &body).await;
    assert_eq!(first.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        workspace_names(&app, &tenant).await.len(),
        1,
        "the effect committed"
    );

    let retry = create_workspace(&app, &tenant.api_key, Some("k-post-commit"), &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    let created: Value = retry.json().await.expect("workspace json");
    assert_eq!(created["name"], body["name"]);
    assert_eq!(
        workspace_names(&app, &tenant).await.len(),
        1,
        "the retry acted a second time"
    );
    // The committed workspace is the one the retry answered with.
    let (_, listed) = app
        .call(
            &tenant.api_key,
            reqwest::Method::GET,
            "/v1/workspaces",
            None,
        )
        .await;
    assert_eq!(listed["items"][0]["id"], created["id"]);

    // Now the response is stored: a third attempt is a plain replay.
    let third = create_workspace(&app, &tenant.api_key, Some("k-post-commit"), &body).await;
    assert_eq!(third.status(), StatusCode::CREATED);
    assert!(replayed(&third));
    let third: Value = third.json().await.expect("workspace json");
    assert_eq!(third["id"], created["id"]);

    app.stop_and_clean().await;
}

/// A created API key's secret is shown once: the stored response keeps no copy of it, and a
/// replay says so instead of repeating it (issue 11 item 5).
#[tokio::test]
async fn the_stored_response_never_holds_an_api_key_secret() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let send = || {
        app.http
            .post(app.url("/v1/api-keys"))
            .bearer_auth(&tenant.api_key)
            .header("idempotency-key", "k-secret")
            .json(&json!({ "name": "backend" }))
            .send()
    };
    let first = send().await.expect("create key");
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.expect("json");
    let secret = first["key"].as_str().expect("key").to_owned();
    assert!(secret.starts_with("atk_"), "{first}");

    let store = app.store().await;
    let records: Vec<mongodb::bson::Document> = store
        .database()
        .collection::<mongodb::bson::Document>("idempotency_keys")
        .find(mongodb::bson::doc! { "tenant": tenant.tenant.to_string() })
        .await
        .expect("find")
        .try_collect()
        .await
        .expect("collect");
    assert_eq!(records.len(), 1);
    let stored = format!("{:?}", records[0]);
    let body = records[0].get_binary_generic("body").expect("body");
    assert!(
        !stored.contains(&secret) && !String::from_utf8_lossy(body).contains(&secret),
        "the secret is stored: {stored}"
    );

    let replay = send().await.expect("replay");
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert!(replayed(&replay));
    let replay: Value = replay.json().await.expect("json");
    assert_eq!(replay["api_key"]["id"], first["api_key"]["id"]);
    assert_ne!(replay["key"], first["key"]);

    app.stop_and_clean().await;
}
