//! The `http` scenario: `GET /healthz` against the real server, started in-process through the
//! same `Server::run` the binary calls, with the `api` role only.
//!
//! C clients, each with its own `reqwest::Client` (one keep-alive connection each), send
//! requests back to back for a warm-up and then for the measured window. Only requests that
//! start inside the window are counted; their latencies go to an HDR histogram.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use anyhow::Context;
use atelier_bus::BusConfig;
use atelier_server::{Config, Roles, Server, config::HttpConfig};
use atelier_store::MongoConfig;
use clap::Args;
use hdrhistogram::Histogram;
use tokio::{net::TcpListener, task::JoinSet};
use tokio_util::sync::CancellationToken;

use crate::{Settings, report::Report, unique};

/// Options of the `http` scenario.
#[derive(Debug, Clone, Args)]
pub struct HttpOptions {
    /// Concurrent keep-alive clients.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Warm-up seconds (requests sent, not counted).
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
}

/// Latencies are recorded in microseconds, up to a minute.
const HISTOGRAM_MAX_MICROS: u64 = 60_000_000;
/// Bound of one request, so a stuck server cannot hang the benchmark.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn run(settings: &Settings, options: &HttpOptions) -> anyhow::Result<Report> {
    anyhow::ensure!(options.concurrency > 0, "--concurrency must be at least 1");
    anyhow::ensure!(options.duration > 0, "--duration must be at least 1");
    let config = server_config(settings)?;
    let cleanup_config = config.clone();

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(Server::new(config).run(listener, shutdown.clone()));

    let measured = measure(address, options).await;

    shutdown.cancel();
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => eprintln!("http: the server stopped with an error: {error:#}"),
        Err(error) => eprintln!("http: the server task failed: {error}"),
    }
    crate::cleanup::platform("http", &cleanup_config).await;
    measured
}

/// An api-only node in its own database and queue prefix.
pub(crate) fn server_config(settings: &Settings) -> anyhow::Result<Config> {
    let suffix = unique();
    let defaults = Config::default();
    Ok(Config {
        roles: Roles {
            api: true,
            relay: false,
            consumers: false,
        },
        node_id: format!("bench-{suffix}"),
        // Not used by the benchmark; set so the server does not warn that the admin API is off.
        admin_token: Some(format!("bench-admin-{suffix}")),
        http: HttpConfig {
            addr: "127.0.0.1:0".parse().context("valid address")?,
            shutdown_grace: Duration::from_secs(5),
            // Every simulated client connects from 127.0.0.1.
            max_connections_per_ip: 0,
            ..defaults.http
        },
        mongodb: MongoConfig {
            uri: settings.mongodb_uri()?.to_owned(),
            database: format!("bench_{suffix}"),
            server_selection_timeout: Duration::from_secs(3),
            operation_timeout: Duration::from_secs(5),
            serialize_transactions: settings.serialize_transactions,
        },
        amqp: BusConfig {
            url: settings.amqp_url.clone(),
            prefix: format!("bench{suffix}"),
            ..BusConfig::default()
        },
        // The benchmark measures the server, not the per-client limits.
        rate_limits: atelier_api::rate_limit::RateLimitConfig {
            enabled: false,
            ..defaults.rate_limits.clone()
        },
        ..defaults
    })
}

/// What one client saw inside the measured window.
struct ClientTally {
    latencies: Histogram<u64>,
    errors: u64,
}

async fn measure(address: SocketAddr, options: &HttpOptions) -> anyhow::Result<Report> {
    let url = format!("http://{address}/healthz");
    wait_until_serving(&url).await?;

    let warmup = Duration::from_secs(options.warmup);
    let duration = Duration::from_secs(options.duration);
    let start = Instant::now();
    let window_start = start + warmup;
    let window_end = window_start + duration;
    let mut clients = JoinSet::new();
    for _ in 0..options.concurrency {
        clients.spawn(client(url.clone(), window_start, window_end));
    }
    let mut latencies = new_histogram()?;
    let mut errors = 0;
    while let Some(joined) = clients.join_next().await {
        let tally = joined.context("a benchmark client panicked")??;
        latencies.add(&tally.latencies)?;
        errors += tally.errors;
    }
    let requests = latencies.len();
    Ok(Report::new("http.healthz")
        .param("concurrency", options.concurrency)
        .param("duration_s", options.duration)
        .param("warmup_s", options.warmup)
        .figure(
            "requests_per_s",
            "requests/s",
            requests as f64 / duration.as_secs_f64(),
            "req/s",
        )
        .figure("requests", "requests", requests as f64, "")
        .latency_figures(&latencies)
        .figure("errors", "errors", errors as f64, "")
        .note("client and server run in one process on the same runtime and share the cores"))
}

/// One keep-alive client sending requests back to back until `window_end`.
async fn client(
    url: String,
    window_start: Instant,
    window_end: Instant,
) -> anyhow::Result<ClientTally> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let mut tally = ClientTally {
        latencies: new_histogram()?,
        errors: 0,
    };
    loop {
        let sent = Instant::now();
        if sent >= window_end {
            break;
        }
        let outcome = match http.get(&url).send().await {
            Ok(response) if response.status().is_success() => response
                .bytes()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Ok(response) => Err(format!("status {}", response.status())),
            Err(error) => Err(error.to_string()),
        };
        if sent < window_start {
            continue;
        }
        match outcome {
            Ok(()) => {
                let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                tally.latencies.saturating_record(micros.max(1));
            }
            Err(error) => {
                if tally.errors == 0 {
                    eprintln!("http: first error of a client: {error}");
                }
                tally.errors += 1;
            }
        }
    }
    Ok(tally)
}

pub(crate) fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, HISTOGRAM_MAX_MICROS, 3)?)
}

pub(crate) async fn wait_until_serving(url: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(response) = http.get(url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    anyhow::bail!("the server did not answer {url} within 5 s")
}
