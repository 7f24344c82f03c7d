//! The `canvas` scenario: N editors typing into one Yjs document over the y-protocols
//! (y-websocket) binary protocol, against Atelier and three stock Yjs sync servers, in one run
//! with one load generator.
//!
//! **Targets.** Each runs as a process of its own, so its CPU and memory are read from
//! `/proc/<pid>` without the load generator's share:
//! 1. **Atelier**: this binary re-executed as the hidden `canvas-server` subcommand, which runs
//!    the real server (all roles) on a runtime named `atelier-srv` (2 workers) in its own
//!    `bench_<ulid>` database and `bench<ulid>` queue prefix, until its stdin closes. Setup goes
//!    through the API: a tenant, users and tokens, a workspace with the users as members, a
//!    document created by the first user and an `editor` grant for every other. Editors connect
//!    to `/v1/canvas/sync/{document}?token=...&acks=1` and so receive durable acks.
//! 2. **y-websocket 2.1.0**'s reference server (`bin/server.cjs`, in memory, no persistence).
//! 3. **Hocuspocus 3.4.4** (`peers/hocuspocus.mjs`: no extensions, no persistence), whose frames
//!    wrap each y-protocols message as `varString(document) · message`, after an auth exchange.
//! 4. **y-sweet 0.9.1** (`y-sweet serve <temp dir>`, no auth key), when its binary is given.
//!
//! The Node peers are installed by `npm ci` in `crates/bench/peers` (pinned there); y-sweet by
//! `cargo install y-sweet --locked`. The scenario installs nothing: a missing peer is skipped
//! with a message and the others still run.
//!
//! **Load.** Per N: N editors on one fresh document, each with its own `yrs::Doc`, send one
//! small text insert (8 bytes at the end of what it typed) every `--interval-ms` on a fixed,
//! staggered schedule for a warm-up and the measured window. Editors do not integrate what
//! they receive (that would make the load generator the bottleneck); they read only the first
//! struct header of each update frame (`[0, 2, len, clients, structs, client, clock...]`).
//! - **Relay latency**: each send is recorded at its *scheduled* instant under (client id,
//!   clock) (a generator that falls behind shows up as latency, no coordinated omission); every
//!   *other* editor that receives an update frame with that header records receipt - send.
//!   Servers that echo an update to its sender (y-websocket, Hocuspocus) are not credited for
//!   the echo. Deliveries count updates sent inside the window and received before the drain
//!   ends; the expected number is sends × (N - 1).
//! - **Server CPU per 1,000 updates**: utime + stime of the server process (all its threads)
//!   from `/proc/<pid>/stat` over the window, divided by the thousands of updates sent to it.
//! - **Durable-ack p95** (Atelier only): an update is durable once an ack's state vector holds
//!   its client's clock at or beyond the update's end clock; send → that ack.
//! - **RSS** of the server process at the end of the window.
//!
//! **Capacity at equal p99**: `--capacity-editors` editors on one fresh document per step,
//! each step a shorter interval between updates (`--capacity-intervals-ms`). A step is
//! *carried* when at least 99.9 % of the expected deliveries arrived, no editor was closed and
//! the relay p99 stayed under `--capacity-p99-ms`; the ramp stops at the first step that is
//! not. A target's capacity is the deliveries/s of its heaviest carried step, so two targets
//! are compared at the same p99 ceiling (the "deliveries/s at equal p99"). The load
//! generator shares the machine with the server: its own ceiling shows as every target
//! failing the same step.
//!
//! **Memory per idle document**: on a fresh server, `--idle-documents` documents with one
//! client each (connect, sync, one small edit, then idle). The server's VmRSS is read before
//! the clients connect (for Atelier after the documents were created over HTTP) and 2 s after
//! the last one edited; the difference over the number of documents is what one idle loaded
//! document costs, its connection included. The clients live in this process, the servers do
//! not, so no client memory is counted.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context;
use atelier_canvas_sync::{
    decode_durable_ack,
    protocol::{MESSAGE_AUTH, MESSAGE_DURABLE_ACK, MESSAGE_SYNC, SYNC_STEP_1, SYNC_STEP_2},
    yrs::{
        ClientID, Doc, ReadTxn, StateVector, Text, TextRef, Transact,
        encoding::{
            read::{Cursor, Read},
            write::Write,
        },
        updates::{decoder::Decode, encoder::Encode},
    },
};
use atelier_server::{Config, Roles, Server};
use atelier_store::Store;
use clap::{Args, ValueEnum};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, BufReader},
    net::{TcpListener, TcpStream},
    process::{Child, Command},
    task::JoinSet,
    time::Instant,
};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use crate::{Settings, http, report::Report, unique};

/// Options of the `canvas` scenario.
#[derive(Debug, Clone, Args)]
pub struct CanvasOptions {
    /// Editors on the one document, one load run per value (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [20, 50])]
    pub editors: Vec<usize>,
    /// Milliseconds between two updates of one editor.
    #[arg(long, default_value_t = 100)]
    pub interval_ms: u64,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Warm-up seconds (updates sent, not counted).
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Documents opened (one client each) for the idle-memory figure; 0 skips it.
    #[arg(long, default_value_t = 1000)]
    pub idle_documents: usize,
    /// Editors on the one document of the capacity ramp; 0 skips the ramp.
    #[arg(long, default_value_t = 50)]
    pub capacity_editors: usize,
    /// The capacity ramp's intervals between two updates of one editor, in milliseconds, from
    /// the lightest load; the ramp stops at the first step a target does not carry.
    #[arg(long, value_delimiter = ',', default_values_t = [400, 200, 100, 50, 33, 25, 20, 16, 12, 8])]
    pub capacity_intervals_ms: Vec<u64>,
    /// The relay p99 a step must stay under to count as carried (the same for every target:
    /// capacity at equal p99).
    #[arg(long, default_value_t = 50.0)]
    pub capacity_p99_ms: f64,
    /// Measured seconds per capacity step (after a one-second warm-up).
    #[arg(long, default_value_t = 4)]
    pub capacity_duration: u64,
    /// Targets to measure (comma-separated).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_values_t = [Target::Atelier, Target::YWebsocket, Target::Hocuspocus, Target::YSweet],
    )]
    pub targets: Vec<Target>,
    /// The y-sweet 0.9.1 binary (`cargo install y-sweet --locked`); without it y-sweet is skipped.
    #[arg(long, env = "ATELIER_BENCH_Y_SWEET")]
    pub y_sweet: Option<PathBuf>,
    /// Where the Node peers are installed (`npm ci` there).
    #[arg(long, env = "ATELIER_BENCH_PEERS", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/peers"))]
    pub peers: PathBuf,
}

/// A sync server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Atelier,
    YWebsocket,
    Hocuspocus,
    YSweet,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Self::Atelier => "atelier",
            Self::YWebsocket => "y-websocket 2.1.0",
            Self::Hocuspocus => "hocuspocus 3.4.4",
            Self::YSweet => "y-sweet 0.9.1",
        }
    }

    fn scenario(self) -> &'static str {
        match self {
            Self::Atelier => "canvas.sync.atelier",
            Self::YWebsocket => "canvas.sync.y_websocket",
            Self::Hocuspocus => "canvas.sync.hocuspocus",
            Self::YSweet => "canvas.sync.y_sweet",
        }
    }

    fn idle_scenario(self) -> &'static str {
        match self {
            Self::Atelier => "canvas.idle.atelier",
            Self::YWebsocket => "canvas.idle.y_websocket",
            Self::Hocuspocus => "canvas.idle.hocuspocus",
            Self::YSweet => "canvas.idle.y_sweet",
        }
    }
}

/// Arguments of the hidden `canvas-server` subcommand (Atelier as a child process).
#[derive(Debug, Clone, Args)]
pub struct CanvasServerArgs {
    /// Suffix of the database, queue prefix and node id (the parent cleans them up).
    #[arg(long)]
    pub suffix: String,
}

