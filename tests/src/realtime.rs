//! Helpers of the realtime gateway tests: a fake `channel` [`TopicKind`] (access from a table
//! instead of the chat domain), a WebSocket client that speaks the v1 frames, user tokens,
//! workspaces and chat-shaped events.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
    time::Duration,
};

use atelier_chat::ChannelId;
use atelier_core::{EventEnvelope, NewEvent, TenantId};
use atelier_identity::{UserId, WorkspaceId};
use atelier_realtime::{
    AccessChange, AccessError, ReplaySource, TopicKind, TopicScope, topic::Topic,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{self, Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::{TestApp, TestTenant};

/// A channel's workspace and the users who may read it.
type Readers = (WorkspaceId, HashSet<UserId>);

/// Channels readable by some users, as a chat domain would answer.
#[derive(Debug, Default)]
pub struct FakeChannels {
    channels: Mutex<HashMap<(TenantId, ChannelId), Readers>>,
}

impl FakeChannels {
    /// A new channel of `workspace` readable by `readers`.
    pub fn channel(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
        readers: &[UserId],
    ) -> ChannelId {
        let channel = ChannelId::generate();
        self.channels.lock().expect("fake channels").insert(
            (tenant, channel),
            (workspace, readers.iter().copied().collect()),
        );
        channel
    }
}

/// Chat's `channel` kind with access decided by the table (events, replay and bindings as
/// chat's own kind).
#[async_trait::async_trait]
impl TopicKind for FakeChannels {
    fn kind(&self) -> &'static str {
        atelier_chat::topic::KIND
    }

    fn validate_id(&self, id: &str) -> Result<(), String> {
        atelier_chat::topic::validate_id(id)
    }

    async fn authorize(
        &self,
        tenant: TenantId,
        user: UserId,
        id: &str,
    ) -> Result<Option<TopicScope>, AccessError> {
        let Ok(channel) = id.parse::<ChannelId>() else {
            return Ok(None);
        };
        Ok(self
            .channels
            .lock()
            .expect("fake channels")
            .get(&(tenant, channel))
            .filter(|(_, readers)| readers.contains(&user))
            .map(|(workspace, _)| TopicScope {
                workspace: Some(*workspace),
            }))
    }

    fn replay_source(&self, id: &str) -> ReplaySource {
        atelier_chat::topic::replay_source(id)
    }

    fn changes_url(&self, id: &str) -> Option<String> {
        Some(format!("/v1/channels/{id}/changes"))
    }

    fn topics_of(&self, event: &EventEnvelope) -> Vec<String> {
        atelier_chat::topic::topics_of(event)
    }

    fn event_patterns(&self) -> Vec<String> {
        vec!["chat.#".to_owned()]
    }

    fn binding_headers(&self, id: &str) -> Vec<(String, String)> {
        atelier_chat::topic::binding_headers(id)
    }

    fn access_event_types(&self) -> Vec<String> {
        atelier_chat::topic::access_event_types()
    }

    fn access_changes(&self, event: &EventEnvelope) -> Vec<AccessChange> {
        atelier_chat::topic::access_changes(event)
    }
}

/// The topic of a channel.
pub fn channel_topic(channel: ChannelId) -> Topic {
    Topic::new("channel", channel.to_string())
}

/// A user access token minted by the identity service (as `POST /v1/users/{id}/tokens` does).
pub async fn user_token(app: &TestApp, tenant: &TestTenant, user: UserId) -> String {
    app.identity()
        .await
        .tokens
        .mint_access(tenant.tenant, user)
        .await
        .expect("mint access token")
        .0
}

/// A workspace owned by `owner` with `members` as members, through the API.
pub async fn workspace(
    app: &TestApp,
    tenant: &TestTenant,
    owner: UserId,
    members: &[UserId],
) -> WorkspaceId {
    let (status, body) = app
        .call(
            &tenant.api_key,
            reqwest::Method::POST,
            "/v1/workspaces",
            Some(json!({ "name": "Design", "owner_id": owner.to_string() })),
        )
        .await;
    assert_eq!(status, 201, "create workspace: {body}");
    let workspace: WorkspaceId = body["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("workspace id");
    for member in members {
        let (status, body) = app
            .call(
                &tenant.api_key,
                reqwest::Method::PUT,
                &format!("/v1/workspaces/{workspace}/members/{member}"),
                Some(json!({ "role": "member" })),
            )
            .await;
        assert!(status.is_success(), "add member: {status} {body}");
    }
    workspace
}

/// A chat-shaped event, as the chat domain will emit them.
pub fn chat_event(
    event_type: &str,
    channel: ChannelId,
    workspace: WorkspaceId,
    data: Value,
) -> NewEvent {
    let mut data = data;
    data["channel_id"] = json!(channel.to_string());
    data["workspace_id"] = json!(workspace.to_string());
    NewEvent::new(event_type, "channel", channel.to_string(), data)
}

/// Appends events through the outbox of `app`'s database (before chat exists).
pub async fn append(app: &TestApp, tenant: TenantId, events: Vec<NewEvent>) -> Vec<EventEnvelope> {
    let store = app.store().await;
    atelier_outbox::Outbox::new(&store)
        .append_now(tenant, events)
        .await
        .expect("append events")
}

/// How a WebSocket client authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    Header(&'a str),
    Query(&'a str),
    None,
}

/// The `ws://.../v1/realtime` URL of an app.
pub fn realtime_url(app: &TestApp) -> String {
    format!(
        "{}/v1/realtime",
        app.base_url.replacen("http://", "ws://", 1)
    )
}

/// Tries to connect; the handshake error (an HTTP refusal) when refused.
pub async fn try_connect(app: &TestApp, auth: Auth<'_>) -> Result<WsClient, tungstenite::Error> {
    let url = match auth {
        Auth::Query(token) => format!("{}?access_token={token}", realtime_url(app)),
        _ => realtime_url(app),
    };
    let mut request = url.into_client_request()?;
    if let Auth::Header(token) = auth {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).expect("header value"),
        );
    }
    let (stream, _response) = tokio_tungstenite::connect_async(request).await?;
    Ok(WsClient { stream })
}

