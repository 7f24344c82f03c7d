//! The HTTP server loop: the poem endpoint served on hyper connections, with the connection
//! limits poem's own server does not offer.
//!
//! - **Per-IP connections.** At most [`ServeConfig::max_connections_per_ip`] open connections
//!   per peer address; one more is answered `503 too_many_connections` (problem+json,
//!   `Retry-After`) and closed.
//! - **Header read timeout.** A connection with no request in hand (just opened, half a head
//!   sent, or kept alive after its last response) for [`ServeConfig::header_read_timeout`] is
//!   closed. This covers HTTP/1 and HTTP/2 alike, before the protocol is even known. A request
//!   counts as in hand from its complete head until its response body is sent, so a slow
//!   handler or a long download is never cut by this; the request deadline bounds those.
//! - **Upgrades.** A WebSocket leaves this loop when it upgrades: the upgraded socket belongs
//!   to the realtime gateway, and no timeout here applies to it. It still counts against its
//!   address's connections until it closes (the count travels with the socket).
//! - **Graceful shutdown.** When `shutdown` resolves the listener closes, every connection
//!   finishes its request in hand and closes, and after `shutdown_grace` the rest are dropped.

use std::{
    collections::HashMap,
    convert::Infallible,
    future::Future,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use http_body_util::combinators::BoxBody;
use hyper::body::{Bytes, Frame, Incoming, SizeHint};
use hyper_util::{rt::TokioExecutor, rt::TokioIo, server::conn::auto};
use poem::{
    Endpoint, Request,
    endpoint::BoxEndpoint,
    http::StatusCode,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
    sync::watch,
    time::Instant,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::problem::Problem;

/// `Retry-After` of a connection refused for the per-IP limit.
const TOO_MANY_CONNECTIONS_RETRY_AFTER_SECONDS: u64 = 1;

/// Connection limits of [`serve`].
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Close a connection with no request in hand for this long.
    pub header_read_timeout: Duration,
    /// Open connections per peer address; 0: no limit.
    pub max_connections_per_ip: usize,
    /// How long in-flight requests may take to finish after `shutdown`.
    pub shutdown_grace: Duration,
}

/// Serves `endpoint` on `listener` until `shutdown` resolves, then drains (see the module
/// docs).
pub async fn serve(
    listener: TcpListener,
    endpoint: BoxEndpoint<'static>,
    config: ServeConfig,
    shutdown: impl Future<Output = ()>,
) {
    let endpoint = Arc::new(endpoint);
    let connections = ConnectionCounts::default();
    let tracker = TaskTracker::new();
    // Ask connections to finish their request in hand, then (after the grace) drop them.
    let graceful = CancellationToken::new();
    let forced = CancellationToken::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: pause instead of spinning.
                tracing::warn!(%error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = connections.acquire(peer.ip(), config.max_connections_per_ip) else {
            tracing::debug!(%peer, "connection refused: per-IP limit reached");
            tracker.spawn(refuse(stream, config.max_connections_per_ip));
            continue;
        };
        let local = stream.local_addr().unwrap_or(peer);
        tracker.spawn(serve_connection(ServeConnection {
            stream,
            local,
            peer,
            endpoint: endpoint.clone(),
            header_read_timeout: config.header_read_timeout,
            graceful: graceful.clone(),
            forced: forced.clone(),
            slot,
        }));
    }
    drop(listener);
    graceful.cancel();
    tracker.close();
    if tokio::time::timeout(config.shutdown_grace, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?config.shutdown_grace,
            "connections still open after the shutdown grace; dropping them"
        );
        forced.cancel();
        tracker.wait().await;
    }
}

struct ServeConnection {
    stream: TcpStream,
    local: SocketAddr,
    peer: SocketAddr,
    endpoint: Arc<BoxEndpoint<'static>>,
    header_read_timeout: Duration,
    graceful: CancellationToken,
    forced: CancellationToken,
    /// Held while the connection is open (the per-IP count), upgraded or not.
    slot: ConnectionSlot,
}