/// What the child prints on stdout once it listens, followed by the address.
const LISTENING: &str = "canvas-server listening on ";
const DRAIN: Duration = Duration::from_secs(3);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Linux USER_HZ: the unit of utime/stime in /proc.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;
/// Hocuspocus's message type for the answer to a sync step 1 (same body as a sync message).
const HOCUSPOCUS_SYNC_REPLY: u64 = 4;
/// Hocuspocus's auth sub-types.
const AUTH_TOKEN: u64 = 0;
const AUTH_PERMISSION_DENIED: u64 = 1;
const AUTH_AUTHENTICATED: u64 = 2;
/// What each editor types per update: 8 ASCII bytes, 8 clock ticks.
const TYPED: &str = "typing. ";

pub async fn run(
    settings: &Settings,
    options: &CanvasOptions,
    print: fn(&Report),
) -> anyhow::Result<()> {
    anyhow::ensure!(
        options.editors.iter().all(|n| *n >= 2),
        "--editors must all be at least 2"
    );
    anyhow::ensure!(options.interval_ms > 0, "--interval-ms must be at least 1");
    anyhow::ensure!(options.duration > 0, "--duration must be at least 1");
    let mut measured = Vec::new();
    let mut skipped = Vec::new();
    for &target in &options.targets {
        println!("canvas: measuring {}", target.name());
        // On Ctrl-C or SIGTERM the measurement is dropped, and with it the server process
        // (kill_on_drop; Atelier also sees its stdin close) and its temp dir.
        let outcome = tokio::select! {
            outcome = measure_target(settings, options, target) => outcome,
            signal = interrupted() => anyhow::bail!("canvas: interrupted ({signal}); servers stopped"),
        };
        match outcome {
            Ok(result) => measured.push(result),
            Err(error) => {
                eprintln!("canvas: {} skipped: {error:#}", target.name());
                skipped.push(format!("{}: {error:#}", target.name()));
            }
        }
    }
    for &editors in &options.editors {
        print_load_table(options, editors, &measured, &skipped);
        for result in &measured {
            if let Some(load) = result.loads.iter().find(|load| load.editors == editors) {
                println!("{}", load_report(options, result.target, load).json_line());
            }
        }
        let ratios = load_ratios(options, editors, &measured);
        print(&ratios);
    }
    if options.capacity_editors >= 2 {
        print_capacity_table(options, &measured);
        print(&capacity_ratios(options, &measured));
    }
    if options.idle_documents > 0 {
        print_idle_table(options, &measured);
        for result in &measured {
            if let Some(idle) = &result.idle {
                println!("{}", idle_report(options, result.target, idle).json_line());
            }
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (`scripts/bench` forwards SIGTERM), naming the signal.
async fn interrupted() -> &'static str {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                eprintln!("canvas: cannot listen for SIGTERM: {error}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        result = tokio::signal::ctrl_c() => {
            if let Err(error) = result {
                eprintln!("canvas: cannot listen for Ctrl-C: {error}");
                std::future::pending::<()>().await;
            }
            "SIGINT"
        }
        () = terminate => "SIGTERM",
    }
}

/// What one target gave.
struct TargetResult {
    target: Target,
    loads: Vec<LoadMeasured>,
    capacity: Vec<CapacityStep>,
    idle: Option<IdleMeasured>,
}

/// Loads on one server, then the idle documents on a fresh one (so neither sees the other's
/// leftovers: memory freed by the load and reused by the idle documents, or background work
/// on a thousand idle documents during the load's window).
async fn measure_target(
    settings: &Settings,
    options: &CanvasOptions,
    target: Target,
) -> anyhow::Result<TargetResult> {
    let max_editors = options
        .editors
        .iter()
        .copied()
        .chain([options.capacity_editors])
        .max()
        .unwrap_or(2);
    let mut loads = Vec::new();
    let mut capacity = Vec::new();
    {
        let mut server = ServerUnderTest::start(settings, options, target, max_editors).await?;
        let outcome = async {
            for &editors in &options.editors {
                let room = server.room(editors).await?;
                let load = drive_load(options, &server, &room, editors).await?;
                println!(
                    "canvas: {} with {editors} editors: {:.0} deliveries/s, p99 {:.1} ms",
                    target.name(),
                    load.deliveries as f64 / options.duration as f64,
                    load.relay.value_at_quantile(0.99) as f64 / 1000.0,
                );
                loads.push(load);
                // Let the document's sockets close before the next run.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            if options.capacity_editors >= 2 {
                capacity = capacity_ramp(options, &server).await?;
            }
            anyhow::Ok(())
        }
        .await;
        server.stop().await;
        outcome?;
    }
    let idle = if options.idle_documents > 0 {
        let mut server = ServerUnderTest::start(settings, options, target, 1).await?;
        let outcome = idle_memory(options, &server).await;
        server.stop().await;
        Some(outcome?)
    } else {
        None
    };
    Ok(TargetResult {
        target,
        loads,
        capacity,
        idle,
    })
}

/// One step of the capacity ramp.
struct CapacityStep {
    interval_ms: u64,
    deliveries_per_s: f64,
    delivered_percent: f64,
    p99_ms: f64,
    closed: u64,
    carried: bool,
}

/// Runs the ramp on `server` until a step is not carried (see the module docs).
async fn capacity_ramp(
    options: &CanvasOptions,
    server: &ServerUnderTest,
) -> anyhow::Result<Vec<CapacityStep>> {
    let editors = options.capacity_editors;
    let mut steps = Vec::new();
    for &interval_ms in &options.capacity_intervals_ms {
        let step_options = CanvasOptions {
            interval_ms: interval_ms.max(1),
            duration: options.capacity_duration.max(1),
            warmup: 1,
            ..options.clone()
        };
        let room = server.room(editors).await?;
        let load = drive_load(&step_options, server, &room, editors).await?;
        let step = CapacityStep {
            interval_ms: step_options.interval_ms,
            deliveries_per_s: load.deliveries_per_s(&step_options),
            delivered_percent: load.delivered_percent(),
            p99_ms: millis(&load.relay, 0.99),
            closed: load.closed,
            carried: load.delivered_percent() >= 99.9
                && load.closed == 0
                && millis(&load.relay, 0.99) <= options.capacity_p99_ms,
        };
        println!(
            "canvas: {} capacity step {editors} editors every {interval_ms} ms: {:.0} deliveries/s, {:.2}% delivered, p99 {:.1} ms: {}",
            server.target.name(),
            step.deliveries_per_s,
            step.delivered_percent,
            step.p99_ms,
            if step.carried {
                "carried"
            } else {
                "not carried"
            },
        );
        let carried = step.carried;
        steps.push(step);
        tokio::time::sleep(Duration::from_secs(1)).await;
        if !carried {
            break;
        }
    }
    Ok(steps)
}

