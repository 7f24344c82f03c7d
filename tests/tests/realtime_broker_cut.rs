//! The realtime hub is supervised: after RabbitMQ goes away and comes back it reconnects and
//! rebinds the channels its sockets still subscribe to, without the clients doing anything.

use std::{sync::Arc, time::Duration};

use atelier_tests::{
    TestApp,
    proxy::{ChaosProxy, broker_address},
    realtime::{FakeChannels, append, chat_event, connect, user_token},
    test_config,
};
use serde_json::json;

#[tokio::test]
async fn realtime_hub_rebinds_after_a_broker_drop() {
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
    assert_eq!(client.subscribe("s", channel).await["type"], "ack");
    append(
        &app,
        tenant.tenant,
        vec![chat_event(
            "chat.message.created",
            channel,
            workspace,
            json!({}),
        )],
    )
    .await;
    assert_eq!(client.next().await["type"], "event");

    proxy.cut();
    tokio::time::sleep(Duration::from_millis(500)).await;
    proxy.restore();

    // Events published before the hub is back are for `resume`; keep sending until one
    // arrives live on the untouched subscription.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no live event after the broker came back"
        );
        let sent = append(
            &app,
            tenant.tenant,
            vec![chat_event(
                "chat.message.created",
                channel,
                workspace,
                json!({}),
            )],
        )
        .await;
        let mut received = false;
        while let Some(frame) = client.next_within(Duration::from_millis(700)).await {
            if frame["event_id"] == sent[0].id.to_string() {
                received = true;
                break;
            }
        }
        if received {
            break;
        }
    }
    client.ping("open").await;
    app.stop_and_clean().await;
}
