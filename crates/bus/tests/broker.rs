//! Bus tests against the real RabbitMQ (`ATELIER_TEST_AMQP_URL`, default the local guest
//! account). Each test works under its own `t{ulid}` prefix and deletes what it declared.

mod support;

use std::{sync::Arc, time::Duration};

use atelier_bus::{
    Bus, BusConfig, BusError, ConsumerHealth, ConsumerSpec, Outcome, OutgoingMessage,
    spawn_consumer,
};
use lapin::{
    ConnectionProperties,
    options::{BasicGetOptions, BasicNackOptions},
};
use support::{
    Proxy, Recorder, amqp_url, assert_no_delivery, bus, eventually, next_delivery, spec,
    test_config,
};
use tokio_util::sync::CancellationToken;

fn message(id: &str, body: &str) -> OutgoingMessage {
    OutgoingMessage {
        message_id: id.to_owned(),
        body: body.as_bytes().to_vec(),
        content_type: "application/json".to_owned(),
        headers: vec![("tenant".to_owned(), "ten_1".to_owned())],
        timestamp: Some(chrono::Utc::now()),
    }
}

async fn publish(bus: &Bus, routing_key: &str, id: &str) {
    bus.publisher()
        .await
        .expect("publisher")
        .publish(&bus.events_exchange(), routing_key, message(id, "{}"))
        .await
        .expect("confirmed publish");
}

async fn clean_up(bus: &Bus, spec: &ConsumerSpec) {
    bus.delete_consumer_topology(spec)
        .await
        .expect("delete queues");
    bus.delete_base().await.expect("delete exchanges");
}

async fn stop(cancel: CancellationToken, consumer: tokio::task::JoinHandle<()>) {
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(10), consumer)
        .await
        .expect("consumer stops within 10s")
        .expect("consumer task did not panic");
}

#[tokio::test]
async fn publish_batch_confirms_and_every_message_arrives_with_its_id() {
    let bus = bus(test_config(&amqp_url()));
    let spec = spec("batch", &[200], 3);
    bus.declare_base().await.expect("base");
    bus.declare_base().await.expect("base is idempotent");
    bus.declare_consumer(&spec)
        .await
        .expect("consumer topology");
    bus.declare_consumer(&spec)
        .await
        .expect("consumer topology is idempotent");
    bus.check().await.expect("ready");

    let messages: Vec<(String, OutgoingMessage)> = (0..50)
        .map(|index| {
            (
                if index % 2 == 0 {
                    "doc.created"
                } else {
                    "doc.updated"
                }
                .to_owned(),
                message(&format!("evt_{index}"), &format!("{{\"n\":{index}}}")),
            )
        })
        .collect();
    let publisher = bus.publisher().await.expect("publisher");
    publisher
        .publish_batch(&bus.events_exchange(), messages)
        .await
        .expect("all confirmed");
    publisher
        .publish_batch(&bus.events_exchange(), Vec::new())
        .await
        .expect("an empty batch is fine");
    // Unbound routing key: confirmed (and dropped) by the broker, not an error.
    publisher
        .publish(
            &bus.events_exchange(),
            "other.thing",
            message("evt_x", "{}"),
        )
        .await
        .expect("unroutable event publish is confirmed");

    let connection = lapin::Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .expect("raw connection");
    let channel = connection.create_channel().await.expect("channel");
    let queue = format!("{}.batch", bus.config().prefix);
    let mut ids = Vec::new();
    while let Some(got) = channel
        .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
        .await
        .expect("basic.get")
    {
        let properties = &got.delivery.properties;
        assert_eq!(*properties.delivery_mode(), Some(2), "persistent");
        assert_eq!(
            properties.content_type().as_ref().map(|t| t.as_str()),
            Some("application/json")
        );
        ids.push(
            properties
                .message_id()
                .as_ref()
                .expect("message id")
                .to_string(),
        );
    }
    let expected: Vec<String> = (0..50).map(|index| format!("evt_{index}")).collect();
    assert_eq!(ids, expected, "all arrive, in order, with their ids");
    assert!(
        bus.metrics()
            .render()
            .contains("atelier_queue_published_total")
    );

    clean_up(&bus, &spec).await;
}

