//! The relay publishes exactly the written events, per-aggregate in order, across a crash.

use std::{collections::HashMap, sync::Arc, time::Duration};

use atelier_bus::Handler;
use atelier_core::{NewEvent, TenantId};
use atelier_outbox::Outbox;
use atelier_tests::{TestApp, eventually, recorder::Recorder, test_config, unique};

#[tokio::test]
async fn relay_publishes_every_written_event_across_a_crash() {
    let mut config = test_config();
    // One delivery at a time, so arrival order at the consumer is the order on the queue.
    config.amqp.prefetch = 1;
    let recorder = Recorder::new(
        &format!("probe_{}", unique()),
        &["test.#"],
        &[Duration::from_millis(200)],
        3,
    );
    let first = TestApp::spawn_with(config.clone(), vec![recorder.clone()]).await;
    let store = first.store().await;
    let outbox = Outbox::new(&store);
    let tenant = TenantId::generate();
    // Make sure the probe queue exists before anything is published.
    eventually(
        Duration::from_secs(15),
        "probe consumer subscribed",
        || async { first.bus().dlq_depth(&recorder.spec().name).await.is_ok() },
    )
    .await;

    let mut written = Vec::new();
    for round in 0..10 {
        let events = (0..10)
            .map(|i| {
                NewEvent::new(
                    "test.thing.happened",
                    "thing",
                    format!("agg_{}", i % 3),
                    serde_json::json!({ "round": round, "i": i }),
                )
            })
            .collect();
        written.extend(outbox.append_now(tenant, events).await.unwrap());
    }
    // Let part of the backlog through, then crash the node without any cleanup.
    eventually(Duration::from_secs(20), "some events delivered", || async {
        !recorder.distinct_ids().is_empty()
    })
    .await;
    first.crash().await;

    // Events written while no relay runs.
    for round in 10..15 {
        let events = (0..10)
            .map(|i| {
                NewEvent::new(
                    "test.thing.happened",
                    "thing",
                    format!("agg_{}", i % 3),
                    serde_json::json!({ "round": round }),
                )
            })
            .collect();
        written.extend(outbox.append_now(tenant, events).await.unwrap());
    }
    let mut second_config = config.clone();
    second_config.node_id = format!("second-{}", unique());
    let second = TestApp::spawn_with(second_config, vec![recorder.clone()]).await;

    let expected: Vec<String> = written.iter().map(|event| event.id.to_string()).collect();
    eventually(
        Duration::from_secs(30),
        "every written event delivered",
        || async { recorder.distinct_ids().len() >= expected.len() },
    )
    .await;
    let mut received = recorder.distinct_ids();
    received.sort();
    let mut wanted = expected.clone();
    wanted.sort();
    assert_eq!(
        received, wanted,
        "exactly the written events, each at least once"
    );

    // Per aggregate, first arrivals follow write order.
    let mut by_aggregate: HashMap<String, Vec<String>> = HashMap::new();
    let aggregate_of: HashMap<String, String> = written
        .iter()
        .map(|event| (event.id.to_string(), event.aggregate_id.clone()))
        .collect();
    for id in recorder.distinct_ids() {
        by_aggregate
            .entry(aggregate_of[&id].clone())
            .or_default()
            .push(id);
    }
    for (aggregate, ids) in by_aggregate {
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "aggregate {aggregate} delivered out of order");
    }

    // Every event is marked published, in log batches that never go backwards in id order.
    eventually(Duration::from_secs(10), "outbox drained", || async {
        outbox.backlog().await.unwrap().0 == 0
    })
    .await;
    let stored = outbox.find_by_tenant(tenant).await.unwrap();
    assert_eq!(stored.len(), expected.len());
    assert!(stored.iter().all(|event| event.log_batch.is_some()));
    let batches: Vec<i64> = stored
        .iter()
        .map(|event| event.log_batch.unwrap())
        .collect();
    assert!(
        batches.windows(2).all(|pair| pair[0] <= pair[1]),
        "{batches:?}"
    );

    // The envelope on the wire is the documented one.
    let delivery = recorder.deliveries().into_iter().next().unwrap();
    let envelope: serde_json::Value = serde_json::from_slice(&delivery.body).unwrap();
    assert_eq!(envelope["type"], "test.thing.happened");
    assert_eq!(envelope["tenant"], tenant.to_string());
    assert_eq!(envelope["envelope_version"], 1);
    assert_eq!(delivery.routing_key, "test.thing.happened");

    let handlers: Vec<Arc<dyn atelier_bus::Handler>> = vec![recorder.clone()];
    let bus = second.bus();
    second.stop().await.unwrap();
    atelier_tests::cleanup(&store, &bus, &handlers).await;
}

