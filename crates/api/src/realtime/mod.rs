//! `GET /v1/realtime`: the WebSocket adapter of the realtime gateway.
//!
//! Only the socket lives here; the protocol, sessions and fan-out are `atelier-realtime`'s.
//! Authentication happens before the upgrade: a user access token in `Authorization: Bearer`
//! (resolved by the [`crate::auth::authenticate`] middleware) or, for browsers, in the
//! `access_token` query parameter. API keys and bad tokens answer a 401 problem. After the
//! upgrade the socket is split: the reader task handles client frames (and the ping timeout),
//! the writer drains the connection's bounded outbound queue and sends pings and the close
//! frame, every write bounded by the age of its frame (`realtime.stalled_after`: a client
//! that stops reading is closed with 4008, or dropped). See README's "Realtime gateway" section for the frames and close codes.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use atelier_identity::{AuthError, Principal};
use atelier_realtime::{Close, Gateway, frame::close};
use futures_util::{SinkExt, StreamExt};
use poem::{
    IntoResponse, Request, Response, handler,
    http::StatusCode,
    web::websocket::{CloseCode, Message, WebSocket, WebSocketStream},
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
/// Bound of sending the close frame to a client that may not be reading (then the connection
/// is dropped), and of waiting for the client's close reply.
const CLOSE_SEND_TIMEOUT: Duration = Duration::from_secs(2);

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
    let token = presented_token(request, &["access_token"]);
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
    let config = crate::edge::websocket::socket_config(max);
    let metrics = state.metrics.clone();
    let mut response = websocket
        .config(config)
        .on_upgrade(move |socket| async move {
            let (connection, outbound) = match realtime.gateway.open(tenant, user_id, login) {
                Ok(opened) => opened,
                Err(refusal) => return refuse(socket, refusal).await,
            };
            metrics.websocket_opened();
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

/// Closes a socket the gateway refused (too many sockets for the user) without serving it.
async fn refuse(mut socket: WebSocketStream, refusal: Close) {
    let frame = Message::Close(Some((CloseCode::from(refusal.code), refusal.reason)));
    if tokio::time::timeout(CLOSE_SEND_TIMEOUT, socket.send(frame))
        .await
        .is_err()
    {
        tracing::debug!("refusal close frame not sent in time");
        return;
    }
    // Wait briefly for the client's close reply, so it reads the code instead of a reset.
    let drain = async { while let Some(Ok(_)) = socket.next().await {} };
    if tokio::time::timeout(CLOSE_SEND_TIMEOUT, drain)
        .await
        .is_err()
    {
        tracing::debug!("no close reply to the refusal in time");
    }
}

/// The bearer token of the request: the `Authorization` header, else the first of the query
/// parameters `params` present.
fn presented_token(request: &Request, params: &[&str]) -> Option<String> {
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
        let query = request.uri().query().unwrap_or_default();
        params.iter().find_map(|param| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(key, _)| key == param)
                .map(|(_, value)| value.to_owned())
        })
    })
}

