//! Access that follows workspace membership, and the rank rules for managing members
//! (issue 11, items 1 and 2), end to end over HTTP. The decision table itself is tested in
//! `atelier_identity::policy`.

use atelier_tests::{
    TestApp,
    chat::{ChatFixture, mint_token},
    test_config,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn ids(list: &Value, field: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .or_else(|| list["channels"].as_array())
        .unwrap_or_else(|| panic!("no list in {list}"))
        .iter()
        .map(|item| item[field].as_str().unwrap().to_owned())
        .collect()
}

/// After `DELETE /v1/workspaces/{ws}/members/{u}`, that user (even with a fresh token) no
/// longer reads a private or public channel, posts into it, appears in its member list or gets
/// its unread counts; an API key cannot act on their behalf there either.
#[tokio::test]
async fn a_removed_workspace_member_loses_every_channel() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let (owner, leaver) = (chat.user(0), chat.user(1));
    let private = chat.channel(&app, "private", 0, &[1]).await;
    let public = chat.channel(&app, "public", 0, &[1]).await;
    chat.send(&app, 0, &private, "before").await;
    chat.send(&app, 1, &private, "from the leaver").await;

    let (status, body) = app
        .call(
            &chat.tenant.api_key,
            Method::DELETE,
            &format!("/v1/workspaces/{}/members/{}", chat.workspace, leaver.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    chat.send(&app, 0, &private, "after").await;
    chat.send(&app, 0, &public, "after").await;

    for token in [
        leaver.token.clone(),
        mint_token(&app, &chat.tenant, &leaver.id).await,
    ] {
        for channel in [&private, &public] {
            for path in [
                format!("/v1/channels/{channel}"),
                format!("/v1/channels/{channel}/messages"),
                format!("/v1/channels/{channel}/members"),
                format!("/v1/channels/{channel}/changes"),
            ] {
                let (status, body) = app.call(&token, Method::GET, &path, None).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}: {body}");
            }
            let (status, body) = app
                .call(
                    &token,
                    Method::POST,
                    &format!("/v1/channels/{channel}/messages"),
                    Some(json!({ "text": "still here?" })),
                )
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "send: {body}");
        }
        let (status, unread) = app.call(&token, Method::GET, "/v1/me/unread", None).await;
        assert_eq!(status, StatusCode::OK, "{unread}");
        let channels = ids(&unread, "channel_id");
        assert!(
            !channels.contains(&private) && !channels.contains(&public),
            "{unread}"
        );
        assert_eq!(unread["unread_count"], 0, "{unread}");
    }

    // The remaining members no longer see them in the channels' member lists.
    for channel in [&private, &public] {
        let (status, members) = app
            .call(
                &owner.token,
                Method::GET,
                &format!("/v1/channels/{channel}/members"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{members}");
        assert!(
            !ids(&members, "user_id").contains(&leaver.id),
            "{channel}: {members}"
        );
    }

    // The tenant's backend cannot post in their name either.
    let (status, body) = app
        .call(
            &chat.tenant.api_key,
            Method::POST,
            &format!("/v1/channels/{private}/messages"),
            Some(json!({ "text": "on behalf", "user_id": leaver.id })),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_member")),
        "{body}"
    );

    // Added back, they are a workspace member again but no longer a member of the private
    // channel: they were removed from it, not merely hidden.
    let (status, body) = app
        .call(
            &chat.tenant.api_key,
            Method::PUT,
            &format!("/v1/workspaces/{}/members/{}", chat.workspace, leaver.id),
            Some(json!({ "role": "member" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(
            &leaver.token,
            Method::GET,
            &format!("/v1/channels/{private}/messages"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    app.stop_and_clean().await;
}

/// Only an owner grants or takes ownership; an admin manages everyone below owner.
#[tokio::test]
async fn only_owners_grant_or_take_workspace_ownership() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 4).await;
    let (owner, admin, member, other) = (chat.user(0), chat.user(1), chat.user(2), chat.user(3));
    let members = format!("/v1/workspaces/{}/members", chat.workspace);
    let put = |token: &str, user: &str, role: &str| {
        let (token, path) = (token.to_owned(), format!("{members}/{user}"));
        let body = json!({ "role": role });
        let app = &app;
        async move { app.call(&token, Method::PUT, &path, Some(body)).await }
    };
    let (status, body) = put(&owner.token, &admin.id, "admin").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // (actor, target, new role or removal, expected status)
    let cases: [(&str, &str, Option<&str>, StatusCode); 8] = [
        // The reported attack: an admin makes themself owner, then demotes the owner.
        (
            &admin.token,
            &admin.id,
            Some("owner"),
            StatusCode::FORBIDDEN,
        ),
        (
            &admin.token,
            &owner.id,
            Some("admin"),
            StatusCode::FORBIDDEN,
        ),
        (&admin.token, &owner.id, None, StatusCode::FORBIDDEN),
        (
            &admin.token,
            &member.id,
            Some("owner"),
            StatusCode::FORBIDDEN,
        ),
        // Below owner, admins manage members.
        (&admin.token, &other.id, Some("admin"), StatusCode::OK),
        (&admin.token, &other.id, Some("guest"), StatusCode::OK),
        (
            &member.token,
            &other.id,
            Some("member"),
            StatusCode::FORBIDDEN,
        ),
        // Owners grant ownership.
        (&owner.token, &admin.id, Some("owner"), StatusCode::OK),
    ];
    for (index, (token, target, role, expected)) in cases.into_iter().enumerate() {
        let (status, body) = match role {
            Some(role) => put(token, target, role).await,
            None => {
                app.call(token, Method::DELETE, &format!("{members}/{target}"), None)
                    .await
            }
        };
        assert_eq!(status, expected, "case {index}: {body}");
        if expected == StatusCode::FORBIDDEN {
            assert_eq!(body["code"], "forbidden", "case {index}: {body}");
        }
    }
    let (_, list) = app.call(&owner.token, Method::GET, &members, None).await;
    let role_of = |user: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user_id"] == user)
            .map(|m| m["role"].as_str().unwrap().to_owned())
    };
    assert_eq!(role_of(&owner.id).as_deref(), Some("owner"), "{list}");
    assert_eq!(role_of(&admin.id).as_deref(), Some("owner"), "{list}");
    assert_eq!(role_of(&member.id).as_deref(), Some("member"), "{list}");
    app.stop_and_clean().await;
}

/// A channel moderator removes members but not the channel's owner or another moderator:
/// removal follows the same rank rule as a role change.
#[tokio::test]
async fn a_channel_moderator_cannot_remove_an_owner() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 4).await;
    let (owner, moderator, member) = (chat.user(0), chat.user(1), chat.user(2));
    let channel = chat.channel(&app, "private", 0, &[1, 2, 3]).await;
    let path = |user: &str| format!("/v1/channels/{channel}/members/{user}");
    let (status, body) = app
        .call(
            &owner.token,
            Method::PUT,
            &path(&moderator.id),
            Some(json!({ "role": "moderator" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(
            &owner.token,
            Method::PUT,
            &path(&chat.user(3).id),
            Some(json!({ "role": "moderator" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Demoting the owner was already refused; removing them must be too.
    let (status, body) = app
        .call(
            &moderator.token,
            Method::PUT,
            &path(&owner.id),
            Some(json!({ "role": "member" })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    for target in [&owner.id, &chat.user(3).id] {
        let (status, body) = app
            .call(&moderator.token, Method::DELETE, &path(target), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "remove {target}: {body}");
    }
    let (status, body) = app
        .call(&moderator.token, Method::DELETE, &path(&member.id), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, members) = app
        .call(
            &owner.token,
            Method::GET,
            &format!("/v1/channels/{channel}/members"),
            None,
        )
        .await;
    let present = ids(&members, "user_id");
    assert!(present.contains(&owner.id) && present.contains(&chat.user(3).id));
    assert!(!present.contains(&member.id), "{members}");
    app.stop_and_clean().await;
}
