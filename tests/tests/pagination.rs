//! Every list pages the same way: `cursor` and `limit` in, `{items, next_cursor, has_more}`
//! out. Each list is walked two items at a time and must give every item once, in order,
//! `next_cursor` exactly while `has_more`, and refuse another list's cursor.

use atelier_tests::{TestApp, chat::ChatFixture, test_config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Follows `next_cursor` from the first page of `path` with `limit=2`; returns every item.
async fn walk(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let url = match &cursor {
            Some(cursor) => format!("{path}{separator}limit=2&cursor={cursor}"),
            None => format!("{path}{separator}limit=2"),
        };
        let (status, page) = app.call(token, Method::GET, &url, None).await;
        assert_eq!(status, StatusCode::OK, "{url}: {page}");
        let batch = page["items"].as_array().unwrap_or_else(|| panic!("{page}"));
        assert!(batch.len() <= 2, "{url}: {page}");
        items.extend(batch.iter().cloned());
        let has_more = page["has_more"]
            .as_bool()
            .unwrap_or_else(|| panic!("{page}"));
        match (has_more, page.get("next_cursor").and_then(Value::as_str)) {
            (true, Some(next)) => cursor = Some(next.to_owned()),
            (false, None) => return items,
            other => panic!("{url}: has_more and next_cursor disagree: {other:?} in {page}"),
        }
    }
    panic!("{path}: more than 50 pages");
}

fn field<'a>(items: &'a [Value], name: &str) -> Vec<&'a str> {
    items
        .iter()
        .map(|item| item[name].as_str().unwrap_or_else(|| panic!("{item}")))
        .collect()
}

async fn create(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (status, created) = app.call(token, Method::POST, path, Some(body)).await;
    assert!(status.is_success(), "{path}: {status} {created}");
    created
}