#[tokio::test]
async fn retries_go_through_the_tiers_and_keep_the_routing_key() {
    let bus = bus(test_config(&amqp_url()));
    let spec = spec("retrying", &[200, 300], 4);
    let (handler, mut seen) = Recorder::new(spec.clone(), |delivery| {
        if delivery.attempt <= 2 {
            Outcome::Retry {
                reason: format!("transient {}", delivery.attempt),
            }
        } else {
            Outcome::Ack
        }
    });
    let health = ConsumerHealth::default();
    let cancel = CancellationToken::new();
    let consumer = spawn_consumer(bus.clone(), handler, health.clone(), cancel.clone());
    assert_eq!(health.snapshot(), vec![("retrying".to_owned(), false)]);
    eventually("consumer up", Duration::from_secs(10), || async {
        health.all_alive()
    })
    .await;

    publish(&bus, "doc.created", "evt_retry").await;
    let first = next_delivery(&mut seen).await;
    let second = next_delivery(&mut seen).await;
    let third = next_delivery(&mut seen).await;
    for (delivery, attempt) in [(&first, 1), (&second, 2), (&third, 3)] {
        assert_eq!(delivery.attempt, attempt);
        assert_eq!(delivery.routing_key, "doc.created");
        assert_eq!(delivery.message_id.as_deref(), Some("evt_retry"));
        assert_eq!(delivery.body, b"{}");
        assert_eq!(
            delivery.headers.get("tenant").map(String::as_str),
            Some("ten_1")
        );
    }
    assert_eq!(
        third
            .headers
            .get("x-atelier-last-error")
            .map(String::as_str),
        Some("transient 2")
    );
    assert_no_delivery(&mut seen, Duration::from_millis(700)).await;
    let metrics = bus.metrics().render();
    assert!(metrics.contains(r#"atelier_queue_retried_total{consumer="retrying",tier="200ms"} 1"#));
    assert!(metrics.contains(r#"atelier_queue_retried_total{consumer="retrying",tier="300ms"} 1"#));
    assert!(
        metrics.contains(r#"atelier_queue_consumed_total{consumer="retrying",outcome="ack"} 1"#)
    );

    stop(cancel, consumer).await;
    assert!(!health.all_alive(), "a stopped consumer is not alive");
    clean_up(&bus, &spec).await;
}

#[tokio::test]
async fn exhausted_messages_are_dead_lettered_peeked_and_replayed() {
    let bus = bus(test_config(&amqp_url()));
    let spec = spec("failing", &[100, 200], 3);
    let (handler, mut seen) = Recorder::new(spec.clone(), |_| Outcome::Retry {
        reason: "boom".to_owned(),
    });
    let health = ConsumerHealth::default();
    let cancel = CancellationToken::new();
    let consumer = spawn_consumer(
        bus.clone(),
        Arc::clone(&handler) as Arc<dyn atelier_bus::Handler>,
        health.clone(),
        cancel.clone(),
    );
    eventually("consumer up", Duration::from_secs(10), || async {
        health.all_alive()
    })
    .await;

    publish(&bus, "doc.updated", "evt_fail").await;
    for attempt in 1..=3 {
        assert_eq!(next_delivery(&mut seen).await.attempt, attempt);
    }
    eventually("DLQ depth 1", Duration::from_secs(5), || async {
        bus.dlq_depth("failing").await.expect("depth") == 1
    })
    .await;
    assert_no_delivery(&mut seen, Duration::from_millis(400)).await;

    let letters = bus.dlq_peek("failing", 10).await.expect("peek");
    assert_eq!(letters.len(), 1);
    let letter = &letters[0];
    assert_eq!(letter.message_id.as_deref(), Some("evt_fail"));
    assert_eq!(letter.routing_key, "doc.updated");
    assert_eq!(letter.attempt, 3);
    assert_eq!(letter.reason, "exhausted");
    assert_eq!(letter.last_error.as_deref(), Some("boom"));
    assert_eq!(letter.body, "{}");
    assert!(
        letter
            .dead_lettered_at
            .as_deref()
            .is_some_and(|at| chrono::DateTime::parse_from_rfc3339(at).is_ok())
    );
    assert_eq!(
        bus.dlq_depth("failing").await.expect("depth"),
        1,
        "peek leaves it"
    );
    assert_eq!(
        bus.dlq_peek("failing", 10).await.expect("peek again").len(),
        1
    );

    handler.set_decide(|_| Outcome::Ack);
    assert_eq!(bus.dlq_replay("failing", 10).await.expect("replay"), 1);
    let replayed = next_delivery(&mut seen).await;
    assert_eq!(replayed.attempt, 1);
    assert_eq!(replayed.routing_key, "doc.updated");
    assert_eq!(replayed.message_id.as_deref(), Some("evt_fail"));
    assert_eq!(bus.dlq_depth("failing").await.expect("depth"), 0);
    assert_eq!(
        bus.dlq_replay("failing", 10).await.expect("replay nothing"),
        0
    );
    assert!(
        bus.metrics().render().contains(
            r#"atelier_queue_dead_lettered_total{consumer="failing",reason="exhausted"} 1"#
        )
    );

    stop(cancel, consumer).await;
    clean_up(&bus, &spec).await;
}

#[tokio::test]
async fn rejected_messages_go_straight_to_the_dlq() {
    let bus = bus(test_config(&amqp_url()));
    let spec = spec("rejecting", &[100], 5);
    let (handler, mut seen) = Recorder::new(spec.clone(), |_| Outcome::Reject {
        reason: "invalid payload".to_owned(),
    });
    let health = ConsumerHealth::default();
    let cancel = CancellationToken::new();
    let consumer = spawn_consumer(bus.clone(), handler, health.clone(), cancel.clone());
    eventually("consumer up", Duration::from_secs(10), || async {
        health.all_alive()
    })
    .await;

    publish(&bus, "doc.deleted", "evt_reject").await;
    assert_eq!(next_delivery(&mut seen).await.attempt, 1);
    eventually("DLQ depth 1", Duration::from_secs(5), || async {
        bus.dlq_depth("rejecting").await.expect("depth") == 1
    })
    .await;
    assert_no_delivery(&mut seen, Duration::from_millis(400)).await;
    let letters = bus.dlq_peek("rejecting", 1).await.expect("peek");
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].reason, "rejected");
    assert_eq!(letters[0].attempt, 1);
    assert_eq!(letters[0].routing_key, "doc.deleted");
    assert_eq!(letters[0].last_error.as_deref(), Some("invalid payload"));

    stop(cancel, consumer).await;
    clean_up(&bus, &spec).await;
}

#[tokio::test]
async fn broker_dead_letters_after_the_delivery_limit_show_in_peek_and_replay() {
    let mut config = test_config(&amqp_url());
    config.delivery_limit = 1;
    let bus = bus(config);
    let spec = spec("crashing", &[100], 3);
    bus.declare_base().await.expect("base");
    bus.declare_consumer(&spec).await.expect("topology");
    publish(&bus, "doc.created", "evt_crash").await;

    // Simulate a handler that crashes mid-delivery: take the message and return it unsettled.
    let connection = lapin::Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .expect("raw connection");
    let channel = connection.create_channel().await.expect("channel");
    let queue = format!("{}.crashing", bus.config().prefix);
    for _ in 0..20 {
        if bus.dlq_depth("crashing").await.expect("depth") == 1 {
            break;
        }
        if let Some(got) = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await
            .expect("basic.get")
        {
            got.delivery
                .nack(BasicNackOptions {
                    multiple: false,
                    requeue: true,
                })
                .await
                .expect("nack");
        } else {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    eventually("DLQ depth 1", Duration::from_secs(5), || async {
        bus.dlq_depth("crashing").await.expect("depth") == 1
    })
    .await;

    let letters = bus.dlq_peek("crashing", 5).await.expect("peek");
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].reason, "delivery_limit");
    assert_eq!(letters[0].routing_key, "doc.created");
    assert_eq!(letters[0].message_id.as_deref(), Some("evt_crash"));
    assert_eq!(letters[0].attempt, 1);
    assert!(letters[0].dead_lettered_at.is_some());

    let (handler, mut seen) = Recorder::new(spec.clone(), |_| Outcome::Ack);
    let health = ConsumerHealth::default();
    let cancel = CancellationToken::new();
    let consumer = spawn_consumer(bus.clone(), handler, health.clone(), cancel.clone());
    assert_eq!(bus.dlq_replay("crashing", 5).await.expect("replay"), 1);
    let replayed = next_delivery(&mut seen).await;
    assert_eq!(replayed.routing_key, "doc.created");
    assert_eq!(replayed.attempt, 1);

    stop(cancel, consumer).await;
    clean_up(&bus, &spec).await;
}

#[tokio::test]
async fn dlq_tools_report_unknown_consumers() {
    let bus = bus(test_config(&amqp_url()));
    assert!(matches!(
        bus.dlq_depth("nobody").await,
        Err(BusError::UnknownConsumer(name)) if name == "nobody"
    ));
    assert!(matches!(
        bus.dlq_peek("nobody", 5).await,
        Err(BusError::UnknownConsumer(_))
    ));
    assert!(matches!(
        bus.dlq_replay("nobody", 5).await,
        Err(BusError::UnknownConsumer(_))
    ));
}

#[tokio::test]
async fn readiness_check_fails_fast_when_the_broker_is_unreachable() {
    // Nothing listens on port 1.
    let mut config = test_config("amqp://guest:guest@127.0.0.1:1/%2f");
    config.pool_size = 1;
    let bus = bus(config);
    let started = std::time::Instant::now();
    let error = bus.check().await.expect_err("unreachable");
    assert!(error.is_unavailable(), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn consumer_reconnects_after_its_connection_drops() {
    let proxy = Proxy::start(&amqp_url()).await;
    let mut proxied_config = test_config(&proxy.url);
    proxied_config.reconnect_backoff_max = Duration::from_millis(400);
    let direct = bus(BusConfig {
        url: amqp_url(),
        ..proxied_config.clone()
    });
    let proxied = bus(proxied_config);
    let spec = spec("reconnecting", &[100], 3);
    let (handler, mut seen) = Recorder::new(spec.clone(), |_| Outcome::Ack);
    let health = ConsumerHealth::default();
    let cancel = CancellationToken::new();
    let consumer = spawn_consumer(proxied, handler, health.clone(), cancel.clone());
    eventually("consumer up", Duration::from_secs(10), || async {
        health.all_alive()
    })
    .await;
    publish(&direct, "doc.created", "evt_before").await;
    assert_eq!(
        next_delivery(&mut seen).await.message_id.as_deref(),
        Some("evt_before")
    );

    proxy.drop_all();
    eventually("consumer down", Duration::from_secs(5), || async {
        !health.all_alive()
    })
    .await;
    eventually("consumer up again", Duration::from_secs(10), || async {
        health.all_alive()
    })
    .await;
    publish(&direct, "doc.created", "evt_after").await;
    // At least once: if the ack of the first delivery was cut with the connection, it comes
    // again, marked redelivered.
    let mut after = next_delivery(&mut seen).await;
    if after.message_id.as_deref() == Some("evt_before") {
        assert!(after.redelivered);
        after = next_delivery(&mut seen).await;
    }
    assert_eq!(after.message_id.as_deref(), Some("evt_after"));

    stop(cancel, consumer).await;
    clean_up(&direct, &spec).await;
}

#[tokio::test]
async fn publish_to_queue_reaches_the_work_queue_and_refuses_missing_queues() {
    let bus = bus(test_config(&amqp_url()));
    let spec = spec("jobs", &[200], 2);
    let (handler, mut seen) = Recorder::new(spec.clone(), |_| Outcome::Ack);
    let health = ConsumerHealth::default();
    let cancel = CancellationToken::new();
    let consumer = spawn_consumer(bus.clone(), handler, health.clone(), cancel.clone());
    eventually("consumer up", Duration::from_secs(10), || async {
        health.all_alive()
    })
    .await;

    let publisher = bus.publisher().await.expect("publisher");
    publisher
        .publish_to_queue(&bus.work_queue("jobs"), message("job_1", "{\"n\":1}"))
        .await
        .expect("confirmed");
    let delivery = next_delivery(&mut seen).await;
    assert_eq!(delivery.message_id.as_deref(), Some("job_1"));
    assert_eq!(delivery.attempt, 1);
    assert_eq!(delivery.body, b"{\"n\":1}");

    let missing = publisher
        .publish_to_queue(&bus.work_queue("no_such_consumer"), message("job_2", "{}"))
        .await;
    assert!(
        matches!(missing, Err(BusError::Unroutable { .. })),
        "{missing:?}"
    );

    stop(cancel, consumer).await;
    clean_up(&bus, &spec).await;
}
