//! Retry tiers, then the dead-letter queue after N failures, then replay (admin API and CLI
//! share the bus operations; the API is exercised here).

use std::time::Duration;

use atelier_bus::Handler;
use atelier_core::{NewEvent, TenantId};
use atelier_outbox::Outbox;
use atelier_tests::{TestApp, eventually, recorder::Recorder, test_config, unique};
use serde_json::Value;

#[tokio::test]
async fn failing_deliveries_retry_then_dead_letter_then_replay() {
    let recorder = Recorder::new(
        &format!("flaky_{}", unique()),
        &["test.#"],
        &[Duration::from_millis(150), Duration::from_millis(300)],
        3,
    );
    recorder.set_failing(true);
    let app = TestApp::spawn_with(test_config(), vec![recorder.clone()]).await;
    let name = recorder.spec().name;
    let consumers_url = app.url("/v1/admin/consumers");
    eventually(Duration::from_secs(15), "consumer subscribed", || async {
        let body: Value = app
            .admin(app.http.get(&consumers_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        consumer(&body, &name)["alive"] == true
    })
    .await;

    let store = app.store().await;
    let written = Outbox::new(&store)
        .append_now(
            TenantId::generate(),
            vec![NewEvent::new(
                "test.flaky.event",
                "thing",
                "a",
                serde_json::json!({"n": 1}),
            )],
        )
        .await
        .unwrap();
    let event_id = written[0].id.to_string();

    eventually(
        Duration::from_secs(20),
        "dead-lettered after 3 attempts",
        || async {
            let body: Value = app
                .admin(app.http.get(&consumers_url))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            consumer(&body, &name)["dead_letters"] == 1
        },
    )
    .await;
    let attempts: Vec<u32> = recorder.deliveries().iter().map(|d| d.attempt).collect();
    assert_eq!(
        attempts,
        [1, 2, 3],
        "one try per tier, then the dead-letter queue"
    );
    assert!(
        recorder
            .deliveries()
            .iter()
            .all(|d| d.message_id.as_deref() == Some(event_id.as_str()))
    );
    assert!(
        recorder
            .deliveries()
            .iter()
            .all(|d| d.routing_key == "test.flaky.event")
    );

    let letters: Value = app
        .admin(
            app.http
                .get(app.url(&format!("/v1/admin/consumers/{name}/dead-letters"))),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let letter = &letters["items"][0];
    assert_eq!(letter["message_id"], event_id.as_str());
    assert_eq!(letter["reason"], "exhausted");
    assert_eq!(letter["attempt"], 3);
    assert_eq!(letter["routing_key"], "test.flaky.event");
    assert!(
        letter["last_error"]
            .as_str()
            .unwrap()
            .contains("recorder told to fail")
    );
    // Peeking leaves it in place.
    assert_eq!(app.bus().dlq_depth(&name).await.unwrap(), 1);

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
        metrics.contains(&format!(
            "atelier_queue_dead_lettered_total{{consumer=\"{name}\",reason=\"exhausted\"}} 1"
        )),
        "{metrics}"
    );

    recorder.set_failing(false);
    let replay: Value = app
        .admin(
            app.http
                .post(app.url(&format!("/v1/admin/consumers/{name}/dead-letters/replay"))),
        )
        .json(&serde_json::json!({ "limit": 10 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(replay["replayed"], 1);
    eventually(
        Duration::from_secs(10),
        "replayed delivery handled",
        || async { recorder.deliveries().len() == 4 },
    )
    .await;
    let last = recorder.deliveries().pop().unwrap();
    assert_eq!(last.attempt, 1, "replay resets the attempt count");
    assert_eq!(last.message_id.as_deref(), Some(event_id.as_str()));
    assert_eq!(last.routing_key, "test.flaky.event");
    eventually(
        Duration::from_secs(5),
        "dead-letter queue empty",
        || async { app.bus().dlq_depth(&name).await.unwrap() == 0 },
    )
    .await;
    app.stop_and_clean().await;
}

/// The admin API's entry for consumer `name` (the platform's own consumers are listed too).
fn consumer<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|item| item["name"] == name))
        .unwrap_or(&Value::Null)
}
