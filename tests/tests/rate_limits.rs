//! Rate limits over HTTP: per API key with its headers, per-tenant overrides, per client IP.

use atelier_tests::{TestApp, test_config};
use reqwest::{Response, StatusCode};
use serde_json::Value;

/// Small limits that refill slowly (one request per second), so a test's burst is not refilled
/// while it runs.
fn tight_config() -> atelier_server::Config {
    let mut config = test_config();
    config.rate_limits.api_key_per_second = 1;
    config.rate_limits.api_key_burst = 3;
    config.rate_limits.anonymous_per_second = 1;
    config.rate_limits.anonymous_burst = 2;
    config
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Sends `count` requests made by `request` and returns the statuses.
async fn statuses(count: usize, request: impl Fn() -> reqwest::RequestBuilder) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..count {
        out.push(request().send().await.expect("request").status().as_u16());
    }
    out
}

async fn assert_rate_limited(response: Response, policy: &str) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = header(&response, "retry-after")
        .expect("Retry-After")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    let state = header(&response, "ratelimit").expect("RateLimit");
    assert!(
        state.starts_with(&format!("\"{policy}\";r=0;t=")),
        "{state}"
    );
    assert!(header(&response, "ratelimit-policy").is_some());
    assert!(
        header(&response, "content-type")
            .unwrap_or_default()
            .starts_with("application/problem+json")
    );
    let request_id = header(&response, "x-request-id").expect("request id");
    let problem: Value = response.json().await.expect("problem json");
    assert_eq!(problem["code"], "rate_limited");
    assert_eq!(problem["status"], 429);
    assert_eq!(problem["request_id"], request_id.as_str());
}

#[tokio::test]
async fn api_key_burst_then_429_with_headers() {
    let app = TestApp::spawn(tight_config()).await;
    let tenant = app.create_tenant().await;
    let me = || app.http.get(app.url("/v1/me")).bearer_auth(&tenant.api_key);

    for expected_remaining in [2, 1, 0] {
        let response = me().send().await.expect("me");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, "ratelimit-policy").as_deref(),
            Some("\"api_key\";q=3;w=3")
        );
        let state = header(&response, "ratelimit").expect("RateLimit");
        assert!(
            state.starts_with(&format!("\"api_key\";r={expected_remaining};t=")),
            "{state}"
        );
    }
    assert_rate_limited(me().send().await.expect("me"), "api_key").await;

    // Probes and scrapers are never limited and carry no rate-limit fields.
    for path in ["/healthz", "/metrics"] {
        for _ in 0..5 {
            let response = app.http.get(app.url(path)).send().await.expect("probe");
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert!(header(&response, "ratelimit").is_none(), "{path}");
        }
    }

    // Another key of the same tenant has its own bucket.
    let second = app
        .identity()
        .await
        .api_keys
        .bootstrap(tenant.tenant, "second", atelier_identity::ApiKeyScope::Full)
        .await
        .expect("second key");
    let other = statuses(4, || {
        app.http
            .get(app.url("/v1/me"))
            .bearer_auth(second.secret.as_deref().unwrap())
    })
    .await;
    assert_eq!(other, [200, 200, 200, 429]);

    // The refill: one request per second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(me().send().await.expect("me").status(), StatusCode::OK);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn a_tenant_override_gives_that_tenant_other_limits() {
    let config = tight_config();
    let first = TestApp::spawn(config.clone()).await;
    let ordinary = first.create_tenant().await;
    let special = first.create_tenant().await;

    // A second node on the same database, configured with the override.
    let mut overridden = config;
    overridden.node_id = format!("test-{}", atelier_tests::unique());
    overridden.rate_limits.tenants.insert(
        special.tenant.to_string(),
        atelier_api::rate_limit::TenantLimits {
            api_key_burst: Some(6),
            ..Default::default()
        },
    );
    let app = TestApp::spawn(overridden).await;

    let special_statuses = statuses(7, || {
        app.http
            .get(app.url("/v1/me"))
            .bearer_auth(&special.api_key)
    })
    .await;
    assert_eq!(special_statuses, [200, 200, 200, 200, 200, 200, 429]);
    let ordinary_statuses = statuses(4, || {
        app.http
            .get(app.url("/v1/me"))
            .bearer_auth(&ordinary.api_key)
    })
    .await;
    assert_eq!(ordinary_statuses, [200, 200, 200, 429]);
    let response = app
        .http
        .get(app.url("/v1/me"))
        .bearer_auth(&special.api_key)
        .send()
        .await
        .expect("me");
    assert_eq!(
        header(&response, "ratelimit-policy").as_deref(),
        Some("\"api_key\";q=6;w=6")
    );

    app.stop().await.expect("override node stopped");
    first.stop_and_clean().await;
}

#[tokio::test]
async fn unauthenticated_requests_are_limited_per_ip() {
    let app = TestApp::spawn(tight_config()).await;
    let tenant = app.create_tenant().await;

    // No credentials: 401s count against the client IP (burst 2)...
    let anonymous = statuses(2, || app.http.get(app.url("/v1/me"))).await;
    assert_eq!(anonymous, [401, 401]);
    let response = app.http.get(app.url("/v1/me")).send().await.expect("me");
    assert_eq!(
        header(&response, "ratelimit-policy").as_deref(),
        Some("\"anonymous\";q=2;w=2")
    );
    assert_rate_limited(response, "anonymous").await;
    // ...and so do refused credentials and public routes, from the same IP.
    let refused = app
        .http
        .post(app.url("/v1/auth/refresh"))
        .json(&serde_json::json!({ "refresh_token": "nope" }))
        .send()
        .await
        .expect("refresh");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let forged = app
        .http
        .get(app.url("/v1/me"))
        .bearer_auth("atk_forged")
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);

    // An authenticated caller on the same IP has its own limit.
    let me = app
        .http
        .get(app.url("/v1/me"))
        .bearer_auth(&tenant.api_key)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), StatusCode::OK);

    // X-Forwarded-For is ignored unless configured.
    let spoofed = app
        .http
        .get(app.url("/v1/me"))
        .header("x-forwarded-for", "198.51.100.9")
        .send()
        .await
        .expect("spoofed");
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_key() {
    let mut config = tight_config();
    config.http.trust_forwarded_for = true;
    let app = TestApp::spawn(config).await;
    let from = |address: &'static str| {
        let app = &app;
        move || {
            app.http
                .get(app.url("/v1/me"))
                // The rightmost entry is the one our proxy appended; the left one is the
                // client's claim and does not count.
                .header("x-forwarded-for", format!("203.0.113.1, {address}"))
        }
    };
    assert_eq!(statuses(3, from("198.51.100.1")).await, [401, 401, 429]);
    assert_eq!(statuses(3, from("198.51.100.2")).await, [401, 401, 429]);
    app.stop_and_clean().await;
}
