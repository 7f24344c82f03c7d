//! Chat messages over HTTP: idempotent send, sequence numbers under concurrency, edits with
//! history, tombstones, pins, reactions, threads, and every refused input.

use std::collections::HashSet;

use atelier_tests::{TestApp, chat::ChatFixture, test_config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_retried_send_returns_the_original_message() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 2).await;
    let channel = chat.channel(&app, "private", 0, &[1]).await;
    let path = format!("/v1/channels/{channel}/messages");
    let body = json!({ "text": "hello", "client_message_id": "c-1" });
    let (status, first) = app
        .call(&chat.user(0).token, Method::POST, &path, Some(body.clone()))
        .await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = app
        .call(&chat.user(0).token, Method::POST, &path, Some(body.clone()))
        .await;
    assert_eq!(
        (status, &again),
        (StatusCode::CREATED, &first),
        "a retry answers the same"
    );
    // Concurrent retries of another message all get one message.
    let racing = futures_util::future::join_all((0..5).map(|_| {
        app.call(
            &chat.user(0).token,
            Method::POST,
            &path,
            Some(json!({ "text": "race", "client_message_id": "c-2" })),
        )
    }))
    .await;
    let raced: HashSet<String> = racing
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 201, "{body}");
            body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(raced.len(), 1, "{raced:?}");
    // The same client id in another channel, or by the API key's own send, is a new message.
    let other = chat.channel(&app, "private", 0, &[]).await;
    let (_, elsewhere) = app
        .call(
            &chat.user(0).token,
            Method::POST,
            &format!("/v1/channels/{other}/messages"),
            Some(body),
        )
        .await;
    assert_ne!(elsewhere["id"], first["id"]);
    let (_, history) = app
        .call(&chat.user(1).token, Method::GET, &path, None)
        .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2, "{history}");
    assert_eq!(history["items"][0]["client_message_id"], "c-1");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn concurrent_sends_get_distinct_consecutive_sequence_numbers() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let channel = chat.channel(&app, "public", 0, &[1, 2]).await;
    let sends = (0..24).map(|i| {
        let sender = i % 3;
        let chat = &chat;
        let app = &app;
        let channel = &channel;
        async move { chat.send(app, sender, channel, &format!("m{i}")).await }
    });
    let sent = futures_util::future::join_all(sends).await;
    let mut seqs: Vec<i64> = sent.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=24).collect::<Vec<i64>>());
    // History lists them by sequence number.
    let (_, page) = app
        .call(
            &chat.user(0).token,
            Method::GET,
            &format!("/v1/channels/{channel}/messages?limit=100"),
            None,
        )
        .await;
    let listed: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, (1..=24).collect::<Vec<i64>>());
    let (_, channel_view) = app
        .call(
            &chat.user(0).token,
            Method::GET,
            &format!("/v1/channels/{channel}"),
            None,
        )
        .await;
    assert_eq!(channel_view["last_seq"], 24);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn edits_keep_history_and_deletes_leave_tombstones() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let channel = chat.channel(&app, "public", 0, &[1, 2]).await;
    let message = chat.send(&app, 1, &channel, "first").await;
    let path = format!(
        "/v1/channels/{channel}/messages/{}",
        message["id"].as_str().unwrap()
    );
    let author = &chat.user(1).token;
    for text in ["second", "third"] {
        let (status, edited) = app
            .call(author, Method::PATCH, &path, Some(json!({"text": text})))
            .await;
        assert_eq!(
            (status, edited["text"].as_str()),
            (StatusCode::OK, Some(text)),
            "{edited}"
        );
    }
    let (_, edited) = app.call(author, Method::GET, &path, None).await;
    assert_eq!(edited["edit_count"], 2);
    assert_eq!(edited["seq"], message["seq"], "an edit keeps the position");
    assert!(edited["edited_at"].is_string());
    let (_, edits) = app
        .call(
            &chat.user(2).token,
            Method::GET,
            &format!("{path}/edits"),
            None,
        )
        .await;
    let texts: Vec<&str> = edits["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["first", "second"]);
    // Others may not edit; a plain member may not delete another's message.
    let (status, problem) = app
        .call(
            &chat.user(2).token,
            Method::PATCH,
            &path,
            Some(json!({"text": "x"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_the_author"))
    );
    let (status, _) = app
        .call(&chat.user(2).token, Method::DELETE, &path, None)
        .await;
    assert_eq!(status, 403);
    // The channel owner moderates: the message becomes a tombstone at the same position.
    let (status, tombstone) = app
        .call(&chat.user(0).token, Method::DELETE, &path, None)
        .await;
    assert_eq!(status, 200, "{tombstone}");
    assert_eq!(tombstone["deleted"], true);
    assert_eq!(tombstone["text"], "");
    assert_eq!(tombstone["edit_count"], 0);
    let (_, history) = app
        .call(
            author,
            Method::GET,
            &format!("/v1/channels/{channel}/messages"),
            None,
        )
        .await;
    assert_eq!(history["items"][0]["deleted"], true);
    assert_eq!(history["items"][0]["seq"], message["seq"]);
    let (status, problem) = app
        .call(author, Method::PATCH, &path, Some(json!({"text": "back"})))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("message_deleted"))
    );
    // Deleting again changes nothing.
    let (status, again) = app.call(author, Method::DELETE, &path, None).await;
    assert_eq!(
        (status, &again["change_seq"]),
        (StatusCode::OK, &tombstone["change_seq"])
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn pins_and_reactions() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 4).await;
    let channel = chat.channel(&app, "public", 0, &[1, 2, 3]).await;
    let message = chat.send(&app, 0, &channel, "ship it").await;
    let id = message["id"].as_str().unwrap();
    let path = format!("/v1/channels/{channel}/messages/{id}");

    let (status, pinned) = app
        .call(
            &chat.user(1).token,
            Method::PUT,
            &format!("{path}/pin"),
            None,
        )
        .await;
    assert_eq!(
        (status, &pinned["pinned"], &pinned["pinned_by"]),
        (StatusCode::OK, &json!(true), &json!(chat.user(1).id))
    );
    let (_, pins) = app
        .call(
            &chat.user(2).token,
            Method::GET,
            &format!("/v1/channels/{channel}/pins"),
            None,
        )
        .await;
    assert_eq!(ids(&pins["items"]), [id]);
    let (_, unpinned) = app
        .call(
            &chat.user(1).token,
            Method::DELETE,
            &format!("{path}/pin"),
            None,
        )
        .await;
    assert_eq!(unpinned["pinned"], false);
    let (_, pins) = app
        .call(
            &chat.user(2).token,
            Method::GET,
            &format!("/v1/channels/{channel}/pins"),
            None,
        )
        .await;
    assert!(pins["items"].as_array().unwrap().is_empty());

    let react = |user: usize, emoji: &str| {
        let token = chat.user(user).token.clone();
        let body = json!({ "emoji": emoji });
        let path = format!("{path}/reactions");
        let app = &app;
        async move { app.call(&token, Method::POST, &path, Some(body)).await }
    };
    for user in [0, 1, 2] {
        let (status, body) = react(user, "👍").await;
        assert_eq!(status, 200, "{body}");
    }
    react(3, "🎉").await;
    // Reacting twice changes nothing.
    let (_, twice) = react(0, "👍").await;
    let summary = |message: &Value| -> Vec<(String, i64, bool)> {
        message["reactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["emoji"].as_str().unwrap().to_owned(),
                    r["count"].as_i64().unwrap(),
                    r["me"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        summary(&twice),
        [("👍".to_owned(), 3, true), ("🎉".to_owned(), 1, false)]
    );
    let (_, seen_by_3) = app
        .call(&chat.user(3).token, Method::GET, &path, None)
        .await;
    assert_eq!(
        summary(&seen_by_3),
        [("👍".to_owned(), 3, false), ("🎉".to_owned(), 1, true)]
    );
    // Reactors page by page.
    let mut reactors = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut page_path = format!("{path}/reactions/%F0%9F%91%8D/users?limit=2");
        if let Some(cursor) = &cursor {
            page_path.push_str(&format!("&cursor={cursor}"));
        }
        let (status, page) = app
            .call(&chat.user(3).token, Method::GET, &page_path, None)
            .await;
        assert_eq!(status, 200, "{page}");
        assert!(page["items"].as_array().unwrap().len() <= 2);
        reactors.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["user_id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) if page["has_more"] == true => cursor = Some(next.to_owned()),
            _ => break,
        }
    }
    let mut expected: Vec<String> = (0..3).map(|u| chat.user(u).id.clone()).collect();
    expected.sort();
    assert_eq!(reactors, expected);
    // Removing: counts drop, the last one removes the emoji.
    let (_, removed) = app
        .call(
            &chat.user(0).token,
            Method::DELETE,
            &format!("{path}/reactions/%F0%9F%91%8D"),
            None,
        )
        .await;
    assert_eq!(
        summary(&removed),
        [("👍".to_owned(), 2, false), ("🎉".to_owned(), 1, false)]
    );
    let (_, removed) = app
        .call(
            &chat.user(3).token,
            Method::DELETE,
            &format!("{path}/reactions/%F0%9F%8E%89"),
            None,
        )
        .await;
    assert_eq!(summary(&removed), [("👍".to_owned(), 2, false)]);
    // A bad emoji is refused.
    let (status, problem) = app
        .call(
            &chat.user(0).token,
            Method::POST,
            &format!("{path}/reactions"),
            Some(json!({"emoji": "two words"})),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("emoji"))
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn threads_count_replies_participants_and_unread() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let channel = chat.channel(&app, "public", 0, &[1, 2]).await;
    let root = chat.send(&app, 0, &channel, "thoughts?").await;
    let root_id = root["id"].as_str().unwrap();
    let send_path = format!("/v1/channels/{channel}/messages");
    let mut replies = Vec::new();
    for (user, text) in [(1, "yes"), (2, "no"), (1, "maybe")] {
        let (status, reply) = app
            .call(
                &chat.user(user).token,
                Method::POST,
                &send_path,
                Some(json!({"text": text, "parent_id": root_id})),
            )
            .await;
        assert_eq!(status, 201, "{reply}");
        assert_eq!(reply["parent_id"], root_id);
        replies.push(reply);
    }
    let root_path = format!("{send_path}/{root_id}");
    let (_, root_now) = app
        .call(&chat.user(0).token, Method::GET, &root_path, None)
        .await;
    assert_eq!(root_now["thread"]["reply_count"], 3);
    assert_eq!(
        root_now["thread"]["participant_ids"],
        json!([chat.user(0).id, chat.user(1).id, chat.user(2).id])
    );
    assert!(root_now["thread"]["last_reply_at"].is_string());
    // Replies are not in the channel history but in the thread.
    let (_, history) = app
        .call(&chat.user(0).token, Method::GET, &send_path, None)
        .await;
    assert_eq!(ids(&history["items"]), [root_id]);
    let (_, thread) = app
        .call(
            &chat.user(0).token,
            Method::GET,
            &format!("{root_path}/replies"),
            None,
        )
        .await;
    assert_eq!(ids(&thread["items"]), ids(&json!(replies)));
    // Paged one at a time: the first reply, then the rest after its cursor.
    let (_, first) = app
        .call(
            &chat.user(0).token,
            Method::GET,
            &format!("{root_path}/replies?limit=1"),
            None,
        )
        .await;
    assert_eq!(ids(&first["items"]), ids(&json!(replies[..1])));
    assert_eq!(first["has_more"], true);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, after_first) = app
        .call(
            &chat.user(0).token,
            Method::GET,
            &format!("{root_path}/replies?cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(ids(&after_first["items"]), ids(&json!(replies[1..])));
    assert_eq!(after_first["has_more"], false);
    assert!(after_first.get("next_cursor").is_none(), "{after_first}");
    // Replies to replies are refused.
    let (status, problem) = app
        .call(
            &chat.user(0).token,
            Method::POST,
            &send_path,
            Some(json!({"text": "x", "parent_id": replies[0]["id"]})),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("parent_id"))
    );
    // Thread unread: the root's author has 3 unread replies, user 1 has 1 (user 2's).
    let badge = |user: usize| {
        let token = chat.user(user).token.clone();
        let app = &app;
        async move { app.call(&token, Method::GET, "/v1/me/unread", None).await.1 }
    };
    let totals = badge(0).await;
    assert_eq!(totals["thread_unread_count"], 3, "{totals}");
    assert_eq!(badge(1).await["thread_unread_count"], 1);
    let (status, read) = app
        .call(
            &chat.user(0).token,
            Method::POST,
            &format!("{root_path}/thread/read"),
            Some(json!({"seq": replies[1]["seq"]})),
        )
        .await;
    assert_eq!(
        (status, &read["unread_count"]),
        (StatusCode::OK, &json!(1)),
        "{read}"
    );
    let (_, read) = app
        .call(
            &chat.user(0).token,
            Method::POST,
            &format!("{root_path}/thread/read"),
            Some(json!({})),
        )
        .await;
    assert_eq!(read["unread_count"], 0);
    let totals = badge(0).await;
    assert_eq!(totals["thread_unread_count"], 0);
    assert_eq!(totals["threads"][0]["message_id"], root_id);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn refused_input_answers_problems() {
    let mut config = test_config();
    config.update_module_config(|chat: &mut atelier_chat::ChatConfig| {
        chat.max_message_chars = 50;
    });
    let app = TestApp::spawn(config).await;
    let chat = ChatFixture::new(&app, 3).await;
    let channel = chat.channel(&app, "public", 0, &[1]).await;
    let message = chat.send(&app, 0, &channel, "hello").await;
    let m = format!(
        "/v1/channels/{channel}/messages/{}",
        message["id"].as_str().unwrap()
    );
    let send = format!("/v1/channels/{channel}/messages");
    let user = chat.user(1).token.clone();
    let owner = chat.user(0).token.clone();
    let key = chat.tenant.api_key.clone();
    let (status, read_only) = app
        .call(
            &key,
            Method::POST,
            "/v1/api-keys",
            Some(json!({"name": "reader", "scope": "read_only"})),
        )
        .await;
    assert_eq!(status, 201, "{read_only}");
    let read_only = read_only["key"].as_str().unwrap().to_owned();
    let unknown = atelier_chat::ChannelId::generate();
    let attachment = |url: &str, mime: &str| json!([{ "url": url, "mime_type": mime, "size_bytes": 10, "name": "a.png" }]);
    // (token, method, path, body, status, code, field)
    type Case<'a> = (
        &'a str,
        Method,
        String,
        Option<Value>,
        u16,
        &'a str,
        Option<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": ""})),
            400,
            "invalid_field",
            Some("text"),
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": " \n "})),
            400,
            "invalid_field",
            Some("text"),
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": "x".repeat(51)})),
            413,
            "text_too_long",
            Some("text"),
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": "é".repeat(50)})),
            201,
            "",
            None,
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({})),
            400,
            "invalid_body",
            None,
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": "x", "attachments": attachment("ftp://x", "image/png")})),
            400,
            "invalid_field",
            Some("attachments"),
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": "x", "attachments": attachment("https://x/a.png", "png")})),
            400,
            "invalid_field",
            Some("attachments"),
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": "", "attachments": attachment("https://x/a.png", "image/png")})),
            201,
            "",
            None,
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": "x", "mention_ids": ["bob"]})),
            400,
            "invalid_field",
            Some("mention_ids"),
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(
                json!({"text": "x", "quoted_message_id": atelier_chat::MessageId::generate().to_string()}),
            ),
            400,
            "invalid_field",
            Some("quoted_message_id"),
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": "x", "client_message_id": "has space"})),
            400,
            "invalid_field",
            Some("client_message_id"),
        ),
        (
            &user,
            Method::POST,
            send.clone(),
            Some(json!({"text": "x", "user_id": chat.user(2).id})),
            400,
            "invalid_field",
            Some("user_id"),
        ),
        (
            &key,
            Method::POST,
            send.clone(),
            Some(json!({"text": "x"})),
            400,
            "invalid_field",
            Some("user_id"),
        ),
        (
            &key,
            Method::POST,
            send.clone(),
            Some(json!({"text": "x", "user_id": chat.user(2).id})),
            403,
            "not_a_member",
            None,
        ),
        (
            &key,
            Method::POST,
            send.clone(),
            Some(json!({"text": "from the backend", "user_id": chat.user(1).id})),
            201,
            "",
            None,
        ),
        (
            &owner,
            Method::PATCH,
            m.clone(),
            Some(json!({"text": "x".repeat(51)})),
            413,
            "text_too_long",
            Some("text"),
        ),
        (
            &user,
            Method::POST,
            format!("/v1/channels/{unknown}/messages"),
            Some(json!({"text": "x"})),
            404,
            "channel_not_found",
            None,
        ),
        (
            &user,
            Method::GET,
            format!("/v1/channels/{unknown}"),
            None,
            404,
            "channel_not_found",
            None,
        ),
        (
            &user,
            Method::GET,
            "/v1/channels/nope".to_owned(),
            None,
            400,
            "invalid_field",
            Some("channel_id"),
        ),
        (
            &user,
            Method::GET,
            format!(
                "/v1/channels/{channel}/messages/{}",
                atelier_chat::MessageId::generate()
            ),
            None,
            404,
            "message_not_found",
            None,
        ),
        (
            &user,
            Method::GET,
            format!("/v1/channels/{channel}/changes?cursor=garbage"),
            None,
            400,
            "invalid_cursor",
            None,
        ),
        (
            &user,
            Method::GET,
            format!("/v1/channels/{channel}/messages?before=garbage"),
            None,
            400,
            "invalid_cursor",
            None,
        ),
        (
            &user,
            Method::GET,
            format!("/v1/channels/{channel}/messages?before=1&after=2"),
            None,
            400,
            "invalid_field",
            Some("before"),
        ),
        (
            &user,
            Method::GET,
            format!("{m}/reactions/x/users?cursor=garbage"),
            None,
            400,
            "invalid_cursor",
            None,
        ),
        (
            &user,
            Method::GET,
            "/v1/search/messages?q=hello&cursor=garbage".to_owned(),
            None,
            400,
            "invalid_cursor",
            None,
        ),
        (
            &user,
            Method::GET,
            "/v1/search/messages?q=...".to_owned(),
            None,
            400,
            "invalid_field",
            Some("q"),
        ),
        (
            &user,
            Method::POST,
            format!("/v1/channels/{channel}/scheduled-messages"),
            Some(json!({"text": "x", "send_at": "2000-01-01T00:00:00Z"})),
            400,
            "invalid_field",
            Some("send_at"),
        ),
        (
            &key,
            Method::GET,
            "/v1/me/unread".to_owned(),
            None,
            403,
            "user_token_required",
            None,
        ),
        // Read-only keys read but never write.
        (&read_only, Method::GET, send.clone(), None, 200, "", None),
        (
            &read_only,
            Method::POST,
            send.clone(),
            Some(json!({"text": "x", "user_id": chat.user(1).id})),
            403,
            "forbidden",
            None,
        ),
        (
            &read_only,
            Method::PATCH,
            format!("/v1/channels/{channel}"),
            Some(json!({"topic": "x"})),
            403,
            "forbidden",
            None,
        ),
        (
            &read_only,
            Method::DELETE,
            m.clone(),
            None,
            403,
            "forbidden",
            None,
        ),
    ];
    for (index, (token, method, path, body, status, code, field)) in cases.into_iter().enumerate() {
        let (answer_status, answer) = app.call(token, method.clone(), &path, body).await;
        assert_eq!(
            answer_status.as_u16(),
            status,
            "case {index}: {method} {path}: {answer}"
        );
        if status >= 400 {
            assert_eq!(answer["code"], code, "case {index}: {answer}");
            assert!(answer["request_id"].is_string(), "case {index}: {answer}");
            if let Some(field) = field {
                assert_eq!(
                    answer["errors"][0]["field"], field,
                    "case {index}: {answer}"
                );
            }
        }
    }
    app.stop_and_clean().await;
}

