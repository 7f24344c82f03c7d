//! Webhook delivery end to end: a local receiver on `127.0.0.1:0` answers scripted statuses;
//! events emitted through the API are delivered signed (checked here and by the reference
//! `standardwebhooks` Python package), retried with the same `webhook-id`, throttled by
//! `Retry-After`, disabled on 410, dead-lettered with `webhook.attempt.exhausted` after the
//! schedule, then resent and recovered; the attempt log lists every attempt, and every route
//! answers 404 across tenants.

use atelier_webhooks::WebhooksConfig;
use std::{
    collections::{BTreeMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use atelier_outbox::Outbox;
use atelier_tests::{TestApp, TestTenant, assert_cross_tenant_404, eventually, test_config};
use atelier_webhooks::{
    delivery::{DELIVERY_CONSUMER, FANOUT_CONSUMER},
    signing,
};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    time::Instant,
};

const ENDPOINTS: &str = "/v1/webhooks/endpoints";
const WAIT: Duration = Duration::from_secs(20);

/// Test settings with a schedule whose last tier (1.5 s) can hold a 1 s `Retry-After`.
fn config() -> atelier_server::Config {
    let mut config = test_config();
    config.update_module_config(|webhooks: &mut WebhooksConfig| {
        webhooks.retry_schedule = vec![
            Duration::from_millis(200),
            Duration::from_millis(400),
            Duration::from_millis(1500),
        ];
    });
    config
}

/// A server whose webhook consumers are subscribed: an event published before the fan-out
/// queue is bound would be dropped by the exchange (only on a prefix's very first start).
async fn spawn() -> TestApp {
    spawn_with(config()).await
}

async fn spawn_with(config: atelier_server::Config) -> TestApp {
    let app = TestApp::spawn(config).await;
    wait_for_consumers(&app).await;
    app
}

/// Until both webhook consumers hold a subscription.
async fn wait_for_consumers(app: &TestApp) {
    let url = app.url("/v1/admin/consumers");
    eventually(WAIT, "webhook consumers subscribed", || async {
        let Ok(response) = app.admin(app.http.get(&url)).send().await else {
            return false;
        };
        let body: Value = response.json().await.unwrap_or_default();
        let alive = |name: &str| {
            body["items"].as_array().is_some_and(|items| {
                items
                    .iter()
                    .any(|item| item["name"] == name && item["alive"] == true)
            })
        };
        alive(FANOUT_CONSUMER) && alive(DELIVERY_CONSUMER)
    })
    .await;
}

/// How the receiver answers one request.
#[derive(Debug, Clone)]
enum Reply {
    Status(u16, Vec<(&'static str, &'static str)>),
    /// Read the request, then close the connection without answering.
    Drop,
}

#[derive(Debug, Clone)]
struct Received {
    at: Instant,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

#[derive(Default)]
struct ReceiverState {
    script: VecDeque<Reply>,
    fallback: Option<Reply>,
    received: Vec<Received>,
}

/// A minimal HTTP/1.1 receiver: one request per connection, scripted replies (then the
/// fallback, 200 unless set).
struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start(script: Vec<Reply>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(ReceiverState {
            script: script.into(),
            ..ReceiverState::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Receiver { url, state, task }
    }

    fn set_fallback(&self, reply: Reply) {
        self.state.lock().unwrap().fallback = Some(reply);
    }

    fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    async fn wait_for(&self, count: usize) -> Vec<Received> {
        eventually(
            WAIT,
            &format!("{count} requests at the receiver"),
            || async { self.received().len() >= count },
        )
        .await;
        self.received()
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<ReceiverState>>) {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 4096];
    let header_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let headers: BTreeMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    }
    let reply = {
        let mut state = state.lock().unwrap();
        state.received.push(Received {
            at: Instant::now(),
            headers,
            body: buffer[header_end..header_end + length].to_vec(),
        });
        let fallback = state.fallback.clone();
        state
            .script
            .pop_front()
            .or(fallback)
            .unwrap_or(Reply::Status(200, Vec::new()))
    };
    let Reply::Status(status, extra) = reply else {
        return;
    };
    let mut response =
        format!("HTTP/1.1 {status} Scripted\r\ncontent-length: 8\r\nconnection: close\r\n");
    for (name, value) in extra {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\nreceived");
    if let Err(error) = stream.write_all(response.as_bytes()).await {
        eprintln!("receiver: writing the reply failed: {error}");
    }
}

/// Creates an endpoint for `identity.user.created` at the receiver; returns (id, secret).
async fn create_endpoint(app: &TestApp, tenant: &TestTenant, url: &str) -> (String, String) {
    let (status, created) = app
        .call(
            &tenant.api_key,
            Method::POST,
            ENDPOINTS,
            Some(json!({
                "url": url,
                "event_types": ["identity.user.created"],
                "headers": { "X-Tenant-Tag": "blue" },
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    (
        created["endpoint"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// Emits `identity.user.created`; returns its event id.
async fn emit(app: &TestApp, tenant: &TestTenant) -> String {
    let user = app.create_user(tenant, "Ada").await.to_string();
    let outbox = Outbox::new(&app.store().await);
    let events = outbox.find_by_tenant(tenant.tenant).await.expect("events");
    events
        .iter()
        .find(|event| event.event_type == "identity.user.created" && event.aggregate_id == user)
        .map(|event| event.id.clone())
        .expect("the user.created event")
}

/// Events of `event_type` the tenant emitted so far.
async fn events_of(app: &TestApp, tenant: &TestTenant, event_type: &str) -> Vec<Value> {
    let outbox = Outbox::new(&app.store().await);
    outbox
        .find_by_tenant(tenant.tenant)
        .await
        .expect("events")
        .iter()
        .filter(|event| event.event_type == event_type)
        .map(|event| serde_json::to_value(event.to_envelope().unwrap()).unwrap())
        .collect()
}

async fn attempts(app: &TestApp, tenant: &TestTenant, path: &str) -> Vec<Value> {
    let (status, page) = app.call(&tenant.api_key, Method::GET, path, None).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// Verifies a delivery with the reference implementation (`standardwebhooks` from PyPI, in the
/// `.venv` the scripts set up).
fn verify_with_reference_library(secret: &str, delivery: &Received) {
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python");
    let script = r#"
import sys
from standardwebhooks.webhooks import Webhook
secret, msg_id, timestamp, signature, body = sys.argv[1:6]
Webhook(secret).verify(body.encode(), {
    "webhook-id": msg_id,
    "webhook-timestamp": timestamp,
    "webhook-signature": signature,
})
print("verified")
"#;
    let output = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(secret)
        .arg(&delivery.headers["webhook-id"])
        .arg(&delivery.headers["webhook-timestamp"])
        .arg(&delivery.headers["webhook-signature"])
        .arg(String::from_utf8(delivery.body.clone()).unwrap())
        .output()
        .expect("run .venv/bin/python (./scripts/test installs standardwebhooks)");
    assert!(
        output.status.success() && output.stdout.starts_with(b"verified"),
        "standardwebhooks refused the delivery: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn delivers_signed_events_that_the_reference_library_verifies() {
    let app = spawn().await;
    let tenant = app.create_tenant().await;
    let receiver = Receiver::start(Vec::new()).await;
    let (endpoint, secret) = create_endpoint(&app, &tenant, &receiver.url).await;
    let event_id = emit(&app, &tenant).await;

    let delivery = receiver.wait_for(1).await.remove(0);
    let headers = &delivery.headers;
    assert_eq!(headers["webhook-id"], event_id);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["user-agent"], "Atelier-Webhooks/1");
    assert_eq!(headers["x-tenant-tag"], "blue");
    let body: Value = serde_json::from_slice(&delivery.body).unwrap();
    assert_eq!(body["id"], event_id);
    assert_eq!(body["type"], "identity.user.created");
    assert_eq!(body["tenant"], tenant.tenant.to_string());
    let timestamp: i64 = headers["webhook-timestamp"].parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 60);
    assert!(signing::verify(
        [secret.as_str()],
        &headers["webhook-signature"],
        &event_id,
        timestamp,
        &delivery.body
    ));
    verify_with_reference_library(&secret, &delivery);

    let by_endpoint = format!("{ENDPOINTS}/{endpoint}/attempts");
    let by_message = format!("/v1/webhooks/messages/{event_id}/attempts");
    eventually(WAIT, "the attempt is logged", || async {
        attempts(&app, &tenant, &by_endpoint).await.len() == 1
    })
    .await;
    let logged = attempts(&app, &tenant, &by_message).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["status"], "succeeded");
    assert_eq!(logged[0]["response_status"], 200);
    assert_eq!(logged[0]["response_body"], "received");
    assert_eq!(logged[0]["attempt"], 1);
    assert_eq!(logged[0]["endpoint_id"], endpoint);

    // Another tenant sees none of it.
    let intruder = app.create_tenant().await;
    assert_cross_tenant_404(
        &app,
        &intruder,
        &[
            (Method::GET, by_endpoint.clone(), None),
            (Method::GET, by_message.clone(), None),
            (
                Method::POST,
                format!("{ENDPOINTS}/{endpoint}/messages/{event_id}/resend"),
                None,
            ),
            (
                Method::POST,
                format!("{ENDPOINTS}/{endpoint}/recover"),
                Some(json!({ "since": "2020-01-01T00:00:00Z" })),
            ),
        ],
    )
    .await;
    // The intruder's own endpoint cannot resend this tenant's event either.
    let (intruder_endpoint, _) = create_endpoint(&app, &intruder, &receiver.url).await;
    assert_cross_tenant_404(
        &app,
        &intruder,
        &[(
            Method::POST,
            format!("{ENDPOINTS}/{intruder_endpoint}/messages/{event_id}/resend"),
            None,
        )],
    )
    .await;
    app.stop_and_clean().await;
}

#[tokio::test]
async fn a_failed_attempt_is_retried_with_the_same_webhook_id() {
    let app = spawn().await;
    let tenant = app.create_tenant().await;
    let receiver = Receiver::start(vec![Reply::Drop, Reply::Status(500, Vec::new())]).await;
    let (endpoint, _) = create_endpoint(&app, &tenant, &receiver.url).await;
    let event_id = emit(&app, &tenant).await;

    let received = receiver.wait_for(3).await;
    for delivery in &received {
        assert_eq!(delivery.headers["webhook-id"], event_id);
    }
    let path = format!("{ENDPOINTS}/{endpoint}/attempts");
    eventually(WAIT, "three attempts logged", || async {
        attempts(&app, &tenant, &path).await.len() == 3
    })
    .await;
    let logged = attempts(&app, &tenant, &path).await;
    // Newest first.
    let statuses: Vec<&str> = logged
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["succeeded", "failed", "failed"]);
    let numbers: Vec<u64> = logged
        .iter()
        .map(|a| a["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert!(logged[2]["error"].as_str().is_some(), "{}", logged[2]);
    assert_eq!(logged[1]["response_status"], 500);

    // Paging by cursor walks the same attempts.
    let (status, first) = app
        .call(
            &tenant.api_key,
            Method::GET,
            &format!("{path}?limit=2"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(first["has_more"], true);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .call(
            &tenant.api_key,
            Method::GET,
            &format!("{path}?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(second["items"][0]["id"], logged[2]["id"]);
    assert_eq!(second["has_more"], false);
    let (status, _) = app
        .call(
            &tenant.api_key,
            Method::GET,
            &format!("{path}?cursor=nope"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn gone_disables_the_endpoint_and_says_so() {
    let app = spawn().await;
    let tenant = app.create_tenant().await;
    let receiver = Receiver::start(vec![Reply::Status(410, Vec::new())]).await;
    let (endpoint, _) = create_endpoint(&app, &tenant, &receiver.url).await;
    emit(&app, &tenant).await;

    receiver.wait_for(1).await;
    let path = format!("{ENDPOINTS}/{endpoint}");
    eventually(WAIT, "the endpoint is disabled", || async {
        let (_, got) = app.call(&tenant.api_key, Method::GET, &path, None).await;
        got["enabled"] == false
    })
    .await;
    let (_, got) = app.call(&tenant.api_key, Method::GET, &path, None).await;
    assert_eq!(got["disabled_reason"], "gone");
    let disabled = events_of(&app, &tenant, "webhook.endpoint.disabled").await;
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0]["data"]["endpoint_id"], endpoint);
    assert_eq!(disabled[0]["data"]["reason"], "gone");

    // A disabled endpoint gets nothing more.
    emit(&app, &tenant).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 1);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let app = spawn().await;
    let tenant = app.create_tenant().await;
    let receiver = Receiver::start(vec![Reply::Status(429, vec![("Retry-After", "1")])]).await;
    create_endpoint(&app, &tenant, &receiver.url).await;
    emit(&app, &tenant).await;

    let received = receiver.wait_for(2).await;
    let waited = received[1].at - received[0].at;
    assert!(
        waited >= Duration::from_millis(1000),
        "retried after {waited:?}, before the receiver's Retry-After: 1"
    );
    assert_eq!(
        received[0].headers["webhook-id"],
        received[1].headers["webhook-id"]
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn exhausted_messages_are_dead_lettered_then_recovered_and_resent() {
    let app = spawn().await;
    let tenant = app.create_tenant().await;
    let receiver = Receiver::start(Vec::new()).await;
    receiver.set_fallback(Reply::Status(500, Vec::new()));
    let (endpoint, _) = create_endpoint(&app, &tenant, &receiver.url).await;
    let started = chrono::Utc::now();
    let event_id = emit(&app, &tenant).await;

    // 1 + 3 retries (the schedule's length).
    receiver.wait_for(4).await;
    let bus = app.bus();
    eventually(WAIT, "the job is dead-lettered", || async {
        bus.dlq_depth(DELIVERY_CONSUMER).await.unwrap_or(0) == 1
    })
    .await;
    let letters = bus.dlq_peek(DELIVERY_CONSUMER, 10).await.expect("peek");
    assert_eq!(letters.len(), 1);
    let exhausted = events_of(&app, &tenant, "webhook.attempt.exhausted").await;
    assert_eq!(exhausted.len(), 1, "{exhausted:?}");
    let data = &exhausted[0]["data"];
    assert_eq!(data["endpoint_id"], endpoint);
    assert_eq!(data["event_id"], event_id);
    assert_eq!(data["attempts"], 4);
    assert_eq!(data["last_response_status"], 500);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 4, "no attempt after the last");

    // The receiver is fixed: recover what failed since the outage began, then resend.
    receiver.set_fallback(Reply::Status(200, Vec::new()));
    let (status, recovered) = app
        .call(
            &tenant.api_key,
            Method::POST,
            &format!("{ENDPOINTS}/{endpoint}/recover"),
            Some(json!({ "since": started.to_rfc3339() })),
        )
        .await;
    assert_eq!(status, 202, "{recovered}");
    assert_eq!(recovered["count"], 1);
    receiver.wait_for(5).await;
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::POST,
            &format!("{ENDPOINTS}/{endpoint}/messages/{event_id}/resend"),
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let received = receiver.wait_for(6).await;
    assert!(received.iter().all(|r| r.headers["webhook-id"] == event_id));

    let path = format!("/v1/webhooks/messages/{event_id}/attempts");
    eventually(WAIT, "six attempts logged", || async {
        attempts(&app, &tenant, &path).await.len() == 6
    })
    .await;
    let logged = attempts(&app, &tenant, &path).await;
    let statuses: Vec<&str> = logged
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "succeeded",
            "succeeded",
            "failed",
            "failed",
            "failed",
            "failed"
        ]
    );
    assert_eq!(logged[0]["attempt"], 1, "a resend starts over");
    // Nothing failed any more: nothing to recover.
    let (_, recovered) = app
        .call(
            &tenant.api_key,
            Method::POST,
            &format!("{ENDPOINTS}/{endpoint}/recover"),
            Some(json!({ "since": started.to_rfc3339() })),
        )
        .await;
    assert_eq!(recovered["count"], 0);
    let (status, _) = app
        .call(
            &tenant.api_key,
            Method::POST,
            &format!("{ENDPOINTS}/{endpoint}/recover"),
            Some(json!({ "since": started.to_rfc3339(), "until": "2000-01-01T00:00:00Z" })),
        )
        .await;
    assert_eq!(status, 400);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn a_throttled_endpoint_is_sent_at_most_its_rate_without_using_attempts() {
    const RATE: u32 = 5;
    const EVENTS: usize = 12;
    let mut config = config();
    // The delivery path's endpoint cache on, as in production.
    config.update_module_config(|webhooks: &mut WebhooksConfig| {
        webhooks.endpoint_cache_ttl = Duration::from_secs(1);
        webhooks.throttle_max_wait = Duration::from_millis(500);
    });
    let app = spawn_with(config).await;
    let tenant = app.create_tenant().await;
    let receiver = Receiver::start(Vec::new()).await;
    let (endpoint, _) = create_endpoint(&app, &tenant, &receiver.url).await;
    let (status, patched) = app
        .call(
            &tenant.api_key,
            Method::PATCH,
            &format!("{ENDPOINTS}/{endpoint}"),
            Some(json!({ "rate_limit_per_second": RATE })),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    for _ in 0..EVENTS {
        app.create_user(&tenant, "Throttled").await;
    }

    let received = receiver.wait_for(EVENTS).await;
    let ids: std::collections::BTreeSet<&str> = received
        .iter()
        .map(|delivery| delivery.headers["webhook-id"].as_str())
        .collect();
    assert_eq!(ids.len(), EVENTS, "every event once");
    // Spaced 1/RATE apart (no burst): the last is at least (EVENTS - 1) / RATE after the
    // first, less some scheduling slack.
    let span = received[EVENTS - 1].at - received[0].at;
    let floor = Duration::from_secs(1) * u32::try_from(EVENTS - 1).unwrap() / RATE;
    assert!(
        span >= floor.mul_f64(0.9),
        "{EVENTS} deliveries within {span:?}, faster than {RATE}/s"
    );
    // Any one second holds at most RATE (+1 for the window's edges) deliveries.
    for (index, first) in received.iter().enumerate() {
        let within = received[index..]
            .iter()
            .take_while(|later| later.at - first.at < Duration::from_secs(1))
            .count();
        assert!(
            within <= usize::try_from(RATE).unwrap() + 1,
            "{within} deliveries within one second"
        );
    }
    // Deferred deliveries came back at the same attempt: every one succeeded at its first.
    let log = attempts(
        &app,
        &tenant,
        &format!("{ENDPOINTS}/{endpoint}/attempts?limit=100"),
    )
    .await;
    assert_eq!(log.len(), EVENTS, "{log:?}");
    assert!(
        log.iter()
            .all(|attempt| attempt["attempt"] == 1 && attempt["status"] == "succeeded"),
        "{log:?}"
    );
    let metrics = app.metrics.render();
    assert!(
        metrics.contains("atelier_webhook_deferred_total{reason=\"throttled\"}"),
        "no deferral counted"
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn a_rabbitmq_connection_cut_mid_stream_loses_nothing() {
    use atelier_tests::proxy::{ChaosProxy, broker_address};

    const EVENTS: usize = 30;
    let proxy = ChaosProxy::start(broker_address()).await;
    let mut config = config();
    config.amqp.url = format!("amqp://guest:guest@{}/%2f", proxy.address);
    let app = spawn_with(config).await;
    let tenant = app.create_tenant().await;
    let receiver = Receiver::start(Vec::new()).await;
    create_endpoint(&app, &tenant, &receiver.url).await;

    // Half the events, then the broker connections drop while they are in flight (published
    // by the relay, fanned out, being delivered), then the rest while the broker is away.
    for _ in 0..EVENTS / 2 {
        app.create_user(&tenant, "Before").await;
    }
    eventually(WAIT, "some deliveries under way", || async {
        !receiver.received().is_empty()
    })
    .await;
    proxy.cut();
    for _ in EVENTS / 2..EVENTS {
        app.create_user(&tenant, "During").await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    proxy.restore();
    wait_for_consumers(&app).await;

    let expected: std::collections::BTreeSet<String> =
        events_of(&app, &tenant, "identity.user.created")
            .await
            .iter()
            .map(|event| event["id"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(expected.len(), EVENTS);
    eventually(WAIT, "every event delivered after the cut", || async {
        let delivered: std::collections::BTreeSet<String> = receiver
            .received()
            .iter()
            .map(|delivery| delivery.headers["webhook-id"].clone())
            .collect();
        delivered == expected
    })
    .await;
    // Duplicates are allowed (at-least-once) but only as the same message: same webhook-id,
    // same body.
    let mut bodies: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for delivery in receiver.received() {
        let id = delivery.headers["webhook-id"].clone();
        let envelope: Value = serde_json::from_slice(&delivery.body).unwrap();
        assert_eq!(
            envelope["id"].as_str(),
            Some(id.as_str()),
            "webhook-id is the event id"
        );
        if let Some(first) = bodies.get(&id) {
            assert_eq!(first, &delivery.body, "a duplicate of {id} differs");
        } else {
            bodies.insert(id, delivery.body);
        }
    }
    app.stop_and_clean().await;
}

/// The last attempt's record, its exhaustion mark and `webhook.attempt.exhausted` commit
/// together: a failure injected between them rolls all back and the job comes back at the same
/// attempt (it is not dead-lettered without its event), and the next try emits the event once.
#[tokio::test]
async fn a_failure_before_the_exhausted_event_neither_loses_nor_dead_letters_it() {
    use atelier_store::faults::{self, Fault, WEBHOOK_EXHAUSTED_BEFORE_EVENT};
    let app = spawn().await;
    let tenant = app.create_tenant().await;
    let scope = tenant.tenant.to_string();
    faults::arm(WEBHOOK_EXHAUSTED_BEFORE_EVENT, &scope, Fault::Fail, 1);
    let receiver = Receiver::start(Vec::new()).await;
    receiver.set_fallback(Reply::Status(500, Vec::new()));
    create_endpoint(&app, &tenant, &receiver.url).await;
    let event_id = emit(&app, &tenant).await;

    // 1 + 3 retries, then the failed exhaustion brings the last attempt back once more.
    receiver.wait_for(5).await;
    assert_eq!(faults::hits(WEBHOOK_EXHAUSTED_BEFORE_EVENT, &scope), 1);
    let bus = app.bus();
    eventually(WAIT, "the job is dead-lettered", || async {
        bus.dlq_depth(DELIVERY_CONSUMER).await.unwrap_or(0) == 1
    })
    .await;
    let exhausted = events_of(&app, &tenant, "webhook.attempt.exhausted").await;
    assert_eq!(exhausted.len(), 1, "{exhausted:?}");
    assert_eq!(exhausted[0]["data"]["event_id"], event_id);
    // Every attempt sent is logged once; the rolled-back one left no record.
    let path = format!("/v1/webhooks/messages/{event_id}/attempts");
    let logged = attempts(&app, &tenant, &path).await;
    assert_eq!(logged.len(), 4, "{logged:?}");
    app.stop_and_clean().await;
}

/// A crash after the exhaustion committed but before the bus dead-lettered the job (simulated:
/// the job is handed back at the same attempt) does not emit a second event: the exhaustion
/// mark is checked inside the transaction.
#[tokio::test]
async fn a_redelivered_exhausted_job_emits_its_event_once() {
    use atelier_store::faults::{self, Fault, WEBHOOK_EXHAUSTED_AFTER_COMMIT};
    let app = spawn().await;
    let tenant = app.create_tenant().await;
    let scope = tenant.tenant.to_string();
    faults::arm(WEBHOOK_EXHAUSTED_AFTER_COMMIT, &scope, Fault::Fail, 1);
    let receiver = Receiver::start(Vec::new()).await;
    receiver.set_fallback(Reply::Status(500, Vec::new()));
    create_endpoint(&app, &tenant, &receiver.url).await;
    emit(&app, &tenant).await;

    receiver.wait_for(5).await;
    assert_eq!(faults::hits(WEBHOOK_EXHAUSTED_AFTER_COMMIT, &scope), 1);
    let bus = app.bus();
    eventually(WAIT, "the job is dead-lettered", || async {
        bus.dlq_depth(DELIVERY_CONSUMER).await.unwrap_or(0) == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let exhausted = events_of(&app, &tenant, "webhook.attempt.exhausted").await;
    assert_eq!(exhausted.len(), 1, "{exhausted:?}");
    app.stop_and_clean().await;
}

/// An endpoint whose host name resolves to an address the SSRF guard refuses (`localhost`,
/// with only the literal `127.0.0.1` allowed).
async fn spawn_with_a_refused_endpoint() -> (TestApp, TestTenant, String, String) {
    let mut config = config();
    config.update_module_config(|webhooks: &mut WebhooksConfig| {
        webhooks.allowed_hosts = vec!["127.0.0.1".to_owned()];
    });
    let app = spawn_with(config).await;
    let tenant = app.create_tenant().await;
    let (endpoint, _) = create_endpoint(&app, &tenant, "http://localhost:9/hooks").await;
    let event_id = emit(&app, &tenant).await;
    (app, tenant, endpoint, event_id)
}

/// The attempt log is the tenant's to read: it says the destination was refused, never what
/// the host name resolved to (that goes to the operator's log).
#[tokio::test]
async fn a_refused_destination_is_logged_without_its_resolved_address() {
    let (app, tenant, _endpoint, event_id) = spawn_with_a_refused_endpoint().await;
    let path = format!("/v1/webhooks/messages/{event_id}/attempts");
    eventually(WAIT, "the refused attempt is logged", || async {
        !attempts(&app, &tenant, &path).await.is_empty()
    })
    .await;
    let logged = attempts(&app, &tenant, &path).await;
    let error = logged[0]["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("localhost"), "names the host: {error}");
    for address in ["127.0.0.1", "::1"] {
        assert!(!error.contains(address), "reveals `{address}`: {error}");
    }
    app.stop_and_clean().await;
}

/// A delivery the SSRF guard refuses is dead-lettered like any exhausted delivery: with its
/// `webhook.attempt.exhausted` event.
#[tokio::test]
async fn a_refused_delivery_is_exhausted_with_its_event() {
    let (app, tenant, endpoint, event_id) = spawn_with_a_refused_endpoint().await;
    let bus = app.bus();
    eventually(WAIT, "the job is dead-lettered", || async {
        bus.dlq_depth(DELIVERY_CONSUMER).await.unwrap_or(0) == 1
    })
    .await;
    eventually(WAIT, "webhook.attempt.exhausted is emitted", || async {
        events_of(&app, &tenant, "webhook.attempt.exhausted")
            .await
            .len()
            == 1
    })
    .await;
    let exhausted = events_of(&app, &tenant, "webhook.attempt.exhausted").await;
    let data = &exhausted[0]["data"];
    assert_eq!(data["endpoint_id"], endpoint);
    assert_eq!(data["event_id"], event_id);
    assert_eq!(data["attempts"], 1);
    app.stop_and_clean().await;
}