async fn serve_connection(connection: ServeConnection) {
    if let Err(error) = connection.stream.set_nodelay(true) {
        tracing::debug!(%error, "could not set TCP_NODELAY");
    }
    let activity = Activity::new();
    let service = hyper::service::service_fn({
        let activity = activity.clone();
        let endpoint = connection.endpoint.clone();
        let local = connection.local;
        let peer = connection.peer;
        move |request: hyper::Request<Incoming>| {
            // The head is complete: a request is in hand until its response body is sent.
            let busy = activity.begin();
            let endpoint = endpoint.clone();
            async move {
                let request = Request::from((
                    request,
                    LocalAddr(poem::Addr::SocketAddr(local)),
                    RemoteAddr(poem::Addr::SocketAddr(peer)),
                    poem::http::uri::Scheme::HTTP,
                ));
                let response = endpoint.get_response(request).await;
                let response: hyper::Response<BoxBody<Bytes, std::io::Error>> = response.into();
                Ok::<_, Infallible>(response.map(|body| BusyBody { body, _busy: busy }))
            }
        }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let stream = CountedStream {
        stream: connection.stream,
        _slot: connection.slot,
    };
    let serving = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    tokio::pin!(serving);
    let idle = activity.idle_for(connection.header_read_timeout);
    tokio::pin!(idle);
    tokio::select! {
        result = &mut serving => {
            if let Err(error) = result {
                tracing::debug!(%error, peer = %connection.peer, "connection ended with an error");
            }
            return;
        }
        () = &mut idle => {
            tracing::debug!(
                peer = %connection.peer,
                "closing a connection without a complete request within the header read timeout"
            );
            return;
        }
        () = connection.graceful.cancelled() => {}
    }
    // Shutting down: finish the request in hand, unless the grace runs out.
    serving.as_mut().graceful_shutdown();
    tokio::select! {
        result = &mut serving => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error while shutting down");
            }
        }
        () = connection.forced.cancelled() => {}
    }
}

/// Answers `503 too_many_connections` on a connection over the per-IP limit and closes it.
async fn refuse(mut stream: TcpStream, limit: usize) {
    let problem = Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "too_many_connections",
        format!(
            "Too many open connections from your address (at most {limit}): reuse or close one."
        ),
    );
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\n\
         retry-after: {TOO_MANY_CONNECTIONS_RETRY_AFTER_SECONDS}\r\nconnection: close\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.shutdown().await
    };
    match tokio::time::timeout(Duration::from_secs(1), write).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::debug!(%error, "could not answer a refused connection"),
        Err(_) => tracing::debug!("a refused connection did not take its answer in time"),
    }
}

/// Open connections per peer address.
#[derive(Clone, Default)]
struct ConnectionCounts(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl ConnectionCounts {
    /// A slot for one more connection from `ip`, or `None` at the limit (0: no limit).
    fn acquire(&self, ip: IpAddr, limit: usize) -> Option<ConnectionSlot> {
        let mut counts = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = counts.entry(ip).or_insert(0);
        if limit > 0 && *count >= limit {
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            counts: self.clone(),
            ip,
        })
    }
}

/// One open connection in [`ConnectionCounts`]; released on drop.
struct ConnectionSlot {
    counts: ConnectionCounts,
    ip: IpAddr,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut counts = self
            .counts
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// A connection's socket with its place in the per-IP count: an upgraded WebSocket takes the
/// socket, and so the place, along.
struct CountedStream {
    stream: TcpStream,
    _slot: ConnectionSlot,
}

impl tokio::io::AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Whether a connection has a request in hand, and since when it has had none.
#[derive(Clone)]
struct Activity(Arc<watch::Sender<(usize, Instant)>>);

impl Activity {
    fn new() -> Self {
        Self(Arc::new(watch::Sender::new((0, Instant::now()))))
    }

    /// A request is in hand until the returned guard drops.
    fn begin(&self) -> Busy {
        self.0.send_modify(|(in_hand, _)| *in_hand += 1);
        Busy(self.clone())
    }

    /// Resolves once the connection has had no request in hand for `limit`.
    async fn idle_for(&self, limit: Duration) {
        let mut changes = self.0.subscribe();
        loop {
            let (in_hand, since) = *changes.borrow_and_update();
            if in_hand > 0 {
                if changes.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep_until(since + limit) => return,
                changed = changes.changed() => {
                    if changed.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            }
        }
    }
}

/// A request in hand (see [`Activity::begin`]).
struct Busy(Activity);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.0.send_modify(|(in_hand, since)| {
            *in_hand = in_hand.saturating_sub(1);
            *since = Instant::now();
        });
    }
}

/// A response body that keeps its request in hand until it is sent (or dropped).
struct BusyBody {
    body: BoxBody<Bytes, std::io::Error>,
    _busy: Busy,
}

impl hyper::body::Body for BusyBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
