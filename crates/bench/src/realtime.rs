//! The `realtime` scenario: fan-out of one channel to many WebSocket members.
//!
//! 1. **Atelier**: the real server in-process (all roles) on a runtime of its own (threads
//!    named `atelier-srv`, 2 workers), a channel readable by everyone, `--members` WebSocket
//!    clients subscribed to it on the bench's runtime, and a sender appending one chat-shaped
//!    event per tick at `--rate` per second through the outbox of the server's database
//!    (until chat is merged; then it will be the chat HTTP send). Each event carries its
//!    *scheduled* send time (`sent_at_us`, Unix microseconds; when a commit takes longer than
//!    the interval, the messages due meanwhile go into the next transaction together); clients
//!    record `receipt - sent_at_us`, which includes any sender lag, the outbox commit, the
//!    relay, RabbitMQ, the hub and the socket.
//! 2. **Ceiling**: a bare tokio + tungstenite broadcast server (no auth, no persistence, no
//!    broker: a `tokio::sync::broadcast` into each socket) on an identical runtime, the same
//!    clients and the same frames at the same rate.
//!
//! Deliveries count events *sent* inside the measured window and received before the end of
//! the drain. Server CPU is the sum of `utime + stime` of the server runtime's threads, read
//! from `/proc/self/task/*/stat` (threads named `atelier-srv`; clock ticks of 1/100 s, Linux's
//! USER_HZ) over the window, divided by thousands of deliveries. Work the server does on other
//! threads (none known: the MongoDB driver and lapin run on the runtime that created them) is
//! not counted. The sender runs on the server runtime, standing in for the HTTP send handler.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::Context;
use atelier_chat::ChannelId;
use atelier_core::{EventEnvelope, NewEvent, TenantId};
use atelier_identity::{UserId, WorkspaceId};
use atelier_realtime::{AccessError, ReplaySource, TopicKind, TopicScope};
use atelier_server::Server;
use atelier_store::Store;
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::{net::TcpListener, sync::broadcast, task::JoinSet};
use tokio_tungstenite::tungstenite::{
    Message, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig,
};
use tokio_util::sync::CancellationToken;

use crate::{Settings, http, report::Report};

/// Options of the `realtime` scenario.
#[derive(Debug, Clone, Args)]
pub struct RealtimeOptions {
    /// WebSocket members of the channel.
    #[arg(long, default_value_t = 1000)]
    pub members: usize,
    /// Messages sent per second.
    #[arg(long, default_value_t = 200)]
    pub rate: u64,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Warm-up seconds (messages sent, not counted).
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Skip the bare broadcast ceiling.
    #[arg(long)]
    pub no_ceiling: bool,
}

const SERVER_THREADS: &str = "atelier-srv";
const DRAIN: Duration = Duration::from_secs(3);
/// Linux USER_HZ: the unit of utime/stime in /proc.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// Chat's `channel` kind with every channel readable: the benchmark measures fan-out, not the
/// permission check.
struct AllowAll(WorkspaceId);

#[async_trait::async_trait]
impl TopicKind for AllowAll {
    fn kind(&self) -> &'static str {
        atelier_chat::topic::KIND
    }

    fn validate_id(&self, id: &str) -> Result<(), String> {
        atelier_chat::topic::validate_id(id)
    }

    async fn authorize(
        &self,
        _tenant: TenantId,
        _user: UserId,
        _id: &str,
    ) -> Result<Option<TopicScope>, AccessError> {
        Ok(Some(TopicScope {
            workspace: Some(self.0),
        }))
    }

    fn replay_source(&self, id: &str) -> ReplaySource {
        atelier_chat::topic::replay_source(id)
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
}

/// What the clients measured.
struct Measured {
    deliveries: u64,
    latencies: Histogram<u64>,
    sent: u64,
    server_cpu_seconds: f64,
    slow_closed: u64,
}