/// The deliveries/s of the heaviest carried step (0 when none was).
fn capacity_of(steps: &[CapacityStep]) -> f64 {
    steps
        .iter()
        .filter(|step| step.carried)
        .map(|step| step.deliveries_per_s)
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------------------------------------
// Reports

fn millis(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    if histogram.is_empty() {
        return f64::NAN;
    }
    histogram.value_at_quantile(quantile) as f64 / 1000.0
}

impl LoadMeasured {
    fn deliveries_per_s(&self, options: &CanvasOptions) -> f64 {
        self.deliveries as f64 / options.duration as f64
    }

    fn cpu_ms_per_1000(&self) -> f64 {
        if self.sent == 0 {
            return f64::NAN;
        }
        1000.0 * self.cpu_seconds / (self.sent as f64 / 1000.0)
    }

    fn delivered_percent(&self) -> f64 {
        let expected = self.sent * (self.editors as u64 - 1);
        if expected == 0 {
            return f64::NAN;
        }
        100.0 * self.deliveries as f64 / expected as f64
    }
}

fn print_load_table(
    options: &CanvasOptions,
    editors: usize,
    measured: &[TargetResult],
    skipped: &[String],
) {
    println!(
        "\ncanvas.sync  (editors={editors} interval_ms={} duration_s={} warmup_s={}: {} updates/s in, {} deliveries/s expected)",
        options.interval_ms,
        options.duration,
        options.warmup,
        editors as u64 * 1000 / options.interval_ms,
        editors as u64 * (editors as u64 - 1) * 1000 / options.interval_ms,
    );
    println!(
        "  {:<18} {:>12} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12} {:>9}",
        "target",
        "deliveries/s",
        "delivered",
        "relay p50",
        "relay p99",
        "relay max",
        "CPU/1k upd",
        "durable p95",
        "RSS"
    );
    for result in measured {
        let Some(load) = result.loads.iter().find(|load| load.editors == editors) else {
            continue;
        };
        let ack = load.acks.as_ref().map_or_else(
            || "-".to_owned(),
            |acks| format!("{:.1} ms", millis(acks, 0.95)),
        );
        println!(
            "  {:<18} {:>12.0} {:>9.2}% {:>7.1} ms {:>7.1} ms {:>7.1} ms {:>9.1} ms {:>12} {:>5.0} MiB",
            result.target.name(),
            load.deliveries_per_s(options),
            load.delivered_percent(),
            millis(&load.relay, 0.50),
            millis(&load.relay, 0.99),
            load.relay.max() as f64 / 1000.0,
            load.cpu_ms_per_1000(),
            ack,
            load.rss_bytes as f64 / (1024.0 * 1024.0),
        );
    }
    for line in skipped {
        println!("  skipped: {line}");
    }
}

fn load_report(options: &CanvasOptions, target: Target, load: &LoadMeasured) -> Report {
    let mut report = Report::new(target.scenario())
        .param("editors", load.editors)
        .param("interval_ms", options.interval_ms)
        .param("duration_s", options.duration)
        .param("warmup_s", options.warmup)
        .figure(
            "updates_per_s",
            "updates sent/s",
            load.sent as f64 / options.duration as f64,
            "/s",
        )
        .figure(
            "deliveries_per_s",
            "deliveries/s",
            load.deliveries_per_s(options),
            "/s",
        )
        .figure(
            "delivered_percent",
            "delivered of expected",
            load.delivered_percent(),
            "%",
        )
        .figure("relay_p50_ms", "relay p50", millis(&load.relay, 0.50), "ms")
        .figure("relay_p99_ms", "relay p99", millis(&load.relay, 0.99), "ms")
        .figure(
            "relay_max_ms",
            "relay max",
            load.relay.max() as f64 / 1000.0,
            "ms",
        )
        .figure(
            "server_cpu_ms_per_1000_updates",
            "server CPU per 1,000 updates",
            load.cpu_ms_per_1000(),
            "ms",
        )
        .figure(
            "rss_mib",
            "server RSS",
            load.rss_bytes as f64 / (1024.0 * 1024.0),
            "MiB",
        )
        .figure(
            "closed_early",
            "editors closed early",
            load.closed as f64,
            "",
        );
    if let Some(acks) = &load.acks {
        report = report
            .figure(
                "durable_ack_p50_ms",
                "durable ack p50",
                millis(acks, 0.50),
                "ms",
            )
            .figure(
                "durable_ack_p95_ms",
                "durable ack p95",
                millis(acks, 0.95),
                "ms",
            )
            .figure(
                "durable_acked_percent",
                "updates acked as durable",
                if load.sent > 0 {
                    100.0 * load.acked as f64 / load.sent as f64
                } else {
                    f64::NAN
                },
                "%",
            );
    }
    report
}

fn find(measured: &[TargetResult], target: Target) -> Option<&TargetResult> {
    measured.iter().find(|result| result.target == target)
}

fn load_of(measured: &[TargetResult], target: Target, editors: usize) -> Option<&LoadMeasured> {
    find(measured, target)?
        .loads
        .iter()
        .find(|load| load.editors == editors)
}

/// Atelier against the targets at this load.
fn load_ratios(options: &CanvasOptions, editors: usize, measured: &[TargetResult]) -> Report {
    let mut report = Report::new("canvas.sync.ratios")
        .param("editors", editors)
        .param("interval_ms", options.interval_ms);
    let Some(atelier) = load_of(measured, Target::Atelier, editors) else {
        return report.note("Atelier was not measured: no ratios");
    };
    if let Some(y_sweet) = load_of(measured, Target::YSweet, editors) {
        let ratio = millis(&atelier.relay, 0.99) / millis(&y_sweet.relay, 0.99);
        let all_acked = atelier.acked == atelier.sent;
        report = report
            .figure(
                "relay_p99_vs_y_sweet",
                "Atelier relay p99 / y-sweet's",
                ratio,
                "x",
            )
            .note(format!(
                "target relay p99 <= y-sweet's with every update durable before its ack: {} \
                 (p99 {:.1} ms vs {:.1} ms; {} of {} updates acked durable)",
                if ratio <= 1.0 && all_acked {
                    "met"
                } else {
                    "not met"
                },
                millis(&atelier.relay, 0.99),
                millis(&y_sweet.relay, 0.99),
                atelier.acked,
                atelier.sent,
            ));
    } else {
        report = report.note("y-sweet was not measured: no relay p99 ratio");
    }
    if let Some(hocuspocus) = load_of(measured, Target::Hocuspocus, editors) {
        let ratio = atelier.deliveries_per_s(options) / hocuspocus.deliveries_per_s(options);
        report = report
            .figure(
                "deliveries_vs_hocuspocus",
                "Atelier deliveries/s / Hocuspocus's",
                ratio,
                "x",
            )
            .note(format!(
                "target >= 3x Hocuspocus's deliveries/s at equal p99: {} at this fixed load \
                 ({ratio:.2}x; p99 {:.1} ms vs {:.1} ms). Both are offered the same {} \
                 deliveries/s, so the ratio stays near 1 while both keep up: 3x needs a load \
                 Hocuspocus cannot carry",
                if ratio >= 3.0 { "met" } else { "not met" },
                millis(&atelier.relay, 0.99),
                millis(&hocuspocus.relay, 0.99),
                editors as u64 * (editors as u64 - 1) * 1000 / options.interval_ms,
            ));
    } else {
        report = report.note("Hocuspocus was not measured: no deliveries ratio");
    }
    report
}

/// Every target's capacity ramp, step by step.
fn print_capacity_table(options: &CanvasOptions, measured: &[TargetResult]) {
    println!(
        "\ncanvas.capacity  (editors={} on one document; a step is carried with >= 99.9% delivered, no editor closed, relay p99 <= {} ms)",
        options.capacity_editors, options.capacity_p99_ms
    );
    println!(
        "  {:<18} {:>10} {:>12} {:>10} {:>10} {:>8} {:>12}",
        "target", "every", "deliveries/s", "delivered", "relay p99", "closed", ""
    );
    for result in measured {
        for step in &result.capacity {
            println!(
                "  {:<18} {:>7} ms {:>12.0} {:>9.2}% {:>7.1} ms {:>8} {:>12}",
                result.target.name(),
                step.interval_ms,
                step.deliveries_per_s,
                step.delivered_percent,
                step.p99_ms,
                step.closed,
                if step.carried {
                    "carried"
                } else {
                    "not carried"
                },
            );
        }
        println!(
            "  {:<18} capacity {:.0} deliveries/s{}",
            result.target.name(),
            capacity_of(&result.capacity),
            if result.capacity.iter().all(|step| step.carried) {
                " (carried every step: at least this much)"
            } else {
                ""
            },
        );
    }
}

/// Atelier's capacity against Hocuspocus's (the 3x target) and the others'.
fn capacity_ratios(options: &CanvasOptions, measured: &[TargetResult]) -> Report {
    let mut report = Report::new("canvas.capacity.ratios")
        .param("editors", options.capacity_editors)
        .param("p99_ceiling_ms", options.capacity_p99_ms);
    let Some(atelier) = find(measured, Target::Atelier) else {
        return report.note("Atelier was not measured: no ratios");
    };
    let ours = capacity_of(&atelier.capacity);
    report = report.figure(
        "atelier_deliveries_per_s",
        "Atelier capacity",
        ours,
        "deliveries/s",
    );
    for peer in [Target::Hocuspocus, Target::YWebsocket, Target::YSweet] {
        let Some(result) = find(measured, peer) else {
            continue;
        };
        let theirs = capacity_of(&result.capacity);
        let ratio = if theirs > 0.0 {
            ours / theirs
        } else {
            f64::INFINITY
        };
        let (key, label) = match peer {
            Target::Hocuspocus => ("vs_hocuspocus", "Atelier capacity / Hocuspocus's"),
            Target::YWebsocket => ("vs_y_websocket", "Atelier capacity / y-websocket's"),
            Target::YSweet => ("vs_y_sweet", "Atelier capacity / y-sweet's"),
            Target::Atelier => continue,
        };
        report = report.figure(key, label, ratio, "x");
        if peer == Target::Hocuspocus {
            let atelier_topped = atelier.capacity.iter().all(|step| step.carried);
            report = report.note(format!(
                "target >= 3x Hocuspocus's deliveries/s at equal p99: {} ({ours:.0} vs {theirs:.0} deliveries/s at p99 <= {} ms{})",
                if ratio >= 3.0 { "met" } else { "not met" },
                options.capacity_p99_ms,
                if atelier_topped {
                    "; Atelier carried every step, so its capacity is at least this"
                } else {
                    ""
                },
            ));
        }
    }
    report
}

/// The idle-memory comparison.
fn print_idle_table(options: &CanvasOptions, measured: &[TargetResult]) {
    println!(
        "\ncanvas.idle  (documents={}: one client each; connect, sync, one edit, idle)",
        options.idle_documents
    );
    println!(
        "  {:<18} {:>12} {:>12} {:>14}",
        "target", "RSS before", "RSS after", "per document"
    );
    for result in measured {
        let Some(idle) = &result.idle else { continue };
        println!(
            "  {:<18} {:>8.1} MiB {:>8.1} MiB {:>10.1} KiB",
            result.target.name(),
            idle.rss_before as f64 / (1024.0 * 1024.0),
            idle.rss_after as f64 / (1024.0 * 1024.0),
            idle.bytes_per_document() / 1024.0,
        );
    }
    let atelier = find(measured, Target::Atelier).and_then(|result| result.idle.as_ref());
    let y_sweet = find(measured, Target::YSweet).and_then(|result| result.idle.as_ref());
    match (atelier, y_sweet) {
        (Some(atelier), Some(y_sweet)) => {
            let ratio = atelier.bytes_per_document() / y_sweet.bytes_per_document();
            println!(
                "  Atelier per idle document / y-sweet's: {ratio:.2}x (target <= 1: {})",
                if ratio <= 1.0 { "met" } else { "not met" }
            );
        }
        _ => println!("  no Atelier / y-sweet memory ratio: one of them was not measured"),
    }
    println!(
        "  note: VmRSS of the server process before the clients connect and 2 s after the last \
         edit, over the document count (connection included); the clients run in the bench \
         process, the servers in their own"
    );
}

fn idle_report(options: &CanvasOptions, target: Target, idle: &IdleMeasured) -> Report {
    Report::new(target.idle_scenario())
        .param("documents", options.idle_documents)
        .figure(
            "rss_before_mib",
            "RSS before",
            idle.rss_before as f64 / (1024.0 * 1024.0),
            "MiB",
        )
        .figure(
            "rss_after_mib",
            "RSS after",
            idle.rss_after as f64 / (1024.0 * 1024.0),
            "MiB",
        )
        .figure(
            "bytes_per_document",
            "per idle document",
            idle.bytes_per_document(),
            "B",
        )
}

// ---------------------------------------------------------------------------------------------
// Servers under test

/// A running target: its process (killed on drop), where to connect, and its temp dir.
pub(crate) struct ServerUnderTest {
    target: Target,
    child: Child,
    pub(crate) pid: u32,
    /// `host:port`.
    pub(crate) address: String,
    /// Atelier only: the API session (users, tokens, workspace) and its config for cleanup.
    pub(crate) atelier: Option<AtelierSession>,
    /// Removed on drop.
    _dir: Option<TempDir>,
}

/// One document on one target: a URL per editor and how to frame messages.
struct Room {
    urls: Vec<String>,
    dialect: Dialect,
    acks: bool,
}

impl ServerUnderTest {
    async fn start(
        settings: &Settings,
        options: &CanvasOptions,
        target: Target,
        users: usize,
    ) -> anyhow::Result<Self> {
        match target {
            Target::Atelier => start_atelier(settings, users).await,
            Target::YWebsocket => {
                let script = options
                    .peers
                    .join("node_modules/y-websocket/bin/server.cjs");
                start_node(target, options, &script).await
            }
            Target::Hocuspocus => {
                let script = options.peers.join("hocuspocus.mjs");
                anyhow::ensure!(
                    options
                        .peers
                        .join("node_modules/@hocuspocus/server")
                        .is_dir(),
                    "@hocuspocus/server is not installed in {} (run `npm ci` there)",
                    options.peers.display()
                );
                start_node(target, options, &script).await
            }
            Target::YSweet => {
                let binary = options.y_sweet.clone().context(
                    "no y-sweet binary: pass --y-sweet <path> or set ATELIER_BENCH_Y_SWEET \
                     (cargo install y-sweet@0.9.1 --locked --root <dir>)",
                )?;
                anyhow::ensure!(
                    binary.is_file(),
                    "the y-sweet binary {} does not exist",
                    binary.display()
                );
                let dir = TempDir::new("y-sweet")?;
                let port = free_port().await?;
                let log = std::fs::File::create(dir.path.join("y-sweet.log"))?;
                let mut command = Command::new(&binary);
                command
                    .arg("serve")
                    .arg(dir.path.join("store"))
                    .arg("--host")
                    .arg("127.0.0.1")
                    .arg("--port")
                    .arg(port.to_string())
                    .env_remove("Y_SWEET_AUTH")
                    .env_remove("Y_SWEET_STORE")
                    .env_remove("Y_SWEET_URL_PREFIX")
                    .env("RUST_LOG", "warn");
                command
                    .stdin(Stdio::null())
                    .stdout(log.try_clone()?)
                    .stderr(log)
                    .kill_on_drop(true);
                let child = command.spawn().context("starting y-sweet")?;
                Self::external(target, child, port, dir).await
            }
        }
    }

    /// Waits until the port accepts connections (or the process exits).
    async fn external(
        target: Target,
        mut child: Child,
        port: u16,
        dir: TempDir,
    ) -> anyhow::Result<Self> {
        let pid = child.id().context("the peer exited at once")?;
        let address = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait()? {
                let log = std::fs::read_dir(&dir.path)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "log"))
                    .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                    .collect::<String>();
                anyhow::bail!(
                    "{} exited with {status} before listening on {port}: {}",
                    target.name(),
                    log.trim()
                );
            }
            if TcpStream::connect(&address).await.is_ok() {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{} did not listen on {port} within {START_TIMEOUT:?}",
                target.name()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Self {
            target,
            child,
            pid,
            address,
            atelier: None,
            _dir: Some(dir),
        })
    }

    /// A fresh document for `editors` editors.
    async fn room(&self, editors: usize) -> anyhow::Result<Room> {
        let name = format!("bench-{}", unique());
        let address = &self.address;
        Ok(match self.target {
            Target::Atelier => {
                let session = self.atelier.as_ref().context("Atelier has its session")?;
                let document = session.create_document(editors).await?;
                Room {
                    urls: session.users[..editors]
                        .iter()
                        .map(|user| {
                            format!(
                                "ws://{address}/v1/canvas/sync/{document}?token={}&acks=1",
                                user.token
                            )
                        })
                        .collect(),
                    dialect: Dialect::Plain,
                    acks: true,
                }
            }
            Target::YWebsocket => Room {
                urls: vec![format!("ws://{address}/{name}"); editors],
                dialect: Dialect::Plain,
                acks: false,
            },
            Target::Hocuspocus => Room {
                urls: vec![format!("ws://{address}/"); editors],
                dialect: Dialect::Hocuspocus(name),
                acks: false,
            },
            Target::YSweet => Room {
                urls: vec![format!("ws://{address}/d/{name}/ws/{name}"); editors],
                dialect: Dialect::Plain,
                acks: false,
            },
        })
    }

    /// Stops the process (Atelier: closes its stdin and lets it shut down, then cleans up its
    /// database and queues) and removes the temp dir.
    pub(crate) async fn stop(&mut self) {
        if self.target == Target::Atelier {
            drop(self.child.stdin.take());
            match tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await {
                Ok(Ok(status)) if status.success() => {}
                Ok(Ok(status)) => eprintln!("canvas: the Atelier server exited with {status}"),
                Ok(Err(error)) => eprintln!("canvas: waiting for the Atelier server: {error}"),
                Err(_) => {
                    eprintln!("canvas: the Atelier server did not stop within 20 s; killing it");
                    self.kill().await;
                }
            }
            if let Some(session) = &self.atelier {
                crate::cleanup::platform("canvas", &session.config).await;
            }
        } else {
            self.kill().await;
        }
    }

    async fn kill(&mut self) {
        if let Err(error) = self.child.start_kill() {
            tracing::debug!(%error, "the server had already exited");
        }
        if let Err(error) = self.child.wait().await {
            eprintln!("canvas: reaping {}: {error}", self.target.name());
        }
    }
}

