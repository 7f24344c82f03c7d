//! `atelier-bench`: throughput and latency figures for the HTTP front and the outbox path.
//!
//! Scenarios (each prints a table and one JSON line, see [`report`]):
//! - `http`: the real server in-process, `GET /healthz` and `GET /v1/me` with an API key and
//!   with a user token from concurrent keep-alive clients, with the shares of `/healthz`.
//! - `outbox`: the RabbitMQ publish-with-confirms ceiling (raw lapin and `Publisher`), then
//!   the outbox: insert events, run the relay, time the drain.
//! - `realtime`: one channel fanned out to many WebSocket members at a steady send rate, and
//!   the same against a bare tokio + tungstenite broadcast ceiling.
//! - `webhooks`: signed deliveries to a local receiver through the fan-out and delivery
//!   consumers: throughput, and first-attempt dispatch latency at a steady rate.
//! - `chat`: message sends over HTTP: N users send to one channel concurrently (each send a
//!   transaction serialized on the channel document): messages/s and latency.
//! - `sockets`: 10,000 idle realtime WebSockets, each subscribed to a channel: the server's
//!   resident memory with all of them open, against the 150 MiB target.
//! - `canvas`: N editors typing into one Yjs document over the y-websocket protocol, against
//!   Atelier, the y-websocket reference server, Hocuspocus and y-sweet (each its own process):
//!   relay latency, deliveries/s, server CPU per update, durable-ack latency (Atelier), RSS,
//!   and memory per idle loaded document.
//! - `all`: `http`, `outbox` and `webhooks` (run `chat` and `canvas` on their own).
//!
//! Everything runs against real MongoDB (or the nx-27017 stand-in) and RabbitMQ, in its own
//! `bench_<ulid>` database and `bench<ulid>` queue prefix, deleted at the end. Run it in
//! release mode through `scripts/bench`, which starts the dependencies.

mod canvas;
mod chat;
mod cleanup;
mod http;
mod outbox;
mod realtime;
mod report;
mod sockets;
mod webhooks;

use clap::{Args, Parser, Subcommand};

use crate::report::Report;

#[derive(Debug, Parser)]
#[command(
    name = "atelier-bench",
    about = "Atelier throughput and latency benchmarks"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// GET /healthz on the in-process server.
    Http(http::HttpOptions),
    /// Publish-with-confirms ceiling, outbox insert and relay drain.
    Outbox(outbox::OutboxOptions),
    /// WebSocket fan-out of one channel to many members, and the bare broadcast ceiling.
    Realtime(realtime::RealtimeOptions),
    /// Signed webhook deliveries: throughput and dispatch latency.
    Webhooks(webhooks::WebhookOptions),
    /// Chat message sends to one channel over HTTP: messages/s and latency.
    Chat(chat::ChatOptions),
    /// Idle realtime WebSockets (each subscribed to a channel): the server's resident memory.
    Sockets(sockets::SocketsOptions),
    /// Yjs sync of one document by N editors: Atelier against y-websocket, Hocuspocus, y-sweet.
    Canvas(canvas::CanvasOptions),
    /// `http`, `outbox` and `webhooks`, with their default options unless given here.
    All(AllOptions),
    /// Atelier as a child process of the `canvas` scenario (internal).
    #[command(hide = true)]
    CanvasServer(canvas::CanvasServerArgs),
}

#[derive(Debug, Args)]
struct AllOptions {
    #[command(flatten)]
    http: http::HttpOptions,
    #[command(flatten)]
    outbox: outbox::OutboxOptions,
    #[command(flatten)]
    webhooks: webhooks::WebhookOptions,
}

/// Where the dependencies are.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// MongoDB URI (a replica set, or the nx-27017 stand-in started by scripts/bench).
    #[arg(long, global = true, env = "ATELIER_BENCH_MONGODB_URI")]
    pub mongodb_uri: Option<String>,
    /// RabbitMQ URL.
    #[arg(
        long,
        global = true,
        env = "ATELIER_BENCH_AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    pub amqp_url: String,
    /// Run one transaction at a time (needed by nx-27017, which does not isolate concurrent
    /// transactions); set to false against a real MongoDB.
    #[arg(
        long,
        global = true,
        env = "ATELIER_BENCH_SERIALIZE_TRANSACTIONS",
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new(),
    )]
    pub serialize_transactions: bool,
}

impl Settings {
    pub fn mongodb_uri(&self) -> anyhow::Result<&str> {
        self.mongodb_uri.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "no MongoDB URI: set ATELIER_BENCH_MONGODB_URI or pass --mongodb-uri \
                 (scripts/bench starts nx-27017 and sets it)"
            )
        })
    }
}

/// A fresh lowercase unique suffix for database and queue names.
pub fn unique() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    atelier_observability::init_tracing(
        atelier_observability::LogFormat::Pretty,
        &std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
    );
    if let Command::CanvasServer(args) = &cli.command {
        // The server under test alone in this process, on threads named `atelier-srv`.
        return canvas::server_runtime()?.block_on(canvas::serve(&cli.settings, args));
    }
    // The default multi-threaded runtime: one worker per core (2 here), shared by the
    // benchmark clients and the server under test.
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "atelier-bench: {cores} cores; the benchmark clients, the server under test, MongoDB \
         and RabbitMQ all share them"
    );
    let settings = &cli.settings;
    match cli.command {
        Command::Http(options) => {
            http::run(settings, &options, print).await?;
        }
        Command::Outbox(options) => {
            outbox::run(settings, &options, print).await?;
        }
        Command::Realtime(options) => {
            realtime::run(settings, &options, print).await?;
        }
        Command::Sockets(options) => {
            sockets::run(settings, &options, print).await?;
        }
        Command::Webhooks(options) => {
            webhooks::run(settings, &options, print).await?;
        }
        Command::Chat(options) => {
            print(&chat::run(settings, &options).await?);
        }
        Command::Canvas(options) => {
            canvas::run(settings, &options, print).await?;
        }
        Command::CanvasServer(_) => unreachable!("handled before the runtime starts"),
        Command::All(options) => {
            http::run(settings, &options.http, print).await?;
            outbox::run(settings, &options.outbox, print).await?;
            webhooks::run(settings, &options.webhooks, print).await?;
        }
    }
    Ok(())
}

/// Prints the table, then the JSON line.
fn print(report: &Report) {
    print!("{}", report.table());
    println!("{}", report.json_line());
}