#[tokio::test]
async fn backlog_metric_reports_pending_events() {
    let mut config = test_config();
    config.roles = atelier_server::Roles::parse("api").unwrap();
    let app = TestApp::spawn(config).await;
    let store = app.store().await;
    let outbox = Outbox::new(&store);
    outbox
        .append_now(
            TenantId::generate(),
            vec![NewEvent::new(
                "test.thing.happened",
                "thing",
                "a",
                serde_json::json!({}),
            )],
        )
        .await
        .unwrap();
    let (pending, oldest) = outbox.backlog().await.unwrap();
    assert_eq!(pending, 1);
    assert!(oldest.is_some());
    app.stop_and_clean().await;
}

#[tokio::test]
async fn invalid_event_types_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn(test_config()).await;
    let store = app.store().await;
    let outbox = Outbox::new(&store);
    let tenant = TenantId::generate();
    let result = outbox
        .append_now(
            tenant,
            vec![
                NewEvent::new("test.ok.event", "thing", "a", serde_json::json!({})),
                NewEvent::new("test.#", "thing", "a", serde_json::json!({})),
            ],
        )
        .await;
    assert!(result.is_err());
    assert!(
        outbox.find_by_tenant(tenant).await.unwrap().is_empty(),
        "the transaction rolled back"
    );
    app.stop_and_clean().await;
}

/// A relay whose lease is taken over while it waits between publishing and marking (here: a
/// pause injected at that point, and another owner writing the lease at a new generation)
/// marks nothing under its own batch: the marking transaction is fenced by the generation.
/// Once the lease is free again the relay takes it (a new generation) and marks the events.
#[tokio::test]
async fn a_relay_whose_lease_was_taken_over_mid_cycle_marks_nothing() {
    use atelier_store::faults::{self, Fault, RELAY_BEFORE_MARK};
    use mongodb::bson::{Document, doc};
    let config = test_config();
    let scope = config.node_id.clone();
    faults::arm(
        RELAY_BEFORE_MARK,
        &scope,
        Fault::Pause(Duration::from_secs(2)),
        1,
    );
    let app = TestApp::spawn(config).await;
    let store = app.store().await;
    let outbox = Outbox::new(&store);
    let tenant = TenantId::generate();
    let events = (0..3)
        .map(|i| {
            NewEvent::new(
                "test.thing.happened",
                "thing",
                "a",
                serde_json::json!({ "i": i }),
            )
        })
        .collect();
    outbox.append_now(tenant, events).await.unwrap();

    eventually(
        Duration::from_secs(15),
        "the relay published and waits before marking",
        || async { faults::hits(RELAY_BEFORE_MARK, &scope) == 1 },
    )
    .await;
    let leases = store.database().collection::<Document>("leases");
    let far = chrono::Utc::now().timestamp_millis() + 60_000;
    let stolen = leases
        .update_one(
            doc! { "_id": "outbox_relay" },
            doc! { "$set": { "owner": "thief", "expires_at_ms": far }, "$inc": { "generation": 1_i64 } },
        )
        .await
        .unwrap();
    assert_eq!(stolen.matched_count, 1);

    // The pause ends and the stale relay tries to mark; then it stands by.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stored = outbox.find_by_tenant(tenant).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert!(
        stored.iter().all(
            |event| event.status == atelier_outbox::store::Status::Pending
                && event.log_batch.is_none()
        ),
        "a relay that lost its lease marked events: {stored:?}"
    );

    // The thief's lease lapses: the relay takes over and finishes the job.
    leases
        .update_one(
            doc! { "_id": "outbox_relay" },
            doc! { "$set": { "expires_at_ms": 0_i64 } },
        )
        .await
        .unwrap();
    eventually(Duration::from_secs(15), "the events are marked", || async {
        outbox.backlog().await.unwrap().0 == 0
    })
    .await;
    let stored = outbox.find_by_tenant(tenant).await.unwrap();
    assert!(stored.iter().all(|event| event.log_batch.is_some()));
    let lease = leases
        .find_one(doc! { "_id": "outbox_relay" })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lease.get_str("owner").unwrap(), scope);
    app.stop_and_clean().await;
}