async fn start_node(
    target: Target,
    options: &CanvasOptions,
    script: &Path,
) -> anyhow::Result<ServerUnderTest> {
    anyhow::ensure!(
        script.is_file(),
        "{} is missing (run `npm ci` in {})",
        script.display(),
        options.peers.display()
    );
    let dir = TempDir::new("node")?;
    let port = free_port().await?;
    let log = std::fs::File::create(dir.path.join("node.log"))?;
    let mut command = Command::new("node");
    command
        .arg(script)
        .current_dir(&options.peers)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        // y-websocket would persist to LevelDB with it.
        .env_remove("YPERSISTENCE")
        .env("NODE_ENV", "production")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    let child = command
        .spawn()
        .context("starting node (is Node.js installed?)")?;
    ServerUnderTest::external(target, child, port, dir).await
}

/// A port that was free a moment ago, for peers that cannot report the one they bound. A
/// process that takes it meanwhile makes the peer fail to start, which is reported.
async fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?.port())
}

/// A directory under the system temp dir, removed on drop.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(label: &str) -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!("atelier-bench-{label}-{}", unique()));
        std::fs::create_dir_all(&path)?;
        Ok(Self { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.path) {
            eprintln!("canvas: removing {}: {error}", self.path.display());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Atelier

/// The Atelier node's config for a suffix: all roles, its own database and queue prefix.
fn atelier_config(settings: &Settings, suffix: &str) -> anyhow::Result<Config> {
    let mut config = http::server_config(settings)?;
    config.roles = Roles::ALL;
    config.migrate_on_start = true;
    config.node_id = format!("bench-{suffix}");
    config.admin_token = Some(format!("bench-admin-{suffix}"));
    config.mongodb.database = format!("bench_{suffix}");
    config.amqp.prefix = format!("bench{suffix}");
    // The idle-memory run connects every document as one user.
    config.realtime.max_sockets_per_user = config.realtime.max_sockets_per_user.max(4096);
    Ok(config)
}

/// The hidden `canvas-server` subcommand: Atelier in a process of its own, on the runtime
/// `main` built (threads `atelier-srv`), until stdin closes (the parent exiting closes it too).
pub async fn serve(settings: &Settings, args: &CanvasServerArgs) -> anyhow::Result<()> {
    let config = atelier_config(settings, &args.suffix)?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(Server::new(config).run(listener, shutdown.clone()));
    println!("{LISTENING}{address}");
    let mut stdin = tokio::io::stdin();
    let mut buffer = [0_u8; 64];
    while let Ok(read) = stdin.read(&mut buffer).await {
        if read == 0 {
            break;
        }
    }
    shutdown.cancel();
    server.await.context("the server task failed")?
}

/// The server runtime of the child: 2 workers named `atelier-srv`, as in the `realtime`
/// scenario.
pub fn server_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("atelier-srv")
        .enable_all()
        .build()?)
}

