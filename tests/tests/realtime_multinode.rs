//! Two nodes on one database and one queue prefix behave as one gateway: an event committed
//! through node A reaches a subscriber on node B, and presence is seen across nodes.

use std::sync::Arc;

use atelier_tests::{
    TestApp, eventually,
    realtime::{FakeChannels, append, chat_event, connect, user_token, workspace},
    test_config, unique,
};
use serde_json::json;

#[tokio::test]
async fn realtime_events_and_presence_cross_nodes() {
    let config = test_config();
    let channels = Arc::new(FakeChannels::default());
    let node_a = TestApp::spawn_with_access(config.clone(), channels.clone()).await;
    let mut config_b = config.clone();
    config_b.node_id = format!("test-{}", unique());
    let node_b = TestApp::spawn_with_access(config_b, channels.clone()).await;

    let tenant = node_a.create_tenant().await;
    let alice = node_a.create_user(&tenant, "Alice").await;
    let bob = node_a.create_user(&tenant, "Bob").await;
    let design = workspace(&node_a, &tenant, alice, &[bob]).await;
    let channel = channels.channel(tenant.tenant, design, &[alice, bob]);

    // Bob listens on node B; the event is committed through node A's store.
    let mut bob_b = connect(&node_b, &user_token(&node_b, &tenant, bob).await).await;
    assert_eq!(bob_b.subscribe("s", channel).await["type"], "ack");
    let mut alice_a = connect(&node_a, &user_token(&node_a, &tenant, alice).await).await;
    assert_eq!(alice_a.subscribe("s", channel).await["type"], "ack");
    let events = append(
        &node_a,
        tenant.tenant,
        vec![chat_event(
            "chat.message.created",
            channel,
            design,
            json!({"text": "hi"}),
        )],
    )
    .await;
    for client in [&mut bob_b, &mut alice_a] {
        let frame = client.next().await;
        assert_eq!(frame["type"], "event", "{frame}");
        assert_eq!(frame["event_id"], events[0].id.to_string());
    }

    // Typing on A reaches B.
    alice_a
        .send(json!({"v":1,"type":"typing","channel_id":channel.to_string()}))
        .await;
    let typing = bob_b.next().await;
    assert_eq!(typing["type"], "typing", "{typing}");
    assert_eq!(typing["user_id"], alice.to_string());

    // Presence announced on A is seen by a watcher on B, and a watcher on B joining later
    // gets it in its snapshot.
    bob_b
        .send(json!({"v":1,"type":"watch_presence","id":"w","workspace_id":design.to_string()}))
        .await;
    assert_eq!(bob_b.until_answer("w").await["type"], "ack");
    alice_a
        .send(json!({"v":1,"type":"presence","id":"p","workspace_id":design.to_string(),"status":"online"}))
        .await;
    assert_eq!(alice_a.until_answer("p").await["type"], "ack");
    let presence = bob_b.next().await;
    assert_eq!(presence["type"], "presence", "{presence}");
    assert_eq!(presence["user_id"], alice.to_string());
    assert_eq!(presence["status"], "online");

    drop(alice_a);
    let presence = bob_b.next().await;
    assert_eq!(presence["status"], "offline", "{presence}");

    // The per-channel binding goes away with node B's last subscriber: B's metrics stop
    // counting deliveries for the channel.
    bob_b
        .send(json!({"v":1,"type":"unsubscribe","id":"u","channel_id":channel.to_string()}))
        .await;
    assert_eq!(bob_b.until_answer("u").await["type"], "ack");
    drop(bob_b);
    let metrics = node_b.metrics.clone();
    eventually(
        std::time::Duration::from_secs(10),
        "node B's sockets closed",
        || {
            let metrics = metrics.clone();
            async move {
                metrics
                    .render()
                    .contains("atelier_websocket_open_connections 0")
            }
        },
    )
    .await;

    node_b.stop().await.expect("node B stopped");
    node_a.stop_and_clean().await;
}
