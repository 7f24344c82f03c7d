//! Presence: online, away and offline per workspace, for members only, expiring without
//! heartbeats.

use std::time::Duration;

use atelier_tests::{
    TestApp,
    realtime::{connect, user_token, workspace},
    test_config,
};
use serde_json::json;

#[tokio::test]
async fn realtime_presence_online_away_offline_and_expiry() {
    let mut config = test_config();
    config.realtime.presence_ttl = Duration::from_secs(1);
    let app = TestApp::spawn(config).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let bob = app.create_user(&tenant, "Bob").await;
    let carol = app.create_user(&tenant, "Carol").await;
    let design = workspace(&app, &tenant, alice, &[bob]).await;

    let mut bob_ws = connect(&app, &user_token(&app, &tenant, bob).await).await;
    let watch = json!({"v":1,"type":"watch_presence","id":"w","workspace_id":design.to_string()});
    bob_ws.send(watch.clone()).await;
    assert_eq!(bob_ws.until_answer("w").await["type"], "ack");

    // Carol is not a member: she may neither watch nor announce.
    let mut carol_ws = connect(&app, &user_token(&app, &tenant, carol).await).await;
    carol_ws.send(watch.clone()).await;
    assert_eq!(carol_ws.until_answer("w").await["code"], "not_found");
    carol_ws
        .send(json!({"v":1,"type":"presence","id":"p","workspace_id":design.to_string(),"status":"online"}))
        .await;
    assert_eq!(carol_ws.until_answer("p").await["code"], "not_found");

    let mut alice_ws = connect(&app, &user_token(&app, &tenant, alice).await).await;
    let announce = |status: &str| json!({"v":1,"type":"presence","id":status,"workspace_id":design.to_string(),"status":status});
    let expect = |frame: serde_json::Value, status: &str| {
        assert_eq!(frame["type"], "presence", "{frame}");
        assert_eq!(frame["workspace_id"], design.to_string());
        assert_eq!(frame["user_id"], alice.to_string());
        assert_eq!(frame["status"], status, "{frame}");
    };
    alice_ws.send(announce("online")).await;
    assert_eq!(alice_ws.until_answer("online").await["type"], "ack");
    expect(bob_ws.next().await, "online");

    // A new watcher gets a snapshot after its ack.
    let mut bob_again = connect(&app, &user_token(&app, &tenant, bob).await).await;
    bob_again.send(watch.clone()).await;
    assert_eq!(bob_again.until_answer("w").await["type"], "ack");
    expect(bob_again.next().await, "online");

    alice_ws.send(announce("away")).await;
    expect(bob_ws.next().await, "away");
    // Closing the socket withdraws the presence.
    drop(alice_ws);
    expect(bob_ws.next().await, "offline");

    // Without heartbeats an announcement expires after presence_ttl.
    let mut alice_ws = connect(&app, &user_token(&app, &tenant, alice).await).await;
    alice_ws.send(announce("online")).await;
    expect(bob_ws.next().await, "online");
    let started = tokio::time::Instant::now();
    expect(bob_ws.next().await, "offline");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "expired too early"
    );
    alice_ws.ping("still-connected").await;
    app.stop_and_clean().await;
}
