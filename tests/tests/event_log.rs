//! The event catalog and the replayable event log: every emitted event is catalogued and valid,
//! the log pages a tenant's published events gaplessly by cursor, filters by type, resumes,
//! refuses bad input, stays within the tenant, and forgets events past the retention.

use std::time::Duration;

use atelier_core::TenantId;
use atelier_outbox::{Outbox, StoredEvent, store::Status};
use atelier_tests::{TestApp, TestTenant, eventually, test_config};
use mongodb::bson;
use reqwest::Method;
use serde_json::{Value, json};

/// Every event of the tenant's log, read `limit` at a time; also returns the last cursor.
async fn read_all(
    app: &TestApp,
    tenant: &TestTenant,
    query: &str,
    limit: u32,
) -> (Vec<Value>, Option<String>) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/events?limit={limit}{query}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let (status, page) = app.call(&tenant.api_key, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{path}: {page}");
        let page_items = page["items"].as_array().unwrap().clone();
        assert!(page_items.len() <= limit as usize);
        let has_more = page["has_more"].as_bool().unwrap();
        if has_more {
            assert_eq!(
                page_items.len(),
                limit as usize,
                "a short page with has_more"
            );
        }
        items.extend(page_items);
        if let Some(next) = page["next_cursor"].as_str() {
            cursor = Some(next.to_owned());
        }
        if !has_more {
            return (items, cursor);
        }
    }
}