#[tokio::test]
async fn frozen_archived_and_slow_mode_channels_refuse_sends() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 2).await;
    let channel = chat.channel(&app, "public", 0, &[1]).await;
    let settings = format!("/v1/channels/{channel}");
    let send = format!("/v1/channels/{channel}/messages");
    let owner = &chat.user(0).token;
    let member = &chat.user(1).token;
    let message = chat.send(&app, 1, &channel, "before").await;
    let m = format!("{send}/{}", message["id"].as_str().unwrap());

    let (status, _) = app
        .call(
            owner,
            Method::PATCH,
            &settings,
            Some(json!({"frozen": true})),
        )
        .await;
    assert_eq!(status, 200);
    for (method, path, body) in [
        (Method::POST, send.clone(), Some(json!({"text": "x"}))),
        (Method::PATCH, m.clone(), Some(json!({"text": "x"}))),
        (
            Method::POST,
            format!("{m}/reactions"),
            Some(json!({"emoji": "x"})),
        ),
    ] {
        let (status, problem) = app.call(member, method.clone(), &path, body).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("channel_frozen")),
            "{method} {path}"
        );
    }
    // Reading still works.
    let (status, _) = app.call(member, Method::GET, &send, None).await;
    assert_eq!(status, 200);
    app.call(
        owner,
        Method::PATCH,
        &settings,
        Some(json!({"frozen": false, "archived": true})),
    )
    .await;
    let (status, problem) = app
        .call(member, Method::POST, &send, Some(json!({"text": "x"})))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("channel_archived"))
    );
    app.call(
        owner,
        Method::PATCH,
        &settings,
        Some(json!({"archived": false, "slow_mode_seconds": 30})),
    )
    .await;

    // Slow mode: the member sent "before" a moment ago, so the next send is refused with
    // Retry-After; moderators are exempt.
    let response = app
        .http
        .post(app.url(&send))
        .bearer_auth(member)
        .json(&json!({"text": "two"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "slow_mode");
    for text in ["a", "b"] {
        let (status, body) = app
            .call(owner, Method::POST, &send, Some(json!({"text": text})))
            .await;
        assert_eq!(
            status, 201,
            "the owner moderates, so slow mode does not apply: {body}"
        );
    }
    app.stop_and_clean().await;
}
