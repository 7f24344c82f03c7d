//! The `http` scenario: the real server, started in-process through the same `Server::run` the
//! binary calls, with the `api` role only, measured on three routes one after the other in one
//! run:
//! - `GET /healthz` (no credential, no database): the edge's own ceiling;
//! - `GET /v1/me` with an API key, and
//! - `GET /v1/me` with a user access token (a login minted by `POST /v1/users/{id}/tokens`):
//!   authentication and the rate-limit and metering middleware on top of it. Credentials
//!   resolve from the node's principal cache (`atelier_identity::principal_cache`), so neither
//!   reads MongoDB per request; the report prints the cache's hits and misses.
//!
//! `http.ratios` prints each authenticated route's requests/s as a share of `/healthz`'s
//! against the target (at least 50 %).
//!
//! C clients, each with its own `reqwest::Client` (one keep-alive connection each), send
//! requests back to back for a warm-up and then for the measured window. Only requests that
//! start inside the window are counted; their latencies go to an HDR histogram.

use std::time::{Duration, Instant};

use anyhow::Context;
use atelier_bus::BusConfig;
use atelier_server::{Config, Roles, Server, config::HttpConfig};
use atelier_store::{MongoConfig, Store};
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

/// The share of `/healthz`'s requests/s an authenticated `GET` should reach (issue 15).
const AUTHENTICATED_SHARE_TARGET: f64 = 0.5;

pub async fn run(
    settings: &Settings,
    options: &HttpOptions,
    print: impl Fn(&Report),
) -> anyhow::Result<()> {
    anyhow::ensure!(options.concurrency > 0, "--concurrency must be at least 1");
    anyhow::ensure!(options.duration > 0, "--duration must be at least 1");
    let mut config = server_config(settings)?;
    config.migrate_on_start = true;
    let cleanup_config = config.clone();
    let store = Store::connect(&config.mongodb).await?;
    let identity = atelier_identity::Identity::new(&store, config.identity.clone());

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = Server::new(config);
    let metrics = server.metrics();
    let server = tokio::spawn(server.run(listener, shutdown.clone()));

    let measured = async {
        let base = format!("http://{address}");
        wait_until_serving(&format!("{base}/healthz")).await?;
        let (api_key, user_token) = credentials(&base, &identity).await?;
        let routes = [
            ("http.healthz", "/healthz", None),
            ("http.me_api_key", "/v1/me", Some(api_key)),
            ("http.me_user_token", "/v1/me", Some(user_token)),
        ];
        let mut rates = Vec::new();
        for (scenario, path, bearer) in routes {
            let before = cache_lookups(&metrics);
            let report = measure(scenario, &format!("{base}{path}"), bearer, options).await?;
            let (hits, misses) = cache_lookups(&metrics);
            let report = if bearer_is_some(scenario) {
                report
                    .figure("cache_hits", "principal cache hits", hits - before.0, "")
                    .figure(
                        "cache_misses",
                        "principal cache misses (MongoDB reads)",
                        misses - before.1,
                        "",
                    )
            } else {
                report
            };
            rates.push((scenario, report.value("requests_per_s").unwrap_or(0.0)));
            print(&report);
        }
        print(&ratios(&rates, options));
        Ok(())
    }
    .await;

    shutdown.cancel();
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => eprintln!("http: the server stopped with an error: {error:#}"),
        Err(error) => eprintln!("http: the server task failed: {error}"),
    }
    crate::cleanup::platform("http", &cleanup_config).await;
    measured
}

fn bearer_is_some(scenario: &str) -> bool {
    scenario != "http.healthz"
}

/// A tenant's API key, and the access token of a login of one of its users.
async fn credentials(
    base: &str,
    identity: &atelier_identity::Identity,
) -> anyhow::Result<(String, String)> {
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
    let http = reqwest::Client::new();
    let user: serde_json::Value = http
        .post(format!("{base}/v1/users"))
        .bearer_auth(&key)
        .json(&serde_json::json!({ "display_name": "Bench" }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let user = user["id"].as_str().context("user id")?;
    let tokens: serde_json::Value = http
        .post(format!("{base}/v1/users/{user}/tokens"))
        .bearer_auth(&key)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = tokens["access_token"].as_str().context("access token")?;
    Ok((key, token.to_owned()))
}

/// The principal cache's hits and misses so far, over both credential kinds.
fn cache_lookups(metrics: &atelier_observability::Metrics) -> (f64, f64) {
    let mut lookups = (0.0, 0.0);
    for line in metrics.render().lines() {
        let Some(rest) = line.strip_prefix("atelier_principal_cache_lookups_total{") else {
            continue;
        };
        let value: f64 = rest
            .rsplit(' ')
            .next()
            .and_then(|value| value.parse().ok())
            .unwrap_or(0.0);
        if rest.contains("result=\"hit\"") {
            lookups.0 += value;
        } else {
            lookups.1 += value;
        }
    }
    lookups
}

/// Each authenticated route's requests/s as a share of `/healthz`'s.
fn ratios(rates: &[(&str, f64)], options: &HttpOptions) -> Report {
    let healthz = rates
        .iter()
        .find(|(scenario, _)| *scenario == "http.healthz")
        .map_or(0.0, |(_, rate)| *rate);
    let mut report = Report::new("http.ratios").param("concurrency", options.concurrency);
    for (scenario, rate) in rates
        .iter()
        .filter(|(scenario, _)| bearer_is_some(scenario))
    {
        let share = if healthz > 0.0 { rate / healthz } else { 0.0 };
        let (key, label) = if *scenario == "http.me_api_key" {
            ("me_api_key_share", "GET /v1/me, API key, of /healthz")
        } else {
            ("me_user_token_share", "GET /v1/me, user token, of /healthz")
        };
        report = report.figure(key, label, share * 100.0, "%").note(format!(
            "{label}: {:.0} % (target >= {:.0} %: {})",
            share * 100.0,
            AUTHENTICATED_SHARE_TARGET * 100.0,
            if share >= AUTHENTICATED_SHARE_TARGET {
                "met"
            } else {
                "not met"
            }
        ));
    }
    report
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

async fn measure(
    scenario: &'static str,
    url: &str,
    bearer: Option<String>,
    options: &HttpOptions,
) -> anyhow::Result<Report> {
    let warmup = Duration::from_secs(options.warmup);
    let duration = Duration::from_secs(options.duration);
    let start = Instant::now();
    let window_start = start + warmup;
    let window_end = window_start + duration;
    let mut clients = JoinSet::new();
    for _ in 0..options.concurrency {
        clients.spawn(client(
            url.to_owned(),
            bearer.clone(),
            window_start,
            window_end,
        ));
    }
    let mut latencies = new_histogram()?;
    let mut errors = 0;
    while let Some(joined) = clients.join_next().await {
        let tally = joined.context("a benchmark client panicked")??;
        latencies.add(&tally.latencies)?;
        errors += tally.errors;
    }
    let requests = latencies.len();
    Ok(Report::new(scenario)
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
    bearer: Option<String>,
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
        let mut request = http.get(&url);
        if let Some(bearer) = &bearer {
            request = request.bearer_auth(bearer);
        }
        let outcome = match request.send().await {
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
