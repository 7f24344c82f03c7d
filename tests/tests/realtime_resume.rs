//! Resuming after a reconnect: replay from the last event id, or `resync_required`.

use std::{sync::Arc, time::Duration};

use atelier_core::EventId;
use atelier_tests::{
    TestApp,
    realtime::{FakeChannels, append, chat_event, connect, user_token},
    test_config,
};
use serde_json::json;

#[tokio::test]
async fn realtime_resume_replays_missed_events_or_asks_for_a_resync() {
    let mut config = test_config();
    config.realtime.resume_max_events = 3;
    let channels = Arc::new(FakeChannels::default());
    let app = TestApp::spawn_with_access(config, channels.clone()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let quiet = channels.channel(tenant.tenant, workspace, &[alice]);
    let busy = channels.channel(tenant.tenant, workspace, &[alice]);
    let token = user_token(&app, &tenant, alice).await;

    let mut client = connect(&app, &token).await;
    assert_eq!(client.subscribe("a", quiet).await["type"], "ack");
    assert_eq!(client.subscribe("b", busy).await["type"], "ack");
    let first = append(
        &app,
        tenant.tenant,
        vec![chat_event(
            "chat.message.created",
            quiet,
            workspace,
            json!({"n": 0}),
        )],
    )
    .await;
    let cursor = client.next().await["event_id"].as_str().unwrap().to_owned();
    assert_eq!(cursor, first[0].id.to_string());
    drop(client);

    // While disconnected: 2 events in `quiet` (replayable), 4 in `busy` (over the limit of 3).
    let mut missed = vec![
        chat_event("chat.message.created", quiet, workspace, json!({"n": 1})),
        chat_event("chat.message.edited", quiet, workspace, json!({"n": 2})),
    ];
    missed.extend(
        (0..4).map(|n| chat_event("chat.message.created", busy, workspace, json!({"n": n}))),
    );
    let missed = append(&app, tenant.tenant, missed).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut client = connect(&app, &token).await;
    assert_eq!(client.subscribe("a", quiet).await["type"], "ack");
    assert_eq!(client.subscribe("b", busy).await["type"], "ack");
    client
        .send(json!({"v":1,"type":"resume","id":"r","after":cursor}))
        .await;
    let ack = client.until_answer("r").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["replayed"], 2, "{ack}");
    client
        .send(json!({"v":1,"type":"resume","id":"r2","after":cursor}))
        .await;
    let (ack, frames) = client.until("ack").await;
    assert_eq!(ack["id"], "r2");
    let replayed: Vec<_> = frames
        .iter()
        .filter(|frame| frame["type"] == "event")
        .map(|frame| frame["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        replayed,
        vec![missed[0].id.to_string(), missed[1].id.to_string()]
    );
    let resync: Vec<_> = frames
        .iter()
        .filter(|frame| frame["type"] == "resync_required")
        .collect();
    assert_eq!(resync.len(), 1, "{frames:?}");
    assert_eq!(resync[0]["channel_id"], busy.to_string());
    assert_eq!(resync[0]["reason"], "too_many_missed");
    assert_eq!(
        resync[0]["changes_url"],
        format!("/v1/channels/{busy}/changes")
    );

    // A cursor older than the resume window: every channel resyncs.
    let two_hours_ago = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap() - 7_200_000;
    let old = EventId::from_ulid(ulid::Ulid::from_parts(two_hours_ago, 1));
    client
        .send(json!({"v":1,"type":"resume","id":"r3","after":old.to_string()}))
        .await;
    let (ack, frames) = client.until("ack").await;
    assert_eq!(ack["replayed"], 0);
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(
        frames
            .iter()
            .all(|frame| frame["type"] == "resync_required" && frame["reason"] == "cursor_too_old"),
        "{frames:?}"
    );
    app.stop_and_clean().await;
}

/// Appends one event at a time to `channel` until `stop` fires; returns the ids appended.
fn append_stream(
    store: atelier_store::Store,
    tenant: atelier_core::TenantId,
    channel: atelier_chat::ChannelId,
    workspace: atelier_identity::WorkspaceId,
    stop: tokio_util::sync::CancellationToken,
    pause: Duration,
) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let outbox = atelier_outbox::Outbox::new(&store);
        let mut ids = Vec::new();
        let mut n = 0;
        while !stop.is_cancelled() && n < 1000 {
            let event = chat_event("chat.message.created", channel, workspace, json!({"n": n}));
            let appended = outbox
                .append_now(tenant, vec![event])
                .await
                .expect("append an event");
            ids.extend(appended.iter().map(|event| event.id.to_string()));
            n += 1;
            tokio::time::sleep(pause).await;
        }
        ids
    })
}

