//! Chat read state and sync: unread and mention counts, mark read and unread, the badge
//! totals, history before / after / around, and the change feed catching exactly what changed
//! after a cursor.

use atelier_tests::{TestApp, chat::ChatFixture, test_config};
use reqwest::Method;
use serde_json::{Value, json};

fn seqs(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn read_state_counts_unread_and_mentions_and_the_badge_sums_them() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let general = chat.channel(&app, "public", 0, &[1, 2]).await;
    let private = chat.channel(&app, "private", 0, &[1]).await;
    let reader = chat.user(1);
    chat.send(&app, 0, &general, "morning").await;
    chat.send(
        &app,
        0,
        &general,
        &format!("<@{}> can you look?", reader.id),
    )
    .await;
    chat.send(&app, 2, &general, "@channel standup").await;
    let deleted = chat.send(&app, 2, &general, "oops").await;
    chat.send(&app, 1, &general, "my own message does not count")
        .await;
    chat.send(&app, 0, &private, "psst").await;
    app.call(
        &chat.user(2).token,
        Method::DELETE,
        &format!(
            "/v1/channels/{general}/messages/{}",
            deleted["id"].as_str().unwrap()
        ),
        None,
    )
    .await;

    let read_path = format!("/v1/channels/{general}/read");
    let (status, read) = app.call(&reader.token, Method::GET, &read_path, None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        (
            read["unread_count"].as_u64(),
            read["mention_count"].as_u64()
        ),
        (Some(3), Some(2)),
        "{read}"
    );
    let (_, badge) = app
        .call(&reader.token, Method::GET, "/v1/me/unread", None)
        .await;
    assert_eq!(
        (
            badge["unread_count"].as_u64(),
            badge["mention_count"].as_u64()
        ),
        (Some(4), Some(2)),
        "{badge}"
    );
    assert_eq!(badge["channels"].as_array().unwrap().len(), 2);

    // Read up to the second message: one unread left (the @channel one).
    let (_, read) = app
        .call(
            &reader.token,
            Method::POST,
            &read_path,
            Some(json!({"seq": 2})),
        )
        .await;
    assert_eq!(
        (
            read["last_read_seq"].as_i64(),
            read["unread_count"].as_u64(),
            read["mention_count"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    // Marking read never moves backwards...
    let (_, read) = app
        .call(
            &reader.token,
            Method::POST,
            &read_path,
            Some(json!({"seq": 1})),
        )
        .await;
    assert_eq!(read["last_read_seq"], 2);
    // ...and is capped at the newest message.
    let (_, read) = app
        .call(
            &reader.token,
            Method::POST,
            &read_path,
            Some(json!({"seq": 999})),
        )
        .await;
    assert_eq!(
        (
            read["last_read_seq"].as_i64(),
            read["unread_count"].as_u64()
        ),
        (Some(5), Some(0))
    );
    // Mark unread from the first message: everything by others is unread again.
    let (_, history) = app
        .call(
            &reader.token,
            Method::GET,
            &format!("/v1/channels/{general}/messages"),
            None,
        )
        .await;
    let first = history["items"][0]["id"].as_str().unwrap();
    let (status, read) = app
        .call(
            &reader.token,
            Method::POST,
            &format!("/v1/channels/{general}/unread"),
            Some(json!({"message_id": first})),
        )
        .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        (
            read["last_read_seq"].as_i64(),
            read["unread_count"].as_u64()
        ),
        (Some(0), Some(3))
    );
    let (_, read) = app
        .call(&reader.token, Method::POST, &read_path, Some(json!({})))
        .await;
    assert_eq!(read["unread_count"], 0);
    let (_, badge) = app
        .call(&reader.token, Method::GET, "/v1/me/unread", None)
        .await;
    assert_eq!(
        (
            badge["unread_count"].as_u64(),
            badge["mention_count"].as_u64()
        ),
        (Some(1), Some(0)),
        "{badge}"
    );
    // Non-members have no read state.
    let other = chat.channel(&app, "public", 0, &[]).await;
    let (status, problem) = app
        .call(
            &reader.token,
            Method::GET,
            &format!("/v1/channels/{other}/read"),
            None,
        )
        .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (403, Some("not_a_member"))
    );
    // New members start with nothing unread.
    chat.send(&app, 0, &other, "before you came").await;
    app.call(
        &reader.token,
        Method::POST,
        &format!("/v1/channels/{other}/join"),
        None,
    )
    .await;
    let (_, read) = app
        .call(
            &reader.token,
            Method::GET,
            &format!("/v1/channels/{other}/read"),
            None,
        )
        .await;
    assert_eq!(read["unread_count"], 0, "{read}");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn history_pages_before_after_and_around() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 1).await;
    let channel = chat.channel(&app, "private", 0, &[]).await;
    let mut ids = Vec::new();
    for i in 1..=10 {
        ids.push(
            chat.send(&app, 0, &channel, &format!("m{i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let base = format!("/v1/channels/{channel}/messages");
    let token = &chat.user(0).token;
    // (query, seqs, has_more_before, has_more_after)
    let cases: Vec<(String, Vec<i64>, bool, bool)> = vec![
        ("limit=3".into(), vec![8, 9, 10], true, false),
        ("limit=20".into(), (1..=10).collect(), false, false),
        ("before=8&limit=3".into(), vec![5, 6, 7], true, true),
        ("before=3&limit=5".into(), vec![1, 2], false, true),
        ("after=7&limit=2".into(), vec![8, 9], true, true),
        ("after=8&limit=5".into(), vec![9, 10], true, false),
        ("after=0&limit=2".into(), vec![1, 2], false, true),
        (
            format!("around={}&limit=4", ids[4]),
            vec![3, 4, 5, 6],
            true,
            true,
        ),
        (
            format!("around={}&limit=4", ids[0]),
            vec![1, 2],
            false,
            true,
        ),
        (
            format!("around={}&limit=5", ids[9]),
            vec![8, 9, 10],
            true,
            false,
        ),
    ];
    for (query, expected, before, after) in cases {
        let (status, page) = app
            .call(token, Method::GET, &format!("{base}?{query}"), None)
            .await;
        assert_eq!(status, 200, "{query}: {page}");
        assert_eq!(seqs(&page), expected, "{query}");
        assert_eq!(
            (
                page["has_more_before"].as_bool(),
                page["has_more_after"].as_bool()
            ),
            (Some(before), Some(after)),
            "{query}"
        );
    }
    app.stop_and_clean().await;
}

#[tokio::test]
async fn the_change_feed_returns_exactly_the_changes_after_a_cursor() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 2).await;
    let channel = chat.channel(&app, "public", 0, &[1]).await;
    let token = &chat.user(1).token;
    let kept = chat.send(&app, 0, &channel, "unchanged").await;
    let edited = chat.send(&app, 0, &channel, "to edit").await;
    let deleted = chat.send(&app, 0, &channel, "to delete").await;
    let reacted = chat.send(&app, 0, &channel, "to react to").await;

    // An offline client saw the history up to here.
    let (_, history) = app
        .call(
            token,
            Method::GET,
            &format!("/v1/channels/{channel}/messages"),
            None,
        )
        .await;
    let cursor = history["change_cursor"].as_str().unwrap().to_owned();
    let changes_path = |cursor: &str| format!("/v1/channels/{channel}/changes?cursor={cursor}");
    let (_, nothing) = app
        .call(token, Method::GET, &changes_path(&cursor), None)
        .await;
    assert!(nothing["items"].as_array().unwrap().is_empty(), "{nothing}");
    assert_eq!(
        nothing["next_cursor"],
        cursor.as_str(),
        "an empty page keeps the cursor"
    );

    let message_path = |m: &Value| {
        format!(
            "/v1/channels/{channel}/messages/{}",
            m["id"].as_str().unwrap()
        )
    };
    app.call(
        &chat.user(0).token,
        Method::PATCH,
        &message_path(&edited),
        Some(json!({"text": "edited"})),
    )
    .await;
    app.call(
        &chat.user(0).token,
        Method::DELETE,
        &message_path(&deleted),
        None,
    )
    .await;
    app.call(
        token,
        Method::POST,
        &format!("{}/reactions", message_path(&reacted)),
        Some(json!({"emoji": "🔥"})),
    )
    .await;
    let new = chat.send(&app, 1, &channel, "new").await;
    // Edited twice: it appears once, in its latest state.
    app.call(
        &chat.user(0).token,
        Method::PATCH,
        &message_path(&edited),
        Some(json!({"text": "edited again"})),
    )
    .await;

    // Read the feed two at a time.
    let mut seen: Vec<Value> = Vec::new();
    let mut position = cursor.clone();
    loop {
        let (status, page) = app
            .call(
                token,
                Method::GET,
                &format!("{}&limit=2", changes_path(&position)),
                None,
            )
            .await;
        assert_eq!(status, 200, "{page}");
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        position = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] != true {
            break;
        }
    }
    let ids: Vec<&str> = seen.iter().map(|m| m["id"].as_str().unwrap()).collect();
    let id = |m: &Value| m["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ids,
        [id(&deleted), id(&reacted), id(&new), id(&edited)],
        "in change order, each once"
    );
    assert!(!ids.contains(&kept["id"].as_str().unwrap()));
    let by_id = |m: &Value| seen.iter().find(|s| s["id"] == m["id"]).unwrap().clone();
    assert_eq!(by_id(&edited)["text"], "edited again");
    assert_eq!(by_id(&deleted)["deleted"], true);
    assert_eq!(by_id(&reacted)["reactions"][0]["emoji"], "🔥");
    assert_eq!(by_id(&reacted)["reactions"][0]["me"], true);
    let change_seqs: Vec<i64> = seen
        .iter()
        .map(|m| m["change_seq"].as_i64().unwrap())
        .collect();
    assert!(
        change_seqs.windows(2).all(|w| w[0] < w[1]),
        "{change_seqs:?}"
    );
    // Caught up: nothing more after the last cursor, and a reaction removal shows up next.
    let (_, after) = app
        .call(token, Method::GET, &changes_path(&position), None)
        .await;
    assert!(after["items"].as_array().unwrap().is_empty());
    app.call(
        token,
        Method::DELETE,
        &format!("{}/reactions/%F0%9F%94%A5", message_path(&reacted)),
        None,
    )
    .await;
    let (_, after) = app
        .call(token, Method::GET, &changes_path(&position), None)
        .await;
    assert_eq!(after["items"].as_array().unwrap().len(), 1);
    assert_eq!(after["items"][0]["reactions"], json!([]));
    // Without `since`, the feed starts at the beginning.
    let (_, all) = app
        .call(
            token,
            Method::GET,
            &format!("/v1/channels/{channel}/changes"),
            None,
        )
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    app.stop_and_clean().await;
}
