//! Readiness follows RabbitMQ: red while the connection is cut, green again after.

use std::time::Duration;

use atelier_bus::Handler;
use atelier_tests::{
    TestApp, eventually,
    proxy::{ChaosProxy, broker_address},
    recorder::Recorder,
    test_config, unique,
};
use serde_json::Value;

async fn readiness(app: &TestApp) -> (u16, Value) {
    let response = app.http.get(app.url("/readyz")).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn failing(body: &Value) -> Vec<String> {
    body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|check| check["status"] == "failing")
        .map(|check| check["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn readiness_turns_red_when_rabbitmq_is_cut_and_green_after() {
    let proxy = ChaosProxy::start(broker_address()).await;
    let mut config = test_config();
    config.amqp.url = format!("amqp://guest:guest@{}/%2f", proxy.address);
    let recorder = Recorder::new(
        &format!("ready_{}", unique()),
        &["test.#"],
        &[Duration::from_millis(200)],
        2,
    );
    let app = TestApp::spawn_with(config, vec![recorder.clone()]).await;

    eventually(Duration::from_secs(15), "ready", || async {
        readiness(&app).await.0 == 200
    })
    .await;
    let (_, body) = readiness(&app).await;
    let names: Vec<&str> = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "mongodb",
            "rabbitmq",
            "consumers",
            "outbox_relay",
            "realtime_hub"
        ]
    );

    proxy.cut();
    eventually(
        Duration::from_secs(20),
        "not ready, naming rabbitmq",
        || async {
            let (status, body) = readiness(&app).await;
            status == 503 && failing(&body).contains(&"rabbitmq".to_owned())
        },
    )
    .await;
    let (_, body) = readiness(&app).await;
    assert_eq!(body["status"], "not_ready");
    assert!(!failing(&body).contains(&"mongodb".to_owned()));

    // A dependency outage on an API call is a 503 problem with Retry-After.
    let response = app
        .admin(app.http.get(app.url("/v1/admin/consumers")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "dependency_unavailable");

    proxy.restore();
    eventually(
        Duration::from_secs(30),
        "ready again, consumer resubscribed",
        || async { readiness(&app).await.0 == 200 },
    )
    .await;
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("atelier_dependency_up{dependency=\"rabbitmq\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "atelier_consumer_up{{consumer=\"{}\"}} 1",
            recorder.spec().name
        )),
        "{metrics}"
    );
    app.stop_and_clean().await;
}
