//! Chat search: whole words, case-insensitive, every word; only channels the caller can
//! read; filters by channel, author and time; pages newest first; edits and deletes are
//! reflected.

use atelier_tests::{TestApp, chat::ChatFixture, test_config};
use reqwest::Method;
use serde_json::{Value, json};

fn texts(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn search_finds_readable_messages_with_filters() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let public = chat.channel(&app, "public", 0, &[1]).await;
    let mine = chat.channel(&app, "private", 0, &[1]).await;
    let hidden = chat.channel(&app, "private", 0, &[2]).await;
    let searcher = &chat.user(1).token;
    chat.send(&app, 0, &public, "Deploy the API today").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let before_second = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    chat.send(&app, 1, &public, "deploy failed: rollback").await;
    chat.send(&app, 0, &mine, "Deploying is not deploy? deploy!")
        .await;
    chat.send(&app, 0, &hidden, "deploy secret plans").await;
    let edited = chat.send(&app, 0, &public, "nothing here").await;
    let deleted = chat.send(&app, 0, &mine, "deploy and delete").await;
    let m = |channel: &str, message: &Value| {
        format!(
            "/v1/channels/{channel}/messages/{}",
            message["id"].as_str().unwrap()
        )
    };
    app.call(
        &chat.user(0).token,
        Method::PATCH,
        &m(&public, &edited),
        Some(json!({"text": "now a DEPLOY note"})),
    )
    .await;
    app.call(
        &chat.user(0).token,
        Method::DELETE,
        &m(&mine, &deleted),
        None,
    )
    .await;

    let from = before_second.to_rfc3339().replace('+', "%2B");
    // (query string, texts, newest first)
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            "q=deploy".into(),
            vec![
                "now a DEPLOY note",
                "Deploying is not deploy? deploy!",
                "deploy failed: rollback",
                "Deploy the API today",
            ],
        ),
        ("q=DEPLOY%20api".into(), vec!["Deploy the API today"]),
        (
            "q=deploying".into(),
            vec!["Deploying is not deploy? deploy!"],
        ),
        (
            "q=rollback%20deploy".into(),
            vec!["deploy failed: rollback"],
        ),
        ("q=secret".into(), vec![]),
        ("q=delete".into(), vec![]),
        (
            format!("q=deploy&channel_id={mine}"),
            vec!["Deploying is not deploy? deploy!"],
        ),
        (
            format!("q=deploy&author_id={}", chat.user(1).id),
            vec!["deploy failed: rollback"],
        ),
        (
            format!("q=deploy&channel_id={public}&from={from}"),
            vec!["now a DEPLOY note", "deploy failed: rollback"],
        ),
        (
            format!("q=deploy&channel_id={public}&to={from}"),
            vec!["Deploy the API today"],
        ),
    ];
    for (query, expected) in cases {
        let (status, page) = app
            .call(
                searcher,
                Method::GET,
                &format!("/v1/search/messages?{query}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{query}: {page}");
        assert_eq!(texts(&page), expected, "{query}");
    }
    // A private channel the searcher is not in: 404, like everywhere else.
    let (status, _) = app
        .call(
            searcher,
            Method::GET,
            &format!("/v1/search/messages?q=deploy&channel_id={hidden}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    // API keys search every channel.
    let (_, page) = app
        .call(
            &chat.tenant.api_key,
            Method::GET,
            "/v1/search/messages?q=secret",
            None,
        )
        .await;
    assert_eq!(texts(&page), ["deploy secret plans"]);
    // Pages of one, newest first, through the cursor.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/v1/search/messages?q=deploy&limit=1".to_owned();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let (_, page) = app.call(searcher, Method::GET, &path, None).await;
        seen.extend(texts(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[0], "now a DEPLOY note");
    app.stop_and_clean().await;
}
