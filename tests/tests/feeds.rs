//! Activity feeds over HTTP: feed groups, activities (add, batch, get, update and delete by id
//! and by foreign id everywhere they went), reading by position while activities arrive,
//! follows with backfill and unfollow, fan-out (idempotent on redelivery, bounded on follow
//! loops, nothing for a removed workspace member), bad input, and the cross-tenant probe over
//! every feeds endpoint.

use std::time::Duration;

use atelier_bus::{Delivery, Handler, Outcome};
use atelier_feeds::{Feeds, FeedsConfig, fanout::FanoutHandler};
use atelier_tests::{
    TestApp, TestTenant, assert_cross_tenant_404, chat::ChatFixture, eventually, test_config,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The groups every test uses: `user` and `timeline` (owned by users), `project` (owned by
/// workspaces) and `document` (backend only).
async fn create_groups(app: &TestApp, tenant: &TestTenant) {
    for (name, owner) in [
        ("user", "user"),
        ("timeline", "user"),
        ("project", "workspace"),
        ("document", "backend"),
    ] {
        let (status, body) = app
            .call(
                &tenant.api_key,
                Method::POST,
                "/v1/feed-groups",
                Some(json!({ "name": name, "kind": "flat", "owner": owner })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

async fn fixture(app: &TestApp, users: usize) -> ChatFixture {
    let fixture = ChatFixture::new(app, users).await;
    create_groups(app, &fixture.tenant).await;
    fixture
}

async fn add(app: &TestApp, bearer: &str, feed: &str, body: Value) -> Value {
    let (status, activity) = app
        .call(
            bearer,
            Method::POST,
            &format!("/v1/feeds/{feed}/activities"),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{activity}");
    activity
}

/// Every activity id of a feed, newest first, reading pages of `limit`.
async fn read_all(app: &TestApp, bearer: &str, feed: &str, limit: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/feeds/{feed}/activities?limit={limit}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let (status, page) = app.call(bearer, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        ids.extend(activity_ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
}

fn activity_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["activity"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_problem(status: StatusCode, body: &Value, expected: StatusCode, field: &str) {
    assert_eq!(status, expected, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains(&format!("`{field}`"))),
        "the problem names `{field}`: {body}"
    );
}

#[tokio::test]
async fn groups_are_tenant_administration_and_bad_input_names_the_field() {
    let app = TestApp::spawn(test_config()).await;
    let chat = fixture(&app, 2).await;
    let key = &chat.tenant.api_key;
    let user = chat.user(0);

    // Users read groups but do not manage them; names are unique.
    let group = json!({ "name": "news", "kind": "flat", "owner": "backend" });
    let (status, body) = app
        .call(
            &user.token,
            Method::POST,
            "/v1/feed-groups",
            Some(group.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .call(
            key,
            Method::POST,
            "/v1/feed-groups",
            Some(json!({ "name": "user", "kind": "flat", "owner": "user" })),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("feed_group_exists")),
        "{body}"
    );
    let (status, body) = app
        .call(
            key,
            Method::POST,
            "/v1/feed-groups",
            Some(json!({ "name": "Bad-Name", "kind": "flat", "owner": "user" })),
        )
        .await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "name");
    let (status, body) = app
        .call(&user.token, Method::GET, "/v1/feed-groups?limit=3", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["document", "project", "timeline"], "{body}");
    let (_, rest) = app
        .call(
            &user.token,
            Method::GET,
            &format!(
                "/v1/feed-groups?cursor={}",
                body["next_cursor"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(rest["items"][0]["name"], "user", "{rest}");
    let (status, body) = app
        .call(&user.token, Method::GET, "/v1/feed-groups/project", None)
        .await;
    assert_eq!(
        (status, body["owner"].as_str()),
        (StatusCode::OK, Some("workspace")),
        "{body}"
    );
    let (status, _) = app
        .call(&user.token, Method::GET, "/v1/feed-groups/nope", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let activity = json!({ "actor": "usr", "verb": "post", "object": "note:1" });
    let me = format!("user:{}", user.id);
    // (feed, body, status, field)
    let cases = [
        (
            "nope:1".to_owned(),
            activity.clone(),
            StatusCode::BAD_REQUEST,
            "feed_id",
        ),
        (
            "user".to_owned(),
            activity.clone(),
            StatusCode::BAD_REQUEST,
            "feed_id",
        ),
        (
            "user:a%20b".to_owned(),
            activity.clone(),
            StatusCode::BAD_REQUEST,
            "feed_id",
        ),
        (
            "user:doc_9".to_owned(),
            activity.clone(),
            StatusCode::BAD_REQUEST,
            "feed_id",
        ),
        (
            "project:usr_1".to_owned(),
            activity.clone(),
            StatusCode::BAD_REQUEST,
            "feed_id",
        ),
        (
            me.clone(),
            json!({ "verb": "post", "object": "note:1" }),
            StatusCode::BAD_REQUEST,
            "actor",
        ),
        (
            me.clone(),
            json!({ "actor": "a", "verb": " ", "object": "note:1" }),
            StatusCode::BAD_REQUEST,
            "verb",
        ),
        (
            me.clone(),
            json!({ "actor": "a", "verb": "post", "object": "o", "to": ["nope:1"] }),
            StatusCode::BAD_REQUEST,
            "to",
        ),
        (
            me.clone(),
            json!({ "actor": "a", "verb": "post", "object": "o", "extra": { "blob": "x".repeat(5000) } }),
            StatusCode::PAYLOAD_TOO_LARGE,
            "extra",
        ),
    ];
    for (feed, body, expected, field) in cases {
        let (status, problem) = app
            .call(
                key,
                Method::POST,
                &format!("/v1/feeds/{feed}/activities"),
                Some(body.clone()),
            )
            .await;
        assert_problem(status, &problem, expected, field);
        if expected == StatusCode::PAYLOAD_TOO_LARGE {
            assert_eq!(problem["code"], "extra_too_large", "{problem}");
        }
    }
    let (status, problem) = app
        .call(key, Method::GET, "/v1/feeds/nope:1/activities", None)
        .await;
    assert_problem(status, &problem, StatusCode::BAD_REQUEST, "feed_id");
    let (status, problem) = app
        .call(
            key,
            Method::PUT,
            &format!("/v1/feeds/timeline:{}/following/{me}", user.id),
            Some(json!({ "backfill_limit": 1001 })),
        )
        .await;
    assert_problem(status, &problem, StatusCode::BAD_REQUEST, "backfill_limit");
    let (status, problem) = app
        .call(
            key,
            Method::PUT,
            &format!("/v1/feeds/{me}/following/{me}"),
            Some(json!({})),
        )
        .await;
    assert_problem(status, &problem, StatusCode::BAD_REQUEST, "target_feed_id");
    let (status, problem) = app
        .call(
            key,
            Method::POST,
            &format!("/v1/feeds/{me}/activities/batch"),
            Some(json!({ "activities": [] })),
        )
        .await;
    assert_problem(status, &problem, StatusCode::BAD_REQUEST, "activities");

    // Who reads and writes: a user their own user feeds; backend feeds API keys only.
    let other = chat.user(1);
    let theirs = format!("user:{}", other.id);
    let (status, _) = app
        .call(
            &user.token,
            Method::GET,
            &format!("/v1/feeds/{theirs}/activities"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(
            &user.token,
            Method::GET,
            "/v1/feeds/document:doc_9/activities",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app
        .call(
            &user.token,
            Method::POST,
            &format!("/v1/feeds/{me}/activities"),
            Some(json!({ "actor": other.id, "verb": "post", "object": "o" })),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("actor_mismatch")),
        "{body}"
    );
    let mine = add(
        &app,
        &user.token,
        &me,
        json!({ "verb": "post", "object": "o", "extra": { "flag": true } }),
    )
    .await;
    assert_eq!(
        (mine["actor"].as_str(), &mine["extra"]),
        (Some(user.id.as_str()), &json!({ "flag": true })),
        "{mine}"
    );
    let (status, _) = app
        .call(
            &other.token,
            Method::GET,
            &format!("/v1/activities/{}", mine["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another user's feed is not theirs to read"
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn activities_change_and_go_everywhere_they_were_added_by_id_and_foreign_id() {
    let app = TestApp::spawn(test_config()).await;
    let chat = fixture(&app, 1).await;
    let key = &chat.tenant.api_key;
    let me = format!("user:{}", chat.user(0).id);
    let first = add(
        &app,
        key,
        &me,
        json!({ "actor": "usr_x", "verb": "comment", "object": "comment:1", "target": "doc_9",
                "foreign_id": "comment:1", "to": ["document:doc_9"], "extra": { "text": "hi" } }),
    )
    .await;
    assert_eq!(first["to"], json!(["document:doc_9"]), "{first}");
    let (status, batch) = app
        .call(
            key,
            Method::POST,
            &format!("/v1/feeds/{me}/activities/batch"),
            Some(json!({ "activities": [
                { "actor": "usr_x", "verb": "like", "object": "doc_9", "foreign_id": "like:1" },
                { "actor": "usr_x", "verb": "like", "object": "doc_8", "time": "2026-01-01T00:00:00Z" },
            ] })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{batch}");
    assert_eq!(batch["items"][1]["time"], "2026-01-01T00:00:00Z", "{batch}");
    let first_id = first["id"].as_str().unwrap();
    let like = batch["items"][0]["id"].as_str().unwrap();
    let older = batch["items"][1]["id"].as_str().unwrap();
    assert_eq!(read_all(&app, key, &me, 2).await, [older, like, first_id]);
    assert_eq!(read_all(&app, key, "document:doc_9", 50).await, [first_id]);

    // By foreign id, everywhere.
    let (status, updated) = app
        .call(
            key,
            Method::PATCH,
            "/v1/activities/by-foreign-id/comment:1",
            Some(json!({ "extra": { "text": "edited" } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    for feed in [me.as_str(), "document:doc_9"] {
        let (_, page) = app
            .call(
                key,
                Method::GET,
                &format!("/v1/feeds/{feed}/activities"),
                None,
            )
            .await;
        let item = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["activity"]["id"] == first_id)
            .unwrap();
        assert_eq!(
            item["activity"]["extra"],
            json!({ "text": "edited" }),
            "{feed}: {page}"
        );
    }
    let (status, _) = app
        .call(
            key,
            Method::DELETE,
            "/v1/activities/by-foreign-id/comment:1",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        read_all(&app, key, "document:doc_9", 50).await,
        Vec::<String>::new()
    );
    assert_eq!(read_all(&app, key, &me, 50).await, [older, like]);
    let (status, _) = app
        .call(
            key,
            Method::GET,
            &format!("/v1/activities/{first_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(
            key,
            Method::DELETE,
            "/v1/activities/by-foreign-id/comment:1",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // By id.
    let (status, changed) = app
        .call(
            key,
            Method::PATCH,
            &format!("/v1/activities/{like}"),
            Some(json!({ "verb": "love" })),
        )
        .await;
    assert_eq!(
        (status, changed["verb"].as_str()),
        (StatusCode::OK, Some("love")),
        "{changed}"
    );
    let (_, got) = app
        .call(key, Method::GET, &format!("/v1/activities/{like}"), None)
        .await;
    assert_eq!(
        (got["verb"].as_str(), got["foreign_id"].as_str()),
        (Some("love"), Some("like:1")),
        "{got}"
    );
    let (status, _) = app
        .call(key, Method::DELETE, &format!("/v1/activities/{like}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(read_all(&app, key, &me, 50).await, [older]);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn reading_by_position_never_skips_or_repeats_while_activities_arrive() {
    let app = TestApp::spawn(test_config()).await;
    let chat = fixture(&app, 1).await;
    let key = &chat.tenant.api_key;
    let feed = "document:doc_1";
    let mut added = Vec::new();
    for index in 0..25 {
        let activity = add(
            &app,
            key,
            feed,
            json!({ "actor": "a", "verb": "edit", "object": format!("rev:{index}") }),
        )
        .await;
        added.push(activity["id"].as_str().unwrap().to_owned());
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut arrived = Vec::new();
    loop {
        let mut path = format!("/v1/feeds/{feed}/activities?limit=7");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let (status, page) = app.call(key, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(activity_ids(&page));
        // New activities arrive between pages.
        for _ in 0..3 {
            let activity = add(
                &app,
                key,
                feed,
                json!({ "actor": "a", "verb": "edit", "object": "late" }),
            )
            .await;
            arrived.push(activity["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    added.reverse();
    assert_eq!(
        seen, added,
        "every activity of the first read once, newest first, none of the later ones"
    );
    // The later ones sit above, newest first.
    let everything = read_all(&app, key, feed, 50).await;
    arrived.reverse();
    assert_eq!(everything[..arrived.len()], arrived[..]);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn follows_backfill_fan_out_list_and_unfollow() {
    let app = TestApp::spawn(test_config()).await;
    let chat = fixture(&app, 2).await;
    let key = &chat.tenant.api_key;
    let (author, reader) = (chat.user(0), chat.user(1));
    let source = format!("user:{}", author.id);
    let timeline = format!("timeline:{}", reader.id);
    let mut posted = Vec::new();
    for index in 0..5 {
        let activity = add(
            &app,
            &author.token,
            &source,
            json!({ "verb": "post", "object": format!("post:{index}") }),
        )
        .await;
        posted.push(activity["id"].as_str().unwrap().to_owned());
    }
    // A user follows with their own timeline (and may not follow another user's feed themselves:
    // only API keys read every user feed).
    let follow = format!("/v1/feeds/{timeline}/following/{source}");
    let (status, body) = app
        .call(
            &reader.token,
            Method::PUT,
            &follow,
            Some(json!({ "backfill_limit": 3 })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app
        .call(
            key,
            Method::PUT,
            &follow,
            Some(json!({ "backfill_limit": 3 })),
        )
        .await;
    assert_eq!(
        (status, body["backfilled"].as_u64()),
        (StatusCode::CREATED, Some(3)),
        "{body}"
    );
    let (status, body) = app.call(key, Method::PUT, &follow, Some(json!({}))).await;
    assert_eq!(
        (status, body["backfilled"].as_u64()),
        (StatusCode::OK, Some(0)),
        "{body}"
    );
    assert_eq!(
        read_all(&app, &reader.token, &timeline, 50).await,
        [posted[4].clone(), posted[3].clone(), posted[2].clone()]
    );

    // Fan-out of what comes next.
    let next = add(
        &app,
        &author.token,
        &source,
        json!({ "verb": "post", "object": "post:5" }),
    )
    .await;
    let next = next["id"].as_str().unwrap().to_owned();
    eventually(
        Duration::from_secs(10),
        "the fan-out copies the new activity",
        || async { read_all(&app, &reader.token, &timeline, 50).await.first() == Some(&next) },
    )
    .await;

    // Lists.
    let (status, followers) = app
        .call(
            key,
            Method::GET,
            &format!("/v1/feeds/{source}/followers"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{followers}");
    assert_eq!(
        followers["items"][0]["feed_id"],
        timeline.as_str(),
        "{followers}"
    );
    let (_, following) = app
        .call(
            &reader.token,
            Method::GET,
            &format!("/v1/feeds/{timeline}/following"),
            None,
        )
        .await;
    assert_eq!(
        following["items"][0]["target_feed_id"],
        source.as_str(),
        "{following}"
    );
    assert_eq!(following["has_more"], false);

    // Unfollow keeping history, then removing it.
    let (status, _) = app
        .call(
            &reader.token,
            Method::DELETE,
            &format!("{follow}?keep_history=true"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(read_all(&app, &reader.token, &timeline, 50).await.len(), 4);
    let (status, _) = app.call(&reader.token, Method::DELETE, &follow, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no longer following");
    let (status, body) = app
        .call(
            key,
            Method::PUT,
            &follow,
            Some(json!({ "backfill_limit": 10 })),
        )
        .await;
    assert_eq!(
        (status, body["backfilled"].as_u64()),
        (StatusCode::CREATED, Some(2)),
        "the copies held are not copied again: {body}"
    );
    let (status, _) = app.call(&reader.token, Method::DELETE, &follow, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        read_all(&app, &reader.token, &timeline, 50).await,
        Vec::<String>::new()
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn fan_out_is_idempotent_on_redelivery_and_one_hop_on_follow_loops() {
    let app = TestApp::spawn(test_config()).await;
    let chat = fixture(&app, 1).await;
    let key = &chat.tenant.api_key;
    for (follower, source) in [("document:a", "document:b"), ("document:b", "document:a")] {
        let (status, body) = app
            .call(
                key,
                Method::PUT,
                &format!("/v1/feeds/{follower}/following/{source}"),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let activity = add(
        &app,
        key,
        "document:a",
        json!({ "actor": "a", "verb": "edit", "object": "o" }),
    )
    .await;
    let id = activity["id"].as_str().unwrap().to_owned();
    eventually(
        Duration::from_secs(10),
        "b receives the activity",
        || async { read_all(&app, key, "document:b", 50).await == [id.clone()] },
    )
    .await;
    let (_, before) = app
        .call(key, Method::GET, "/v1/feeds/document:b/activities", None)
        .await;

    // The same event delivered again (as after a broker redelivery or a retried chunk).
    let handler = FanoutHandler::new(Feeds::new(&app.store().await, FeedsConfig::default()));
    let envelope = json!({
        "envelope_version": 1,
        "id": atelier_core::EventId::generate(),
        "type": "feeds.activity.created",
        "data_version": 1,
        "tenant": chat.tenant.tenant,
        "aggregate_type": "feed",
        "aggregate_id": "document:a",
        "occurred_at": "2026-01-01T00:00:00Z",
        "data": { "feed_id": "document:a", "activity": activity },
    });
    for _ in 0..2 {
        let delivery = Delivery {
            message_id: Some(envelope["id"].as_str().unwrap().to_owned()),
            routing_key: "feeds.activity.created".to_owned(),
            body: serde_json::to_vec(&envelope).unwrap(),
            headers: Default::default(),
            attempt: 1,
            redelivered: true,
        };
        assert_eq!(handler.handle(&delivery).await, Outcome::Ack);
    }
    let (_, after) = app
        .call(key, Method::GET, "/v1/feeds/document:b/activities", None)
        .await;
    assert_eq!(after, before, "a redelivery writes nothing");
    // One hop: a's copy in b is not copied back into a.
    assert_eq!(read_all(&app, key, "document:a", 50).await, [id]);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn a_removed_workspace_member_timeline_receives_nothing() {
    let app = TestApp::spawn(test_config()).await;
    let chat = fixture(&app, 3).await;
    let key = &chat.tenant.api_key;
    let project = format!("project:{}", chat.workspace);
    let (leaving, staying) = (chat.user(1), chat.user(2));
    for user in [leaving, staying] {
        let (status, body) = app
            .call(
                &user.token,
                Method::PUT,
                &format!("/v1/feeds/timeline:{}/following/{project}", user.id),
                Some(json!({})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "members follow their workspace's feed: {body}"
        );
    }
    let first = add(
        &app,
        key,
        &project,
        json!({ "actor": "a", "verb": "create", "object": "doc_1" }),
    )
    .await;
    let first = first["id"].as_str().unwrap().to_owned();
    for user in [leaving, staying] {
        let timeline = format!("timeline:{}", user.id);
        eventually(Duration::from_secs(10), "members receive it", || async {
            read_all(&app, key, &timeline, 50).await == [first.clone()]
        })
        .await;
    }
    let (status, body) = app
        .call(
            key,
            Method::DELETE,
            &format!("/v1/workspaces/{}/members/{}", chat.workspace, leaving.id),
            None,
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, _) = app
        .call(
            &leaving.token,
            Method::GET,
            &format!("/v1/feeds/{project}/activities"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a former member no longer reads the workspace feed"
    );
    let second = add(
        &app,
        key,
        &project,
        json!({ "actor": "a", "verb": "create", "object": "doc_2" }),
    )
    .await;
    let second = second["id"].as_str().unwrap().to_owned();
    let staying_timeline = format!("timeline:{}", staying.id);
    eventually(
        Duration::from_secs(10),
        "the remaining member receives it",
        || async {
            read_all(&app, key, &staying_timeline, 50).await == [second.clone(), first.clone()]
        },
    )
    .await;
    assert_eq!(
        read_all(&app, key, &format!("timeline:{}", leaving.id), 50).await,
        [first],
        "the fan-out of the same event gave the removed member nothing"
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn every_feeds_endpoint_answers_404_across_tenants() {
    let app = TestApp::spawn(test_config()).await;
    let chat = fixture(&app, 1).await;
    let key = &chat.tenant.api_key;
    let (status, body) = app
        .call(
            key,
            Method::POST,
            "/v1/feed-groups",
            Some(json!({ "name": "onlyours", "kind": "flat", "owner": "backend" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let user = format!("user:{}", chat.user(0).id);
    let timeline = format!("timeline:{}", chat.user(0).id);
    let project = format!("project:{}", chat.workspace);
    let activity = add(
        &app,
        key,
        &user,
        json!({ "actor": "a", "verb": "post", "object": "o", "foreign_id": "ours:1" }),
    )
    .await;
    let activity = activity["id"].as_str().unwrap();
    let (status, body) = app
        .call(
            key,
            Method::PUT,
            &format!("/v1/feeds/{timeline}/following/{user}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The intruder has the same group names, so every answer comes from the ids.
    let intruder = app.create_tenant().await;
    create_groups(&app, &intruder).await;
    let post = json!({ "actor": "a", "verb": "post", "object": "o" });
    let probes = vec![
        (Method::GET, "/v1/feed-groups/onlyours".to_owned(), None),
        (
            Method::POST,
            format!("/v1/feeds/{user}/activities"),
            Some(post.clone()),
        ),
        (
            Method::POST,
            format!("/v1/feeds/{project}/activities"),
            Some(post.clone()),
        ),
        (
            Method::POST,
            format!("/v1/feeds/{user}/activities/batch"),
            Some(json!({ "activities": [post] })),
        ),
        (Method::GET, format!("/v1/feeds/{user}/activities"), None),
        (Method::GET, format!("/v1/feeds/{project}/activities"), None),
        (Method::GET, format!("/v1/activities/{activity}"), None),
        (
            Method::PATCH,
            format!("/v1/activities/{activity}"),
            Some(json!({ "verb": "x" })),
        ),
        (Method::DELETE, format!("/v1/activities/{activity}"), None),
        (
            Method::PATCH,
            "/v1/activities/by-foreign-id/ours:1".to_owned(),
            Some(json!({ "verb": "x" })),
        ),
        (
            Method::DELETE,
            "/v1/activities/by-foreign-id/ours:1".to_owned(),
            None,
        ),
        (
            Method::PUT,
            format!("/v1/feeds/{timeline}/following/{user}"),
            Some(json!({})),
        ),
        (
            Method::DELETE,
            format!("/v1/feeds/{timeline}/following/{user}"),
            None,
        ),
        (Method::GET, format!("/v1/feeds/{user}/followers"), None),
        (Method::GET, format!("/v1/feeds/{timeline}/following"), None),
    ];
    assert_cross_tenant_404(&app, &intruder, &probes).await;
    // Nothing of ours changed.
    assert_eq!(read_all(&app, key, &user, 50).await, [activity]);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn every_feeds_event_type_is_emitted_on_its_schema() {
    let app = TestApp::spawn(test_config()).await;
    let chat = fixture(&app, 1).await;
    let key = &chat.tenant.api_key;
    let user = format!("user:{}", chat.user(0).id);
    let activity = add(&app, key, "document:doc_1", json!({ "actor": "a", "verb": "edit", "object": "o", "target": "t", "foreign_id": "f:1", "to": [user], "extra": { "n": 1 } })).await;
    let path = format!("/v1/activities/{}", activity["id"].as_str().unwrap());
    let (status, _) = app
        .call(key, Method::PATCH, &path, Some(json!({ "verb": "edited" })))
        .await;
    assert_eq!(status, StatusCode::OK);
    let follow = format!(
        "/v1/feeds/timeline:{}/following/document:doc_1",
        chat.user(0).id
    );
    let (status, _) = app.call(key, Method::PUT, &follow, Some(json!({}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app.call(key, Method::DELETE, &follow, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.call(key, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    eventually(
        Duration::from_secs(15),
        "feeds.activity.deleted in the event log",
        || async {
            let (_, events) = app
                .call(key, Method::GET, "/v1/events?limit=200", None)
                .await;
            events["items"]
                .as_array()
                .is_some_and(|items| items.iter().any(|e| e["type"] == "feeds.activity.deleted"))
        },
    )
    .await;
    let catalog = atelier_server::modules::catalog();
    let (_, events) = app
        .call(key, Method::GET, "/v1/events?limit=200", None)
        .await;
    let mut seen = std::collections::BTreeSet::new();
    for event in events["items"].as_array().unwrap() {
        let event_type = event["type"].as_str().unwrap();
        if !event_type.starts_with("feeds.") {
            continue;
        }
        let entry = catalog.find(event_type, 1).unwrap();
        assert!(
            jsonschema::draft202012::is_valid(&entry.schema, &event["data"]),
            "{event_type}: {} does not match its schema",
            event["data"]
        );
        // Stricter than the open schema: every field emitted is declared.
        for field in event["data"].as_object().unwrap().keys() {
            assert!(
                entry.schema["properties"].get(field).is_some(),
                "{event_type}: `{field}` is not declared"
            );
        }
        if let Some(activity) = event["data"]["activity"].as_object() {
            for field in activity.keys() {
                assert!(
                    entry.schema["properties"]["activity"]["properties"]
                        .get(field)
                        .is_some(),
                    "{event_type}: `activity.{field}` is not declared"
                );
            }
        }
        seen.insert(event_type.to_owned());
    }
    let catalogued: std::collections::BTreeSet<String> = catalog
        .entries()
        .iter()
        .filter(|entry| entry.event_type.starts_with("feeds."))
        .map(|entry| entry.event_type.to_owned())
        .collect();
    assert_eq!(seen, catalogued, "every feeds event type is emitted");
    app.stop_and_clean().await;
}