pub(crate) async fn start_atelier(
    settings: &Settings,
    users: usize,
) -> anyhow::Result<ServerUnderTest> {
    let suffix = unique();
    let config = atelier_config(settings, &suffix)?;
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("--mongodb-uri")
        .arg(settings.mongodb_uri()?)
        .arg("--amqp-url")
        .arg(&settings.amqp_url)
        .arg("--serialize-transactions")
        .arg(settings.serialize_transactions.to_string())
        .arg("canvas-server")
        .arg("--suffix")
        .arg(&suffix)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = command.spawn().context("starting the Atelier server")?;
    let pid = child.id().context("the Atelier server exited at once")?;
    let stdout = child.stdout.take().context("piped stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let address = tokio::time::timeout(START_TIMEOUT, async {
        while let Some(line) = lines.next_line().await? {
            if let Some(address) = line.strip_prefix(LISTENING) {
                return anyhow::Ok(address.to_owned());
            }
        }
        anyhow::bail!("the Atelier server exited before listening")
    })
    .await
    .context("the Atelier server did not listen in time")??;
    // Keep its stdout drained.
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("atelier: {line}");
        }
    });
    let mut server = ServerUnderTest {
        target: Target::Atelier,
        child,
        pid,
        address: address.clone(),
        atelier: None,
        _dir: None,
    };
    let session = async {
        let base = format!("http://{address}");
        http::wait_until_serving(&format!("{base}/healthz")).await?;
        AtelierSession::setup(base, config, users).await
    }
    .await;
    match session {
        Ok(session) => {
            server.atelier = Some(session);
            Ok(server)
        }
        Err(error) => {
            server.stop().await;
            // Its database and queues: stop() cleans up only with a session.
            crate::cleanup::platform("canvas", &atelier_config(settings, &suffix)?).await;
            Err(error)
        }
    }
}

/// Users with tokens in one workspace of a fresh tenant, set up through the API.
pub(crate) struct AtelierSession {
    base: String,
    http: reqwest::Client,
    pub(crate) workspace: String,
    pub(crate) users: Vec<AtelierUser>,
    config: Config,
}

pub(crate) struct AtelierUser {
    pub(crate) id: String,
    pub(crate) token: String,
}

impl AtelierSession {
    async fn setup(base: String, config: Config, users: usize) -> anyhow::Result<Self> {
        let store = Store::connect(&config.mongodb).await?;
        let identity = atelier_identity::Identity::new(&store, config.identity.clone());
        let tenant = identity
            .tenancy
            .create_tenant(&format!("bench-{}", unique()))
            .await?;
        let key = identity
            .api_keys
            .bootstrap(tenant.id, "bench", atelier_identity::ApiKeyScope::Full)
            .await?
            .secret
            .context("a new API key has its secret")?;
        let mut session = Self {
            base,
            http: reqwest::Client::new(),
            workspace: String::new(),
            users: Vec::with_capacity(users),
            config,
        };
        let mut ids = Vec::with_capacity(users);
        for index in 0..users {
            let user = session
                .call(
                    reqwest::Method::POST,
                    "/v1/users",
                    &key,
                    Some(json!({ "display_name": format!("Editor {index}") })),
                )
                .await?;
            ids.push(user["id"].as_str().context("user id")?.to_owned());
        }
        let workspace = session
            .call(
                reqwest::Method::POST,
                "/v1/workspaces",
                &key,
                Some(json!({ "name": "Bench", "owner_id": ids[0] })),
            )
            .await?;
        session.workspace = workspace["id"].as_str().context("workspace id")?.to_owned();
        for id in ids.iter().skip(1) {
            session
                .call(
                    reqwest::Method::PUT,
                    &format!("/v1/workspaces/{}/members/{id}", session.workspace),
                    &key,
                    Some(json!({ "role": "member" })),
                )
                .await?;
        }
        for id in ids {
            let minted = session
                .call(
                    reqwest::Method::POST,
                    &format!("/v1/users/{id}/tokens"),
                    &key,
                    None,
                )
                .await?;
            let token = minted["access_token"]
                .as_str()
                .context("access token")?
                .to_owned();
            session.users.push(AtelierUser { id, token });
        }
        Ok(session)
    }

