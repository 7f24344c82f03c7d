//! The per-tenant hash-chained audit log: recorded by the middleware, paged by cursor,
//! verified, tamper-evident, and never forked by concurrent appends.

use atelier_identity::audit::{GENESIS_HASH, NewAuditEntry};
use atelier_tests::{TestApp, TestTenant, test_config};
use mongodb::bson::{Document, doc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Every record of the tenant, read two at a time by cursor.
async fn read_all(app: &TestApp, tenant: &TestTenant) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/v1/audit?limit=2&cursor={cursor}"),
            None => "/v1/audit?limit=2".to_owned(),
        };
        let (status, page) = app.call(&tenant.api_key, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let page_items = page["items"].as_array().unwrap().clone();
        assert!(page_items.len() <= 2);
        items.extend(page_items);
        if !page["has_more"].as_bool().unwrap() {
            return items;
        }
        cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
    }
}

#[tokio::test]
async fn mutations_and_refusals_are_chained_listed_and_verified() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let other = app.create_tenant().await;

    let owner = app.create_user_quietly(&tenant, "Owner").await.to_string();
    for name in ["Design", "Research", "Ops"] {
        let (status, body) = app
            .call(
                &tenant.api_key,
                Method::POST,
                "/v1/workspaces",
                Some(json!({ "name": name, "owner_id": owner })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({ "name": "" })),
        )
        .await;
    assert_eq!(status, 400);
    // Reads are not audited.
    let (status, _) = app
        .call(&tenant.api_key, Method::GET, "/v1/workspaces", None)
        .await;
    assert_eq!(status, 200);
    // A read-only key trying to write: permission denied.
    let (status, created) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/api-keys",
            Some(json!({ "name": "ro", "scope": "read_only" })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let read_only = created["key"].as_str().unwrap().to_owned();
    let read_only_id = created["api_key"]["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .call(
            &read_only,
            Method::POST,
            "/v1/workspaces",
            Some(json!({ "name": "Nope" })),
        )
        .await;
    assert_eq!(status, 403);
    // A revoked key: the refusal goes to its tenant's log.
    let (status, _) = app
        .call(
            &tenant.api_key,
            Method::DELETE,
            &format!("/v1/api-keys/{read_only_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.call(&read_only, Method::GET, "/v1/me", None).await;
    assert_eq!(status, 401);

    let items = read_all(&app, &tenant).await;
    // Seqs are 1..n and every record links to its predecessor.
    let mut prev_hash = GENESIS_HASH.to_owned();
    for (index, item) in items.iter().enumerate() {
        assert_eq!(item["seq"].as_u64(), Some(index as u64 + 1), "{item}");
        assert_eq!(
            item["prev_hash"].as_str(),
            Some(prev_hash.as_str()),
            "{item}"
        );
        prev_hash = item["hash"].as_str().unwrap().to_owned();
        assert!(
            item["request_id"].as_str().is_some_and(|id| !id.is_empty()),
            "{item}"
        );
    }
    // The middleware's entries appear in request order (features may add explicit events
    // between them, so look for them as a subsequence).
    let (_, me) = app.call(&tenant.api_key, Method::GET, "/v1/me", None).await;
    let key_actor = format!("key:{}", me["api_key_id"].as_str().unwrap());
    let revoke_path = format!("/v1/api-keys/{read_only_id}");
    // Writes are recorded in their own transaction, before the HTTP status exists:
    // `committed`. Requests that wrote nothing carry their status.
    let expected: [(&str, &str, &str); 8] = [
        ("workspaces.create", "/v1/workspaces", "committed"),
        ("workspaces.create", "/v1/workspaces", "committed"),
        ("workspaces.create", "/v1/workspaces", "committed"),
        ("workspaces.create", "/v1/workspaces", "400"),
        ("apiKeys.create", "/v1/api-keys", "committed"),
        ("auth.permission_denied", "/v1/workspaces", "denied"),
        ("apiKeys.revoke", &revoke_path, "committed"),
        ("auth.login_failed", "/v1/me", "401"),
    ];
    let mut found = items.iter();
    for (action, target, outcome) in &expected {
        let item = found
            .find(|item| {
                item["action"] == *action
                    && item["target"] == *target
                    && item["outcome"] == *outcome
            })
            .unwrap_or_else(|| panic!("no {action} {target} {outcome} in order in {items:#?}"));
        match *action {
            "auth.login_failed" => {
                assert_eq!(item["actor"], "anonymous");
                assert_eq!(item["details"]["code"], "revoked_api_key");
            }
            "auth.permission_denied" => {
                assert_eq!(item["actor"], format!("key:{read_only_id}"));
                assert_eq!(item["details"]["operation"], "workspaces.create");
            }
            _ => assert_eq!(item["actor"], key_actor),
        }
    }
    assert!(!items.iter().any(|item| item["action"] == "workspaces.list"));

    // The other tenant's log is its own (and empty).
    let (status, page) = app
        .call(&other.api_key, Method::GET, "/v1/audit", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["items"], json!([]));
    assert!(page.get("next_cursor").is_none());

    // Garbage cursors are refused.
    for garbage in ["nope", "a1zzzzzzzzzzzzzzzz", "a10000"] {
        let (status, problem) = app
            .call(
                &tenant.api_key,
                Method::GET,
                &format!("/v1/audit?cursor={garbage}"),
                None,
            )
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_cursor")),
            "{garbage}"
        );
    }

    let (status, report) = app
        .call(&tenant.api_key, Method::GET, "/v1/audit/verify", None)
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ok"], true, "{report}");
    let checked = report["checked"].as_u64().unwrap();
    assert!(checked >= items.len() as u64, "{report}");
    assert!(report.get("first_broken_seq").is_none());

    // Edit a stored record behind the API's back: verification names exactly that record.
    let target = items
        .iter()
        .filter(|item| item["action"] == "workspaces.create")
        .nth(1)
        .unwrap();
    let seq = target["seq"].as_i64().unwrap();
    let store = app.store().await;
    let updated = store
        .database()
        .collection::<Document>("audit_log")
        .update_one(
            doc! { "tenant": tenant.tenant.to_string(), "seq": seq },
            doc! { "$set": { "outcome": "500" } },
        )
        .await
        .unwrap();
    assert_eq!(updated.modified_count, 1);
    let (status, report) = app
        .call(&tenant.api_key, Method::GET, "/v1/audit/verify", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["first_broken_seq"].as_i64(), Some(seq), "{report}");
    assert_eq!(report["checked"].as_i64(), Some(seq), "{report}");
    assert!(
        report["reason"].as_str().unwrap().contains("hash"),
        "{report}"
    );
    // The library agrees.
    let direct = app
        .identity()
        .await
        .audit
        .verify(tenant.tenant)
        .await
        .unwrap();
    assert_eq!(direct.first_broken_seq, Some(seq as u64));

    app.stop_and_clean().await;
}

#[tokio::test]
async fn concurrent_appends_never_fork_the_chain() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    // Four independent handles act like four nodes: each has its own in-process lock, so the
    // unique (tenant, seq) index and the retry are what keeps the chain linear.
    let mut nodes = Vec::new();
    for _ in 0..4 {
        nodes.push(app.identity().await.audit);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..20 {
        let audit = nodes[index % nodes.len()].clone();
        let tenant = tenant.tenant;
        tasks.spawn(async move {
            audit
                .append(
                    tenant,
                    NewAuditEntry::new("system", "test.append", format!("task/{index}"), "ok")
                        .details(json!({ "index": index })),
                )
                .await
                .unwrap()
                .seq
        });
    }
    let mut seqs = tasks.join_all().await;
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=20).collect::<Vec<i64>>());

    let audit = &nodes[0];
    let records = audit.list(tenant.tenant, None, 100).await.unwrap();
    assert_eq!(records.len(), 20);
    let mut targets: Vec<_> = records.iter().map(|record| record.target.clone()).collect();
    targets.sort();
    targets.dedup();
    assert_eq!(targets.len(), 20, "every append is stored exactly once");
    let report = audit.verify(tenant.tenant).await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.checked, 20);
    assert_eq!(report.head_hash.as_deref(), Some(records[19].hash.as_str()));

    // Paging from a cursor.
    let tail = audit.list(tenant.tenant, Some(15), 100).await.unwrap();
    assert_eq!(
        tail.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![16, 17, 18, 19, 20]
    );

    app.stop_and_clean().await;
}

