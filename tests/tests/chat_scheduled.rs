//! Scheduled chat messages: delivered by the worker at their time, cancellable until then,
//! surviving a server restart, never sent twice by two nodes.

use std::time::Duration;

use atelier_tests::{TestApp, chat::ChatFixture, eventually, test_config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn in_millis(millis: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::milliseconds(millis)).to_rfc3339()
}

async fn history(app: &TestApp, token: &str, channel: &str) -> Vec<Value> {
    let (_, page) = app
        .call(
            token,
            Method::GET,
            &format!("/v1/channels/{channel}/messages"),
            None,
        )
        .await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn scheduled_messages_are_sent_on_time_and_cancellable_before() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 2).await;
    let channel = chat.channel(&app, "private", 0, &[1]).await;
    let path = format!("/v1/channels/{channel}/scheduled-messages");
    let token = &chat.user(0).token;
    let (status, due) = app
        .call(
            token,
            Method::POST,
            &path,
            Some(json!({"text": "on time", "send_at": in_millis(1500)})),
        )
        .await;
    assert_eq!(status, 201, "{due}");
    assert_eq!(due["status"], "pending");
    let (_, cancelled) = app
        .call(
            token,
            Method::POST,
            &path,
            Some(json!({"text": "never", "send_at": in_millis(1500)})),
        )
        .await;
    let (_, list) = app.call(token, Method::GET, &path, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    // Another member sees only their own.
    let (_, theirs) = app
        .call(&chat.user(1).token, Method::GET, &path, None)
        .await;
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let cancel_path = format!("{path}/{}", cancelled["id"].as_str().unwrap());
    let (status, problem) = app
        .call(&chat.user(1).token, Method::DELETE, &cancel_path, None)
        .await;
    assert_eq!(status, 404, "someone else's scheduled message: {problem}");
    let (status, body) = app.call(token, Method::DELETE, &cancel_path, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    assert!(
        history(&app, token, &channel).await.is_empty(),
        "nothing is sent early"
    );

    let started = tokio::time::Instant::now();
    eventually(
        Duration::from_secs(5),
        "the scheduled message is sent",
        || async { !history(&app, token, &channel).await.is_empty() },
    )
    .await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(1500 + 2000),
        "sent {elapsed:?} after scheduling"
    );
    let sent = history(&app, token, &channel).await;
    assert_eq!(sent.len(), 1, "the cancelled one is not sent: {sent:?}");
    assert_eq!(sent[0]["text"], "on time");
    assert_eq!(sent[0]["author_id"], chat.user(0).id.as_str());
    assert_eq!(sent[0]["scheduled_message_id"], due["id"]);
    let (_, done) = app
        .call(
            token,
            Method::GET,
            &format!("{path}/{}", due["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        (done["status"].as_str(), &done["message_id"]),
        (Some("sent"), &sent[0]["id"])
    );
    // Once sent it can no longer be cancelled.
    let (status, problem) = app
        .call(
            token,
            Method::DELETE,
            &format!("{path}/{}", due["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("scheduled_message_not_pending"))
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn scheduled_messages_survive_a_restart_and_are_sent_once_by_two_nodes() {
    let config = test_config();
    let app = TestApp::spawn(config.clone()).await;
    let chat = ChatFixture::new(&app, 1).await;
    let channel = chat.channel(&app, "private", 0, &[]).await;
    let path = format!("/v1/channels/{channel}/scheduled-messages");
    let token = chat.user(0).token.clone();
    for i in 0..5 {
        let (status, body) = app
            .call(
                &token,
                Method::POST,
                &path,
                Some(json!({"text": format!("s{i}"), "send_at": in_millis(2500)})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // The node stops before they are due; two nodes on the same database take over.
    app.stop().await.unwrap();
    let mut second = config.clone();
    second.node_id = format!("{}-b", config.node_id);
    let mut third = config.clone();
    third.node_id = format!("{}-c", config.node_id);
    let first = TestApp::spawn(second).await;
    let other = TestApp::spawn(third).await;
    eventually(Duration::from_secs(8), "all five are sent", || async {
        history(&first, &token, &channel).await.len() >= 5
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = history(&first, &token, &channel).await;
    let mut texts: Vec<&str> = sent.iter().map(|m| m["text"].as_str().unwrap()).collect();
    texts.sort_unstable();
    assert_eq!(texts, ["s0", "s1", "s2", "s3", "s4"], "each exactly once");
    other.stop().await.unwrap();
    first.stop_and_clean().await;
}
