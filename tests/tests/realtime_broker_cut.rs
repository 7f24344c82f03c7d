//! A node that loses RabbitMQ loses its per-node queue, so events published while it was gone
//! may never reach it. The hub cannot rule that gap out: when its broker session comes back it
//! ends every subscription with `resync_required` (`delivery_interrupted`), and a client that
//! follows the README (one cursor per topic, re-subscribe with `after`) misses nothing.

use std::{collections::HashSet, sync::Arc, time::Duration};

use atelier_tests::{
    TestApp,
    proxy::{ChaosProxy, broker_address},
    realtime::{FakeChannels, chat_event, connect, user_token},
    test_config,
};
use serde_json::json;

#[tokio::test]
async fn realtime_a_broker_cut_during_a_send_stream_loses_no_event_at_the_client() {
    let proxy = ChaosProxy::start(broker_address()).await;
    let mut config = test_config();
    config.amqp.url = format!("amqp://guest:guest@{}/%2f", proxy.address);
    let channels = Arc::new(FakeChannels::default());
    let app = TestApp::spawn_with_access(config, channels.clone()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let channel = channels.channel(tenant.tenant, workspace, &[alice]);
    let mut client = connect(&app, &user_token(&app, &tenant, alice).await).await;
    client
        .send(json!({"v": 1, "type": "subscribe", "id": "s0", "channel_id": channel.to_string()}))
        .await;
    let ack = client.until_answer("s0").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let mut cursor = ack["position"].as_str().expect("a position").to_owned();

    // A send stream across a broker cut: 40 events, one every 100 ms; the cut lasts 3 s.
    let sender = {
        let tenant = tenant.tenant;
        let outbox = atelier_outbox::Outbox::new(&app.store().await);
        tokio::spawn(async move {
            let mut sent = Vec::new();
            for i in 0..40 {
                let event = chat_event(
                    "chat.message.created",
                    channel,
                    workspace,
                    json!({ "i": i }),
                );
                let appended = outbox
                    .append_now(tenant, vec![event])
                    .await
                    .expect("append");
                sent.push(appended[0].id.to_string());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            sent
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    proxy.cut();
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.restore();
    let sent: HashSet<String> = sender.await.expect("the sender").into_iter().collect();

    // The client follows the README: cursor per topic, re-subscribe with `after` when told.
    let mut received = HashSet::new();
    let mut interruptions = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !sent.is_subset(&received) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "missing at the client after 60 s: {:?} (interruptions: {interruptions})",
            sent.difference(&received).collect::<Vec<_>>()
        );
        let Some(frame) = client.next_within(Duration::from_secs(2)).await else {
            continue;
        };
        match frame["type"].as_str() {
            Some("event") => {
                let id = frame["event_id"].as_str().unwrap().to_owned();
                cursor.clone_from(&id);
                received.insert(id);
            }
            Some("resync_required") => {
                assert_eq!(frame["reason"], "delivery_interrupted", "{frame}");
                interruptions += 1;
                let id = format!("r{interruptions}");
                client
                    .send(json!({"v": 1, "type": "subscribe", "id": id,
                        "channel_id": channel.to_string(), "after": cursor}))
                    .await;
            }
            Some("ack") => {
                assert!(
                    frame.get("replayed").is_some(),
                    "a resubscribe replays: {frame}"
                );
            }
            _ => panic!("unexpected frame {frame}"),
        }
    }
    assert!(
        interruptions >= 1,
        "the broker gap was not signalled to the subscription"
    );
    client.ping("open").await;
    app.stop_and_clean().await;
}