/// The tenant's events once every one of them is published, in log order.
async fn published(outbox: &Outbox, tenant: TenantId, expected: usize) -> Vec<StoredEvent> {
    eventually(Duration::from_secs(15), "events published", || async {
        let events = outbox.find_by_tenant(tenant).await.unwrap();
        events.len() == expected && events.iter().all(|event| event.log_batch.is_some())
    })
    .await;
    let mut events = outbox.find_by_tenant(tenant).await.unwrap();
    events.sort_by(|a, b| (a.log_batch, &a.order).cmp(&(b.log_batch, &b.order)));
    events
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The catalog knows the event's type and version, its `data` validates, and every field it
/// carries is declared (stricter than the open schema, so the catalog cannot fall behind).
fn assert_catalogued(event: &StoredEvent) {
    let envelope = event.to_envelope().unwrap();
    let catalog = atelier_server::modules::catalog();
    let entry = catalog
        .find(&envelope.event_type, envelope.data_version)
        .unwrap_or_else(|| {
            panic!(
                "{} v{} is emitted but not in the catalog",
                envelope.event_type, envelope.data_version
            )
        });
    let validator = jsonschema::draft202012::new(&entry.schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&envelope.data)
        .map(|error| error.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{}: {} {errors:?}",
        envelope.event_type,
        envelope.data
    );
    for field in envelope.data.as_object().unwrap().keys() {
        assert!(
            entry.schema["properties"].get(field).is_some(),
            "{}: field `{field}` is not declared in the catalog schema",
            envelope.event_type
        );
    }
}

#[tokio::test]
async fn the_log_replays_a_tenants_events_in_order_by_cursor() {
    let app = TestApp::spawn(test_config()).await;
    let outbox = Outbox::new(&app.store().await);
    let tenant = app.create_tenant().await;
    let other = app.create_tenant().await;

    // Every identity event type, with and without optional fields.
    let ada = app.create_user(&tenant, "Ada").await;
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/users",
            Some(json!({ "display_name": "Grace", "external_id": "grace-1" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let grace = body["id"].as_str().unwrap().to_owned();
    let (status, workspace) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({ "name": "Design", "owner_id": ada.to_string() })),
        )
        .await;
    assert_eq!(status, 201, "{workspace}");
    let workspace = workspace["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({ "name": "Ownerless", "owner_id": ada.to_string() })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let member_path = format!("/v1/workspaces/{workspace}/members/{grace}");
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::PUT,
            &member_path,
            Some(json!({ "role": "member" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(&tenant.api_key, Method::DELETE, &member_path, None)
        .await;
    assert!(status.is_success(), "{status} {body}");
    app.create_user(&other, "Someone else").await;
    // Webhook endpoint events. The endpoint only wants `webhook.endpoint.deleted`, by which
    // time it is gone, so nothing is delivered.
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/webhooks/endpoints",
            Some(json!({ "url": "https://example.com/hooks", "event_types": ["webhook.endpoint.deleted"] })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let endpoint_path = format!(
        "/v1/webhooks/endpoints/{}",
        body["endpoint"]["id"].as_str().unwrap()
    );
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::PATCH,
            &endpoint_path,
            Some(json!({ "description": "Orders" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    atelier_webhooks::Endpoints::new(&app.store().await, atelier_server::modules::catalog())
        .disable(
            tenant.tenant,
            body["id"].as_str().unwrap().parse().unwrap(),
            "failing",
        )
        .await
        .unwrap();
    let (status, body) = app
        .call(&tenant.api_key, Method::DELETE, &endpoint_path, None)
        .await;
    assert_eq!(status, 204, "{body}");
    // Delivery emits `webhook.attempt.exhausted` after the whole retry schedule (the delivery
    // tests wait for a real one); here the same payload, built by the delivery code.
    let delivered = outbox.find_by_tenant(tenant.tenant).await.unwrap()[0]
        .to_envelope()
        .unwrap();
    outbox
        .append_now(
            tenant.tenant,
            vec![atelier_webhooks::delivery::exhausted_event(
                atelier_webhooks::EndpointId::generate(),
                &delivered,
                4,
                None,
                Some("connection refused"),
            )],
        )
        .await
        .unwrap();

    // The identity events that end access: a login revoked by refresh-token reuse, a grant
    // revoked, a user deleted.
    let leaver = app.create_user(&tenant, "Leaver").await;
    let (status, login) = app
        .call(
            &tenant.api_key,
            Method::POST,
            &format!("/v1/users/{leaver}/tokens"),
            None,
        )
        .await;
    assert_eq!(status, 201, "{login}");
    for expected in [200, 401] {
        let response = app
            .http
            .post(app.url("/v1/auth/refresh"))
            .json(&json!({ "refresh_token": login["refresh_token"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), expected);
    }
    let tenancy = app.identity().await.tenancy;
    let subject = atelier_identity::tenancy::GrantSubject::User(leaver);
    tenancy
        .grant(
            tenant.tenant,
            "doc",
            "doc_1",
            subject,
            atelier_identity::ResourceRole::Viewer,
        )
        .await
        .unwrap();
    tenancy
        .revoke_grant(tenant.tenant, "doc", "doc_1", subject)
        .await
        .unwrap();
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::DELETE,
            &format!("/v1/users/{leaver}"),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");

    // An API key revoked (revoking it twice emits one event).
    let (status, created) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/api-keys",
            Some(json!({ "name": "ci" })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let key_path = format!(
        "/v1/api-keys/{}",
        created["api_key"]["id"].as_str().unwrap()
    );
    for _ in 0..2 {
        let (status, body) = app
            .call(&tenant.api_key, Method::DELETE, &key_path, None)
            .await;
        assert_eq!(status, 200, "{body}");
    }

    let expected = published(&outbox, tenant.tenant, 16).await;
    let others = published(&outbox, other.tenant, 1).await;
    let mut emitted_types: Vec<&str> = Vec::new();
    for event in expected.iter().chain(&others) {
        assert_catalogued(event);
        emitted_types.push(&event.event_type);
    }
    // Chat, canvas and feeds events are emitted and checked the same way by
    // tests/chat_events.rs, tests/canvas_documents.rs and tests/feeds.rs.
    for entry in atelier_server::modules::catalog()
        .entries()
        .iter()
        .filter(|entry| {
            !entry.event_type.starts_with("chat.")
                && !entry.event_type.starts_with("canvas.")
                && !entry.event_type.starts_with("feeds.")
        })
    {
        assert!(
            emitted_types.contains(&entry.event_type),
            "{} is catalogued but this test does not emit it",
            entry.event_type
        );
    }

    // Two at a time: exactly the tenant's events, in (log_batch, order), no duplicates or gaps.
    let expected_ids: Vec<String> = expected.iter().map(|event| event.id.clone()).collect();
    let (items, cursor) = read_all(&app, &tenant, "", 2).await;
    assert_eq!(ids(&items), expected_ids);
    let first = &items[0];
    let stored = &expected[0];
    assert_eq!(first["type"], stored.event_type.as_str());
    assert_eq!(first["tenant"], tenant.tenant.to_string());
    assert_eq!(first["aggregate_type"], stored.aggregate_type.as_str());
    assert_eq!(first["aggregate_id"], stored.aggregate_id.as_str());
    assert_eq!(first["data_version"], 1);
    assert_eq!(first["envelope_version"], 1);
    assert!(first["occurred_at"].as_str().is_some(), "{first}");
    assert_eq!(
        first["data"],
        stored.to_envelope().unwrap().data,
        "the log serves the envelope's data"
    );
    // The other tenant's log has its event only.
    let (other_items, _) = read_all(&app, &other, "", 500).await;
    assert_eq!(ids(&other_items), [others[0].id.clone()]);

    // Type filter, in log order.
    let (users, _) = read_all(&app, &tenant, "&types=identity.user.created", 1).await;
    let user_ids: Vec<String> = expected
        .iter()
        .filter(|event| event.event_type == "identity.user.created")
        .map(|event| event.id.clone())
        .collect();
    assert_eq!(ids(&users), user_ids);
    // Two users of the fixture and the one deleted above.
    assert_eq!(user_ids.len(), 3);
    let (members, _) = read_all(
        &app,
        &tenant,
        "&types=identity.member.updated,%20identity.member.removed",
        500,
    )
    .await;
    let member_types: Vec<&str> = members
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        member_types,
        ["identity.member.updated", "identity.member.removed"]
    );

    // Resume from the saved cursor: only what was written since.
    let cursor = cursor.expect("a cursor after a non-empty log");
    let (status, page) = app
        .call(
            &tenant.api_key,
            Method::GET,
            &format!("/v1/events?cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["next_cursor"], cursor.as_str(), "an empty page echoes");
    assert_eq!(page["has_more"], false);
    app.create_user(&tenant, "Late").await;
    let now = published(&outbox, tenant.tenant, expected.len() + 1).await;
    let (status, page) = app
        .call(
            &tenant.api_key,
            Method::GET,
            &format!("/v1/events?cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        ids(page["items"].as_array().unwrap()),
        [now[expected.len()].id.clone()]
    );
    assert_ne!(page["next_cursor"], cursor.as_str());

    app.stop_and_clean().await;
}

#[tokio::test]
async fn bad_cursors_types_and_limits_are_refused() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let cases = [
        ("/v1/events?cursor=garbage", "invalid_cursor", None),
        // Valid base64url, not a cursor.
        ("/v1/events?cursor=e30", "invalid_cursor", None),
        (
            "/v1/events?types=identity.user.created,nope.thing.happened",
            "invalid_field",
            Some("types"),
        ),
        ("/v1/events?limit=0", "invalid_parameter", Some("limit")),
        ("/v1/events?limit=501", "invalid_parameter", Some("limit")),
    ];
    for (path, code, field) in cases {
        let (status, problem) = app.call(&tenant.api_key, Method::GET, path, None).await;
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["code"], code, "{path}: {problem}");
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        }
    }
    let (status, _) = app
        .call("atk_not-a-key", Method::GET, "/v1/events", None)
        .await;
    assert_eq!(status, 401);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn event_types_lists_the_catalog_with_schemas() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let (status, body) = app
        .call(&tenant.api_key, Method::GET, "/v1/event-types", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    let catalog = atelier_server::modules::catalog();
    assert_eq!(items.len(), catalog.entries().len());
    for (item, entry) in items.iter().zip(catalog.entries()) {
        assert_eq!(item["type"], entry.event_type);
        assert_eq!(item["data_version"], entry.data_version);
        assert_eq!(item["description"], entry.description);
        assert_eq!(item["schema"], entry.schema);
    }
    app.stop_and_clean().await;
}

/// A published event of `tenant` that occurred `age` ago, as the relay would have left it.
fn old_event(tenant: TenantId, age: chrono::Duration, status: Status) -> StoredEvent {
    let id = atelier_core::EventId::generate().to_string();
    StoredEvent {
        id: id.clone(),
        order: id,
        tenant: tenant.to_string(),
        event_type: "identity.user.created".to_owned(),
        envelope_version: 1,
        data_version: 1,
        aggregate_type: "user".to_owned(),
        aggregate_id: "usr_01J9ZQ2V3M4N5P6Q7R8S9T0VWX".to_owned(),
        occurred_at: bson::DateTime::from_chrono(chrono::Utc::now() - age),
        data: bson::to_bson(&json!({
            "user_id": "usr_01J9ZQ2V3M4N5P6Q7R8S9T0VWX",
            "display_name": "Old",
            "external_id": null,
        }))
        .unwrap(),
        published_at_ms: (status == Status::Published).then_some(0),
        log_batch: (status == Status::Published).then_some(1),
        status,
    }
}

async fn insert(app: &TestApp, events: Vec<StoredEvent>) {
    let store = app.store().await;
    let _gate = store.transaction_gate().await;
    store
        .database()
        .collection::<StoredEvent>(atelier_outbox::store::OUTBOX_COLLECTION)
        .insert_many(events)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_purge_deletes_old_published_events_in_batches_and_keeps_pending_ones() {
    let mut config = test_config();
    // Nothing publishes or purges behind the test's back.
    config.roles = atelier_server::Roles::parse("api").unwrap();
    let app = TestApp::spawn(config).await;
    let outbox = Outbox::new(&app.store().await);
    let tenant = TenantId::generate();
    let days = chrono::Duration::days;
    let old: Vec<StoredEvent> = (0..3)
        .map(|_| old_event(tenant, days(40), Status::Published))
        .collect();
    let pending = old_event(tenant, days(40), Status::Pending);
    let recent = old_event(tenant, days(1), Status::Published);
    let mut all = old.clone();
    all.extend([pending.clone(), recent.clone()]);
    insert(&app, all).await;

    let cutoff = chrono::Utc::now() - days(30);
    assert_eq!(outbox.purge_published(cutoff, 2).await.unwrap(), 2);
    assert_eq!(outbox.purge_published(cutoff, 2).await.unwrap(), 1);
    assert_eq!(outbox.purge_published(cutoff, 2).await.unwrap(), 0);
    let left: Vec<String> = outbox
        .find_by_tenant(tenant)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.id)
        .collect();
    assert_eq!(left, [pending.id, recent.id]);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn the_relay_purges_events_past_the_retention() {
    let mut config = test_config();
    config.outbox.retention = Duration::from_secs(7 * 24 * 3600);
    let app = TestApp::spawn(config.clone()).await;
    let outbox = Outbox::new(&app.store().await);
    let tenant = app.create_tenant().await;
    app.create_user(&tenant, "Recent").await;
    let recent = published(&outbox, tenant.tenant, 1).await;
    let old = old_event(tenant.tenant, chrono::Duration::days(8), Status::Published);
    insert(&app, vec![old.clone()]).await;
    let (items, _) = read_all(&app, &tenant, "", 100).await;
    let mut listed = ids(&items);
    listed.sort();
    assert_eq!(listed, [recent[0].id.clone(), old.id.clone()]);

    // The relay purges when it starts leading, then every minute: restart the node.
    app.stop().await.unwrap();
    let app = TestApp::spawn(config).await;
    eventually(Duration::from_secs(15), "old event purged", || async {
        outbox.find_by_tenant(tenant.tenant).await.unwrap().len() == 1
    })
    .await;
    let (items, _) = read_all(&app, &tenant, "", 100).await;
    assert_eq!(ids(&items), [recent[0].id.clone()]);
    app.stop_and_clean().await;
}
