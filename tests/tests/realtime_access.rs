//! Access is enforced on live subscriptions, across nodes: the subscriber is on node B, the
//! change is made on node A, and within 2 s the subscriber gets `subscription_revoked` (or its
//! socket is closed with 4003), gets no later event of the topic, and cannot resume it.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use atelier_core::{EventEnvelope, NewEvent, TenantId};
use atelier_identity::{UserId, WorkspaceId, tenancy::GrantSubject};
use atelier_realtime::{
    AccessChange, AccessError, BinaryRefusal, ReplaySource, TopicKind, TopicScope,
};
use atelier_tests::{
    TestApp, TestTenant,
    chat::ChatFixture,
    realtime::{Auth, WsClient, append, connect, try_connect},
    test_config, unique,
};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// How fast a revocation must reach a socket on another node.
const WITHIN: Duration = Duration::from_secs(2);

async fn two_nodes(kinds: Vec<Arc<dyn TopicKind>>) -> (TestApp, TestApp) {
    let config = test_config();
    let mut config_b = config.clone();
    config_b.node_id = format!("test-{}", unique());
    let spawn = |config| {
        let kinds = kinds.clone();
        async move {
            match kinds.first() {
                Some(kind) => TestApp::spawn_with_access(config, kind.clone()).await,
                None => TestApp::spawn(config).await,
            }
        }
    };
    (spawn(config).await, spawn(config_b).await)
}

async fn subscribe(client: &mut WsClient, id: &str, topic: Value) -> Value {
    client
        .send(json!({"v": 1, "type": "subscribe", "id": id, "topic": topic}))
        .await;
    client.until_answer(id).await
}

/// Waits for the `subscription_revoked` frame of `topic`; asserts it came within [`WITHIN`]
/// of `since` and returns the frames before it.
async fn revoked_within(client: &mut WsClient, topic: &Value, since: Instant) -> Vec<Value> {
    let mut before = Vec::new();
    loop {
        let frame = client
            .next_within(WITHIN.saturating_sub(since.elapsed()) + Duration::from_millis(50))
            .await
            .unwrap_or_else(|| panic!("no subscription_revoked within {WITHIN:?}: {before:?}"));
        if frame["type"] == "subscription_revoked" {
            assert_eq!(frame["topic"], *topic, "{frame}");
            assert_eq!(frame["reason"], "access_revoked", "{frame}");
            assert!(
                since.elapsed() <= WITHIN,
                "revoked after {:?}",
                since.elapsed()
            );
            eprintln!(
                "subscription revoked {:?} after the change",
                since.elapsed()
            );
            return before;
        }
        before.push(frame);
    }
}

/// Asserts that no event of `topic` arrives for a while, and that `resume` replays nothing of
/// it and subscribing again is refused.
async fn no_longer_readable(client: &mut WsClient, topic: &Value, cursor: &str) {
    tokio::time::sleep(Duration::from_millis(800)).await;
    let frames = client.ping("after").await;
    assert!(
        frames.iter().all(|frame| frame["topic"] != *topic),
        "{frames:?}"
    );
    client
        .send(json!({"v":1,"type":"resume","id":"r","after":cursor}))
        .await;
    let (ack, frames) = client.until("ack").await;
    assert_eq!(ack["id"], "r", "{ack}");
    assert!(
        frames.iter().all(|frame| frame["topic"] != *topic),
        "{frames:?}"
    );
    let again = subscribe(client, "again", topic.clone()).await;
    assert_eq!(again["type"], "error", "{again}");
    assert_eq!(again["code"], "not_found", "{again}");
}

/// The first `event` frame of `topic` whose type is `event_type` (earlier events, such as a
/// channel's creation, may still be on their way).
async fn event_of(client: &mut WsClient, topic: &Value, event_type: &str) -> Value {
    loop {
        let (frame, _) = client.until("event").await;
        if frame["topic"] == *topic && frame["event_type"] == event_type {
            return frame;
        }
    }
}