pub async fn run(
    settings: &Settings,
    options: &RealtimeOptions,
    print: fn(&Report),
) -> anyhow::Result<()> {
    anyhow::ensure!(options.members > 0, "--members must be at least 1");
    anyhow::ensure!(options.rate > 0, "--rate must be at least 1");
    let ours = atelier(settings, options).await?;
    let mut report = build_report("realtime.fanout", options, &ours)
        .note("sends append a chat-shaped event to the outbox (chat is not merged yet); the relay polls every 5 ms because the appends come from outside the server's process-local wake-up")
        .note("clients, server, MongoDB and RabbitMQ share the machine's cores");
    if !options.no_ceiling {
        let ceiling = ceiling(options).await?;
        let ceiling_report = build_report("realtime.ceiling", options, &ceiling)
            .note("bare tokio + tungstenite broadcast: no auth, no persistence, no broker");
        let ours_rate = ours.deliveries as f64;
        let ceiling_rate = ceiling.deliveries as f64;
        print(&ceiling_report);
        report = report.figure(
            "percent_of_ceiling",
            "deliveries vs ceiling",
            if ceiling_rate > 0.0 {
                100.0 * ours_rate / ceiling_rate
            } else {
                0.0
            },
            "%",
        );
    }
    print(&report);
    Ok(())
}

fn build_report(scenario: &'static str, options: &RealtimeOptions, measured: &Measured) -> Report {
    let seconds = options.duration as f64;
    let expected = measured.sent * options.members as u64;
    let millis = |quantile: f64| measured.latencies.value_at_quantile(quantile) as f64 / 1000.0;
    let thousands = measured.deliveries as f64 / 1000.0;
    Report::new(scenario)
        .param("members", options.members)
        .param("rate_per_s", options.rate)
        .param("duration_s", options.duration)
        .figure(
            "sent_per_s",
            "messages sent/s",
            measured.sent as f64 / seconds,
            "msg/s",
        )
        .figure(
            "deliveries_per_s",
            "deliveries/s",
            measured.deliveries as f64 / seconds,
            "/s",
        )
        .figure(
            "delivered_percent",
            "delivered of expected",
            if expected > 0 {
                100.0 * measured.deliveries as f64 / expected as f64
            } else {
                0.0
            },
            "%",
        )
        .figure("p50_ms", "latency p50", millis(0.50), "ms")
        .figure("p99_ms", "latency p99", millis(0.99), "ms")
        .figure(
            "max_ms",
            "latency max",
            measured.latencies.max() as f64 / 1000.0,
            "ms",
        )
        .figure(
            "server_cpu_s_per_1000",
            "server CPU per 1,000 deliveries",
            if thousands > 0.0 {
                measured.server_cpu_seconds / thousands
            } else {
                0.0
            },
            "s",
        )
        .figure(
            "slow_closed",
            "clients closed as slow",
            measured.slow_closed as f64,
            "",
        )
}

fn server_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SERVER_THREADS)
        .enable_all()
        .build()?)
}

