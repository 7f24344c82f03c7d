//! Webhook endpoints over HTTP: the CRUD round trip and its events, URL, event type and
//! header validation naming the field, https-only deployments, secret rotation with overlap,
//! tenant isolation on every route, and the SSRF guard with the test allow-list.

use std::time::Duration;

use atelier_outbox::Outbox;
use atelier_tests::{TestApp, TestTenant, assert_cross_tenant_404, eventually, test_config};
use atelier_webhooks::ssrf;
use reqwest::Method;
use serde_json::{Value, json};

const ENDPOINTS: &str = "/v1/webhooks/endpoints";

async fn create(app: &TestApp, tenant: &TestTenant, body: Value) -> Value {
    let (status, created) = app
        .call(&tenant.api_key, Method::POST, ENDPOINTS, Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

/// Asserts a 400 problem whose `errors[].field` names `field`.
fn assert_invalid(status: reqwest::StatusCode, problem: &Value, field: &str, what: &str) {
    assert_eq!(status, 400, "{what}: {problem}");
    assert_eq!(problem["errors"][0]["field"], field, "{what}: {problem}");
}

#[tokio::test]
async fn endpoints_round_trip_and_emit_events() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let key = tenant.api_key.as_str();

    let created = create(
        &app,
        &tenant,
        json!({
            "url": "https://example.com/hooks",
            "description": "Orders",
            "event_types": ["identity.user.created"],
            "rate_limit_per_second": 5,
            "headers": { "X-Api-Key": "abc" },
        }),
    )
    .await;
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{created}");
    let endpoint = &created["endpoint"];
    let id = endpoint["id"].as_str().unwrap();
    assert!(id.starts_with("wep_"));
    assert_eq!(endpoint["enabled"], true);
    assert_eq!(endpoint["header_names"], json!(["X-Api-Key"]));
    assert!(endpoint.get("headers").is_none(), "{endpoint}");
    assert!(endpoint.get("secret").is_none());
    let path = format!("{ENDPOINTS}/{id}");

    let (status, list) = app.call(key, Method::GET, ENDPOINTS, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(secret), "list leaks the secret");

    let (status, got) = app.call(key, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(&got, endpoint);

    let (status, updated) = app
        .call(
            key,
            Method::PATCH,
            &path,
            Some(json!({ "url": "https://example.org/v2", "event_types": [], "rate_limit_per_second": null, "enabled": false })),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["url"], "https://example.org/v2");
    assert_eq!(updated["event_types"], json!([]));
    assert!(updated.get("rate_limit_per_second").is_none());
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["description"], "Orders", "absent fields stay");

    let (status, secrets) = app
        .call(key, Method::GET, &format!("{path}/secret"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(secrets["secret"], secret);
    assert_eq!(secrets["previous"], json!([]));

    let (status, body) = app.call(key, Method::DELETE, &path, None).await;
    assert_eq!(status, 204, "{body}");
    let (status, problem) = app.call(key, Method::GET, &path, None).await;
    assert_eq!(status, 404);
    assert_eq!(problem["code"], "endpoint_not_found");
    let (status, _) = app.call(key, Method::DELETE, &path, None).await;
    assert_eq!(status, 404);

    let outbox = Outbox::new(&app.store().await);
    let expected = [
        "webhook.endpoint.created",
        "webhook.endpoint.updated",
        "webhook.endpoint.deleted",
    ];
    eventually(Duration::from_secs(10), "endpoint events", || async {
        let events = outbox.find_by_tenant(tenant.tenant).await.unwrap();
        let types: Vec<String> = events
            .iter()
            .filter_map(|event| event.to_envelope().ok())
            .map(|envelope| envelope.event_type)
            .filter(|event_type| event_type.starts_with("webhook."))
            .collect();
        types == expected
    })
    .await;
    let events = outbox.find_by_tenant(tenant.tenant).await.unwrap();
    for event in events {
        let envelope = event.to_envelope().unwrap();
        assert!(
            !envelope.data.to_string().contains("whsec_"),
            "events never carry secrets: {}",
            envelope.data
        );
        if envelope.event_type == "webhook.endpoint.updated" {
            assert_eq!(
                envelope.data["changed"],
                json!(["url", "event_types", "rate_limit_per_second", "enabled"])
            );
        }
    }
    app.stop_and_clean().await;
}

#[tokio::test]
async fn invalid_input_is_refused_naming_the_field() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let key = tenant.api_key.as_str();
    let long_url = format!("https://example.com/{}", "a".repeat(2048));
    let long_value = "v".repeat(1025);
    let cases = [
        (json!({ "url": "example.com/hooks" }), "url", "no scheme"),
        (json!({ "url": "ftp://example.com/hooks" }), "url", "ftp"),
        (
            json!({ "url": "https://user:pw@example.com/" }),
            "url",
            "userinfo",
        ),
        (json!({ "url": long_url }), "url", "too long"),
        (json!({ "url": "https://" }), "url", "no host"),
        (
            json!({ "url": "https://example.com", "event_types": ["no.such.type"] }),
            "event_types",
            "unknown event type",
        ),
        (
            json!({ "url": "https://example.com", "headers": { "X-Long": long_value } }),
            "headers",
            "over-long header value",
        ),
        (
            json!({ "url": "https://example.com", "headers": { "Webhook-Signature": "v1,x" } }),
            "headers",
            "reserved header",
        ),
        (
            json!({ "url": "https://example.com", "headers": { "Bad Name": "x" } }),
            "headers",
            "invalid header name",
        ),
        (
            json!({ "url": "https://example.com", "rate_limit_per_second": 0 }),
            "rate_limit_per_second",
            "zero rate",
        ),
        (
            json!({ "url": "https://example.com", "rate_limit_per_second": 10001 }),
            "rate_limit_per_second",
            "rate too high",
        ),
    ];
    for (body, field, what) in cases {
        let (status, problem) = app.call(key, Method::POST, ENDPOINTS, Some(body)).await;
        assert_invalid(status, &problem, field, what);
    }

    // The same checks apply to changes.
    let created = create(&app, &tenant, json!({ "url": "https://example.com" })).await;
    let path = format!(
        "{ENDPOINTS}/{}",
        created["endpoint"]["id"].as_str().unwrap()
    );
    let (status, problem) = app
        .call(key, Method::PATCH, &path, Some(json!({ "url": "ftp://x" })))
        .await;
    assert_invalid(status, &problem, "url", "patch url");
    let (status, problem) = app
        .call(
            key,
            Method::PATCH,
            &path,
            Some(json!({ "headers": { "Host": "evil" } })),
        )
        .await;
    assert_invalid(status, &problem, "headers", "patch headers");
    let (status, problem) = app
        .call(key, Method::GET, &format!("{ENDPOINTS}/not-an-id"), None)
        .await;
    assert_invalid(status, &problem, "endpoint_id", "bad id");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn plain_http_is_refused_unless_allowed() {
    let mut config = test_config();
    config.update_module_config(|webhooks: &mut atelier_webhooks::WebhooksConfig| {
        webhooks.allow_http = false;
    });
    let app = TestApp::spawn(config).await;
    let tenant = app.create_tenant().await;
    let (status, problem) = app
        .call(
            &tenant.api_key,
            Method::POST,
            ENDPOINTS,
            Some(json!({ "url": "http://example.com/hooks" })),
        )
        .await;
    assert_invalid(status, &problem, "url", "http with allow_http = false");
    assert!(
        problem["detail"].as_str().unwrap().contains("https"),
        "{problem}"
    );
    create(&app, &tenant, json!({ "url": "https://example.com/hooks" })).await;
    app.stop_and_clean().await;
}

#[tokio::test]
async fn rotation_keeps_the_previous_secret_until_the_overlap_ends() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let key = tenant.api_key.as_str();
    let created = create(&app, &tenant, json!({ "url": "http://127.0.0.1:9/hook" })).await;
    let first = created["secret"].as_str().unwrap().to_owned();
    let path = format!(
        "{ENDPOINTS}/{}/secret",
        created["endpoint"]["id"].as_str().unwrap()
    );

    let before = chrono::Utc::now();
    let (status, rotated) = app
        .call(key, Method::POST, &format!("{path}/rotate"), None)
        .await;
    assert_eq!(status, 200, "{rotated}");
    let second = rotated["secret"].as_str().unwrap().to_owned();
    assert!(second.starts_with("whsec_") && second != first);
    let previous = rotated["previous"].as_array().unwrap();
    assert_eq!(previous.len(), 1, "{rotated}");
    assert_eq!(previous[0]["secret"], first.as_str());
    let expires: chrono::DateTime<chrono::Utc> =
        previous[0]["expires_at"].as_str().unwrap().parse().unwrap();
    let overlap = expires - before;
    // The default overlap is 24 hours.
    assert!(
        (overlap - chrono::Duration::hours(24)).num_seconds().abs() < 60,
        "expiry {expires} is not 24h after {before}"
    );

    let (status, read) = app.call(key, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(read, rotated);

    // A second rotation keeps both previous secrets, each with its own expiry.
    let (_, again) = app
        .call(key, Method::POST, &format!("{path}/rotate"), None)
        .await;
    let previous: Vec<&str> = again["previous"]
        .as_array()
        .unwrap()
        .iter()
        .map(|secret| secret["secret"].as_str().unwrap())
        .collect();
    assert_eq!(previous, vec![second.as_str(), first.as_str()]);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn another_tenants_endpoints_are_not_found() {
    let app = TestApp::spawn(test_config()).await;
    let owner = app.create_tenant().await;
    let intruder = app.create_tenant().await;
    // Subscribed to a type nothing here emits: a delivery attempt to example.com (of its own
    // `webhook.endpoint.created`) would fail and change `failing_since` under the comparison
    // below.
    let created = create(
        &app,
        &owner,
        json!({ "url": "https://example.com/hooks", "event_types": ["identity.member.removed"] }),
    )
    .await;
    let id = created["endpoint"]["id"].as_str().unwrap();
    let path = format!("{ENDPOINTS}/{id}");
    assert_cross_tenant_404(
        &app,
        &intruder,
        &[
            (Method::GET, path.clone(), None),
            (
                Method::PATCH,
                path.clone(),
                Some(json!({ "description": "mine now" })),
            ),
            (Method::GET, format!("{path}/secret"), None),
            (Method::POST, format!("{path}/secret/rotate"), None),
            (Method::DELETE, path.clone(), None),
        ],
    )
    .await;
    let (status, list) = app
        .call(&intruder.api_key, Method::GET, ENDPOINTS, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["items"], json!([]));
    // Untouched for its owner.
    let (status, got) = app.call(&owner.api_key, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(got, created["endpoint"]);
    let (_, secrets) = app
        .call(&owner.api_key, Method::GET, &format!("{path}/secret"), None)
        .await;
    assert_eq!(secrets["secret"], created["secret"]);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn read_only_keys_read_but_do_not_write_or_see_secrets() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    // Custom header values are often the receiver's credentials: secrets like the signing one.
    let created = create(
        &app,
        &tenant,
        json!({
            "url": "https://example.com/hooks",
            "headers": { "Authorization": "Bearer receiver-credential-42" },
        }),
    )
    .await;
    let (status, key) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/api-keys",
            Some(json!({ "name": "reader", "scope": "read_only" })),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let reader = key["key"].as_str().unwrap();
    let path = format!(
        "{ENDPOINTS}/{}",
        created["endpoint"]["id"].as_str().unwrap()
    );
    for read in [ENDPOINTS, path.as_str()] {
        let (status, body) = app.call(reader, Method::GET, read, None).await;
        assert_eq!(status, 200, "{read}: {body}");
        assert!(
            !body.to_string().contains("receiver-credential-42"),
            "a read-only key reads a header value at {read}: {body}"
        );
    }
    let (_, view) = app.call(reader, Method::GET, &path, None).await;
    assert_eq!(view["header_names"], json!(["Authorization"]), "{view}");
    // A full-scope key reads them where it reads the signing secret.
    let (status, headers) = app
        .call(
            &tenant.api_key,
            Method::GET,
            &format!("{path}/headers"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{headers}");
    assert_eq!(
        headers["headers"]["Authorization"],
        "Bearer receiver-credential-42"
    );
    for (method, path, body) in [
        (
            Method::POST,
            ENDPOINTS.to_owned(),
            Some(json!({ "url": "https://example.com" })),
        ),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({ "enabled": false })),
        ),
        (Method::DELETE, path.clone(), None),
        (Method::GET, format!("{path}/secret"), None),
        (Method::GET, format!("{path}/headers"), None),
        (Method::POST, format!("{path}/secret/rotate"), None),
    ] {
        let (status, problem) = app.call(reader, method.clone(), &path, body).await;
        assert_eq!(status, 403, "{method} {path}: {problem}");
    }
    app.stop_and_clean().await;
}

/// The test configuration's allow-list lets deliveries reach local receivers; without it the
/// same URL is refused.
#[tokio::test]
async fn the_ssrf_guard_honours_the_allow_list() {
    let config: atelier_webhooks::WebhooksConfig = test_config().module_config();
    let url = ssrf::check_url("http://127.0.0.1:1/", &config).unwrap();
    assert_eq!(
        ssrf::resolve_allowed(&url, &config).await.unwrap(),
        vec!["127.0.0.1:1".parse().unwrap()]
    );
    let strict = atelier_webhooks::WebhooksConfig {
        allowed_hosts: Vec::new(),
        ..config.clone()
    };
    assert!(matches!(
        ssrf::resolve_allowed(&url, &strict).await,
        Err(ssrf::UrlError::Forbidden { .. })
    ));
    let name = ssrf::check_url("http://localhost:1/", &config).unwrap();
    assert!(ssrf::resolve_allowed(&name, &config).await.is_ok());
    assert!(matches!(
        ssrf::resolve_allowed(&name, &strict).await,
        Err(ssrf::UrlError::Forbidden { .. })
    ));
    for ip in [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "::1",
        "::ffff:192.168.0.1",
    ] {
        assert!(ssrf::is_forbidden_ip(ip.parse().unwrap()), "{ip}");
    }
    assert!(!ssrf::is_forbidden_ip("8.8.8.8".parse().unwrap()));
}