/// An acknowledged write always has its audit record: when the tenant's audit chain cannot take
/// the entry (here a foreign record squats the `_id` of the tenant's first position), the
/// write must not be acknowledged either.
#[tokio::test]
async fn an_acknowledged_write_always_has_its_audit_record() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let owner = app.create_user_quietly(&tenant, "Owner").await.to_string();
    let store = app.store().await;
    store
        .database()
        .collection::<Document>("audit_log")
        .insert_one(doc! {
            "_id": format!("{}:1", tenant.tenant),
            "tenant": "ten_squatter",
            "seq": 1_i64,
        })
        .await
        .unwrap();

    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({ "name": "Audited", "owner_id": owner })),
        )
        .await;
    let records = app
        .identity()
        .await
        .audit
        .list(tenant.tenant, None, 100)
        .await
        .unwrap();
    let recorded = records
        .iter()
        .any(|record| record.action == "workspaces.create");
    if status.is_success() {
        assert!(
            recorded,
            "{status} {body} acknowledged without its audit record"
        );
    } else {
        let (_, listed) = app
            .call(&tenant.api_key, Method::GET, "/v1/workspaces", None)
            .await;
        assert_eq!(listed["items"], json!([]), "a refused write took effect");
    }

    app.stop_and_clean().await;
}
