//! `GET /v1/realtime`: the WebSocket adapter of the realtime gateway.
//!
//! Only the socket lives here; the protocol, sessions and fan-out are `atelier-realtime`'s.
//! Authentication happens before the upgrade: a user access token in `Authorization: Bearer`
//! (resolved by the [`crate::auth::authenticate`] middleware) or, for browsers, in the
//! `access_token` query parameter. API keys and bad tokens answer a 401 problem. After the
//! upgrade the socket is split: the reader task handles client frames (and the ping timeout),
//! the writer drains the connection's bounded outbound queue and sends pings and the close
//! frame. See README's "Realtime gateway" section for the frames and close codes.

use std::time::Duration;

use atelier_identity::{AuthError, Principal};
use atelier_realtime::{Close, Gateway, frame::close};
use futures_util::{SinkExt, StreamExt};
use poem::{
    IntoResponse, Request, Response, handler,
    http::StatusCode,
    web::websocket::{CloseCode, Message, WebSocket, WebSocketConfig, WebSocketStream},
};
use poem_openapi::OperationId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{
    ApiState,
    auth::{AuthOutcome, unauthorized},
    problem::{Problem, ProblemError},
};

/// The metric label of the endpoint.
const OPERATION: &str = "realtimeConnect";
/// Bound of sending the close frame to a client that may not be reading.
const CLOSE_SEND_TIMEOUT: Duration = Duration::from_secs(3);

/// Realtime state shared by every socket of this node.
#[derive(Clone, Debug)]
pub struct RealtimeState {
    pub gateway: Gateway,
    /// Fires when the node shuts down: sockets close with 1001.
    pub shutdown: CancellationToken,
}

/// The upgrade endpoint.
#[handler]
pub async fn connect(request: &Request, websocket: WebSocket) -> poem::Result<Response> {
    let Some(state) = request.data::<ApiState>().cloned() else {
        return Err(ProblemError(Problem::internal(), None).into());
    };
    let realtime = state.realtime.clone();
    // A revocation the hub sees between this check and the socket's registration would miss
    // the socket: the epoch tells, and the check is repeated then.
    let epoch = realtime.gateway.hub().access_epoch();
    let principal = match authenticate(request, &state).await {
        Ok(principal) => principal,
        Err(mut error) => {
            // Converted to problem+json (with the request id) by the problems middleware.
            error.set_data(OperationId(OPERATION));
            return Err(error);
        }
    };
    let Principal::User { tenant, user_id } = principal else {
        return Err(ProblemError(
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "user_token_required",
                "The realtime gateway is for end users: connect with a user access token, not an API key.",
            ),
            None,
        )
        .into());
    };
    // The socket outlives no token: it is closed with 4001 when the token expires, and with
    // 4003 when its login (the `sid` claim) is revoked.
    let token = presented_token(request);
    let claims = token.as_deref().and_then(token_claims).unwrap_or_default();
    let expires_at = claims
        .get("exp")
        .and_then(serde_json::Value::as_i64)
        .and_then(|exp| chrono::DateTime::<chrono::Utc>::from_timestamp(exp, 0));
    let login = claims
        .get("sid")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let max = realtime.gateway.config().max_frame_bytes;
    let config = WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max));
    let metrics = state.metrics.clone();
    let mut response = websocket
        .config(config)
        .on_upgrade(move |socket| async move {
            metrics.websocket_opened();
            let (connection, outbound) = realtime.gateway.open(tenant, user_id, login);
            if realtime.gateway.hub().access_epoch() != epoch
                && let Some(token) = token.as_deref()
                && let Err(failure) = state.identity.authenticate_fresh(token).await
            {
                tracing::info!(error = %failure.error, "token revoked while connecting");
                connection.close_with(Close {
                    code: close::ACCESS_REVOKED,
                    reason: "the login was revoked or the user deleted".to_owned(),
                });
            }
            tracing::debug!(session = %connection.session_id(), user = %user_id, "WebSocket opened");
            serve(socket, connection, outbound, &realtime, expires_at).await;
            metrics.websocket_closed();
        })
        .into_response();
    response.set_data(OperationId(OPERATION));
    Ok(response)
}

/// The bearer token of the request: the `Authorization` header, else `access_token`.
fn presented_token(request: &Request) -> Option<String> {
    let header = request
        .headers()
        .get(poem::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(|token| token.trim().to_owned());
    header.or_else(|| {
        request
            .uri()
            .query()
            .unwrap_or_default()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "access_token")
            .map(|(_, value)| value.to_owned())
    })
}