/// While events are appended to a channel, clients subscribe to it again and again: no event
/// ever comes before the subscribe's `ack`, and the ack states the `position` after which
/// every event is delivered.
#[tokio::test]
async fn realtime_no_event_of_a_topic_precedes_its_subscribe_ack() {
    let channels = Arc::new(FakeChannels::default());
    let app = TestApp::spawn_with_access(test_config(), channels.clone()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let channel = channels.channel(tenant.tenant, workspace, &[alice]);
    let token = user_token(&app, &tenant, alice).await;
    // A socket holding the channel keeps the node bound to it: its events flow while the
    // others subscribe.
    let mut holder = connect(&app, &token).await;
    assert_eq!(holder.subscribe("h", channel).await["type"], "ack");
    let holding = tokio::spawn(async move {
        while holder.next_within(Duration::from_secs(60)).await.is_some() {}
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let appending = append_stream(
        app.store().await,
        tenant.tenant,
        channel,
        workspace,
        stop.clone(),
        Duration::from_millis(5),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    for round in 0..20 {
        let mut client = connect(&app, &token).await;
        client
            .send(
                json!({"v": 1, "type": "subscribe", "id": "s", "channel_id": channel.to_string()}),
            )
            .await;
        let (ack, before) = client.until("ack").await;
        assert_eq!(ack["id"], "s", "{ack}");
        assert!(
            before.is_empty(),
            "round {round}: frames before the ack: {before:?}"
        );
        let position = ack["position"]
            .as_str()
            .unwrap_or_else(|| panic!("a position: {ack}"));
        assert!(position.starts_with("evt_"), "{ack}");
        // Then the live events, among them those after the position (ones published late
        // may come first: delivery is at least once).
        loop {
            let next = client.next().await;
            assert_eq!(next["type"], "event", "{next}");
            if next["event_id"].as_str().unwrap() > position {
                break;
            }
        }
    }
    stop.cancel();
    let appended = appending.await.expect("appender");
    assert!(
        appended.len() > 20,
        "events were appended meanwhile: {}",
        appended.len()
    );
    holding.abort();
    app.stop_and_clean().await;
}

/// The README's recipe: keep the last `event_id` of the topic (starting from the ack's
/// `position`), and after a reconnect subscribe with `after` set to it. With events appended
/// all along, including while the client is away, none is missed.
#[tokio::test]
async fn realtime_resuming_by_the_readme_recipe_misses_no_event() {
    let channels = Arc::new(FakeChannels::default());
    let app = TestApp::spawn_with_access(test_config(), channels.clone()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let channel = channels.channel(tenant.tenant, workspace, &[alice]);
    let token = user_token(&app, &tenant, alice).await;
    let mut received = std::collections::HashSet::new();

    let mut client = connect(&app, &token).await;
    client
        .send(json!({"v": 1, "type": "subscribe", "id": "s1", "channel_id": channel.to_string()}))
        .await;
    let (ack, before) = client.until("ack").await;
    assert!(before.is_empty(), "{before:?}");
    let mut cursor = ack["position"]
        .as_str()
        .unwrap_or_else(|| panic!("a position: {ack}"))
        .to_owned();
    let stop = tokio_util::sync::CancellationToken::new();
    let appending = append_stream(
        app.store().await,
        tenant.tenant,
        channel,
        workspace,
        stop.clone(),
        Duration::from_millis(10),
    );
    // Some events live, then the connection is lost (no close handshake).
    while received.len() < 10 {
        let frame = client.next().await;
        assert_eq!(frame["type"], "event", "{frame}");
        cursor = frame["event_id"].as_str().unwrap().to_owned();
        received.insert(cursor.clone());
    }
    drop(client);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut client = connect(&app, &token).await;
    client
        .send(json!({"v": 1, "type": "subscribe", "id": "s2",
            "channel_id": channel.to_string(), "after": cursor}))
        .await;
    let (ack, before) = client.until("ack").await;
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(ack["position"], cursor.as_str(), "{ack}");
    assert!(ack["replayed"].as_u64().is_some_and(|n| n > 0), "{ack}");
    // Let the stream run on live for a while, then stop it and read to its end.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    let appended = appending.await.expect("appender");
    let last = appended.last().expect("events were appended").clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !received.contains(&last) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the last event never arrived"
        );
        let frame = client.next().await;
        assert_ne!(frame["type"], "resync_required", "{frame}");
        if frame["type"] == "event" {
            cursor = frame["event_id"].as_str().unwrap().to_owned();
            received.insert(cursor.clone());
        }
    }
    let missed: Vec<_> = appended
        .iter()
        .filter(|id| !received.contains(*id))
        .collect();
    assert!(
        missed.is_empty(),
        "missed {} of {}: {missed:?}",
        missed.len(),
        appended.len()
    );
    app.stop_and_clean().await;
}