/// The event log's ordering stamp grows batch by batch, whatever integer type the store
/// returns the `$inc`ed counter as (nx-27017 returns Int32; it was read as "absent" and every
/// event got batch 1).
#[tokio::test]
async fn log_batches_increase_relay_cycle_by_relay_cycle() {
    let app = TestApp::spawn(test_config()).await;
    let store = app.store().await;
    let outbox = Outbox::new(&store);
    let tenant = TenantId::generate();
    let mut batches = Vec::new();
    for round in 0..3 {
        let event = NewEvent::new(
            "test.thing.happened",
            "thing",
            "a",
            serde_json::json!({ "round": round }),
        );
        let id = outbox.append_now(tenant, vec![event]).await.unwrap()[0]
            .id
            .to_string();
        eventually(
            Duration::from_secs(15),
            "the event is published",
            || async { outbox.backlog().await.unwrap().0 == 0 },
        )
        .await;
        let stored = outbox.find_by_tenant(tenant).await.unwrap();
        let event = stored
            .iter()
            .find(|event| event.id == id)
            .expect("the appended event is stored");
        batches.push(event.log_batch.expect("a published event has its batch"));
    }
    assert!(
        batches.windows(2).all(|pair| pair[0] < pair[1]),
        "log batches must increase cycle by cycle: {batches:?}"
    );
    app.stop_and_clean().await;
}

