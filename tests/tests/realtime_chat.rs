//! The gateway with the real chat domain (the server's default channel access): a message sent
//! over HTTP reaches subscribers on another node; a private channel is not readable by a
//! non-member.

use atelier_tests::{TestApp, chat::ChatFixture, realtime::connect, test_config, unique};

#[tokio::test]
async fn realtime_delivers_chat_http_sends_across_nodes() {
    let config = test_config();
    let node_a = TestApp::spawn(config.clone()).await;
    let mut config_b = config.clone();
    config_b.node_id = format!("test-{}", unique());
    let node_b = TestApp::spawn(config_b).await;
    let fixture = ChatFixture::new(&node_a, 3).await;
    let channel = fixture.channel(&node_a, "private", 0, &[1]).await;
    let channel_id: atelier_chat::ChannelId = channel.parse().unwrap();

    let mut member = connect(&node_b, &fixture.user(1).token).await;
    assert_eq!(member.subscribe("s", channel_id).await["type"], "ack");
    let mut outsider = connect(&node_b, &fixture.user(2).token).await;
    let refused = outsider.subscribe("s", channel_id).await;
    assert_eq!(refused["code"], "not_found", "{refused}");

    let message = fixture.send(&node_a, 0, &channel, "hello over HTTP").await;
    // The channel's own creation events (created, members added) may still be on their way
    // from the relay when the subscription starts; they arrive first, in order.
    let frame = loop {
        let (frame, _) = member.until("event").await;
        if frame["event_type"] == "chat.message.created" {
            break frame;
        }
        assert!(
            matches!(
                frame["event_type"].as_str(),
                Some("chat.channel.created" | "chat.member.added")
            ),
            "{frame}"
        );
    };
    assert_eq!(frame["event_type"], "chat.message.created", "{frame}");
    assert_eq!(frame["channel_id"], channel);
    assert_eq!(frame["data"]["channel_id"], channel);
    assert!(
        frame["data"]
            .to_string()
            .contains(message["id"].as_str().unwrap()),
        "{frame} {message}"
    );
    node_b.stop().await.expect("node B stopped");
    node_a.stop_and_clean().await;
}
