//! The realtime gateway on one node, over real WebSockets: authentication, subscriptions and
//! permissions, event delivery, typing, limits and close codes.

use std::{sync::Arc, time::Duration};

use atelier_tests::{
    TestApp,
    realtime::{
        Auth, FakeChannels, append, chat_event, connect, connect_small_buffer, metric, try_connect,
        user_token,
    },
    test_config,
};
use serde_json::json;
use tokio_tungstenite::tungstenite::{self, Message};

async fn app_with(config: atelier_server::Config) -> (TestApp, Arc<FakeChannels>) {
    let channels = Arc::new(FakeChannels::default());
    let app = TestApp::spawn_with_access(config, channels.clone()).await;
    (app, channels)
}

fn refusal(error: tungstenite::Error) -> (u16, serde_json::Value, String) {
    match error {
        tungstenite::Error::Http(response) => {
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = response.body().clone().unwrap_or_default();
            (
                response.status().as_u16(),
                serde_json::from_slice(&body).unwrap_or_default(),
                content_type,
            )
        }
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn realtime_refuses_missing_bad_and_api_key_credentials_before_the_upgrade() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let cases = [
        (Auth::None, "unauthenticated"),
        (Auth::Header("not-a-jwt"), "malformed_credentials"),
        (Auth::Query("not.a.jwt"), "malformed_credentials"),
        (Auth::Header(tenant.api_key.as_str()), "user_token_required"),
    ];
    for (auth, code) in cases {
        let error = try_connect(&app, auth).await.err().expect("refused");
        let (status, problem, content_type) = refusal(error);
        assert_eq!(status, 401, "{auth:?}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{auth:?}");
        assert_eq!(problem["code"], code, "{auth:?}: {problem}");
        assert!(problem["request_id"].is_string(), "{problem}");
    }
    // The browser form: the token in the query.
    let alice = app.create_user(&tenant, "Alice").await;
    let token = user_token(&app, &tenant, alice).await;
    let mut client = try_connect(&app, Auth::Query(&token))
        .await
        .expect("connect");
    let hello = client.next().await;
    assert_eq!(hello["v"], 1);
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["user_id"], alice.to_string());
    app.stop_and_clean().await;
}