#[tokio::test]
async fn every_list_walks_in_pages_of_two() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 5).await;
    let key = &chat.tenant.api_key;
    let owner = &chat.user(0).token;

    // Users (the fixture's five), oldest first.
    let users = walk(&app, key, "/v1/users").await;
    let expected: Vec<&str> = chat.users.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(field(&users, "id"), expected);

    // Workspaces: the API key sees all; a user only theirs.
    let mut workspaces = vec![chat.workspace.clone()];
    for index in 0..3 {
        let owner_id = &chat.user(1).id;
        let created = create(
            &app,
            key,
            "/v1/workspaces",
            json!({"name": format!("w{index}"), "owner_id": owner_id}),
        )
        .await;
        workspaces.push(created["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        field(&walk(&app, key, "/v1/workspaces").await, "id"),
        workspaces
    );
    assert_eq!(
        field(&walk(&app, owner, "/v1/workspaces").await, "id"),
        [chat.workspace.as_str()]
    );
    assert_eq!(
        field(
            &walk(&app, &chat.user(1).token, "/v1/workspaces").await,
            "id"
        ),
        workspaces
    );

    // Workspace members.
    let members_path = format!("/v1/workspaces/{}/members", chat.workspace);
    let mut member_ids = field(&walk(&app, owner, &members_path).await, "user_id")
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    member_ids.sort();
    let mut expected: Vec<String> = chat.users.iter().map(|user| user.id.clone()).collect();
    expected.sort();
    assert_eq!(member_ids, expected);

    // API keys: the fixture's and three more.
    for index in 0..3 {
        create(
            &app,
            key,
            "/v1/api-keys",
            json!({"name": format!("k{index}")}),
        )
        .await;
    }
    assert_eq!(walk(&app, key, "/v1/api-keys").await.len(), 4);

    // Channels: private channels the user is not in are skipped across batch boundaries.
    let mut visible = Vec::new();
    for index in 0..7 {
        // Every third channel is private to users 1 and 2: user 3 does not see it.
        let kind = if index % 3 == 0 { "private" } else { "public" };
        let channel = chat.channel(&app, kind, 1, &[2]).await;
        if kind == "public" {
            visible.push(channel);
        }
    }
    let channels_path = format!("/v1/workspaces/{}/channels", chat.workspace);
    assert_eq!(
        field(&walk(&app, &chat.user(3).token, &channels_path).await, "id"),
        visible
    );
    assert_eq!(walk(&app, key, &channels_path).await.len(), 7);

    // Channel members, by user id.
    let channel = chat.channel(&app, "private", 0, &[1, 2, 3, 4]).await;
    let mut expected: Vec<&str> = chat.users.iter().map(|user| user.id.as_str()).collect();
    expected.sort();
    let members = walk(&app, owner, &format!("/v1/channels/{channel}/members")).await;
    assert_eq!(field(&members, "user_id"), expected);

    // Pins, most recently pinned first.
    let mut pinned = Vec::new();
    for index in 0..5 {
        let message = chat.send(&app, 0, &channel, &format!("pin {index}")).await;
        let id = message["id"].as_str().unwrap().to_owned();
        let (status, body) = app
            .call(
                owner,
                Method::PUT,
                &format!("/v1/channels/{channel}/messages/{id}/pin"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pinned.push(id);
    }
    pinned.reverse();
    let pins = walk(&app, owner, &format!("/v1/channels/{channel}/pins")).await;
    assert_eq!(field(&pins, "id"), pinned);

    // Edits of one message, oldest first.
    let message = &pinned[0];
    let edit_path = format!("/v1/channels/{channel}/messages/{message}");
    for index in 0..4 {
        let (status, body) = app
            .call(
                owner,
                Method::PATCH,
                &edit_path,
                Some(json!({"text": format!("edit {index}")})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let edits = walk(&app, owner, &format!("{edit_path}/edits")).await;
    assert_eq!(
        field(&edits, "text"),
        ["pin 4", "edit 0", "edit 1", "edit 2"]
    );

    // Scheduled messages, by send time (created in another order).
    let scheduled_path = format!("/v1/channels/{channel}/scheduled-messages");
    let mut scheduled = Vec::new();
    for minutes in [50, 10, 40, 20, 30] {
        let send_at = (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339();
        let created = create(
            &app,
            owner,
            &scheduled_path,
            json!({"text": format!("in {minutes}"), "send_at": send_at}),
        )
        .await;
        scheduled.push((minutes, created["id"].as_str().unwrap().to_owned()));
    }
    scheduled.sort();
    let expected: Vec<&str> = scheduled.iter().map(|(_, id)| id.as_str()).collect();
    let listed = walk(&app, owner, &scheduled_path).await;
    assert_eq!(field(&listed, "id"), expected);

    // Webhook endpoints.
    for index in 0..3 {
        create(
            &app,
            key,
            "/v1/webhooks/endpoints",
            json!({"url": format!("https://hooks.example.com/{index}")}),
        )
        .await;
    }
    assert_eq!(walk(&app, key, "/v1/webhooks/endpoints").await.len(), 3);

    // Event types: the catalogue, by type.
    let types = walk(&app, key, "/v1/event-types").await;
    let names = field(&types, "type");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.contains(&"chat.message.created"), "{names:?}");

    // Message history pages back in time through `next_cursor`.
    let history = walk(&app, owner, &format!("/v1/channels/{channel}/messages")).await;
    let seqs: Vec<i64> = history
        .iter()
        .map(|message| message["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(
        seqs,
        [4, 5, 2, 3, 1],
        "newest window first, each oldest first"
    );

    // A cursor of one list is refused by another.
    let (_, page) = app.call(key, Method::GET, "/v1/users?limit=1", None).await;
    let users_cursor = page["next_cursor"].as_str().unwrap();
    for path in [
        "/v1/workspaces".to_owned(),
        "/v1/api-keys".to_owned(),
        "/v1/event-types".to_owned(),
        format!("/v1/channels/{channel}/pins"),
        format!("/v1/channels/{channel}/messages"),
    ] {
        let (status, problem) = app
            .call(
                key,
                Method::GET,
                &format!("{path}?cursor={users_cursor}"),
                None,
            )
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_cursor")),
            "{path}: {problem}"
        );
    }
    app.stop_and_clean().await;
}