    /// A document created by the first user, with an editor grant for the next `editors - 1`.
    async fn create_document(&self, editors: usize) -> anyhow::Result<String> {
        let owner = &self.users[0];
        let path = format!("/v1/workspaces/{}/canvas/documents", self.workspace);
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&owner.token)
            .json(&json!({ "name": "bench" }))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        anyhow::ensure!(
            status != reqwest::StatusCode::NOT_FOUND,
            "POST {path} answered 404: this build has no canvas document API yet (issue 13: \
             the canvas endpoints and the /v1/canvas/sync socket are being merged); the peers \
             are measured without Atelier. Body: {body}"
        );
        anyhow::ensure!(status.is_success(), "POST {path}: {status} {body}");
        let document = body["id"].as_str().context("document id")?.to_owned();
        for user in self.users.iter().take(editors).skip(1) {
            self.call(
                reqwest::Method::PUT,
                &format!("/v1/canvas/documents/{document}/grants/{}", user.id),
                &owner.token,
                Some(json!({ "role": "editor" })),
            )
            .await?;
        }
        Ok(document)
    }

    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(bearer);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.send().await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        anyhow::ensure!(status.is_success(), "{method} {path}: {status} {body}");
        Ok(body)
    }
}

// ---------------------------------------------------------------------------------------------
// /proc

/// utime + stime of a process and all its threads, in seconds.
fn process_cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // `pid (comm) state ...`: comm may contain spaces, so split after the last ')'.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the comm: state is field 3 of stat(5), utime 14, stime 15.
    let field = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field(11) + field(12)) as f64 / CLOCK_TICKS_PER_SECOND
}

/// VmRSS of a process, in bytes.
pub(crate) fn process_rss_bytes(pid: u32) -> u64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

// ---------------------------------------------------------------------------------------------
// The wire

/// How a target frames y-protocols messages.
#[derive(Debug, Clone)]
enum Dialect {
    /// One y-protocols message per binary frame (y-websocket, y-sweet, Atelier).
    Plain,
    /// Hocuspocus: `varString(document) · message`, after an auth exchange.
    Hocuspocus(String),
}

impl Dialect {
    fn frame(&self, body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut out = Vec::with_capacity(48);
        if let Self::Hocuspocus(document) = self {
            out.write_string(document);
        }
        body(&mut out);
        out
    }

    fn sync(&self, sub_type: u64, payload: &[u8]) -> Vec<u8> {
        self.frame(|out| {
            out.write_var(MESSAGE_SYNC);
            out.write_var(sub_type);
            out.write_buf(payload);
        })
    }

    /// Hocuspocus's `varString(doc) · 2 · 0 · varString(token)`; none for the others.
    fn auth(&self) -> Option<Vec<u8>> {
        match self {
            Self::Plain => None,
            Self::Hocuspocus(_) => Some(self.frame(|out| {
                out.write_var(MESSAGE_AUTH);
                out.write_var(AUTH_TOKEN);
                out.write_string("bench");
            })),
        }
    }

    /// The y-protocols message inside a frame.
    fn message<'a>(&self, frame: &'a [u8]) -> Option<&'a [u8]> {
        match self {
            Self::Plain => Some(frame),
            Self::Hocuspocus(_) => {
                let mut cursor = Cursor::new(frame);
                cursor.read_string().ok()?;
                frame.get(cursor.next..)
            }
        }
    }
}

/// What a received message is, read as cheaply as possible.
#[derive(Debug)]
enum Incoming {
    Step1(StateVector),
    Step2,
    /// The first struct header of an update: whose, from which clock.
    Update {
        client: u64,
        clock: u32,
    },
    DurableAck(StateVector),
    Authenticated,
    Denied,
    Other,
}

fn parse(message: &[u8]) -> Incoming {
    let mut cursor = Cursor::new(message);
    let Ok(kind) = cursor.read_var::<u64>() else {
        return Incoming::Other;
    };
    match kind {
        MESSAGE_SYNC | HOCUSPOCUS_SYNC_REPLY => {
            let Ok(sub_type) = cursor.read_var::<u64>() else {
                return Incoming::Other;
            };
            let Ok(payload) = cursor.read_buf() else {
                return Incoming::Other;
            };
            match sub_type {
                SYNC_STEP_1 => {
                    StateVector::decode_v1(payload).map_or(Incoming::Other, Incoming::Step1)
                }
                SYNC_STEP_2 => Incoming::Step2,
                _ => update_header(payload).map_or(Incoming::Other, |(client, clock)| {
                    Incoming::Update { client, clock }
                }),
            }
        }
        MESSAGE_AUTH => match cursor.read_var::<u64>() {
            Ok(AUTH_AUTHENTICATED) => Incoming::Authenticated,
            Ok(AUTH_PERMISSION_DENIED) => Incoming::Denied,
            _ => Incoming::Other,
        },
        MESSAGE_DURABLE_ACK => {
            decode_durable_ack(message).map_or(Incoming::Other, Incoming::DurableAck)
        }
        _ => Incoming::Other,
    }
}

/// A v1 update's first struct header: varuint clients, varuint structs, varuint client,
/// varuint clock. None for an update without structs (deletions only).
fn update_header(update: &[u8]) -> Option<(u64, u32)> {
    let mut cursor = Cursor::new(update);
    let clients: u64 = cursor.read_var().ok()?;
    if clients == 0 {
        return None;
    }
    let _structs: u64 = cursor.read_var().ok()?;
    let client: u64 = cursor.read_var().ok()?;
    let clock: u32 = cursor.read_var().ok()?;
    Some((client, clock))
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One client with its own replica.
struct Editor {
    socket: Socket,
    doc: Doc,
    text: TextRef,
    client: u64,
    dialect: Dialect,
}

impl Editor {
    /// Connects, authenticates (Hocuspocus), and syncs: step 1 sent, step 2 received; a step 1
    /// from the server is answered with a step 2.
    async fn connect(url: &str, dialect: Dialect, client: u64) -> anyhow::Result<Self> {
        let shown = url.split('?').next().unwrap_or(url);
        let (socket, _) =
            tokio::time::timeout(HANDSHAKE_TIMEOUT, tokio_tungstenite::connect_async(url))
                .await
                .with_context(|| format!("connecting to {shown} timed out"))?
                .with_context(|| format!("connecting to {shown}"))?;
        let doc = Doc::with_client_id(client);
        let text = doc.get_or_insert_text("text");
        let mut editor = Self {
            socket,
            doc,
            text,
            client,
            dialect,
        };
        tokio::time::timeout(HANDSHAKE_TIMEOUT, editor.handshake())
            .await
            .with_context(|| format!("no sync with {shown} within {HANDSHAKE_TIMEOUT:?}"))??;
        Ok(editor)
    }

    async fn handshake(&mut self) -> anyhow::Result<()> {
        if let Some(auth) = self.dialect.auth() {
            self.socket.send(Message::binary(auth)).await?;
            loop {
                match self.parse_next().await? {
                    Incoming::Authenticated => break,
                    Incoming::Denied => anyhow::bail!("authentication refused"),
                    _ => {}
                }
            }
        }
        let state_vector = self.doc.transact().state_vector().encode_v1();
        let step1 = self.dialect.sync(SYNC_STEP_1, &state_vector);
        self.socket.send(Message::binary(step1)).await?;
        loop {
            match self.parse_next().await? {
                Incoming::Step1(remote) => self.answer_step1(&remote).await?,
                Incoming::Step2 => return Ok(()),
                _ => {}
            }
        }
    }

    async fn answer_step1(&mut self, remote: &StateVector) -> anyhow::Result<()> {
        let diff = self.doc.transact().encode_diff_v1(remote);
        let step2 = self.dialect.sync(SYNC_STEP_2, &diff);
        self.socket.send(Message::binary(step2)).await?;
        Ok(())
    }

    async fn parse_next(&mut self) -> anyhow::Result<Incoming> {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Binary(frame))) => {
                    return Ok(self.dialect.message(&frame).map_or(Incoming::Other, parse));
                }
                Some(Ok(Message::Close(frame))) => anyhow::bail!("closed by the server: {frame:?}"),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => anyhow::bail!("the server closed the connection"),
            }
        }
    }

    /// Types [`TYPED`] at the end of this editor's own text; returns the update frame, its
    /// first clock and its end clock.
    fn edit(&self) -> (Vec<u8>, u32, u32) {
        let start = self
            .doc
            .transact()
            .state_vector()
            .get(&ClientID::new(self.client));
        let update = {
            let mut txn = self.doc.transact_mut();
            let length = self.text.len(&txn);
            self.text.insert(&mut txn, length, TYPED);
            txn.encode_update_v1()
        };
        let end = self
            .doc
            .transact()
            .state_vector()
            .get(&ClientID::new(self.client));
        (self.dialect.sync(2, &update), start, end)
    }
}