#[tokio::test]
async fn realtime_subscribe_delivers_chat_events_and_refuses_unreadable_channels() {
    let (app, channels) = app_with(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let bob = app.create_user(&tenant, "Bob").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let general = channels.channel(tenant.tenant, workspace, &[alice, bob]);
    let secret = channels.channel(tenant.tenant, workspace, &[bob]);
    let other = channels.channel(tenant.tenant, workspace, &[alice]);
    let mut client = connect(&app, &user_token(&app, &tenant, alice).await).await;

    let ack = client.subscribe("c1", general).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["channel_id"], general.to_string());
    for (id, channel) in [("c2", secret), ("c3", atelier_chat::ChannelId::generate())] {
        let refused = client.subscribe(id, channel).await;
        assert_eq!(refused["type"], "error", "{refused}");
        assert_eq!(refused["code"], "not_found", "{refused}");
    }
    assert_eq!(client.subscribe("c4", other).await["type"], "ack");

    // Every kind of chat event of a subscribed channel arrives, with type, id, time and data.
    let kinds = [
        "chat.message.created",
        "chat.message.edited",
        "chat.message.deleted",
        "chat.reaction.added",
        "chat.read_marker.updated",
    ];
    let events = append(
        &app,
        tenant.tenant,
        kinds
            .iter()
            .map(|kind| chat_event(kind, general, workspace, json!({"text": kind})))
            .collect(),
    )
    .await;
    for event in &events {
        let frame = client.next().await;
        assert_eq!(frame["v"], 1);
        assert_eq!(frame["type"], "event", "{frame}");
        assert_eq!(frame["channel_id"], general.to_string());
        assert_eq!(frame["event_id"], event.id.to_string());
        assert_eq!(frame["event_type"], event.event_type);
        assert_eq!(frame["data"]["text"], event.event_type);
        assert_eq!(frame["data"]["channel_id"], general.to_string());
        assert!(frame["occurred_at"].is_string());
    }

    // After unsubscribing, the channel's events stop; others keep flowing (in order).
    client
        .send(json!({"v":1,"type":"unsubscribe","id":"u1","channel_id":general.to_string()}))
        .await;
    assert_eq!(client.until_answer("u1").await["type"], "ack");
    let events = append(
        &app,
        tenant.tenant,
        vec![
            chat_event("chat.message.created", general, workspace, json!({})),
            chat_event("chat.message.created", secret, workspace, json!({})),
            chat_event("chat.message.created", other, workspace, json!({})),
        ],
    )
    .await;
    let frame = client.next().await;
    assert_eq!(frame["event_id"], events[2].id.to_string(), "{frame}");
    // Events of another tenant's channel with the same id shape never arrive either.
    assert!(
        client
            .next_within(Duration::from_millis(300))
            .await
            .is_none()
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn realtime_subscription_cap_answers_an_error_and_keeps_the_socket() {
    let mut config = test_config();
    config.realtime.max_subscriptions = 2;
    let (app, channels) = app_with(config).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let ids: Vec<_> = (0..3)
        .map(|_| channels.channel(tenant.tenant, workspace, &[alice]))
        .collect();
    let mut client = connect(&app, &user_token(&app, &tenant, alice).await).await;
    assert_eq!(client.subscribe("a", ids[0]).await["type"], "ack");
    assert_eq!(client.subscribe("b", ids[1]).await["type"], "ack");
    let refused = client.subscribe("c", ids[2]).await;
    assert_eq!(refused["code"], "too_many_subscriptions", "{refused}");
    // Re-subscribing to a held channel is still fine, and the socket is open.
    assert_eq!(client.subscribe("a2", ids[0]).await["type"], "ack");
    client.ping("p").await;
    app.stop_and_clean().await;
}

#[tokio::test]
async fn realtime_typing_reaches_other_subscribers_throttled() {
    let (app, channels) = app_with(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let bob = app.create_user(&tenant, "Bob").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let channel = channels.channel(tenant.tenant, workspace, &[alice, bob]);
    let mut alice_ws = connect(&app, &user_token(&app, &tenant, alice).await).await;
    let mut bob_ws = connect(&app, &user_token(&app, &tenant, bob).await).await;
    assert_eq!(alice_ws.subscribe("s", channel).await["type"], "ack");
    assert_eq!(bob_ws.subscribe("s", channel).await["type"], "ack");

    let typing = json!({"v":1,"type":"typing","channel_id":channel.to_string()});
    alice_ws.send(typing.clone()).await;
    alice_ws.send(typing.clone()).await;
    let frame = bob_ws.next().await;
    assert_eq!(frame["type"], "typing", "{frame}");
    assert_eq!(frame["user_id"], alice.to_string());
    assert_eq!(frame["channel_id"], channel.to_string());
    assert_eq!(frame["expires_in_ms"], 6000);
    // The second notice within the throttle interval was dropped; the sender gets none.
    assert!(
        bob_ws
            .next_within(Duration::from_millis(500))
            .await
            .is_none()
    );
    assert!(
        alice_ws
            .next_within(Duration::from_millis(100))
            .await
            .is_none()
    );
    // Typing in a channel one is not subscribed to is refused, the socket stays.
    let elsewhere = channels.channel(tenant.tenant, workspace, &[alice]);
    alice_ws
        .send(json!({"v":1,"type":"typing","channel_id":elsewhere.to_string()}))
        .await;
    let refused = alice_ws.next().await;
    assert_eq!(refused["code"], "not_subscribed", "{refused}");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn realtime_close_codes_for_malformed_oversize_and_binary_frames() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let token = user_token(&app, &tenant, alice).await;
    let oversize = format!(
        r#"{{"v":1,"type":"ping","id":"{}"}}"#,
        "x".repeat(70 * 1024)
    );
    let cases = [
        (Message::text("{not json"), 1007),
        (Message::text(r#"{"type":"ping"}"#), 1007),
        (
            Message::text(r#"{"v":1,"type":"subscribe","id":"x","channel_id":"nope"}"#),
            1007,
        ),
        (Message::text(oversize), 1009),
        (Message::binary(vec![1, 2, 3]), 1003),
    ];
    for (message, code) in cases {
        let mut client = connect(&app, &token).await;
        client.send_raw(message).await;
        let (closed_with, reason) = client.closed().await;
        assert_eq!(closed_with, code, "{reason}");
    }
    // Unknown types and versions are answered, not fatal.
    let mut client = connect(&app, &token).await;
    client
        .send(json!({"v": 1, "type": "dance", "id": "d"}))
        .await;
    assert_eq!(client.next().await["code"], "unknown_type");
    client.send(json!({"v": 2, "type": "ping"})).await;
    assert_eq!(client.next().await["code"], "unsupported_version");
    client.ping("still-open").await;
    app.stop_and_clean().await;
}

#[tokio::test]
async fn realtime_ping_timeout_closes_silent_clients() {
    let mut config = test_config();
    config.realtime.ping_interval = Duration::from_millis(100);
    config.realtime.ping_timeout = Duration::from_millis(400);
    let app = TestApp::spawn(config).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let token = user_token(&app, &tenant, alice).await;

    // A client that reads answers pings (the library sends pongs) and stays connected.
    let mut lively = connect(&app, &token).await;
    assert!(
        lively
            .next_within(Duration::from_millis(1000))
            .await
            .is_none()
    );
    lively.ping("alive").await;

    // A client that never reads never answers pings.
    let mut silent = connect(&app, &token).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (code, _) = silent.closed().await;
    assert_eq!(code, 4000);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn realtime_slow_consumer_is_closed_with_4008() {
    let mut config = test_config();
    config.realtime.outbound_queue = 4;
    let (app, channels) = app_with(config).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let channel = channels.channel(tenant.tenant, workspace, &[alice]);
    let mut client = connect(&app, &user_token(&app, &tenant, alice).await).await;
    assert_eq!(client.subscribe("s", channel).await["type"], "ack");
    // The client stops reading; 100 events of ~100 KB fill the socket buffers, then the queue.
    let blob = "x".repeat(100 * 1024);
    for _ in 0..4 {
        let events = (0..25)
            .map(|_| {
                chat_event(
                    "chat.message.created",
                    channel,
                    workspace,
                    json!({"text": blob}),
                )
            })
            .collect();
        append(&app, tenant.tenant, events).await;
    }
    let metrics = app.metrics.clone();
    atelier_tests::eventually(
        Duration::from_secs(20),
        "the slow consumer is detected",
        || {
            let metrics = metrics.clone();
            async move {
                metrics
                    .render()
                    .contains("atelier_realtime_slow_consumers_total 1")
            }
        },
    )
    .await;
    let (code, reason) = client.closed().await;
    assert_eq!(code, 4008, "{reason}");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn realtime_closes_with_4001_when_the_token_expires() {
    let mut config = test_config();
    config.identity.access_token_ttl = Duration::from_secs(2);
    let app = TestApp::spawn(config).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let mut client = connect(&app, &user_token(&app, &tenant, alice).await).await;
    let started = tokio::time::Instant::now();
    let (code, reason) = client.closed().await;
    assert_eq!(code, 4001, "{reason}");
    assert!(started.elapsed() >= Duration::from_millis(500));
    app.stop_and_clean().await;
}

/// A client that subscribes and then never reads again: once its socket buffers are full, the
/// frames queued for it age; the gateway closes it with 4008 (or drops the connection when
/// not even the close frame can be written) long before the ping timeout, and the socket's
/// task ends. Fewer events are sent than `realtime.outbound_queue` holds, so only the age of
/// the oldest unwritten frame can tell.
#[tokio::test]
async fn realtime_a_client_that_stops_reading_is_closed_by_the_age_of_its_queue() {
    let mut config = test_config();
    // Far beyond the test's bounds: the ping timeout must not be what ends the socket.
    config.realtime.ping_timeout = Duration::from_secs(600);
    let (app, channels) = app_with(config.clone()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let channel = channels.channel(tenant.tenant, workspace, &[alice]);
    let token = user_token(&app, &tenant, alice).await;
    let mut client = connect_small_buffer(&app, &token, 16 * 1024).await;
    assert_eq!(client.subscribe("s", channel).await["type"], "ack");
    assert_eq!(
        metric(&app, "atelier_websocket_open_connections"),
        Some(1.0)
    );

    // The client stops reading. 12 MB of events (more than the kernel buffers take: the
    // server's send buffer grows to 4 MB at most) in fewer frames than the queue holds.
    let events = config.realtime.outbound_queue / 2;
    let blob = "x".repeat(96 * 1024);
    for batch in 0..events / 16 {
        let events = (0..16)
            .map(|n| {
                chat_event(
                    "chat.message.created",
                    channel,
                    workspace,
                    json!({"text": blob, "n": batch * 16 + n}),
                )
            })
            .collect();
        append(&app, tenant.tenant, events).await;
    }

    // The server gives up on the socket on its own, the client still not reading.
    atelier_tests::eventually(
        Duration::from_secs(60),
        "the stalled socket's task ends",
        || {
            let app = &app;
            async move { metric(app, "atelier_websocket_open_connections") == Some(0.0) }
        },
    )
    .await;
    assert_eq!(
        metric(&app, "atelier_realtime_slow_consumers_total"),
        Some(1.0),
        "counted as a slow consumer (4008)"
    );
    // When the client reads again, the connection ends: with 4008 if the close frame could
    // be written, else without a close frame.
    match client.ending(Duration::from_secs(30)).await {
        Ok((code, reason)) => assert_eq!(code, 4008, "{reason}"),
        Err(dropped) => eprintln!("the connection was dropped: {dropped}"),
    }
    app.stop_and_clean().await;
}

/// Frames are rate limited per socket: beyond the burst a frame is refused with `error`
/// `rate_limited` (and not handled), and a client that keeps sending while refused is closed
/// with 4029. With the defaults: 10 frames per second in bursts of 120.
#[tokio::test]
async fn realtime_frames_beyond_the_rate_are_refused_then_the_socket_is_closed() {
    const BURST: usize = 120;
    let (app, channels) = app_with(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let channel = channels.channel(tenant.tenant, workspace, &[alice]);
    let mut client = connect(&app, &user_token(&app, &tenant, alice).await).await;

    // The burst is handled; the next frame is refused, with when to try again, unhandled.
    for n in 0..BURST {
        client
            .send(json!({"v": 1, "type": "ping", "id": format!("p{n}")}))
            .await;
    }
    client
        .send(json!({"v": 1, "type": "subscribe", "id": "s", "channel_id": channel.to_string()}))
        .await;
    for n in 0..BURST {
        let pong = client.next().await;
        assert_eq!(pong["type"], "pong", "{pong}");
        assert_eq!(pong["id"], format!("p{n}"));
    }
    let refused = client.next().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "rate_limited", "{refused}");
    assert_eq!(refused["id"], "s", "{refused}");
    assert!(
        refused["retry_after_ms"].as_u64().is_some_and(|ms| ms > 0),
        "{refused}"
    );
    // Not handled: no subscription, so no event arrives.
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
    assert!(
        client
            .next_within(Duration::from_millis(500))
            .await
            .is_none()
    );

    // Flooding on: closed with 4029.
    for n in 0..2 * BURST {
        client
            .send(json!({"v": 1, "type": "ping", "id": format!("f{n}")}))
            .await;
    }
    let (code, reason) = client.closed().await;
    assert_eq!(code, 4029, "{reason}");
    app.stop_and_clean().await;
}

/// A user may hold `realtime.max_sockets_per_user` (16) sockets on a node; one more is closed
/// at once with 4030 (without `hello`), and a socket freed makes room again. Other users are
/// not affected.
#[tokio::test]
async fn realtime_sockets_per_user_are_capped_on_the_node() {
    const CAP: usize = 16;
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let bob = app.create_user(&tenant, "Bob").await;
    let token = user_token(&app, &tenant, alice).await;
    let mut sockets = Vec::new();
    for _ in 0..CAP {
        sockets.push(connect(&app, &token).await);
    }
    let mut refused = try_connect(&app, Auth::Header(&token))
        .await
        .expect("upgraded");
    let (code, reason) = refused.closed().await;
    assert_eq!(code, 4030, "{reason}");
    // Another user still connects; the user's sockets still work.
    let mut bob_ws = connect(&app, &user_token(&app, &tenant, bob).await).await;
    bob_ws.ping("bob").await;
    sockets[CAP - 1].ping("last").await;
    // Closing one makes room.
    drop(sockets.swap_remove(0));
    let open = (CAP - 1 + 1) as f64;
    atelier_tests::eventually(
        Duration::from_secs(10),
        "the closed socket is released",
        || {
            let app = &app;
            async move { metric(app, "atelier_websocket_open_connections") == Some(open) }
        },
    )
    .await;
    let mut again = connect(&app, &token).await;
    again.ping("again").await;
    app.stop_and_clean().await;
}

/// Correlation ids are at most 128 bytes in every frame that carries one (also the optional
/// ones and unknown types, whose id is echoed): a longer one is a malformed frame (1007).
#[tokio::test]
async fn realtime_long_correlation_ids_close_the_socket_with_1007() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let token = user_token(&app, &tenant, alice).await;
    let workspace = atelier_identity::WorkspaceId::generate();
    let long = "i".repeat(129);
    let cases = [
        json!({"v": 1, "type": "ping", "id": long}),
        json!({"v": 1, "type": "dance", "id": long}),
        json!({"v": 1, "type": "presence", "id": long, "workspace_id": workspace.to_string(), "status": "online"}),
        json!({"v": 1, "type": "subscribe", "id": long, "topic": "channel:chn_01J0000000000000000000000A"}),
    ];
    for frame in cases {
        let mut client = connect(&app, &token).await;
        client.send(frame.clone()).await;
        let (code, reason) = client.closed().await;
        assert_eq!(code, 1007, "{frame}: {reason}");
    }
    // 128 bytes are fine.
    let mut client = connect(&app, &token).await;
    client.ping(&"i".repeat(128)).await;
    app.stop_and_clean().await;
}

/// A frame gets one answer: `unsubscribe` from a topic of a kind the node does not know is an
/// `error` (`unknown_topic_kind`), not an error followed by an `ack` of the same id.
#[tokio::test]
async fn realtime_unsubscribe_of_an_unknown_kind_is_answered_once() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let token = user_token(&app, &tenant, alice).await;
    let mut client = connect(&app, &token).await;
    client
        .send(json!({"v": 1, "type": "unsubscribe", "id": "u1", "topic": "nosuchkind:abc"}))
        .await;
    let answer = client.until_answer("u1").await;
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], "unknown_topic_kind", "{answer}");
    // The next answer on the socket is the pong, not a second answer to `u1`.
    let after = client.ping("p1").await;
    assert!(
        after.iter().all(|frame| frame["id"] != "u1"),
        "a second answer to u1: {after:?}"
    );
    app.stop_and_clean().await;
}
