//! Every bad-input class answers RFC 9457 problem+json with a stable code and the request id.

use atelier_tests::{TestApp, test_config};
use reqwest::{Method, StatusCode};
use serde_json::Value;

struct Case {
    name: &'static str,
    method: Method,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
    admin: bool,
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
}

fn case(
    name: &'static str,
    method: Method,
    path: &'static str,
    status: StatusCode,
    code: &'static str,
) -> Case {
    Case {
        name,
        method,
        path,
        content_type: None,
        body: None,
        admin: true,
        status,
        code,
        field: None,
    }
}

const REPLAY: &str = "/v1/admin/consumers/nobody/dead-letters/replay";

#[tokio::test]
async fn bad_inputs_answer_problem_json() {
    let mut config = test_config();
    config.http.max_body_bytes = 2048;
    let app = TestApp::spawn(config).await;
    let json = Some("application/json");
    let cases = vec![
        case(
            "unknown route",
            Method::GET,
            "/v1/no-such-thing",
            StatusCode::NOT_FOUND,
            "route_not_found",
        ),
        case(
            "wrong method",
            Method::DELETE,
            "/healthz",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        Case {
            content_type: json,
            body: Some(b"{\"limit\": ".to_vec()),
            ..case(
                "malformed json",
                Method::POST,
                REPLAY,
                StatusCode::BAD_REQUEST,
                "invalid_body",
            )
        },
        Case {
            content_type: json,
            body: Some(b"{}".to_vec()),
            ..case(
                "missing field",
                Method::POST,
                REPLAY,
                StatusCode::BAD_REQUEST,
                "invalid_body",
            )
        },
        Case {
            content_type: json,
            body: Some(b"{\"limit\": 0}".to_vec()),
            field: Some("limit"),
            ..case(
                "field out of range",
                Method::POST,
                REPLAY,
                StatusCode::BAD_REQUEST,
                "invalid_body",
            )
        },
        Case {
            content_type: Some("text/plain"),
            body: Some(b"limit=1".to_vec()),
            ..case(
                "wrong content type",
                Method::POST,
                REPLAY,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            )
        },
        Case {
            content_type: json,
            body: Some(format!("{{\"limit\": 1, \"pad\": \"{}\"}}", "x".repeat(4096)).into_bytes()),
            ..case(
                "body over limit",
                Method::POST,
                REPLAY,
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            )
        },
        Case {
            field: Some("limit"),
            ..case(
                "query parameter parse error",
                Method::GET,
                "/v1/admin/consumers/nobody/dead-letters?limit=lots",
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
            )
        },
        Case {
            field: Some("limit"),
            ..case(
                "query parameter out of range",
                Method::GET,
                "/v1/admin/consumers/nobody/dead-letters?limit=5000",
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
            )
        },
        Case {
            admin: false,
            ..case(
                "missing credentials",
                Method::GET,
                "/v1/admin/consumers",
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
            )
        },
        case(
            "unknown consumer",
            Method::GET,
            "/v1/admin/consumers/nobody/dead-letters",
            StatusCode::NOT_FOUND,
            "consumer_not_found",
        ),
    ];

    for case in cases {
        let mut request = app.http.request(case.method.clone(), app.url(case.path));
        if case.admin {
            request = app.admin(request);
        }
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(body) = case.body.clone() {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), case.status, "{}", case.name);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("application/problem+json"),
            "{}: {content_type}",
            case.name
        );
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], case.code, "{}: {problem}", case.name);
        assert_eq!(problem["status"], case.status.as_u16(), "{}", case.name);
        assert_eq!(problem["request_id"], request_id.as_str(), "{}", case.name);
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            case.name
        );
        assert!(
            problem["type"].as_str().unwrap().ends_with(case.code),
            "{}",
            case.name
        );
        if let Some(field) = case.field {
            let fields: Vec<&str> = problem["errors"]
                .as_array()
                .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
                .unwrap_or_default();
            assert!(
                fields.contains(&field),
                "{}: expected field {field} in {problem}",
                case.name
            );
        }
    }
    app.stop_and_clean().await;
}