/// Pipelining: batch N+1 is sent while batch N still awaits its confirms. A publish failure of
/// N+1 at that moment (injected just before its send, as a failing `basic.publish` would) ends
/// the cycle with neither batch marked: both are read and sent again, so every event arrives
/// (an event marked without its confirm would never be sent again and never arrive), per
/// aggregate in write order, and is marked exactly once, in log batches that follow id order.
#[tokio::test]
async fn a_publish_failure_while_the_previous_batch_is_in_flight_loses_and_reorders_nothing() {
    use atelier_store::faults::{self, Fault, RELAY_BEFORE_PUBLISH};
    let mut config = test_config();
    config.amqp.prefetch = 1;
    config.outbox.batch_size = 4;
    let scope = config.node_id.clone();
    // The first batch is sent; the second fails before its send.
    faults::arm_after(RELAY_BEFORE_PUBLISH, &scope, 1, Fault::Fail, 1);
    let recorder = Recorder::new(
        &format!("probe_{}", unique()),
        &["test.#"],
        &[Duration::from_millis(200)],
        3,
    );
    let app = TestApp::spawn_with(config, vec![recorder.clone()]).await;
    let store = app.store().await;
    let outbox = Outbox::new(&store);
    let tenant = TenantId::generate();
    eventually(
        Duration::from_secs(15),
        "probe consumer subscribed",
        || async { app.bus().dlq_depth(&recorder.spec().name).await.is_ok() },
    )
    .await;

    // One transaction: the relay finds three full batches at once and pipelines them.
    let events = (0..12)
        .map(|i| {
            NewEvent::new(
                "test.thing.happened",
                "thing",
                format!("agg_{}", i % 3),
                serde_json::json!({ "i": i }),
            )
        })
        .collect();
    let written = outbox.append_now(tenant, events).await.unwrap();
    let expected: Vec<String> = written.iter().map(|event| event.id.to_string()).collect();
    eventually(
        Duration::from_secs(30),
        "every written event delivered",
        || async { recorder.distinct_ids().len() >= expected.len() },
    )
    .await;
    assert_eq!(
        faults::hits(RELAY_BEFORE_PUBLISH, &scope),
        1,
        "the second batch's publish failed once"
    );
    let mut received = recorder.distinct_ids();
    received.sort();
    assert_eq!(received, expected, "exactly the written events");

    let aggregate_of: HashMap<String, String> = written
        .iter()
        .map(|event| (event.id.to_string(), event.aggregate_id.clone()))
        .collect();
    let mut by_aggregate: HashMap<String, Vec<String>> = HashMap::new();
    for id in recorder.distinct_ids() {
        by_aggregate
            .entry(aggregate_of[&id].clone())
            .or_default()
            .push(id);
    }
    for (aggregate, ids) in by_aggregate {
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "aggregate {aggregate} delivered out of order");
    }

    eventually(Duration::from_secs(10), "outbox drained", || async {
        outbox.backlog().await.unwrap().0 == 0
    })
    .await;
    let stored = outbox.find_by_tenant(tenant).await.unwrap();
    assert_eq!(stored.len(), expected.len());
    let batches: Vec<i64> = stored
        .iter()
        .map(|event| event.log_batch.expect("every event is marked"))
        .collect();
    assert!(
        batches.windows(2).all(|pair| pair[0] <= pair[1]),
        "{batches:?}"
    );
    // Batches of at most 4 events: each log batch is one relay batch.
    let mut sizes: HashMap<i64, usize> = HashMap::new();
    for batch in &batches {
        *sizes.entry(*batch).or_default() += 1;
    }
    assert!(sizes.values().all(|size| *size <= 4), "{sizes:?}");
    faults::disarm(RELAY_BEFORE_PUBLISH, &scope);
    app.stop_and_clean().await;
}

/// The relay's read of its next batch while the current one is in flight: the oldest pending
/// events, leaving out the ids in flight, but not the events older than them that are still
/// pending (an event that committed late must not wait behind the pipeline).
#[tokio::test]
async fn the_next_batch_is_the_oldest_pending_events_not_in_flight() {
    let mut config = test_config();
    config.roles = atelier_server::Roles::parse("api").unwrap();
    let app = TestApp::spawn(config).await;
    let store = app.store().await;
    let outbox = Outbox::new(&store);
    let tenant = TenantId::generate();
    let events = (0..6)
        .map(|i| {
            NewEvent::new(
                "test.thing.happened",
                "thing",
                "a",
                serde_json::json!({ "i": i }),
            )
        })
        .collect();
    let ids: Vec<String> = outbox
        .append_now(tenant, events)
        .await
        .unwrap()
        .iter()
        .map(|event| event.id.to_string())
        .collect();
    let read = |events: Vec<atelier_outbox::StoredEvent>| -> Vec<String> {
        events.into_iter().map(|event| event.id).collect()
    };
    let cases: [(&[usize], i64, &[usize]); 4] = [
        (&[], 3, &[0, 1, 2]),
        (&[0, 1, 2], 3, &[3, 4, 5]),
        // In flight after an older pending one: the older one comes first.
        (&[1, 2, 3], 2, &[0, 4]),
        (&[0, 1, 2, 3, 4, 5], 3, &[]),
    ];
    for (in_flight, limit, expected) in cases {
        let in_flight: Vec<String> = in_flight.iter().map(|&i| ids[i].clone()).collect();
        let expected: Vec<String> = expected.iter().map(|&i| ids[i].clone()).collect();
        let got = read(outbox.pending_excluding(limit, &in_flight).await.unwrap());
        assert_eq!(got, expected, "in flight {in_flight:?}");
    }
    app.stop_and_clean().await;
}
