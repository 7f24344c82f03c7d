//! Usage metering: every request of a tenant's principal is counted in its own hourly bucket.

use std::time::Duration;

use atelier_tests::{TestApp, eventually, test_config};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn requests_are_metered_per_tenant() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let other = app.create_tenant().await;

    for _ in 0..2 {
        let (status, _) = app.call(&tenant.api_key, Method::GET, "/v1/me", None).await;
        assert_eq!(status, 200);
    }
    let owner = app.create_user_quietly(&tenant, "Owner").await.to_string();
    let (status, _) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({ "name": "Design", "owner_id": owner })),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app
        .call(&tenant.api_key, Method::GET, "/v1/nowhere", None)
        .await;
    assert_eq!(status, 404);

    // Usage is recorded in memory and flushed in the background (every 50 ms in tests), so
    // the report catches up shortly after the requests.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let report = loop {
        let (status, body) = app
            .call(&tenant.api_key, Method::GET, "/v1/usage", None)
            .await;
        assert_eq!(status, 200, "{body}");
        let totals = &body["totals"];
        if totals["op:tenancy.me"] == 2
            && totals["op:workspaces.create"] == 1
            && totals["op:unmatched"] == 1
        {
            break body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "usage never flushed: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let totals = &report["totals"];
    assert!(
        totals["requests"].as_i64().is_some_and(|n| n >= 4),
        "{report}"
    );
    assert!(
        totals["request_bytes"]
            .as_i64()
            .is_some_and(|bytes| bytes > 0),
        "{report}"
    );
    let hours = report["hours"].as_array().unwrap();
    assert!(!hours.is_empty() && hours.len() <= 2, "{report}");
    assert!(
        hours[0]["hour"].as_str().unwrap().contains(":00:00"),
        "{report}"
    );

    // Reading the report is metered too.
    eventually(Duration::from_secs(10), "usage.get counted", || async {
        let (_, again) = app
            .call(&tenant.api_key, Method::GET, "/v1/usage", None)
            .await;
        again["totals"]["op:usage.get"]
            .as_i64()
            .is_some_and(|n| n >= 1)
    })
    .await;

    // Another tenant sees only its own (empty) usage.
    let (status, theirs) = app
        .call(&other.api_key, Method::GET, "/v1/usage", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(theirs["hours"], json!([]), "{theirs}");
    assert_eq!(theirs["totals"], json!({}), "{theirs}");

    // An explicit range outside the activity is empty; bad ranges name their parameter.
    let (status, old) = app
        .call(
            &tenant.api_key,
            Method::GET,
            "/v1/usage?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(old["hours"], json!([]));
    assert!(
        old["from"]
            .as_str()
            .unwrap()
            .starts_with("2020-01-01T00:00:00"),
        "{old}"
    );
    let cases = [
        ("from=2020-01-01T00:00:00Z&to=2020-03-01T00:00:00Z", "to"),
        ("from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z", "from"),
        ("from=yesterday", "from"),
    ];
    for (query, field) in cases {
        let (status, problem) = app
            .call(
                &tenant.api_key,
                Method::GET,
                &format!("/v1/usage?{query}"),
                None,
            )
            .await;
        assert_eq!(status, 400, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }

    // The library adds other metrics through the same buckets.
    let usage = app.identity().await.usage;
    usage
        .record(tenant.tenant, "bytes_stored", 1234)
        .await
        .unwrap();
    usage
        .record(tenant.tenant, "bytes_stored", 1)
        .await
        .unwrap();
    let (_, report) = app
        .call(&tenant.api_key, Method::GET, "/v1/usage", None)
        .await;
    assert_eq!(report["totals"]["bytes_stored"], 1235, "{report}");

    app.stop_and_clean().await;
}

#[tokio::test]
async fn the_recorder_batches_and_flushes_on_shutdown() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let usage = app.identity().await.usage;
    let recorder = atelier_identity::usage::UsageRecorder::new(usage.clone());
    let shutdown = tokio_util::sync::CancellationToken::new();
    // A long interval: only the flush on shutdown can write these.
    let worker = tokio::spawn(recorder.clone().run(
        std::time::Duration::from_secs(3600),
        shutdown.clone().cancelled_owned(),
    ));
    for _ in 0..50 {
        recorder.add(tenant.tenant, "realtime_seconds", 2);
    }
    recorder.add(tenant.tenant, "op:chat.send", 1);
    shutdown.cancel();
    worker.await.unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let hours = usage
        .report(tenant.tenant, now - 7200, now + 1)
        .await
        .unwrap();
    let total = |metric: &str| {
        hours
            .iter()
            .filter_map(|h| h.counters.get(metric))
            .sum::<i64>()
    };
    assert_eq!(total("realtime_seconds"), 100);
    assert_eq!(total("op:chat.send"), 1);

    app.stop_and_clean().await;
}
