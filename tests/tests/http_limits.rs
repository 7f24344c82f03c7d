//! Slow clients and stalled stores: connections that never finish their request, too many
//! connections from one address, and requests waiting on a hung MongoDB all end within a
//! bound; a WebSocket outlives the request deadline once upgraded.
//!
//! Every wait is bounded; the bounds are generous margins over the configured timeouts, never
//! assertions about speed.

use std::time::Duration;

use atelier_store::faults::{self, Fault, REFRESH_AFTER_CONSUME};
use atelier_tests::{TestApp, eventually, proxy::ChaosProxy, realtime, test_config};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Margin over a configured timeout before a test gives up (a loaded 2-core CI machine).
const MARGIN: Duration = Duration::from_secs(5);

/// Reads until the server closes the connection; `Err` when it is still open after `within`.
/// Returns what the server sent.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Result<Vec<u8>, String> {
    let mut received = Vec::new();
    let read_all = async {
        let mut buffer = [0_u8; 1024];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    };
    match tokio::time::timeout(within, read_all).await {
        Ok(()) => Ok(received),
        Err(_) => Err(format!(
            "still open after {within:?}; received {:?}",
            String::from_utf8_lossy(&received)
        )),
    }
}

fn address(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let mut config = test_config();
    config.http.header_read_timeout = Duration::from_secs(1);
    let app = TestApp::spawn(config.clone()).await;

    // Half a request head, then silence.
    let mut half = TcpStream::connect(address(&app)).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: atelier\r\nX-Slow: ")
        .await
        .unwrap();
    // Nothing at all.
    let mut silent = TcpStream::connect(address(&app)).await.unwrap();

    let bound = config.http.header_read_timeout + MARGIN;
    let (half, silent) = tokio::join!(
        closed_within(&mut half, bound),
        closed_within(&mut silent, bound)
    );
    half.expect("a half-sent head is cut off");
    silent.expect("a connection that sends nothing is cut off");

    // A prompt client on a kept-alive connection is served.
    let response = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn a_body_that_never_arrives_answers_408() {
    let mut config = test_config();
    config.http.body_read_timeout = Duration::from_secs(1);
    let app = TestApp::spawn(config.clone()).await;
    let mut stream = TcpStream::connect(address(&app)).await.unwrap();
    stream
        .write_all(
            b"POST /v1/auth/refresh HTTP/1.1\r\nHost: atelier\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"refresh_token\": ",
        )
        .await
        .unwrap();
    let bound = config.http.body_read_timeout + MARGIN;
    let received = tokio::time::timeout(bound, async {
        let mut received = Vec::new();
        let mut buffer = [0_u8; 1024];
        while !String::from_utf8_lossy(&received).contains("body_read_timeout") {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
        String::from_utf8_lossy(&received).into_owned()
    })
    .await
    .expect("an answer within the body read timeout and a margin");
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(received.contains("application/problem+json"), "{received}");
    assert!(received.contains("body_read_timeout"), "{received}");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn connections_beyond_the_per_ip_limit_are_refused() {
    let mut config = test_config();
    config.http.max_connections_per_ip = 3;
    let app = TestApp::spawn(config).await;
    // From an address of our own: the harness's client (127.0.0.1) may hold kept-alive
    // connections of its own.
    let connect = || async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        socket
            .connect(address(&app).parse().unwrap())
            .await
            .unwrap()
    };

    // Two plain connections and an upgraded WebSocket: the socket still counts.
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(connect().await);
    }
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let token = realtime::user_token(&app, &tenant, alice).await;
    let mut socket = connect().await;
    socket
        .write_all(
            format!(
                "GET /v1/realtime HTTP/1.1\r\nHost: atelier\r\nUpgrade: websocket\r\n\
                 Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                 Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut upgraded = [0_u8; 12];
    tokio::time::timeout(MARGIN, socket.read_exact(&mut upgraded))
        .await
        .expect("the upgrade is answered")
        .unwrap();
    assert_eq!(
        &upgraded,
        b"HTTP/1.1 101",
        "{:?}",
        String::from_utf8_lossy(&upgraded)
    );
    held.push(socket);
    // The limit is reached: the next connection is answered 503 and closed.
    let mut extra = connect().await;
    extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: atelier\r\n\r\n")
        .await
        .ok();
    let received = closed_within(&mut extra, MARGIN)
        .await
        .expect("the connection over the limit is closed");
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("too_many_connections"), "{text}");

    // Closing one makes room again.
    held.pop();
    eventually(
        Duration::from_secs(10),
        "a connection is accepted again",
        || async {
            let mut stream = connect().await;
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: atelier\r\nConnection: close\r\n\r\n")
                .await
                .ok();
            closed_within(&mut stream, MARGIN)
                .await
                .is_ok_and(|received| received.starts_with(b"HTTP/1.1 200"))
        },
    )
    .await;
    drop(held);
    app.stop_and_clean().await;
}

/// What a stalled MongoDB does to requests: each answers 503 with `Retry-After` within the
/// request deadline (and a margin), whether it was in flight when the store hung or came
/// after.
#[tokio::test]
async fn a_stalled_mongodb_answers_503_within_the_deadline() {
    let mongodb = atelier_tests::mongodb_address();
    let proxy = ChaosProxy::start(mongodb).await;
    let mut config = test_config();
    config.http.request_timeout = Duration::from_secs(4);
    config.mongodb.uri = atelier_tests::mongodb_uri_via(proxy.address);
    let app = TestApp::spawn(config.clone()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let login: Value = app
        .http
        .post(app.url(&format!("/v1/users/{alice}/tokens")))
        .bearer_auth(&tenant.api_key)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh_token = login["refresh_token"].as_str().unwrap().to_owned();
    let bound = config.http.request_timeout + MARGIN;

    // In flight: the refresh pauses inside its transaction; the store hangs meanwhile.
    let scope = tenant.tenant.to_string();
    faults::arm(
        REFRESH_AFTER_CONSUME,
        &scope,
        Fault::Pause(Duration::from_millis(1500)),
        1,
    );
    let in_flight = {
        let http = app.http.clone();
        let url = app.url("/v1/auth/refresh");
        tokio::spawn(async move {
            http.post(url)
                .json(&json!({ "refresh_token": refresh_token }))
                .timeout(bound)
                .send()
                .await
        })
    };
    eventually(
        Duration::from_secs(10),
        "the refresh reaches its pause",
        || async { faults::hits(REFRESH_AFTER_CONSUME, &scope) == 1 },
    )
    .await;
    proxy.stall();
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered within the deadline and a margin");
    assert_unavailable(response).await;
    faults::disarm(REFRESH_AFTER_CONSUME, &scope);

    // New requests: a read with the tenant's key (which the node may resolve from its
    // principal cache, but the read needs the store) and any request with an unknown key
    // (looked up).
    let new = app
        .http
        .get(app.url("/v1/users"))
        .bearer_auth(&tenant.api_key)
        .timeout(bound)
        .send()
        .await
        .expect("a new request is answered within the deadline and a margin");
    assert_unavailable(new).await;
    let unknown = app
        .http
        .get(app.url("/v1/me"))
        .bearer_auth(format!("atk_{}", "A".repeat(43)))
        .timeout(bound)
        .send()
        .await
        .expect("a request with an unknown key is answered within the deadline and a margin");
    assert_unavailable(unknown).await;

    proxy.restore();
    eventually(Duration::from_secs(30), "MongoDB answers again", || async {
        app.http
            .get(app.url("/v1/users"))
            .bearer_auth(&tenant.api_key)
            .send()
            .await
            .is_ok_and(|response| response.status() == 200)
    })
    .await;
    app.stop_and_clean().await;
}

async fn assert_unavailable(response: reqwest::Response) {
    let status = response.status();
    let retry_after = response.headers().get("retry-after").cloned();
    let content_type = response.headers().get("content-type").cloned();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(status, 503, "{text}");
    assert!(
        retry_after.is_some_and(|value| value.to_str().unwrap().parse::<u64>().is_ok()),
        "Retry-After in seconds: {text}"
    );
    assert!(
        content_type.is_some_and(|value| value
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")),
        "{text}"
    );
}

/// The request deadline ends at the upgrade: a WebSocket stays usable long after it.
#[tokio::test]
async fn a_websocket_outlives_the_request_deadline() {
    let mut config = test_config();
    config.http.request_timeout = Duration::from_secs(1);
    config.http.header_read_timeout = Duration::from_secs(1);
    let app = TestApp::spawn(config).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let token = realtime::user_token(&app, &tenant, alice).await;
    let mut socket = realtime::connect(&app, &token).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    socket.ping("after-the-deadline").await;
    app.stop_and_clean().await;
}