/// utime + stime of the server runtime's threads, in seconds.
fn server_cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let mut ticks = 0u64;
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ...`: comm may contain spaces, so split after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if !head.contains(SERVER_THREADS) {
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // After the comm: state is field 3 of stat(5), utime 14, stime 15.
        let utime = fields
            .get(11)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let stime = fields
            .get(12)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        ticks += utime + stime;
    }
    ticks as f64 / CLOCK_TICKS_PER_SECOND
}

async fn atelier(settings: &Settings, options: &RealtimeOptions) -> anyhow::Result<Measured> {
    let mut config = http::server_config(settings)?;
    config.roles = atelier_server::Roles::ALL;
    config.migrate_on_start = true;
    config.outbox.poll_interval = Duration::from_millis(5);
    // Every member connects as the one bench user.
    config.realtime.max_sockets_per_user =
        config.realtime.max_sockets_per_user.max(options.members);
    let runtime = server_runtime()?;
    let workspace = WorkspaceId::generate();
    let listener = runtime
        .spawn(async { TcpListener::bind("127.0.0.1:0").await })
        .await??;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = runtime.spawn(
        Server::new(config.clone())
            .with_topic_kind(Arc::new(AllowAll(workspace)))
            .run(listener, shutdown.clone()),
    );
    http::wait_until_serving(&format!("http://{address}/healthz")).await?;

    // A tenant, one user and a token (every member connects as that user).
    let store_config = config.mongodb.clone();
    let identity_config = config.identity.clone();
    let (tenant, token) = runtime
        .spawn(async move {
            let store = Store::connect(&store_config).await?;
            let identity = atelier_identity::Identity::new(&store, identity_config);
            let tenant = identity.tenancy.create_tenant("bench").await?;
            let key = identity
                .api_keys
                .bootstrap(tenant.id, "bench", atelier_identity::ApiKeyScope::Full)
                .await?;
            let user = identity
                .tenancy
                .create_user(&key.principal(), "bench", None)
                .await?;
            let (token, _) = identity.tokens.mint_access(tenant.id, user.id).await?;
            anyhow::Ok((tenant.id, token))
        })
        .await??;
    let channel = ChannelId::generate();
    let url = format!("ws://{address}/v1/realtime");

    let store_config = config.mongodb.clone();
    let sender = move |stop: Arc<AtomicBool>, rate: u64, sent_counter: Arc<SendWindow>| async move {
        let store = Store::connect(&store_config).await?;
        let outbox = atelier_outbox::Outbox::new(&store);
        let mut schedule = Schedule::new(rate);
        while !stop.load(Ordering::Relaxed) {
            // Every message due by now, each stamped with its *scheduled* send time, in one
            // transaction when the previous commit took longer than the interval.
            let due = schedule.due().await;
            let events = due
                .iter()
                .map(|sent_at| {
                    NewEvent::new(
                        "chat.message.created",
                        "channel",
                        channel.to_string(),
                        serde_json::json!({
                            "channel_id": channel.to_string(),
                            "workspace_id": workspace.to_string(),
                            "text": "hello from the benchmark, a message of ordinary length",
                            "sent_at_us": sent_at,
                        }),
                    )
                })
                .collect();
            outbox.append_now(tenant, events).await?;
            for sent_at in due {
                sent_counter.record(sent_at);
            }
        }
        anyhow::Ok(())
    };
    let measured = drive(options, &url, Some(&token), channel, |stop, window| {
        runtime.spawn(sender(stop, options.rate, window))
    })
    .await;

    shutdown.cancel();
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => eprintln!("realtime: the server stopped with an error: {error:#}"),
        Err(error) => eprintln!("realtime: the server task failed: {error}"),
    }
    let cleanup_config = config.clone();
    runtime
        .spawn(async move { crate::cleanup::platform("realtime", &cleanup_config).await })
        .await?;
    runtime.shutdown_background();
    measured
}

/// A steady send schedule: message `n` is due at `start + n / rate`. Senders stamp each
/// message with its scheduled time, so a sender that falls behind shows up as latency instead
/// of silently sending less (no coordinated omission).
struct Schedule {
    start_us: u64,
    interval_us: f64,
    next: u64,
}

impl Schedule {
    fn new(rate: u64) -> Self {
        Self {
            start_us: unix_micros(),
            interval_us: 1_000_000.0 / rate as f64,
            next: 0,
        }
    }

    fn at(&self, n: u64) -> u64 {
        self.start_us + (n as f64 * self.interval_us) as u64
    }

    /// Waits for the next due message; returns the scheduled times of all messages due now
    /// (at most 1,000).
    async fn due(&mut self) -> Vec<u64> {
        let next_at = self.at(self.next);
        let now = unix_micros();
        if next_at > now {
            tokio::time::sleep(Duration::from_micros(next_at - now)).await;
        }
        let now = unix_micros();
        let mut due = Vec::new();
        while self.at(self.next) <= now && due.len() < 1000 {
            due.push(self.at(self.next));
            self.next += 1;
        }
        due
    }
}

/// Send times of the messages, to count only those sent inside the window.
struct SendWindow {
    start_us: u64,
    end_us: u64,
    sent: AtomicU64,
}

impl SendWindow {
    fn record(&self, sent_at_us: u64) {
        if (self.start_us..self.end_us).contains(&sent_at_us) {
            self.sent.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Connects the members, runs the sender over warm-up + window + drain, and tallies.
async fn drive<F>(
    options: &RealtimeOptions,
    url: &str,
    token: Option<&str>,
    channel: ChannelId,
    spawn_sender: F,
) -> anyhow::Result<Measured>
where
    F: FnOnce(Arc<AtomicBool>, Arc<SendWindow>) -> tokio::task::JoinHandle<anyhow::Result<()>>,
{
    // Connect the members, 50 at a time.
    let mut sockets = Vec::with_capacity(options.members);
    while sockets.len() < options.members {
        let batch = (options.members - sockets.len()).min(50);
        let mut connecting = JoinSet::new();
        for _ in 0..batch {
            connecting.spawn(member(url.to_owned(), token.map(str::to_owned), channel));
        }
        while let Some(joined) = connecting.join_next().await {
            sockets.push(joined.context("a member panicked")??);
        }
    }
    let now = unix_micros();
    let window = Arc::new(SendWindow {
        start_us: now + options.warmup * 1_000_000,
        end_us: now + (options.warmup + options.duration) * 1_000_000,
        sent: AtomicU64::new(0),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = JoinSet::new();
    let deadline = tokio::time::Instant::now()
        + Duration::from_secs(options.warmup + options.duration)
        + DRAIN;
    for socket in sockets {
        readers.spawn(read_member(
            socket,
            window.start_us,
            window.end_us,
            deadline,
        ));
    }
    let sender = spawn_sender(stop.clone(), window.clone());
    tokio::time::sleep(Duration::from_secs(options.warmup)).await;
    let cpu_start = server_cpu_seconds();
    tokio::time::sleep(Duration::from_secs(options.duration)).await;
    let cpu_end = server_cpu_seconds();
    stop.store(true, Ordering::Relaxed);
    sender.await.context("the sender panicked")??;
    let mut latencies = http::new_histogram()?;
    let mut deliveries = 0;
    let mut slow_closed = 0;
    while let Some(joined) = readers.join_next().await {
        let tally = joined.context("a reader panicked")?;
        latencies.add(&tally.latencies)?;
        deliveries += tally.deliveries;
        slow_closed += u64::from(tally.closed_slow);
    }
    Ok(Measured {
        deliveries,
        latencies,
        sent: window.sent.load(Ordering::Relaxed),
        server_cpu_seconds: cpu_end - cpu_start,
        slow_closed,
    })
}

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, subscribes and waits for the `ack`.
async fn member(url: String, token: Option<String>, channel: ChannelId) -> anyhow::Result<Socket> {
    subscriber(url, token, channel.to_string(), None).await
}

/// Connects (with `config`, else tungstenite's defaults) and a bearer `token` if any,
/// subscribes to `channel` and waits for the `ack`.
pub(crate) async fn subscriber(
    url: String,
    token: Option<String>,
    channel: String,
    config: Option<WebSocketConfig>,
) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    if let Some(token) = token {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    }
    let (mut socket, _) = tokio::time::timeout(
        Duration::from_secs(30),
        tokio_tungstenite::connect_async_with_config(request, config, false),
    )
    .await
    .context("the WebSocket handshake timed out")??;
    socket
        .send(Message::text(
            serde_json::json!({"v": 1, "type": "subscribe", "id": "s", "channel_id": channel})
                .to_string(),
        ))
        .await?;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await? {
            Some(Ok(Message::Text(text))) if text.contains(r#""type":"ack""#) => return Ok(socket),
            Some(Ok(Message::Text(text))) if text.contains(r#""type":"error""#) => {
                anyhow::bail!("subscribe refused: {text}")
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
            None => anyhow::bail!("closed before the subscribe ack"),
        }
    }
}

struct ReaderTally {
    latencies: Histogram<u64>,
    deliveries: u64,
    closed_slow: bool,
}

async fn read_member(
    mut socket: Socket,
    window_start_us: u64,
    window_end_us: u64,
    deadline: tokio::time::Instant,
) -> ReaderTally {
    let mut tally = ReaderTally {
        latencies: http::new_histogram().expect("valid histogram bounds"),
        deliveries: 0,
        closed_slow: false,
    };
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, socket.next()).await {
        match message {
            Ok(Message::Text(text)) => {
                let received = unix_micros();
                let Some(sent_at) = sent_at_us(&text) else {
                    continue;
                };
                if (window_start_us..window_end_us).contains(&sent_at) {
                    tally.deliveries += 1;
                    tally
                        .latencies
                        .saturating_record(received.saturating_sub(sent_at).max(1));
                }
            }
            Ok(Message::Close(frame)) => {
                tally.closed_slow = frame.is_some_and(|frame| u16::from(frame.code) == 4008);
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    if let Err(error) = socket.close(None).await {
        tracing::debug!(%error, "closing a member");
    }
    tally
}

/// `"sent_at_us":<digits>` without parsing the whole frame.
fn sent_at_us(text: &str) -> Option<u64> {
    let start = text.find(r#""sent_at_us":"#)? + r#""sent_at_us":"#.len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn unix_micros() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_micros()).unwrap_or_default()
}

/// The bare broadcast server: accept, answer the subscribe with an ack, then forward every
/// broadcast frame.
async fn ceiling(options: &RealtimeOptions) -> anyhow::Result<Measured> {
    let runtime = server_runtime()?;
    let listener = runtime
        .spawn(async { TcpListener::bind("127.0.0.1:0").await })
        .await??;
    let address = listener.local_addr()?;
    let (frames, _) = broadcast::channel::<Arc<str>>(4096);
    let shutdown = CancellationToken::new();
    let server = {
        let frames = frames.clone();
        let shutdown = shutdown.clone();
        runtime.spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = shutdown.cancelled() => break,
                    accepted = listener.accept() => accepted,
                };
                let Ok((stream, _)) = accepted else { continue };
                let mut receiver = frames.subscribe();
                let shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
                        return;
                    };
                    let (mut sink, mut stream) = socket.split();
                    // The subscribe frame, then the ack.
                    if stream.next().await.is_none()
                        || sink
                            .send(Message::text(r#"{"v":1,"type":"ack","id":"s"}"#.to_owned()))
                            .await
                            .is_err()
                    {
                        return;
                    }
                    loop {
                        tokio::select! {
                            () = shutdown.cancelled() => break,
                            frame = receiver.recv() => match frame {
                                Ok(frame) => {
                                    if sink.send(Message::text(frame.to_string())).await.is_err() {
                                        break;
                                    }
                                }
                                Err(broadcast::error::RecvError::Lagged(_)) => {}
                                Err(broadcast::error::RecvError::Closed) => break,
                            },
                            incoming = stream.next() => if incoming.is_none() { break },
                        }
                    }
                });
            }
        })
    };
    let channel = ChannelId::generate();
    let url = format!("ws://{address}/");
    let sender = move |stop: Arc<AtomicBool>, rate: u64, window: Arc<SendWindow>| async move {
        let mut schedule = Schedule::new(rate);
        let workspace = WorkspaceId::generate();
        while !stop.load(Ordering::Relaxed) {
            for sent_at in schedule.due().await {
                // The same shape and size as the gateway's event frame.
                let frame = serde_json::json!({
                    "v": 1, "type": "event", "channel_id": channel.to_string(),
                    "event_id": atelier_core::EventId::generate().to_string(),
                    "event_type": "chat.message.created",
                    "occurred_at": chrono::Utc::now(),
                    "data": {
                        "channel_id": channel.to_string(),
                        "workspace_id": workspace.to_string(),
                        "text": "hello from the benchmark, a message of ordinary length",
                        "sent_at_us": sent_at,
                    },
                })
                .to_string();
                if frames.send(Arc::from(frame.as_str())).is_err() {
                    tracing::debug!("no ceiling member is listening");
                }
                window.record(sent_at);
            }
        }
        anyhow::Ok(())
    };
    let measured = drive(options, &url, None, channel, |stop, window| {
        runtime.spawn(sender(stop, options.rate, window))
    })
    .await;
    shutdown.cancel();
    if let Err(error) = server.await {
        eprintln!("realtime: the ceiling server failed: {error}");
    }
    runtime.shutdown_background();
    measured
}
