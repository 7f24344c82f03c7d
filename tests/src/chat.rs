//! Chat test fixtures: an organisation with a workspace and users holding access tokens.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, TestTenant};

/// A user of the fixture's organisation with an access token.
#[derive(Debug, Clone)]
pub struct ChatUser {
    pub id: String,
    pub token: String,
}

/// An organisation, one workspace (the first user owns it, the others are members) and users.
#[derive(Debug, Clone)]
pub struct ChatFixture {
    pub tenant: TestTenant,
    pub workspace: String,
    pub users: Vec<ChatUser>,
}

impl ChatFixture {
    pub async fn new(app: &TestApp, users: usize) -> ChatFixture {
        let tenant = app.create_tenant().await;
        let mut created = Vec::with_capacity(users);
        for index in 0..users {
            let id = app.create_user(&tenant, &format!("User {index}")).await;
            created.push(ChatUser {
                id: id.to_string(),
                token: mint_token(app, &tenant, &id.to_string()).await,
            });
        }
        let (status, workspace) = app
            .call(
                &tenant.api_key,
                Method::POST,
                "/v1/workspaces",
                Some(json!({ "name": "Chat", "owner_id": created[0].id })),
            )
            .await;
        assert_eq!(status, 201, "{workspace}");
        let workspace = workspace["id"].as_str().unwrap().to_owned();
        for user in created.iter().skip(1) {
            let (status, body) = app
                .call(
                    &tenant.api_key,
                    Method::PUT,
                    &format!("/v1/workspaces/{workspace}/members/{}", user.id),
                    Some(json!({ "role": "member" })),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        ChatFixture {
            tenant,
            workspace,
            users: created,
        }
    }

    pub fn user(&self, index: usize) -> &ChatUser {
        &self.users[index]
    }

    /// Creates a channel as `creator` (a user index) and adds `members` (user indexes).
    pub async fn channel(
        &self,
        app: &TestApp,
        kind: &str,
        creator: usize,
        members: &[usize],
    ) -> String {
        let member_ids: Vec<&str> = members.iter().map(|m| self.users[*m].id.as_str()).collect();
        let (status, channel) = app
            .call(
                &self.users[creator].token,
                Method::POST,
                &format!("/v1/workspaces/{}/channels", self.workspace),
                Some(json!({
                    "kind": kind,
                    "name": format!("{kind}-{}", crate::unique()),
                    "member_ids": member_ids,
                })),
            )
            .await;
        assert_eq!(status, 201, "{channel}");
        channel["id"].as_str().unwrap().to_owned()
    }

    /// Sends `text` as user `sender`; returns the message.
    pub async fn send(&self, app: &TestApp, sender: usize, channel: &str, text: &str) -> Value {
        let (status, message) = app
            .call(
                &self.users[sender].token,
                Method::POST,
                &format!("/v1/channels/{channel}/messages"),
                Some(json!({ "text": text })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{message}");
        message
    }
}

/// A fresh access token for `user`.
pub async fn mint_token(app: &TestApp, tenant: &TestTenant, user: &str) -> String {
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::POST,
            &format!("/v1/users/{user}/tokens"),
            None,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}