/// A connected client whose socket has a small, fixed receive buffer (`receive_buffer`
/// bytes; the kernel doubles it and turns off autotuning), with its `hello` frame read: a
/// client that stops reading stalls the server's writes after little data.
pub async fn connect_small_buffer(app: &TestApp, token: &str, receive_buffer: u32) -> WsClient {
    let address = app
        .base_url
        .trim_start_matches("http://")
        .parse::<std::net::SocketAddr>()
        .expect("the app listens on an IP address");
    let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
    socket
        .set_recv_buffer_size(receive_buffer)
        .expect("set the receive buffer");
    let tcp = socket.connect(address).await.expect("connect");
    let mut request = realtime_url(app)
        .into_client_request()
        .expect("a client request");
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header value"),
    );
    let (stream, _response) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(tcp))
        .await
        .expect("WebSocket handshake");
    let mut client = WsClient { stream };
    let hello = client.next().await;
    assert_eq!(hello["type"], "hello", "{hello}");
    client
}

/// The value of an unlabelled metric series of `app` (`None` when not rendered).
pub fn metric(app: &TestApp, name: &str) -> Option<f64> {
    app.metrics.render().lines().find_map(|line| {
        let (series, value) = line.split_once(' ')?;
        (series == name)
            .then(|| value.trim().parse().ok())
            .flatten()
    })
}

/// A connected client with its `hello` frame read.
pub async fn connect(app: &TestApp, token: &str) -> WsClient {
    let mut client = try_connect(app, Auth::Header(token))
        .await
        .expect("connect");
    let hello = client.next().await;
    assert_eq!(hello["type"], "hello", "{hello}");
    client
}

const WAIT: Duration = Duration::from_secs(10);

/// A WebSocket client speaking v1 frames.
pub struct WsClient {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    pub async fn send(&mut self, frame: Value) {
        self.stream
            .send(Message::text(frame.to_string()))
            .await
            .expect("send frame");
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.stream.send(message).await.expect("send message");
    }

    /// The next JSON frame, or `None` after `within` (pings are answered by the library).
    pub async fn next_within(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()?;
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Some(serde_json::from_str(&text).expect("server frames are JSON"));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next JSON frame (fails after 10 s).
    pub async fn next(&mut self) -> Value {
        self.next_within(WAIT).await.expect("a frame within 10s")
    }

    /// Frames until one of type `kind` (returned); the others are returned alongside.
    pub async fn until(&mut self, kind: &str) -> (Value, Vec<Value>) {
        let mut skipped = Vec::new();
        loop {
            let frame = self.next().await;
            if frame["type"] == kind {
                return (frame, skipped);
            }
            skipped.push(frame);
        }
    }

    /// Reads (and discards) frames until the server closes; returns the close code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("the server closes within 10s");
            match message {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (u16::from(frame.code), frame.reason.to_string());
                }
                Some(Ok(Message::Close(None))) => return (1005, String::new()),
                Some(Ok(_)) => {}
                Some(Err(error)) => panic!("socket failed before a close frame: {error}"),
                None => panic!("socket ended without a close frame"),
            }
        }
    }

    /// Reads (and discards) everything until the connection ends: `Ok` with the close code and
    /// reason of a close frame, `Err` describing how it ended without one (a reset, or the
    /// stream's end). Fails after `within`.
    pub async fn ending(&mut self, within: Duration) -> Result<(u16, String), String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .unwrap_or_else(|_| panic!("the connection ends within {within:?}"));
            match message {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Ok((u16::from(frame.code), frame.reason.to_string()));
                }
                Some(Ok(Message::Close(None))) => return Ok((1005, String::new())),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(format!("failed: {error}")),
                None => return Err("ended without a close frame".to_owned()),
            }
        }
    }

    /// Subscribes and returns the answer (`ack` or `error`).
    pub async fn subscribe(&mut self, id: &str, channel: ChannelId) -> Value {
        self.send(
            json!({"v": 1, "type": "subscribe", "id": id, "channel_id": channel.to_string()}),
        )
        .await;
        self.until_answer(id).await
    }

    /// Frames until the `ack` or `error` for `id`.
    pub async fn until_answer(&mut self, id: &str) -> Value {
        loop {
            let frame = self.next().await;
            if (frame["type"] == "ack" || frame["type"] == "error") && frame["id"] == id {
                return frame;
            }
        }
    }

    /// A ping round trip: proves the socket is open and everything sent before was handled.
    pub async fn ping(&mut self, id: &str) -> Vec<Value> {
        self.send(json!({"v": 1, "type": "ping", "id": id})).await;
        let (pong, before) = self.until("pong").await;
        assert_eq!(pong["id"], id);
        before
    }
}
