//! Chat channels and members over HTTP: kinds and who sees them, joining, inviting, roles,
//! leaving, direct-channel uniqueness, settings, the cross-tenant probe over every chat
//! endpoint, and `readable_channel` for the realtime gateway.

use atelier_tests::{TestApp, assert_cross_tenant_404, chat::ChatFixture, test_config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn status(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    app.call(token, method, path, body).await.0
}

#[tokio::test]
async fn channel_kinds_decide_who_sees_and_joins() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let (owner, member, outsider) = (chat.user(0), chat.user(1), chat.user(2));
    let public = chat.channel(&app, "public", 0, &[]).await;
    let private = chat.channel(&app, "private", 0, &[1]).await;

    // (who, channel, may see)
    let cases = [
        (owner, &public, true),
        (member, &public, true),
        (outsider, &public, true),
        (owner, &private, true),
        (member, &private, true),
        (outsider, &private, false),
    ];
    for (user, channel, visible) in cases {
        let expected = if visible {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        for path in [
            format!("/v1/channels/{channel}"),
            format!("/v1/channels/{channel}/messages"),
            format!("/v1/channels/{channel}/members"),
            format!("/v1/channels/{channel}/changes"),
            format!("/v1/channels/{channel}/pins"),
        ] {
            assert_eq!(
                status(&app, &user.token, Method::GET, &path, None).await,
                expected,
                "{} GET {path}",
                user.id
            );
        }
    }
    let (_, list) = app
        .call(
            &outsider.token,
            Method::GET,
            &format!("/v1/workspaces/{}/channels", chat.workspace),
            None,
        )
        .await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&public.as_str()) && !ids.contains(&private.as_str()),
        "{list}"
    );
    let (_, list) = app
        .call(
            &chat.tenant.api_key,
            Method::GET,
            &format!("/v1/workspaces/{}/channels", chat.workspace),
            None,
        )
        .await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        2,
        "API keys see every channel"
    );

    // A non-member of a public channel reads but must join to act.
    let send = |channel: &str| format!("/v1/channels/{channel}/messages");
    let (code, problem) = app
        .call(
            &outsider.token,
            Method::POST,
            &send(&public),
            Some(json!({"text": "hi"})),
        )
        .await;
    assert_eq!(
        (code, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_member"))
    );
    let (code, joined) = app
        .call(
            &outsider.token,
            Method::POST,
            &format!("/v1/channels/{public}/join"),
            None,
        )
        .await;
    assert_eq!(
        (code, joined["role"].as_str()),
        (StatusCode::OK, Some("member")),
        "{joined}"
    );
    assert_eq!(
        status(
            &app,
            &outsider.token,
            Method::POST,
            &send(&public),
            Some(json!({"text": "hi"}))
        )
        .await,
        StatusCode::CREATED
    );
    // Private channels cannot be joined (and are invisible to outsiders): 404.
    assert_eq!(
        status(
            &app,
            &outsider.token,
            Method::POST,
            &format!("/v1/channels/{private}/join"),
            None
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // A member invites the outsider; now they see it.
    assert_eq!(
        status(
            &app,
            &member.token,
            Method::PUT,
            &format!("/v1/channels/{private}/members/{}", outsider.id),
            Some(json!({}))
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        status(
            &app,
            &outsider.token,
            Method::GET,
            &format!("/v1/channels/{private}"),
            None
        )
        .await,
        StatusCode::OK
    );
    // Leaving hides it again.
    assert_eq!(
        status(
            &app,
            &outsider.token,
            Method::POST,
            &format!("/v1/channels/{private}/leave"),
            None
        )
        .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status(
            &app,
            &outsider.token,
            Method::GET,
            &format!("/v1/channels/{private}"),
            None
        )
        .await,
        StatusCode::NOT_FOUND
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn roles_moderation_and_the_last_owner() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let channel = chat.channel(&app, "private", 0, &[1, 2]).await;
    let members = format!("/v1/channels/{channel}/members");
    let (owner, member, other) = (chat.user(0), chat.user(1), chat.user(2));

    // (who, method, path, body, expected status, expected code)
    type Case<'a> = (&'a str, Method, String, Option<Value>, u16, Option<&'a str>);
    let cases: Vec<Case> = vec![
        // Members cannot moderate or change roles.
        (
            &member.token,
            Method::PATCH,
            format!("/v1/channels/{channel}"),
            Some(json!({"topic": "x"})),
            403,
            Some("forbidden"),
        ),
        (
            &member.token,
            Method::PUT,
            format!("{members}/{}", other.id),
            Some(json!({"role": "moderator"})),
            403,
            Some("forbidden"),
        ),
        (
            &member.token,
            Method::DELETE,
            format!("{members}/{}", other.id),
            None,
            403,
            Some("forbidden"),
        ),
        // The owner promotes a moderator, who then moderates.
        (
            &owner.token,
            Method::PUT,
            format!("{members}/{}", member.id),
            Some(json!({"role": "moderator"})),
            200,
            None,
        ),
        (
            &member.token,
            Method::PATCH,
            format!("/v1/channels/{channel}"),
            Some(json!({"topic": "Launch"})),
            200,
            None,
        ),
        (
            &member.token,
            Method::DELETE,
            format!("{members}/{}", other.id),
            None,
            204,
            None,
        ),
        // A moderator still cannot hand out roles.
        (
            &member.token,
            Method::PUT,
            format!("{members}/{}", owner.id),
            Some(json!({"role": "member"})),
            403,
            Some("forbidden"),
        ),
        // The last owner can neither be demoted nor leave while others remain.
        (
            &owner.token,
            Method::PUT,
            format!("{members}/{}", owner.id),
            Some(json!({"role": "member"})),
            409,
            Some("last_owner"),
        ),
        (
            &owner.token,
            Method::POST,
            format!("/v1/channels/{channel}/leave"),
            None,
            409,
            Some("last_owner"),
        ),
        // Bad input names the field.
        (
            &owner.token,
            Method::PUT,
            format!("{members}/{}", other.id),
            Some(json!({"role": "boss"})),
            400,
            // A value outside the schema's enum: the body does not match its schema.
            Some("invalid_body"),
        ),
        (
            &owner.token,
            Method::PUT,
            format!("{members}/usr_nope"),
            Some(json!({})),
            400,
            Some("invalid_field"),
        ),
        (
            &owner.token,
            Method::PATCH,
            format!("/v1/channels/{channel}"),
            Some(json!({"name": ""})),
            400,
            // Below the declared minLength: refused with the body's schema.
            Some("invalid_body"),
        ),
        (
            &owner.token,
            Method::PATCH,
            format!("/v1/channels/{channel}"),
            Some(json!({"slow_mode_seconds": 999_999})),
            400,
            Some("invalid_field"),
        ),
        (
            &owner.token,
            Method::DELETE,
            format!("{members}/{}", other.id),
            None,
            404,
            Some("member_not_found"),
        ),
    ];
    for (index, (token, method, path, body, expected, code)) in cases.into_iter().enumerate() {
        let (status, answer) = app.call(token, method.clone(), &path, body).await;
        assert_eq!(
            status.as_u16(),
            expected,
            "case {index}: {method} {path}: {answer}"
        );
        if let Some(code) = code {
            assert_eq!(answer["code"], code, "case {index}: {answer}");
        }
    }
    let (_, channel_view) = app
        .call(
            &owner.token,
            Method::GET,
            &format!("/v1/channels/{channel}"),
            None,
        )
        .await;
    assert_eq!(channel_view["topic"], "Launch");
    let (_, list) = app.call(&owner.token, Method::GET, &members, None).await;
    let roles: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        vec![
            (owner.id.clone(), "owner".to_owned()),
            (member.id.clone(), "moderator".to_owned())
        ]
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn a_direct_channel_exists_once_per_member_set() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let (a, b, c) = (chat.user(0), chat.user(1), chat.user(2));
    let create = |token: String, members: Vec<String>| {
        let app = &app;
        let path = format!("/v1/workspaces/{}/channels", chat.workspace);
        async move {
            app.call(
                &token,
                Method::POST,
                &path,
                Some(json!({"kind": "direct", "member_ids": members})),
            )
            .await
        }
    };
    let (status, first) = create(a.token.clone(), vec![b.id.clone()]).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["kind"], "direct");
    // The same pair from the other side, and concurrently, is the same channel.
    let (status, again) = create(b.token.clone(), vec![a.id.clone(), b.id.clone()]).await;
    assert_eq!((status, &again["id"]), (StatusCode::OK, &first["id"]));
    let racers =
        futures_util::future::join_all((0..4).map(|_| create(c.token.clone(), vec![a.id.clone()])))
            .await;
    let ids: std::collections::HashSet<String> = racers
        .iter()
        .map(|(status, body)| {
            assert!(status.is_success(), "{body}");
            body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "racing creations of one direct channel: {ids:?}"
    );
    assert_ne!(ids.iter().next().unwrap(), first["id"].as_str().unwrap());
    let direct = first["id"].as_str().unwrap();
    // Outsiders do not see it; its members are fixed.
    let (status, _) = app
        .call(
            &c.token,
            Method::GET,
            &format!("/v1/channels/{direct}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, problem) = app
        .call(
            &a.token,
            Method::PUT,
            &format!("/v1/channels/{direct}/members/{}", c.id),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("direct_channel_members_fixed"))
    );
    // Refused creations name the field.
    let path = format!("/v1/workspaces/{}/channels", chat.workspace);
    let outsider = app.create_user(&chat.tenant, "Not in the workspace").await;
    let cases = [
        (json!({"kind": "direct", "member_ids": []}), "member_ids"),
        (
            json!({"kind": "direct", "member_ids": [outsider.to_string()]}),
            "member_ids",
        ),
        (
            json!({"kind": "direct", "member_ids": ["nope"]}),
            "member_ids",
        ),
        (json!({"kind": "group", "name": "x"}), "kind"),
        (json!({"kind": "public"}), "name"),
        (json!({"kind": "public", "name": " "}), "name"),
        (json!({"kind": "public", "name": "x".repeat(81)}), "name"),
        (
            json!({"kind": "public", "name": "x", "topic": "t".repeat(251)}),
            "topic",
        ),
        (
            json!({"kind": "public", "name": "x", "creator_id": b.id}),
            "creator_id",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = app
            .call(&a.token, Method::POST, &path, Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    app.stop_and_clean().await;
}

#[tokio::test]
async fn readable_channel_answers_for_the_gateway() {
    let app = TestApp::spawn(test_config()).await;
    let chat_fixture = ChatFixture::new(&app, 3).await;
    let public = chat_fixture.channel(&app, "public", 0, &[]).await;
    let private = chat_fixture.channel(&app, "private", 0, &[1]).await;
    let other = ChatFixture::new(&app, 1).await;
    let store = app.store().await;
    let chat = atelier_chat::Chat::new(&store, app.config.module_config());
    let tenant = chat_fixture.tenant.tenant;
    let workspace: atelier_identity::WorkspaceId = chat_fixture.workspace.parse().unwrap();
    let user = |index: usize| {
        chat_fixture
            .user(index)
            .id
            .parse::<atelier_identity::UserId>()
            .unwrap()
    };
    // (tenant, user, channel, readable)
    let cases = [
        (tenant, user(2), &public, true),
        (tenant, user(1), &private, true),
        (tenant, user(2), &private, false),
        (
            other.tenant.tenant,
            other.user(0).id.parse().unwrap(),
            &public,
            false,
        ),
    ];
    for (tenant, user, channel, readable) in cases {
        let answer = chat
            .readable_channel(tenant, user, channel.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(answer, readable.then_some(workspace), "{user} {channel}");
    }
    assert_eq!(
        chat.readable_channel(tenant, user(0), atelier_chat::ChannelId::generate())
            .await
            .unwrap(),
        None
    );
    app.stop_and_clean().await;
}

/// Every chat endpoint with another tenant's ids answers 404, for API keys and users alike.
#[tokio::test]
async fn another_tenants_chat_ids_answer_404() {
    let app = TestApp::spawn(test_config()).await;
    let victim = ChatFixture::new(&app, 2).await;
    let channel = victim.channel(&app, "public", 0, &[1]).await;
    let message = victim.send(&app, 0, &channel, "secret").await;
    let message = message["id"].as_str().unwrap().to_owned();
    let later = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let (status, scheduled) = app
        .call(
            &victim.user(0).token,
            Method::POST,
            &format!("/v1/channels/{channel}/scheduled-messages"),
            Some(json!({"text": "later", "send_at": later})),
        )
        .await;
    assert_eq!(status, 201, "{scheduled}");
    let scheduled = scheduled["id"].as_str().unwrap().to_owned();
    let intruder = ChatFixture::new(&app, 1).await;
    let someone = &intruder.user(0).id;
    let workspace = &victim.workspace;
    let c = format!("/v1/channels/{channel}");
    let m = format!("{c}/messages/{message}");
    let probes: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            format!("/v1/workspaces/{workspace}/channels"),
            Some(json!({"kind": "public", "name": "x"})),
        ),
        (
            Method::GET,
            format!("/v1/workspaces/{workspace}/channels"),
            None,
        ),
        (Method::GET, c.clone(), None),
        (Method::PATCH, c.clone(), Some(json!({"topic": "pwned"}))),
        (Method::GET, format!("{c}/members"), None),
        (
            Method::PUT,
            format!("{c}/members/{someone}"),
            Some(json!({})),
        ),
        (
            Method::DELETE,
            format!("{c}/members/{}", victim.user(1).id),
            None,
        ),
        (
            Method::POST,
            format!("{c}/messages"),
            Some(json!({"text": "x", "user_id": someone})),
        ),
        (Method::GET, format!("{c}/messages"), None),
        (Method::GET, m.clone(), None),
        (Method::PATCH, m.clone(), Some(json!({"text": "x"}))),
        (Method::DELETE, m.clone(), None),
        (Method::GET, format!("{m}/edits"), None),
        (Method::PUT, format!("{m}/pin?user_id={someone}"), None),
        (Method::DELETE, format!("{m}/pin?user_id={someone}"), None),
        (Method::GET, format!("{c}/pins"), None),
        (Method::GET, format!("{m}/replies"), None),
        (
            Method::POST,
            format!("{m}/reactions"),
            Some(json!({"emoji": "👍", "user_id": someone})),
        ),
        (
            Method::DELETE,
            format!("{m}/reactions/%F0%9F%91%8D?user_id={someone}"),
            None,
        ),
        (
            Method::GET,
            format!("{m}/reactions/%F0%9F%91%8D/users"),
            None,
        ),
        (Method::GET, format!("{c}/changes"), None),
        (
            Method::POST,
            format!("{c}/scheduled-messages"),
            Some(json!({"text": "x", "send_at": later, "user_id": someone})),
        ),
        (Method::GET, format!("{c}/scheduled-messages"), None),
        (
            Method::GET,
            format!("{c}/scheduled-messages/{scheduled}"),
            None,
        ),
        (
            Method::DELETE,
            format!("{c}/scheduled-messages/{scheduled}"),
            None,
        ),
        (
            Method::GET,
            format!("/v1/search/messages?q=secret&channel_id={channel}"),
            None,
        ),
    ];
    assert_cross_tenant_404(&app, &intruder.tenant, &probes).await;
    // The same with a user token of the other tenant, plus the per-user endpoints.
    let mut user_probes = probes;
    user_probes.extend([
        (Method::POST, format!("{c}/join"), None),
        (Method::POST, format!("{c}/leave"), None),
        (Method::GET, format!("{c}/read"), None),
        (Method::POST, format!("{c}/read"), Some(json!({}))),
        (
            Method::POST,
            format!("{c}/unread"),
            Some(json!({"message_id": message})),
        ),
        (Method::POST, format!("{m}/thread/read"), Some(json!({}))),
    ]);
    for (method, path, body) in user_probes {
        let body = body.map(|mut body| {
            body.as_object_mut().unwrap().remove("user_id");
            body
        });
        let path = path.replace(&format!("?user_id={someone}"), "");
        let (status, problem) = app
            .call(&intruder.user(0).token, method.clone(), &path, body)
            .await;
        assert_eq!(
            status, 404,
            "{method} {path} by another tenant's user: {problem}"
        );
        assert!(
            problem["code"].as_str().unwrap().ends_with("not_found"),
            "{problem}"
        );
    }
    // Nothing changed for the victim.
    let (_, view) = app.call(&victim.user(0).token, Method::GET, &m, None).await;
    assert_eq!(view["text"], "secret");
    assert_eq!(view["reactions"], json!([]));
    app.stop_and_clean().await;
}

/// A member change judges the role its transaction finds: a moderator's removal of a member,
/// in flight while the owner makes that member an owner, must not remove an owner (only owners
/// remove owners). It answers `409 member_changed` and the new owner stays.
#[tokio::test]
async fn a_member_change_acts_only_on_the_role_it_judged() {
    use atelier_store::faults::{self, Fault, MEMBER_CHANGE_BEFORE_WRITE};

    let app = TestApp::spawn(test_config()).await;
    let fixture = ChatFixture::new(&app, 3).await;
    let (owner, moderator, member) = (fixture.user(0), fixture.user(1), fixture.user(2));
    let channel = fixture.channel(&app, "private", 0, &[1, 2]).await;
    let members = format!("/v1/channels/{channel}/members");
    let (status, body) = app
        .call(
            &owner.token,
            Method::PUT,
            &format!("{members}/{}", moderator.id),
            Some(json!({"role": "moderator"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let scope = fixture.tenant.tenant.to_string();
    faults::arm(
        MEMBER_CHANGE_BEFORE_WRITE,
        &scope,
        Fault::Pause(std::time::Duration::from_millis(1_500)),
        1,
    );
    let removal = tokio::spawn({
        let request = app
            .http
            .delete(app.url(&format!("{members}/{}", member.id)))
            .bearer_auth(&moderator.token);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    });
    while faults::hits(MEMBER_CHANGE_BEFORE_WRITE, &scope) == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (status, body) = app
        .call(
            &owner.token,
            Method::PUT,
            &format!("{members}/{}", member.id),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, problem) = removal.await.unwrap();
    faults::disarm(MEMBER_CHANGE_BEFORE_WRITE, &scope);
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("member_changed")),
        "a moderator removed an owner: {problem}"
    );
    let (status, list) = app.call(&owner.token, Method::GET, &members, None).await;
    assert_eq!(status, 200, "{list}");
    let role = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["user_id"] == member.id.as_str())
        .and_then(|item| item["role"].as_str());
    assert_eq!(role, Some("owner"), "{list}");
    app.stop_and_clean().await;
}
