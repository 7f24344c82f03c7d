//! `GET /v1/canvas/sync/{document_id}`: the Yjs sync socket, as y-websocket's
//! `WebsocketProvider(base + '/v1/canvas/sync', documentId, ydoc, { params: { token } })` opens
//! it.
//!
//! Only the socket lives here: the canvas domain decides who may join and how
//! ([`atelier_canvas::Canvas::join`]) and the node's [`atelier_canvas::sync::SyncHub`] runs the
//! document. The user access token comes in the `token` query parameter (what y-websocket's
//! `params` sends), `access_token`, or `Authorization: Bearer`; a missing or bad token answers a
//! 401 problem before the upgrade. Everything else is said with close codes after it, because a
//! browser's WebSocket cannot read an HTTP status:
//!
//! | code | when |
//! |---|---|
//! | 4404 | the document does not exist, or is not visible to the user (or is another tenant's) |
//! | 4403 | the user may not read the document, or lost access while connected |
//! | 4001 | the access token expired (reconnect with a fresh one) |
//! | 1007 | a malformed y-protocols frame (the document is unharmed) |
//! | 1009 | an update over the tenant's update size limit |
//! | 4413 | the update would grow the document over its size limit |
//! | 1003 | a text frame (the protocol is binary) |
//! | 4008 | the client did not read its frames in time |
//! | 1013 | the document could not be loaded, or moved: reconnect |
//! | 1001 | the node is shutting down |
//!
//! Durable acks (message type 100) are sent only to clients that connect with `acks=1`.

use std::time::{Duration, Instant};

use atelier_canvas::{
    Canvas, CanvasError,
    sync::{CLOSE_SLOW_READER, CLOSE_UNAVAILABLE, Outgoing, SyncHub},
};
use futures_util::{SinkExt, StreamExt};
use poem::{
    IntoResponse, Request, Response, handler,
    web::{
        Path,
        websocket::{CloseCode, Message, WebSocket, WebSocketStream},
    },
};
use poem_openapi::OperationId;

use crate::{
    ApiState,
    problem::{Problem, ProblemError},
    realtime::{authenticate_socket, token_expiry, token_login},
};

/// The metric label of the endpoint.
const OPERATION: &str = "canvasSync";
/// Close code: the document does not exist or is not visible.
pub const CLOSE_NOT_FOUND: u16 = 4404;
/// Close code: no permission to read the document, or access revoked while connected.
pub const CLOSE_FORBIDDEN: u16 = 4403;
/// Close code: the access token expired.
pub const CLOSE_TOKEN_EXPIRED: u16 = 4001;
/// Bound of sending the close frame, and of waiting for the client's close reply.
const CLOSE_SEND_TIMEOUT: Duration = Duration::from_secs(2);
/// A write that takes longer means the client stopped reading.
const STALLED_AFTER: Duration = Duration::from_secs(10);

/// The upgrade endpoint.
#[handler]
pub async fn connect(
    request: &Request,
    Path(document): Path<String>,
    websocket: WebSocket,
) -> poem::Result<Response> {
    let Some(state) = request.data::<ApiState>().cloned() else {
        return Err(ProblemError(Problem::internal(), None).into());
    };
    let principal = match authenticate_socket(request, &state, &["token", "access_token"]).await {
        Ok(principal) => principal,
        Err(mut error) => {
            error.set_data(OperationId(OPERATION));
            return Err(error);
        }
    };
    let canvas = state.service::<Canvas>().cloned();
    let hub = state.service::<SyncHub>().cloned();
    let (Ok(canvas), Ok(hub)) = (canvas, hub) else {
        return Err(ProblemError(Problem::internal(), None).into());
    };
    let wants_acks = query(request, "acks").is_some_and(|value| value == "1" || value == "true");
    let expires_at = token_expiry(request, &["token", "access_token"]);
    let login = token_login(request, &["token", "access_token"]);
    let limits = hub.options().limits;
    // A frame carries one update plus a few bytes of framing.
    let max = limits.max_update_bytes + 64;
    let config = crate::edge::websocket::socket_config(max);
    let metrics = state.metrics.clone();
    let shutdown = state.realtime.shutdown.clone();
    let mut response = websocket
        .config(config)
        .on_upgrade(move |socket| async move {
            let joining = match canvas.join(&principal, &document, wants_acks, login).await {
                Ok(joining) => joining,
                Err(error) => {
                    let (code, reason) = refusal(&error);
                    return close(socket, code, reason).await;
                }
            };
            let tenant = principal.tenant();
            metrics.websocket_opened();
            let connection = hub.connect(tenant, &document, joining);
            serve(socket, connection, expires_at, shutdown).await;
            metrics.websocket_closed();
        })
        .into_response();
    response.set_data(OperationId(OPERATION));
    Ok(response)
}

/// The close code and reason for a join the domain refused.
fn refusal(error: &CanvasError) -> (u16, &'static str) {
    match error {
        CanvasError::NotFound(_) => (CLOSE_NOT_FOUND, "document not found"),
        CanvasError::Forbidden { .. } => (CLOSE_FORBIDDEN, "no access to this document"),
        _ => (CLOSE_UNAVAILABLE, "the document is unavailable; try again"),
    }
}

fn query<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Sends a close frame (bounded) and waits briefly for the reply, so the client reads the
/// code instead of a reset.
async fn close(mut socket: WebSocketStream, code: u16, reason: &str) {
    let frame = Message::Close(Some((CloseCode::from(code), reason.to_owned())));
    if tokio::time::timeout(CLOSE_SEND_TIMEOUT, socket.send(frame))
        .await
        .is_err()
    {
        return;
    }
    let drain = async { while let Some(Ok(_)) = socket.next().await {} };
    tokio::time::timeout(CLOSE_SEND_TIMEOUT, drain).await.ok();
}