/// Distinct Yjs client ids (uint32, as Yjs makes them).
fn client_ids(count: usize) -> Vec<u64> {
    let mut seen = HashSet::with_capacity(count);
    while seen.len() < count {
        let id = (ulid::Ulid::new().random() as u64) & 0xffff_ffff;
        if id != 0 {
            seen.insert(id);
        }
    }
    seen.into_iter().collect()
}

/// Connects one editor per URL, 10 at a time.
async fn connect_all(room: &Room, clients: &[u64]) -> anyhow::Result<Vec<Editor>> {
    let mut editors = Vec::with_capacity(room.urls.len());
    let mut next = 0;
    while next < room.urls.len() {
        let mut connecting = JoinSet::new();
        let end = (next + 10).min(room.urls.len());
        for (index, (url, &client)) in room
            .urls
            .iter()
            .zip(clients)
            .enumerate()
            .take(end)
            .skip(next)
        {
            let url = url.clone();
            let dialect = room.dialect.clone();
            connecting.spawn(async move { (index, Editor::connect(&url, dialect, client).await) });
        }
        next = (next + 10).min(room.urls.len());
        while let Some(joined) = connecting.join_next().await {
            let (index, editor) = joined.context("an editor panicked while connecting")?;
            editors.push((index, editor?));
        }
    }
    editors.sort_by_key(|(index, _)| *index);
    Ok(editors.into_iter().map(|(_, editor)| editor).collect())
}

// ---------------------------------------------------------------------------------------------
// The load

/// What one load run measured.
struct LoadMeasured {
    editors: usize,
    /// Updates sent inside the window (all received by the server).
    sent: u64,
    /// Updates sent inside the window, received by another editor before the drain ended.
    deliveries: u64,
    relay: Histogram<u64>,
    /// Send → durable ack (Atelier).
    acks: Option<Histogram<u64>>,
    acked: u64,
    cpu_seconds: f64,
    rss_bytes: u64,
    /// Editors whose socket closed before the end.
    closed: u64,
}

/// Send instants by (client id, clock), in microseconds since the run's start.
struct SendTable {
    index: HashMap<u64, usize>,
    sends: Vec<Mutex<HashMap<u32, u64>>>,
}