fn channel(id: &str) -> Value {
    json!({"kind": "channel", "id": id})
}

#[tokio::test]
async fn realtime_removed_channel_member_loses_the_channel_on_every_node() {
    let (node_a, node_b) = two_nodes(Vec::new()).await;
    let fixture = ChatFixture::new(&node_a, 2).await;
    let id = fixture.channel(&node_a, "private", 0, &[1]).await;
    let topic = channel(&id);

    let mut member = connect(&node_b, &fixture.user(1).token).await;
    assert_eq!(
        subscribe(&mut member, "s", topic.clone()).await["type"],
        "ack"
    );
    fixture.send(&node_a, 0, &id, "before").await;
    let cursor = event_of(&mut member, &topic, "chat.message.created").await["event_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, body) = node_a
        .call(
            &fixture.user(0).token,
            Method::DELETE,
            &format!("/v1/channels/{id}/members/{}", fixture.user(1).id),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let since = Instant::now();
    revoked_within(&mut member, &topic, since).await;
    fixture.send(&node_a, 0, &id, "after").await;
    no_longer_readable(&mut member, &topic, &cursor).await;

    node_b.stop().await.expect("node B stopped");
    node_a.stop_and_clean().await;
}

#[tokio::test]
async fn realtime_removed_workspace_member_loses_its_public_channels_on_every_node() {
    let (node_a, node_b) = two_nodes(Vec::new()).await;
    let fixture = ChatFixture::new(&node_a, 2).await;
    // A public channel the second user reads through their workspace role alone.
    let id = fixture.channel(&node_a, "public", 0, &[]).await;
    let topic = channel(&id);
    let mut reader = connect(&node_b, &fixture.user(1).token).await;
    // The v1 alias still subscribes (and answers with both forms).
    reader
        .send(json!({"v":1,"type":"subscribe","id":"s","channel_id":id}))
        .await;
    let ack = reader.until_answer("s").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["channel_id"], id, "{ack}");
    assert_eq!(ack["topic"], topic, "{ack}");
    fixture.send(&node_a, 0, &id, "before").await;
    let cursor = event_of(&mut reader, &topic, "chat.message.created").await["event_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, body) = node_a
        .call(
            &fixture.tenant.api_key,
            Method::DELETE,
            &format!(
                "/v1/workspaces/{}/members/{}",
                fixture.workspace,
                fixture.user(1).id
            ),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let since = Instant::now();
    revoked_within(&mut reader, &topic, since).await;
    fixture.send(&node_a, 0, &id, "after").await;
    no_longer_readable(&mut reader, &topic, &cursor).await;

    node_b.stop().await.expect("node B stopped");
    node_a.stop_and_clean().await;
}

/// A login: its access token (with `sid`) and refresh token, minted over HTTP.
async fn login(app: &TestApp, tenant: &TestTenant, user: &str) -> (String, String) {
    let (status, body) = app
        .call(
            &tenant.api_key,
            Method::POST,
            &format!("/v1/users/{user}/tokens"),
            None,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(app: &TestApp, refresh_token: &str) -> (u16, Value) {
    let response = app
        .http
        .post(app.url("/v1/auth/refresh"))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .expect("refresh request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Waits for the close frame; asserts 4003 within [`WITHIN`] of `since`.
async fn closed_with_4003(client: &mut WsClient, since: Instant) {
    let (code, reason) = tokio::time::timeout(WITHIN + Duration::from_millis(200), client.closed())
        .await
        .expect("closed within 2s");
    assert_eq!(code, 4003, "{reason}");
    assert!(
        since.elapsed() <= WITHIN,
        "closed after {:?}",
        since.elapsed()
    );
    eprintln!(
        "socket closed with 4003 {:?} after the change",
        since.elapsed()
    );
}

/// The token is refused from now on: no socket at once, no HTTP once the revocation reached
/// the node's principal cache (as an event: within a second).
async fn token_refused(app: &TestApp, token: &str) {
    let refused = try_connect(app, Auth::Header(token)).await;
    assert!(refused.is_err(), "a revoked token still connects");
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let (status, body) = app.call(token, Method::GET, "/v1/me", None).await;
        if status == 401 {
            assert_eq!(body["code"], "token_revoked", "{body}");
            return;
        }
        assert!(Instant::now() < deadline, "still accepted: {status} {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn realtime_revoked_login_closes_its_sockets_on_every_node() {
    let (node_a, node_b) = two_nodes(Vec::new()).await;
    let fixture = ChatFixture::new(&node_a, 2).await;
    let id = fixture.channel(&node_a, "private", 0, &[1]).await;
    let (access, refresh_token) = login(&node_a, &fixture.tenant, &fixture.user(1).id).await;
    // Another login of the same user is not affected.
    let other = &fixture.user(1).token;

    let mut socket = connect(&node_b, &access).await;
    assert_eq!(
        subscribe(&mut socket, "s", channel(&id)).await["type"],
        "ack"
    );
    let mut other_socket = connect(&node_b, other).await;
    assert_eq!(
        subscribe(&mut other_socket, "s", channel(&id)).await["type"],
        "ack"
    );

    // Rotate once, then present the used refresh token again: reuse revokes the login.
    let (status, body) = refresh(&node_a, &refresh_token).await;
    assert_eq!(status, 200, "{body}");
    let rotated_access = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh(&node_a, &refresh_token).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "refresh_token_reused", "{body}");
    let since = Instant::now();
    closed_with_4003(&mut socket, since).await;
    token_refused(&node_b, &access).await;
    token_refused(&node_a, &rotated_access).await;

    // The other login keeps its socket and its events.
    fixture.send(&node_a, 0, &id, "still here").await;
    event_of(&mut other_socket, &channel(&id), "chat.message.created").await;

    node_b.stop().await.expect("node B stopped");
    node_a.stop_and_clean().await;
}

#[tokio::test]
async fn realtime_deleted_user_is_disconnected_on_every_node_and_refused_everywhere() {
    let (node_a, node_b) = two_nodes(Vec::new()).await;
    let fixture = ChatFixture::new(&node_a, 2).await;
    let id = fixture.channel(&node_a, "public", 0, &[1]).await;
    let user = fixture.user(1).clone();
    let (access, refresh_token) = login(&node_a, &fixture.tenant, &user.id).await;

    let mut socket = connect(&node_b, &access).await;
    assert_eq!(
        subscribe(&mut socket, "s", channel(&id)).await["type"],
        "ack"
    );
    let mut other_socket = connect(&node_b, &user.token).await;

    let (status, body) = node_a
        .call(
            &fixture.tenant.api_key,
            Method::DELETE,
            &format!("/v1/users/{}", user.id),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let since = Instant::now();
    closed_with_4003(&mut socket, since).await;
    closed_with_4003(&mut other_socket, since).await;
    token_refused(&node_b, &access).await;
    token_refused(&node_a, &user.token).await;
    let (status, body) = refresh(&node_a, &refresh_token).await;
    assert_eq!(status, 401, "{body}");

    // Gone from the organisation: not found, not a member, no new tokens; deleting is audited.
    let api_key = &fixture.tenant.api_key;
    let (status, _) = node_a
        .call(
            api_key,
            Method::GET,
            &format!("/v1/users/{}", user.id),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = node_a
        .call(
            api_key,
            Method::POST,
            &format!("/v1/users/{}/tokens", user.id),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, members) = node_a
        .call(
            api_key,
            Method::GET,
            &format!("/v1/workspaces/{}/members", fixture.workspace),
            None,
        )
        .await;
    assert_eq!(status, 200, "{members}");
    assert!(!members.to_string().contains(&user.id), "{members}");
    let (status, _) = node_a
        .call(
            api_key,
            Method::DELETE,
            &format!("/v1/users/{}", user.id),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, audit) = node_a.call(api_key, Method::GET, "/v1/audit", None).await;
    assert_eq!(status, 200, "{audit}");
    assert!(audit.to_string().contains("users.delete"), "{audit}");

    node_b.stop().await.expect("node B stopped");
    node_a.stop_and_clean().await;
}

/// A `doc` topic kind whose access is a resource grant (`identity.grant.revoked` changes it),
/// and that takes binary frames (recorded).
#[derive(Default)]
struct GrantedDocs {
    workspace: Mutex<Option<WorkspaceId>>,
    received: Mutex<Vec<(String, Vec<u8>)>>,
    tenancy: Mutex<Option<atelier_identity::tenancy::Tenancy>>,
}

#[async_trait::async_trait]
impl TopicKind for GrantedDocs {
    fn kind(&self) -> &'static str {
        "doc"
    }

    fn validate_id(&self, id: &str) -> Result<(), String> {
        id.strip_prefix("doc_")
            .filter(|rest| !rest.is_empty())
            .map(|_| ())
            .ok_or_else(|| "doc ids start with doc_".to_owned())
    }

    async fn authorize(
        &self,
        tenant: TenantId,
        user: UserId,
        id: &str,
    ) -> Result<Option<TopicScope>, AccessError> {
        let tenancy = self.tenancy.lock().unwrap().clone().expect("tenancy set");
        let workspace = self.workspace.lock().unwrap().expect("workspace set");
        let access = tenancy
            .access(tenant, user, workspace, Some(("doc", id)))
            .await
            .map_err(|error| AccessError(error.to_string()))?;
        Ok(access.resource_role.map(|_| TopicScope {
            workspace: Some(workspace),
        }))
    }

    fn replay_source(&self, id: &str) -> ReplaySource {
        ReplaySource::Outbox {
            aggregate_type: "doc".to_owned(),
            aggregate_id: id.to_owned(),
        }
    }

    fn topics_of(&self, event: &EventEnvelope) -> Vec<String> {
        if event.aggregate_type == "doc" {
            vec![event.aggregate_id.clone()]
        } else {
            Vec::new()
        }
    }

    fn event_patterns(&self) -> Vec<String> {
        vec!["doc.#".to_owned()]
    }

    fn binding_headers(&self, id: &str) -> Vec<(String, String)> {
        vec![
            ("aggregate_type".to_owned(), "doc".to_owned()),
            ("aggregate_id".to_owned(), id.to_owned()),
        ]
    }

    fn access_event_types(&self) -> Vec<String> {
        vec!["identity.grant.revoked".to_owned()]
    }

    fn access_changes(&self, event: &EventEnvelope) -> Vec<AccessChange> {
        let data = &event.data;
        if event.event_type != "identity.grant.revoked" || data["resource_type"] != "doc" {
            return Vec::new();
        }
        let id = data["resource_id"].as_str().unwrap_or_default().to_owned();
        match data["user_id"].as_str().and_then(|user| user.parse().ok()) {
            Some(user) => vec![AccessChange::UserOnTopic(user, id)],
            None => vec![AccessChange::Topic(id)],
        }
    }

    fn accepts_binary(&self) -> bool {
        true
    }

    async fn on_binary(
        &self,
        _tenant: TenantId,
        _user: UserId,
        id: &str,
        payload: &[u8],
    ) -> Result<(), BinaryRefusal> {
        if payload.is_empty() {
            return Err(BinaryRefusal("empty update".to_owned()));
        }
        self.received
            .lock()
            .unwrap()
            .push((id.to_owned(), payload.to_vec()));
        Ok(())
    }
}

fn doc_event(id: &str, n: u64) -> NewEvent {
    NewEvent::new("doc.updated", "doc", id, json!({ "n": n }))
}

#[tokio::test]
async fn realtime_revoked_grant_ends_the_subscription_on_every_node_and_binary_frames_route_by_kind()
 {
    let docs = Arc::new(GrantedDocs::default());
    let (node_a, node_b) = two_nodes(vec![docs.clone()]).await;
    *docs.tenancy.lock().unwrap() = Some(node_b.identity().await.tenancy);
    let fixture = ChatFixture::new(&node_a, 2).await;
    let workspace: WorkspaceId = fixture.workspace.parse().unwrap();
    *docs.workspace.lock().unwrap() = Some(workspace);
    let user: UserId = fixture.user(1).id.parse().unwrap();
    let tenancy_a = node_a.identity().await.tenancy;
    let doc = format!("doc_{}", unique());
    let topic = json!({"kind": "doc", "id": doc});
    tenancy_a
        .grant(
            fixture.tenant.tenant,
            "doc",
            &doc,
            GrantSubject::User(user),
            atelier_identity::ResourceRole::Editor,
        )
        .await
        .expect("grant");

    let mut client = connect(&node_b, &fixture.user(1).token).await;
    let hello_kinds = {
        // The string form of a topic works too.
        client
            .send(json!({"v":1,"type":"subscribe","id":"s","topic":format!("doc:{doc}")}))
            .await;
        client.until_answer("s").await
    };
    assert_eq!(hello_kinds["type"], "ack", "{hello_kinds}");
    assert_eq!(hello_kinds["topic"], topic, "{hello_kinds}");
    assert!(hello_kinds.get("channel_id").is_none(), "{hello_kinds}");
    let first = append(&node_a, fixture.tenant.tenant, vec![doc_event(&doc, 1)]).await;
    let frame = client.next().await;
    assert_eq!(frame["type"], "event", "{frame}");
    assert_eq!(frame["topic"], topic, "{frame}");
    let cursor = first[0].id.to_string();

    // Binary frames go to the kind that takes them, for a subscribed topic only.
    client
        .send_raw(Message::binary(
            format!("doc:{doc}\n")
                .into_bytes()
                .into_iter()
                .chain([1, 2, 3])
                .collect::<Vec<u8>>(),
        ))
        .await;
    client
        .send_raw(Message::binary(b"doc:doc_other\n\x01".to_vec()))
        .await;
    let refused = client.next().await;
    assert_eq!(refused["code"], "not_subscribed", "{refused}");
    let channel_id = fixture.channel(&node_a, "private", 1, &[]).await;
    assert_eq!(
        subscribe(&mut client, "c", channel(&channel_id)).await["type"],
        "ack"
    );
    client
        .send_raw(Message::binary(
            format!("channel:{channel_id}\n\x01").into_bytes(),
        ))
        .await;
    let (refused, _) = client.until("error").await;
    assert_eq!(refused["code"], "binary_not_accepted", "{refused}");
    assert_eq!(
        *docs.received.lock().unwrap(),
        vec![(doc.clone(), vec![1, 2, 3])]
    );

    tenancy_a
        .revoke_grant(fixture.tenant.tenant, "doc", &doc, GrantSubject::User(user))
        .await
        .expect("revoke grant");
    let since = Instant::now();
    revoked_within(&mut client, &topic, since).await;
    append(&node_a, fixture.tenant.tenant, vec![doc_event(&doc, 2)]).await;
    no_longer_readable(&mut client, &topic, &cursor).await;
    // Binary frames for it are refused now.
    client
        .send_raw(Message::binary(format!("doc:{doc}\n\x07").into_bytes()))
        .await;
    let (refused, _) = client.until("error").await;
    assert_eq!(refused["code"], "not_subscribed", "{refused}");
    // The channel subscription is untouched.
    let frames = client.ping("p").await;
    assert!(
        frames.iter().all(|f| f["type"] != "subscription_revoked"),
        "{frames:?}"
    );

    node_b.stop().await.expect("node B stopped");
    node_a.stop_and_clean().await;
}