/// The login (`sid` claim) of the socket's token, so revoking the login ends the socket.
pub(crate) fn token_login(request: &Request, params: &[&str]) -> Option<String> {
    presented_token(request, params)
        .as_deref()
        .and_then(token_claims)?
        .get("sid")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// When the socket's token expires (its `exp`), for sockets that close then.
pub(crate) fn token_expiry(
    request: &Request,
    params: &[&str],
) -> Option<chrono::DateTime<chrono::Utc>> {
    presented_token(request, params)
        .as_deref()
        .and_then(token_claims)?
        .get("exp")
        .and_then(serde_json::Value::as_i64)
        .and_then(|exp| chrono::DateTime::<chrono::Utc>::from_timestamp(exp, 0))
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
    authenticate_socket(request, state, &["access_token"]).await
}

/// [`authenticate`] for any socket, reading the token from the header or the query `params`.
pub(crate) async fn authenticate_socket(
    request: &Request,
    state: &ApiState,
    params: &[&str],
) -> Result<Principal, poem::Error> {
    if let Some(AuthOutcome(Err(failure))) = request.extensions().get::<AuthOutcome>() {
        return Err(unauthorized(&failure.error));
    }
    match presented_token(request, params) {
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

/// What the writer is asked to do besides draining the queue (closing goes through the
/// connection's close request, [`atelier_realtime::Connection::close_with`]).
enum Control {
    Ping,
}

/// How one write to the socket ended.
enum Written {
    Sent,
    /// The socket failed: nothing more can be written.
    Failed,
    /// Not written by its deadline: the client stopped reading.
    Stalled,
    /// The queue overflowed meanwhile.
    Slow,
}

/// Writes one message, giving up at `deadline` (a frame's queueing time plus
/// `realtime.stalled_after`) or when the queue overflows.
async fn write(
    sink: &mut futures_util::stream::SplitSink<WebSocketStream, Message>,
    message: Message,
    deadline: tokio::time::Instant,
    slow: &CancellationToken,
) -> Written {
    tokio::select! {
        sent = sink.send(message) => match sent {
            Ok(()) => Written::Sent,
            Err(_) => Written::Failed,
        },
        () = tokio::time::sleep_until(deadline) => Written::Stalled,
        () = slow.cancelled() => Written::Slow,
    }
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
    // The reader saw the end of the socket (or an error): stop without a close frame.
    let peer_gone = CancellationToken::new();
    let writer_done = CancellationToken::new();
    // Whether the writer got a close frame out (then the reader waits for the reply).
    let close_sent = AtomicBool::new(false);
    let session = connection.session_id().to_owned();
    let stalled_after = config.stalled_after;

    let writer = {
        let writer_done = writer_done.clone();
        let peer_gone = peer_gone.clone();
        let session = session.clone();
        let close_sent = &close_sent;
        async move {
            let mut outbound = outbound;
            let slow = outbound.slow.clone();
            let closing = outbound.closing.clone();
            // Every write is bounded: a client that stops reading blocks the socket, and the
            // age of the frame in hand (the oldest not written) says so within
            // `realtime.stalled_after`, whatever the ping timeout.
            let close = loop {
                let written = tokio::select! {
                    biased;
                    () = peer_gone.cancelled() => break None,
                    // The reader, or the hub (revoked login, deleted user), asked to close.
                    () = closing.cancelled() => break outbound.close(),
                    () = slow.cancelled() => break Some(slow_close()),
                    command = controls.recv() => match command {
                        Some(Control::Ping) => {
                            let deadline = tokio::time::Instant::now() + stalled_after;
                            write(&mut sink, Message::Ping(Vec::new()), deadline, &slow).await
                        }
                        None => break None,
                    },
                    queued = outbound.frames.recv() => match queued {
                        Some(queued) => {
                            let deadline = tokio::time::Instant::from_std(queued.queued_at) + stalled_after;
                            write(&mut sink, Message::Text(queued.text.to_string()), deadline, &slow).await
                        }
                        None => break None,
                    },
                };
                match written {
                    Written::Sent => {}
                    Written::Failed => break None,
                    Written::Stalled => {
                        outbound.stalled(stalled_after);
                        break Some(slow_close());
                    }
                    Written::Slow => break Some(slow_close()),
                }
            };
            if let Some(Close { code, reason }) = close {
                tracing::debug!(%session, code, %reason, "closing WebSocket");
                let frame = Message::Close(Some((CloseCode::from(code), reason)));
                match tokio::time::timeout(CLOSE_SEND_TIMEOUT, sink.send(frame)).await {
                    Ok(Ok(())) => close_sent.store(true, Ordering::SeqCst),
                    Ok(Err(error)) => {
                        tracing::debug!(%session, %error, "close frame not sent");
                    }
                    // A client that stopped reading: the connection is dropped instead.
                    Err(_elapsed) => {
                        tracing::info!(%session, "close frame not written in time: dropping the connection");
                    }
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
        match close {
            Some(close) => connection.close_with(close),
            None => peer_gone.cancel(),
        }
        connection.on_closed().await;
        // The closing handshake: once our close frame is out, keep the socket until the peer
        // answers it (the stream then ends), so it reads the close code instead of a reset.
        writer_done.cancelled().await;
        if close_sent.load(Ordering::SeqCst) {
            let drain = async { while let Some(Ok(_)) = stream.next().await {} };
            if tokio::time::timeout(CLOSE_SEND_TIMEOUT, drain)
                .await
                .is_err()
            {
                tracing::debug!(%session, "no close reply from the client in time");
            }
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
