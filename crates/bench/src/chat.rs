//! The `chat` scenario: message sends over HTTP to one channel.
//!
//! The real server runs in-process (roles `api` and `relay`, so the outbox is drained as in
//! production) in its own database. Setup goes through the API: an organisation and API key,
//! one user per client, a workspace, one public channel with every user in it, and a token
//! per user. Then C clients, each its own user on its own keep-alive connection, send
//! `POST /v1/channels/{id}/messages` back to back for a warm-up and the measured window. Every
//! send is a MongoDB transaction that increments the channel document's counters, so the
//! sends of one channel serialize there: this measures that bottleneck.

use std::time::{Duration, Instant};

use anyhow::Context;
use atelier_server::{Roles, Server};
use atelier_store::Store;
use clap::Args;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::{net::TcpListener, task::JoinSet};
use tokio_util::sync::CancellationToken;

use crate::{
    Settings,
    http::{new_histogram, server_config, wait_until_serving},
    report::Report,
};

/// Options of the `chat` scenario.
#[derive(Debug, Clone, Args)]
pub struct ChatOptions {
    /// Concurrent senders (one user each) in one channel.
    #[arg(long = "chat-concurrency", default_value_t = 16)]
    pub concurrency: usize,
    /// Measured seconds (after the warm-up).
    #[arg(long = "chat-duration", default_value_t = 10)]
    pub duration: u64,
    /// Warm-up seconds (sends made, not counted).
    #[arg(long = "chat-warmup", default_value_t = 2)]
    pub warmup: u64,
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(settings: &Settings, options: &ChatOptions) -> anyhow::Result<Report> {
    anyhow::ensure!(
        options.concurrency > 0,
        "--chat-concurrency must be at least 1"
    );
    anyhow::ensure!(options.duration > 0, "--chat-duration must be at least 1");
    let mut config = server_config(settings)?;
    config.roles = Roles {
        api: true,
        relay: true,
        consumers: false,
    };
    config.migrate_on_start = true;
    let store = Store::connect(&config.mongodb).await?;
    let identity = atelier_identity::Identity::new(&store, config.identity.clone());

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let shutdown = CancellationToken::new();
    let cleanup_config = config.clone();
    let server = tokio::spawn(Server::new(config).run(listener, shutdown.clone()));

    let measured = async {
        wait_until_serving(&format!("{base}/healthz")).await?;
        let (channel, tokens) = setup(&base, &identity, options.concurrency).await?;
        measure(&base, &channel, tokens, options).await
    }
    .await;

    shutdown.cancel();
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => eprintln!("chat: the server stopped with an error: {error:#}"),
        Err(error) => eprintln!("chat: the server task failed: {error}"),
    }
    crate::cleanup::platform("chat", &cleanup_config).await;
    measured
}

/// A channel with `users` members, and each member's access token.
async fn setup(
    base: &str,
    identity: &atelier_identity::Identity,
    users: usize,
) -> anyhow::Result<(String, Vec<String>)> {
    let tenant = identity
        .tenancy
        .create_tenant(&format!("bench-{}", crate::unique()))
        .await?;
    let key = identity
        .api_keys
        .bootstrap(tenant.id, "bench", atelier_identity::ApiKeyScope::Full)
        .await?
        .secret
        .ok_or_else(|| anyhow::anyhow!("a new API key has its secret"))?;
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let request = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(&key);
        async move {
            let request = match body {
                Some(body) => request.json(&body),
                None => request,
            };
            let response = request.send().await?;
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            anyhow::ensure!(status.is_success(), "{path}: {status} {body}");
            Ok::<Value, anyhow::Error>(body)
        }
    };
    let mut ids = Vec::with_capacity(users);
    for index in 0..users {
        let user = call(
            reqwest::Method::POST,
            "/v1/users".into(),
            Some(json!({ "display_name": format!("Sender {index}") })),
        )
        .await?;
        ids.push(user["id"].as_str().context("user id")?.to_owned());
    }
    let workspace = call(
        reqwest::Method::POST,
        "/v1/workspaces".into(),
        Some(json!({ "name": "Bench", "owner_id": ids[0] })),
    )
    .await?;
    let workspace = workspace["id"].as_str().context("workspace id")?.to_owned();
    for id in ids.iter().skip(1) {
        call(
            reqwest::Method::PUT,
            format!("/v1/workspaces/{workspace}/members/{id}"),
            Some(json!({ "role": "member" })),
        )
        .await?;
    }
    let channel = call(
        reqwest::Method::POST,
        format!("/v1/workspaces/{workspace}/channels"),
        Some(json!({
            "kind": "public",
            "name": "bench",
            "creator_id": ids[0],
            "member_ids": ids,
        })),
    )
    .await?;
    let channel = channel["id"].as_str().context("channel id")?.to_owned();
    let mut tokens = Vec::with_capacity(users);
    for id in &ids {
        let minted = call(
            reqwest::Method::POST,
            format!("/v1/users/{id}/tokens"),
            None,
        )
        .await?;
        tokens.push(
            minted["access_token"]
                .as_str()
                .context("access token")?
                .to_owned(),
        );
    }
    Ok((channel, tokens))
}

struct SenderTally {
    latencies: Histogram<u64>,
    errors: u64,
}

async fn measure(
    base: &str,
    channel: &str,
    tokens: Vec<String>,
    options: &ChatOptions,
) -> anyhow::Result<Report> {
    let url = format!("{base}/v1/channels/{channel}/messages");
    let duration = Duration::from_secs(options.duration);
    let window_start = Instant::now() + Duration::from_secs(options.warmup);
    let window_end = window_start + duration;
    let mut senders = JoinSet::new();
    for token in tokens {
        senders.spawn(sender(url.clone(), token, window_start, window_end));
    }
    let mut latencies = new_histogram()?;
    let mut errors = 0;
    while let Some(joined) = senders.join_next().await {
        let tally = joined.context("a benchmark sender panicked")??;
        latencies.add(&tally.latencies)?;
        errors += tally.errors;
    }
    let sent = latencies.len();
    Ok(Report::new("chat.send")
        .param("concurrency", options.concurrency)
        .param("duration_s", options.duration)
        .param("warmup_s", options.warmup)
        .figure(
            "messages_per_s",
            "messages/s",
            sent as f64 / duration.as_secs_f64(),
            "msg/s",
        )
        .figure("messages", "messages", sent as f64, "")
        .latency_figures(&latencies)
        .figure("errors", "errors", errors as f64, "")
        .note("one channel: every send serializes on the channel document's counters")
        .note("senders, server, relay and database share the cores"))
}

async fn sender(
    url: String,
    token: String,
    window_start: Instant,
    window_end: Instant,
) -> anyhow::Result<SenderTally> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let mut tally = SenderTally {
        latencies: new_histogram()?,
        errors: 0,
    };
    let mut count = 0_u64;
    loop {
        let sent = Instant::now();
        if sent >= window_end {
            break;
        }
        count += 1;
        let outcome = match http
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({ "text": format!("message {count} of a bench sender") }))
            .send()
            .await
        {
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
                    eprintln!("chat: first error of a sender: {error}");
                }
                tally.errors += 1;
            }
        }
    }
    Ok(tally)
}
