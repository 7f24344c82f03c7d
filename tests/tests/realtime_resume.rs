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