impl SendTable {
    fn new(clients: &[u64]) -> Self {
        Self {
            index: clients
                .iter()
                .enumerate()
                .map(|(index, client)| (*client, index))
                .collect(),
            sends: clients.iter().map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn record(&self, client: u64, clock: u32, at_us: u64) {
        if let Some(&index) = self.index.get(&client) {
            self.sends[index]
                .lock()
                .expect("the send table is not poisoned")
                .insert(clock, at_us);
        }
    }

    fn lookup(&self, client: u64, clock: u32) -> Option<u64> {
        let index = *self.index.get(&client)?;
        self.sends[index]
            .lock()
            .expect("the send table is not poisoned")
            .get(&clock)
            .copied()
    }
}

/// The run's timeline, in microseconds since `start`.
struct Plan {
    start: Instant,
    interval_us: u64,
    window_start_us: u64,
    window_end_us: u64,
    drain_end_us: u64,
}

impl Plan {
    fn now_us(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn at(&self, us: u64) -> Instant {
        self.start + Duration::from_micros(us)
    }

    fn in_window(&self, us: u64) -> bool {
        (self.window_start_us..self.window_end_us).contains(&us)
    }
}

struct EditorTally {
    relay: Histogram<u64>,
    acks: Histogram<u64>,
    deliveries: u64,
    sent: u64,
    acked: u64,
    closed: bool,
}

async fn drive_load(
    options: &CanvasOptions,
    server: &ServerUnderTest,
    room: &Room,
    editors: usize,
) -> anyhow::Result<LoadMeasured> {
    let clients = client_ids(editors);
    let connected = connect_all(room, &clients).await?;
    let table = Arc::new(SendTable::new(&clients));
    let warmup_us = options.warmup * 1_000_000;
    let window_end_us = warmup_us + options.duration * 1_000_000;
    let plan = Arc::new(Plan {
        start: Instant::now() + Duration::from_millis(100),
        interval_us: options.interval_ms * 1000,
        window_start_us: warmup_us,
        window_end_us,
        drain_end_us: window_end_us + u64::try_from(DRAIN.as_micros()).unwrap_or(u64::MAX),
    });
    let mut running = JoinSet::new();
    for (index, editor) in connected.into_iter().enumerate() {
        let first_us = plan.interval_us * index as u64 / editors as u64;
        running.spawn(run_editor(
            editor,
            first_us,
            plan.clone(),
            table.clone(),
            room.acks,
        ));
    }
    tokio::time::sleep_until(plan.at(plan.window_start_us)).await;
    let cpu_start = process_cpu_seconds(server.pid);
    tokio::time::sleep_until(plan.at(plan.window_end_us)).await;
    let cpu_end = process_cpu_seconds(server.pid);
    let rss_bytes = process_rss_bytes(server.pid);
    let mut measured = LoadMeasured {
        editors,
        sent: 0,
        deliveries: 0,
        relay: http::new_histogram()?,
        acks: room.acks.then(http::new_histogram).transpose()?,
        acked: 0,
        cpu_seconds: cpu_end - cpu_start,
        rss_bytes,
        closed: 0,
    };
    while let Some(joined) = running.join_next().await {
        let tally = joined.context("an editor panicked")?;
        measured.relay.add(&tally.relay)?;
        if let Some(acks) = &mut measured.acks {
            acks.add(&tally.acks)?;
        }
        measured.sent += tally.sent;
        measured.deliveries += tally.deliveries;
        measured.acked += tally.acked;
        measured.closed += u64::from(tally.closed);
    }
    Ok(measured)
}

/// One editor: sends on its schedule until the window ends, reads until the drain ends.
async fn run_editor(
    mut editor: Editor,
    first_us: u64,
    plan: Arc<Plan>,
    table: Arc<SendTable>,
    acks: bool,
) -> EditorTally {
    let mut tally = EditorTally {
        relay: http::new_histogram().expect("valid histogram bounds"),
        acks: http::new_histogram().expect("valid histogram bounds"),
        deliveries: 0,
        sent: 0,
        acked: 0,
        closed: false,
    };
    // (end clock, scheduled send) of updates not yet acked as durable.
    let mut unacked: VecDeque<(u32, u64)> = VecDeque::new();
    let mut next_us = first_us;
    let drain_end = plan.at(plan.drain_end_us);
    loop {
        let sending = next_us < plan.window_end_us;
        tokio::select! {
            biased;
            () = tokio::time::sleep_until(plan.at(next_us)), if sending => {
                let (frame, start, end) = editor.edit();
                table.record(editor.client, start, next_us);
                if plan.in_window(next_us) {
                    tally.sent += 1;
                }
                if acks {
                    unacked.push_back((end, next_us));
                }
                next_us += plan.interval_us;
                if editor.socket.send(Message::binary(frame)).await.is_err() {
                    tally.closed = true;
                    break;
                }
            }
            () = tokio::time::sleep_until(drain_end) => break,
            frame = editor.socket.next() => {
                let frame = match frame {
                    Some(Ok(Message::Binary(frame))) => frame,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        tally.closed = true;
                        break;
                    }
                    Some(Ok(_)) => continue,
                };
                let received_us = plan.now_us();
                match editor.dialect.message(&frame).map_or(Incoming::Other, parse) {
                    Incoming::Update { client, clock } if client != editor.client => {
                        if let Some(sent_us) = table.lookup(client, clock)
                            && plan.in_window(sent_us)
                        {
                            tally.deliveries += 1;
                            tally
                                .relay
                                .saturating_record(received_us.saturating_sub(sent_us).max(1));
                        }
                    }
                    Incoming::DurableAck(durable) => {
                        let durable_clock = durable.get(&ClientID::new(editor.client));
                        while let Some(&(end, sent_us)) = unacked.front() {
                            if end > durable_clock {
                                break;
                            }
                            unacked.pop_front();
                            if plan.in_window(sent_us) {
                                tally.acked += 1;
                                tally
                                    .acks
                                    .saturating_record(received_us.saturating_sub(sent_us).max(1));
                            }
                        }
                    }
                    Incoming::Step1(remote) if editor.answer_step1(&remote).await.is_err() => {
                        tally.closed = true;
                        break;
                    }
                    _ => {}
                }
            }
        }
    }
    if let Err(error) = editor.socket.close(None).await {
        tracing::debug!(%error, "closing an editor");
    }
    tally
}

// ---------------------------------------------------------------------------------------------
// Idle documents

struct IdleMeasured {
    documents: usize,
    rss_before: u64,
    rss_after: u64,
}

impl IdleMeasured {
    fn bytes_per_document(&self) -> f64 {
        (self.rss_after as f64 - self.rss_before as f64) / self.documents as f64
    }
}

async fn idle_memory(
    options: &CanvasOptions,
    server: &ServerUnderTest,
) -> anyhow::Result<IdleMeasured> {
    let documents = options.idle_documents;
    let mut rooms = Vec::with_capacity(documents);
    for _ in 0..documents {
        rooms.push(server.room(1).await?);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = process_rss_bytes(server.pid);
    let clients = client_ids(documents);
    let stop = CancellationToken::new();
    let mut idle = JoinSet::new();
    let mut next = 0;
    while next < documents {
        let mut connecting = JoinSet::new();
        for index in next..(next + 50).min(documents) {
            let room = &rooms[index];
            let url = room.urls[0].clone();
            let dialect = room.dialect.clone();
            let client = clients[index];
            connecting.spawn(async move {
                let mut editor = Editor::connect(&url, dialect, client).await?;
                let (frame, _, _) = editor.edit();
                editor.socket.send(Message::binary(frame)).await?;
                anyhow::Ok(editor)
            });
        }
        next = (next + 50).min(documents);
        while let Some(joined) = connecting.join_next().await {
            let editor = joined.context("an idle client panicked")??;
            idle.spawn(stay_idle(editor, stop.clone()));
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = process_rss_bytes(server.pid);
    stop.cancel();
    while idle.join_next().await.is_some() {}
    Ok(IdleMeasured {
        documents,
        rss_before,
        rss_after,
    })
}

/// Keeps reading (so pings are answered) until told to stop, then closes.
async fn stay_idle(mut editor: Editor, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            frame = editor.socket.next() => match frame {
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
    if let Err(error) = editor.socket.close(None).await {
        tracing::debug!(%error, "closing an idle client");
    }
}

#[cfg(test)]
mod tests {
    use atelier_canvas_sync::encode_durable_ack;

    use super::*;

    /// A v1 update typed by `client` after `before` bytes of its own text.
    fn typed(client: u64, before: usize) -> Vec<u8> {
        let doc = Doc::with_client_id(client);
        let text = doc.get_or_insert_text("text");
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 0, &"x".repeat(before));
        drop(txn);
        let mut txn = doc.transact_mut();
        let length = text.len(&txn);
        text.insert(&mut txn, length, TYPED);
        txn.encode_update_v1()
    }

    fn summary(incoming: Incoming) -> String {
        match incoming {
            Incoming::Step1(state_vector) => format!("step1 {}", state_vector.len()),
            Incoming::Step2 => "step2".to_owned(),
            Incoming::Update { client, clock } => format!("update {client}@{clock}"),
            Incoming::DurableAck(state_vector) => {
                format!("ack {}", state_vector.get(&ClientID::new(7)))
            }
            Incoming::Authenticated => "authenticated".to_owned(),
            Incoming::Denied => "denied".to_owned(),
            Incoming::Other => "other".to_owned(),
        }
    }

    #[test]
    fn update_headers_name_the_client_and_first_clock() {
        assert_eq!(update_header(&typed(7, 0)), Some((7, 0)));
        assert_eq!(
            update_header(&typed(4_000_000_000, 16)),
            Some((4_000_000_000, 16))
        );
        // An update with no structs (`0` clients, empty delete set).
        assert_eq!(update_header(&[0, 0]), None);
    }

    #[test]
    fn frames_read_back_in_both_dialects() {
        let mut durable = StateVector::default();
        durable.set_max(ClientID::new(7), 24);
        let hocuspocus = Dialect::Hocuspocus("bench-doc".to_owned());
        let auth_reply = |sub_type: u64| {
            hocuspocus.frame(|out| {
                out.write_var(MESSAGE_AUTH);
                out.write_var(sub_type);
                out.write_string("read-write");
            })
        };
        let sync_reply = hocuspocus.frame(|out| {
            out.write_var(HOCUSPOCUS_SYNC_REPLY);
            out.write_var(SYNC_STEP_2);
            out.write_buf(typed(9, 0));
        });
        let sync_status = hocuspocus.frame(|out| {
            out.write_var(8_u64);
            out.write_var(1_u64);
        });
        let cases: Vec<(&Dialect, Vec<u8>, &str)> = vec![
            (
                &Dialect::Plain,
                Dialect::Plain.sync(2, &typed(7, 8)),
                "update 7@8",
            ),
            (
                &Dialect::Plain,
                Dialect::Plain.sync(1, &typed(7, 0)),
                "step2",
            ),
            (
                &Dialect::Plain,
                Dialect::Plain.sync(0, &durable.encode_v1()),
                "step1 1",
            ),
            (&Dialect::Plain, encode_durable_ack(&durable), "ack 24"),
            (&Dialect::Plain, vec![1, 1, 0], "other"),
            (&hocuspocus, hocuspocus.sync(2, &typed(7, 8)), "update 7@8"),
            (&hocuspocus, sync_reply, "step2"),
            (&hocuspocus, auth_reply(AUTH_AUTHENTICATED), "authenticated"),
            (&hocuspocus, auth_reply(AUTH_PERMISSION_DENIED), "denied"),
            (&hocuspocus, sync_status, "other"),
        ];
        for (dialect, frame, expected) in cases {
            let read = dialect.message(&frame).map_or(Incoming::Other, parse);
            assert_eq!(summary(read), expected, "{dialect:?} {frame:?}");
        }
    }

    #[test]
    fn hocuspocus_auth_is_the_document_then_auth_token() {
        let frame = Dialect::Hocuspocus("d".to_owned())
            .auth()
            .expect("an auth frame");
        assert_eq!(frame, [1, b'd', 2, 0, 5, b'b', b'e', b'n', b'c', b'h']);
        assert!(Dialect::Plain.auth().is_none());
    }

    #[test]
    fn proc_readings_of_this_process() {
        let pid = std::process::id();
        assert!(process_cpu_seconds(pid) >= 0.0);
        assert!(process_rss_bytes(pid) > 0);
    }
}