/// The claims of a token whose signature has already been verified.
fn token_claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    match serde_json::from_slice::<serde_json::Value>(&bytes).ok()? {
        serde_json::Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// Authenticates without the per-node cache of live tokens: a socket lives long, so it must not
/// start on a login revoked (or a user deleted) a moment ago.
async fn authenticate(request: &Request, state: &ApiState) -> Result<Principal, poem::Error> {
    if let Some(AuthOutcome(Err(failure))) = request.extensions().get::<AuthOutcome>() {
        return Err(unauthorized(&failure.error));
    }
    match presented_token(request) {
        // JWTs are URL-safe base64 with dots: no percent-decoding needed.
        Some(token) if !token.is_empty() && token.len() <= 4096 => state
            .identity
            .authenticate_fresh(&token)
            .await
            .map_err(|failure| unauthorized(&failure.error)),
        Some(_) => Err(unauthorized(&AuthError::Malformed)),
        None => Err(unauthorized(&AuthError::Missing)),
    }
}

/// What the writer is asked to do besides draining the queue.
enum Control {
    Ping,
    /// Send this close frame (or none: the peer closed first) and stop.
    Close(Option<Close>),
}

async fn serve(
    socket: WebSocketStream,
    mut connection: atelier_realtime::Connection,
    outbound: atelier_realtime::OutboundReceiver,
    realtime: &RealtimeState,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) {
    let config = realtime.gateway.config().clone();
    let token_lifetime = expires_at
        .map(|at| (at - chrono::Utc::now()).to_std().unwrap_or_default())
        .unwrap_or(Duration::from_secs(365 * 24 * 3600));
    let token_expired = tokio::time::sleep(token_lifetime);
    let (mut sink, mut stream) = socket.split();
    let (control, mut controls) = mpsc::channel::<Control>(4);
    let writer_done = CancellationToken::new();
    let session = connection.session_id().to_owned();

    let writer = {
        let writer_done = writer_done.clone();
        let session = session.clone();
        async move {
            let mut outbound = outbound;
            let slow = outbound.slow.clone();
            let closing = outbound.closing.clone();
            let close = loop {
                tokio::select! {
                    biased;
                    command = controls.recv() => match command {
                        Some(Control::Ping) => {
                            if sink.send(Message::Ping(Vec::new())).await.is_err() {
                                break None;
                            }
                        }
                        Some(Control::Close(close)) => break close,
                        None => break None,
                    },
                    () = slow.cancelled() => break Some(slow_close()),
                    // Its login was revoked or its user deleted (the hub decided).
                    () = closing.cancelled() => break outbound.close(),
                    frame = outbound.frames.recv() => match frame {
                        Some(text) => {
                            tokio::select! {
                                sent = sink.send(Message::Text(text.to_string())) => {
                                    if sent.is_err() {
                                        break None;
                                    }
                                }
                                // A client that stopped reading blocks the send: give up on it.
                                () = slow.cancelled() => break Some(slow_close()),
                            }
                        }
                        None => break None,
                    },
                }
            };
            if let Some(Close { code, reason }) = close {
                tracing::debug!(%session, code, %reason, "closing WebSocket");
                let frame = Message::Close(Some((CloseCode::from(code), reason)));
                if tokio::time::timeout(CLOSE_SEND_TIMEOUT, sink.send(frame))
                    .await
                    .is_err()
                {
                    tracing::debug!(%session, "close frame not sent in time");
                }
            } else if tokio::time::timeout(CLOSE_SEND_TIMEOUT, sink.close())
                .await
                .is_err()
            {
                tracing::debug!(%session, "socket close not completed in time");
            }
            writer_done.cancel();
        }
    };

    let reader = async {
        let mut ping = tokio::time::interval(config.ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ping.tick().await;
        let mut last_heard = tokio::time::Instant::now();
        tokio::pin!(token_expired);
        let close = loop {
            tokio::select! {
                biased;
                () = writer_done.cancelled() => break None,
                () = &mut token_expired => break Some(Close {
                    code: close::TOKEN_EXPIRED,
                    reason: "the access token expired: refresh it, reconnect and resume".to_owned(),
                }),
                () = realtime.shutdown.cancelled() => break Some(Close {
                    code: close::GOING_AWAY,
                    reason: "server shutting down: reconnect and resume".to_owned(),
                }),
                _ = ping.tick() => {
                    if last_heard.elapsed() > config.ping_timeout {
                        break Some(Close {
                            code: close::PING_TIMEOUT,
                            reason: "no pong or frame within the ping timeout".to_owned(),
                        });
                    }
                    if control.try_send(Control::Ping).is_err() {
                        tracing::debug!(%session, "ping skipped: the writer is busy");
                    }
                }
                message = stream.next() => {
                    last_heard = tokio::time::Instant::now();
                    match message {
                        None => break None,
                        Some(Ok(Message::Text(text))) => {
                            if let Err(close) = connection.on_text(&text).await {
                                break Some(close);
                            }
                        }
                        Some(Ok(Message::Binary(bytes))) => {
                            if let Err(close) = connection.on_binary(&bytes).await {
                                break Some(close);
                            }
                        }
                        // tungstenite answers pings itself; pongs only prove liveness.
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                        // tungstenite queues the close reply, flushed by the writer's close.
                        Some(Ok(Message::Close(_))) => break None,
                        Some(Err(error)) => {
                            let text = error.to_string();
                            if text.contains("Space limit exceeded") {
                                break Some(Close {
                                    code: close::FRAME_TOO_LARGE,
                                    reason: format!("frames are limited to {} bytes", config.max_frame_bytes),
                                });
                            }
                            if text.contains("UTF-8") {
                                break Some(Close {
                                    code: close::MALFORMED_FRAME,
                                    reason: "text frames must be UTF-8".to_owned(),
                                });
                            }
                            tracing::debug!(%session, error = %text, "WebSocket read failed");
                            break None;
                        }
                    }
                }
            }
        };
        if control.send(Control::Close(close)).await.is_err() {
            tracing::debug!(%session, "the writer already stopped");
        }
        connection.on_closed().await;
        // The closing handshake: keep the socket until the peer answers our close frame (the
        // stream then ends), so it reads the close code instead of a reset.
        let drain = async { while let Some(Ok(_)) = stream.next().await {} };
        if tokio::time::timeout(CLOSE_SEND_TIMEOUT, drain)
            .await
            .is_err()
        {
            tracing::debug!(%session, "no close reply from the client in time");
        }
    };

    tokio::join!(reader, writer);
    tracing::debug!(%session, "WebSocket closed");
}

fn slow_close() -> Close {
    Close {
        code: close::SLOW_CONSUMER,
        reason: "too slow: outbound queue full; reconnect and resume".to_owned(),
    }
}
