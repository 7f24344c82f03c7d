//! The `sockets` scenario: what idle realtime WebSockets cost the server.
//!
//! Atelier runs as a child process (the `canvas` scenario's, threads `atelier-srv`, its own
//! database and queue prefix). Through the API: a few users (each may hold
//! `realtime.max_sockets_per_user` sockets, raised for the benchmark) in one workspace, and a
//! public channel they all belong to. The server's VmRSS is read once everything is set up,
//! then `--sockets` clients connect to `/v1/realtime` with a user token and subscribe to the
//! channel (each waits for its `ack`), then stay idle, reading (so the server's pings are
//! answered). After a settling pause VmRSS is read again. The figures are the server's
//! resident memory with every socket open, the difference, and the difference per socket,
//! next to the target ceiling (10,000 idle sockets in at most 150 MiB).
//!
//! The clients run in the benchmark process with a 4 KiB read buffer each, so their memory is
//! not the server's and stays small.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use futures_util::StreamExt;
use serde_json::json;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::sync::CancellationToken;

use crate::{
    Settings,
    canvas::{self, ServerUnderTest},
    realtime,
    report::Report,
};

/// Options of the `sockets` scenario.
#[derive(Debug, Clone, Args)]
pub struct SocketsOptions {
    /// Idle WebSockets opened (each subscribed to one channel).
    #[arg(long, default_value_t = 10_000)]
    pub sockets: usize,
    /// Sockets per user (at most the benchmark server's per-user cap, 4096).
    #[arg(long, default_value_t = 2_500)]
    pub sockets_per_user: usize,
    /// Sockets connecting at once.
    #[arg(long, default_value_t = 100)]
    pub connect_concurrency: usize,
    /// The ceiling the server's resident memory with every socket open is held against, MiB.
    #[arg(long, default_value_t = 150.0)]
    pub ceiling_mib: f64,
}

/// Pause before each VmRSS reading, for allocations in flight to settle.
const SETTLE: Duration = Duration::from_secs(3);
/// Per-socket client read buffer (tungstenite's default is 128 KiB).
const CLIENT_READ_BUFFER: usize = 4 * 1024;
const MIB: f64 = 1024.0 * 1024.0;

pub async fn run(
    settings: &Settings,
    options: &SocketsOptions,
    print: fn(&Report),
) -> anyhow::Result<()> {
    anyhow::ensure!(options.sockets > 0, "--sockets must be at least 1");
    anyhow::ensure!(
        (1..=4096).contains(&options.sockets_per_user),
        "--sockets-per-user must be between 1 and 4096"
    );
    let users = options.sockets.div_ceil(options.sockets_per_user).max(1);
    let mut server = canvas::start_atelier(settings, users).await?;
    let outcome = tokio::select! {
        outcome = measure(&server, options) => outcome,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    server.stop().await;
    let measured = outcome?;
    print(&report(options, users, &measured));
    Ok(())
}

struct Measured {
    rss_before: u64,
    rss_after: u64,
    opened: usize,
    connect_seconds: f64,
}

async fn measure(server: &ServerUnderTest, options: &SocketsOptions) -> anyhow::Result<Measured> {
    let session = server.atelier.as_ref().context("an Atelier session")?;
    let owner = &session.users[0];
    let channel = session
        .call(
            reqwest::Method::POST,
            &format!("/v1/workspaces/{}/channels", session.workspace),
            &owner.token,
            Some(json!({ "kind": "public", "name": "idle" })),
        )
        .await?;
    let channel = channel["id"].as_str().context("channel id")?.to_owned();
    for user in session.users.iter().skip(1) {
        session
            .call(
                reqwest::Method::PUT,
                &format!("/v1/channels/{channel}/members/{}", user.id),
                &owner.token,
                Some(json!({})),
            )
            .await?;
    }
    let url = format!("ws://{}/v1/realtime", server.address);
    tokio::time::sleep(SETTLE).await;
    let rss_before = canvas::process_rss_bytes(server.pid);

    let stop = CancellationToken::new();
    let mut idle = JoinSet::new();
    let started = Instant::now();
    let mut next = 0;
    while next < options.sockets {
        let end = (next + options.connect_concurrency).min(options.sockets);
        let mut connecting = JoinSet::new();
        for index in next..end {
            let token = session.users[index / options.sockets_per_user]
                .token
                .clone();
            connecting.spawn(realtime::subscriber(
                url.clone(),
                Some(token),
                channel.clone(),
                Some(WebSocketConfig::default().read_buffer_size(CLIENT_READ_BUFFER)),
            ));
        }
        while let Some(joined) = connecting.join_next().await {
            let socket = joined.context("a connecting client panicked")??;
            idle.spawn(stay_idle(socket, stop.clone()));
        }
        next = end;
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(SETTLE).await;
    let rss_after = canvas::process_rss_bytes(server.pid);
    stop.cancel();
    let mut closed_by_server = 0;
    while let Some(joined) = idle.join_next().await {
        if joined.unwrap_or(true) {
            closed_by_server += 1;
        }
    }
    anyhow::ensure!(
        closed_by_server == 0,
        "{closed_by_server} idle sockets were closed by the server"
    );
    Ok(Measured {
        rss_before,
        rss_after,
        opened: options.sockets,
        connect_seconds,
    })
}

/// Reads (answering pings) until told to stop, then closes. True when the server closed the
/// socket first.
async fn stay_idle(mut socket: realtime::Socket, stop: CancellationToken) -> bool {
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            frame = socket.next() => match frame {
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return true,
            },
        }
    }
    if let Err(error) = socket.close(None).await {
        tracing::debug!(%error, "closing an idle socket");
    }
    false
}

fn report(options: &SocketsOptions, users: usize, measured: &Measured) -> Report {
    let before = measured.rss_before as f64 / MIB;
    let after = measured.rss_after as f64 / MIB;
    let delta = measured.rss_after.saturating_sub(measured.rss_before) as f64;
    let per_socket_kib = delta / 1024.0 / measured.opened.max(1) as f64;
    Report::new("sockets.idle")
        .param("sockets", measured.opened)
        .param("users", users)
        .param("subscriptions_per_socket", 1)
        .figure("rss_before_mib", "server RSS before", before, "MiB")
        .figure(
            "rss_after_mib",
            "server RSS with every socket",
            after,
            "MiB",
        )
        .figure("rss_delta_mib", "added by the sockets", delta / MIB, "MiB")
        .figure("per_socket_kib", "per idle socket", per_socket_kib, "KiB")
        .figure(
            "ceiling_mib",
            "ceiling (target)",
            options.ceiling_mib,
            "MiB",
        )
        .figure(
            "share_of_ceiling",
            "RSS with every socket / ceiling",
            after / options.ceiling_mib,
            "x",
        )
        .figure(
            "connect_seconds",
            "time to open and subscribe all",
            measured.connect_seconds,
            "s",
        )
        .note(
            "server RSS is the child process's VmRSS (the whole node: API, relay, consumers, \
             caches), read after a 3 s pause; the clients run in the benchmark process",
        )
}