/// The shortest time between two flushes of one socket while frames keep coming: a frame that
/// arrives sooner waits for the rest of the gap and leaves with whatever queued meanwhile, in
/// one write. A socket that receives fewer than 1 / gap frames per second never waits; under a
/// burst of typing, each socket costs one write per gap instead of one per frame (most of the
/// server's CPU at high rates is in those writes).
const FLUSH_GAP: Duration = Duration::from_millis(2);

/// Frames written per flush at most: a burst of updates (many editors typing at once) leaves
/// in one write instead of one per frame, and a long backlog still yields to reading.
const MAX_BURST: usize = 64;

/// How a burst of outgoing frames went.
enum Written {
    /// Every frame was written and flushed.
    All,
    /// The frames before the document's close were written; close with this.
    ThenClose(u16, String),
    /// The socket failed.
    Failed,
    /// The client did not read in time.
    Stalled,
}

/// Writes `first` and whatever else is already queued for the socket (up to [`MAX_BURST`]),
/// then flushes once, within [`STALLED_AFTER`].
async fn write_burst(
    sink: &mut futures_util::stream::SplitSink<WebSocketStream, Message>,
    connection: &mut atelier_canvas::sync::Connection,
    first: &[u8],
) -> Written {
    let burst = async {
        sink.feed(Message::Binary(first.to_vec())).await?;
        let mut then = Written::All;
        for _ in 1..MAX_BURST {
            match connection.try_next() {
                Some(Outgoing::Frame(frame)) => sink.feed(Message::Binary(frame.to_vec())).await?,
                Some(Outgoing::Close { code, reason }) => {
                    then = Written::ThenClose(code, reason);
                    break;
                }
                None => break,
            }
        }
        sink.flush().await?;
        Ok::<_, std::io::Error>(then)
    };
    match tokio::time::timeout(STALLED_AFTER, burst).await {
        Ok(Ok(written)) => written,
        Ok(Err(_)) => Written::Failed,
        Err(_) => Written::Stalled,
    }
}

/// Pumps frames between the socket and the document until either side ends.
async fn serve(
    socket: WebSocketStream,
    mut connection: atelier_canvas::sync::Connection,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let lifetime = expires_at
        .map(|at| (at - chrono::Utc::now()).to_std().unwrap_or_default())
        .unwrap_or(Duration::from_secs(365 * 24 * 3600));
    let expired = tokio::time::sleep(lifetime);
    tokio::pin!(expired);
    let (mut sink, mut stream) = socket.split();
    // A frame held back until `flush_at` (see [`FLUSH_GAP`]); later ones wait in the queue.
    let mut held: Option<std::sync::Arc<[u8]>> = None;
    let mut last_flush: Option<Instant> = None;
    let flush_at = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(flush_at);
    let ending: Option<(u16, String)> = loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break Some((1001, "the node is shutting down".to_owned())),
            () = &mut expired => break Some((CLOSE_TOKEN_EXPIRED, "the access token expired".to_owned())),
            () = &mut flush_at, if held.is_some() => {
                let frame = held.take().expect("held is some");
                last_flush = Some(Instant::now());
                match write_burst(&mut sink, &mut connection, &frame).await {
                    Written::All => {}
                    Written::ThenClose(code, reason) => break Some((code, reason)),
                    Written::Failed => break None,
                    Written::Stalled => return,
                }
            }
            outgoing = connection.next(), if held.is_none() => match outgoing {
                Some(Outgoing::Frame(frame)) => {
                    let now = Instant::now();
                    if let Some(due) = last_flush.map(|at| at + FLUSH_GAP).filter(|due| *due > now) {
                        // Frames are coming fast: gather them into the next flush.
                        held = Some(frame);
                        flush_at.as_mut().reset(due.into());
                        continue;
                    }
                    last_flush = Some(now);
                    match write_burst(&mut sink, &mut connection, &frame).await {
                        Written::All => {}
                        Written::ThenClose(code, reason) => break Some((code, reason)),
                        Written::Failed => break None,
                        // Not read in time: drop the connection without a close frame.
                        Written::Stalled => return,
                    }
                }
                Some(Outgoing::Close { code, reason }) => break Some((code, reason)),
                None => break Some((CLOSE_SLOW_READER, "too slow to read the document's frames".to_owned())),
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Binary(frame))) => {
                    if !connection.receive(frame) {
                        break Some((CLOSE_UNAVAILABLE, "the document moved; reconnect".to_owned()));
                    }
                }
                Some(Ok(Message::Text(_))) => {
                    break Some((1003, "binary y-protocols frames only".to_owned()));
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break None,
                Some(Ok(_)) => {}
            },
        }
    };
    // Leave the document first, so the others hear this client's awareness go.
    drop(connection);
    if let Some((code, reason)) = ending {
        let frame = Message::Close(Some((CloseCode::from(code), reason)));
        if let Ok(Ok(())) = tokio::time::timeout(CLOSE_SEND_TIMEOUT, sink.send(frame)).await {
            let drain = async { while let Some(Ok(_)) = stream.next().await {} };
            tokio::time::timeout(CLOSE_SEND_TIMEOUT, drain).await.ok();
        }
    } else {
        tokio::time::timeout(CLOSE_SEND_TIMEOUT, sink.close())
            .await
            .ok();
    }
}