#[tokio::test]
async fn chunked_body_over_limit_is_refused() {
    let mut config = test_config();
    config.http.max_body_bytes = 2048;
    let app = TestApp::spawn(config).await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|_| Ok(vec![b' '; 1024])).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let response = app
        .admin(app.http.post(app.url(REPLAY)))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn request_ids_are_accepted_or_minted() {
    let app = TestApp::spawn(test_config()).await;
    let echoed = app
        .http
        .get(app.url("/healthz"))
        .header("x-request-id", "client-chosen-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "client-chosen-42");
    let minted = app
        .http
        .get(app.url("/healthz"))
        .header("x-request-id", "not ok!")
        .send()
        .await
        .unwrap();
    assert!(
        minted.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn wrong_admin_token_is_refused_without_echo() {
    let app = TestApp::spawn(test_config()).await;
    let response = app
        .http
        .get(app.url("/v1/admin/consumers"))
        .bearer_auth("definitely-wrong-token-value")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let text = response.text().await.unwrap();
    assert!(text.contains("invalid_admin_token"));
    assert!(!text.contains("definitely-wrong-token-value"));
    app.stop_and_clean().await;
}

#[tokio::test]
async fn metrics_record_routes_by_operation_id() {
    let app = TestApp::spawn(test_config()).await;
    app.http.get(app.url("/healthz")).send().await.unwrap();
    app.http.get(app.url("/nope")).send().await.unwrap();
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "atelier_http_requests_total{method=\"GET\",route=\"system.health\",status=\"200\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains("route=\"unmatched\",status=\"404\""),
        "{text}"
    );
    assert!(text.contains("atelier_http_request_duration_seconds_bucket"));
    app.stop_and_clean().await;
}

#[tokio::test]
async fn docs_and_spec_are_served() {
    let app = TestApp::spawn(test_config()).await;
    let spec: Value = app
        .http
        .get(app.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["info"]["version"], atelier_api::API_VERSION);
    let docs = app.http.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("swagger")
    );
    app.stop_and_clean().await;
}

/// With MongoDB unreachable, a request whose credential must be looked up answers 503 with a
/// stable code and safe text: the driver's error (with internal addresses) goes to the log.
#[tokio::test]
async fn a_storage_outage_answers_without_internal_details() {
    use atelier_tests::proxy::ChaosProxy;
    let proxy = ChaosProxy::start(atelier_tests::mongodb_address()).await;
    let mut config = test_config();
    config.mongodb.uri = atelier_tests::mongodb_uri_via(proxy.address);
    let app = TestApp::spawn(config).await;
    let tenant = app.create_tenant().await;
    proxy.cut();

    let internal = [
        proxy.address.to_string(),
        proxy.address.port().to_string(),
        atelier_tests::mongodb_address().to_string(),
        "127.0.0.1".to_owned(),
        "Kind".to_owned(),
        "error".to_owned(),
    ];
    let unknown_key = format!("atk_{}", "A".repeat(43));
    for (name, bearer) in [
        ("the tenant's key", tenant.api_key.as_str()),
        ("an unknown key", &unknown_key),
    ] {
        let response = app
            .http
            .get(app.url("/v1/me"))
            .bearer_auth(bearer)
            .timeout(std::time::Duration::from_secs(30))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{name}");
        assert!(response.headers().contains_key("retry-after"), "{name}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(
            problem["code"], "dependency_unavailable",
            "{name}: {problem}"
        );
        let detail = problem["detail"].as_str().unwrap();
        for secret in &internal {
            assert!(
                !detail.contains(secret.as_str()),
                "{name}: the detail reveals `{secret}`: {detail}"
            );
        }
    }
    proxy.restore();
    app.stop_and_clean().await;
}
