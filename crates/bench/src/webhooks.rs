//! The `webhooks` scenarios: signed deliveries to a local receiver, through the real fan-out
//! and delivery consumers (SSRF guard, Standard Webhooks signing, attempt log in MongoDB,
//! acknowledgements and retries on RabbitMQ).
//!
//! Events are published to the events exchange the way the outbox relay publishes them (a
//! batch at a time with confirms), one tenant, one endpoint subscribed to everything. Each
//! event's `data.sent_us` is its publish time (microseconds since the bench's start), so the
//! receiver measures the **first-attempt dispatch latency**: publish to the moment the signed
//! request arrives, across the fan-out hop, the job queue and the delivery.
//!
//! 0. `webhooks.ceiling.attempt_log`: attempt records inserted straight into MongoDB in
//!    batches of the consumer's prefetch, one batch at a time: what the attempt log alone
//!    allows, since every delivery writes one.
//! 1. `webhooks.throughput`: `--events` events as fast as the publisher goes; deliveries per
//!    second until the receiver holds every one, and the attempt log is counted afterwards.
//! 2. `webhooks.latency`: a steady `--rate` for `--duration` seconds (below saturation):
//!    latency p50/p90/p99/max.
//!
//! The receiver is a minimal HTTP/1.1 keep-alive server answering 204, so the figures are the
//! platform's, not a web framework's.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use atelier_bus::{Bus, BusConfig, ConsumerHealth, OutgoingMessage};
use atelier_core::{NewEvent, TenantId};
use atelier_observability::Metrics;
use atelier_store::{MongoConfig, Store};
use atelier_webhooks::{Endpoints, NewEndpoint, WebhooksConfig};
use clap::Args;
use hdrhistogram::Histogram;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use tokio_util::sync::CancellationToken;

use crate::{Settings, report::Report, unique};

/// Options of the `webhooks` scenarios.
#[derive(Debug, Clone, Args)]
pub struct WebhookOptions {
    /// Events published flat out for the throughput scenario.
    #[arg(long = "webhook-events", default_value_t = 20_000)]
    pub events: u64,
    /// Events per second offered in the latency scenario.
    #[arg(long = "webhook-rate", default_value_t = 1_000)]
    pub rate: u64,
    /// Seconds the latency scenario runs.
    #[arg(long = "webhook-duration", default_value_t = 10)]
    pub duration: u64,
    /// Deliveries sent at once (`webhooks.delivery_concurrency`); the fan-out consumer keeps
    /// `amqp.prefetch`.
    #[arg(long = "webhook-concurrency", default_value_t = WebhooksConfig::default().delivery_concurrency)]
    pub concurrency: u16,
    /// Give up waiting for deliveries after this many seconds (the figures then say so).
    #[arg(long = "webhook-timeout", default_value_t = 60)]
    pub timeout: u64,
}

/// Events per publish batch (the relay's default).
const PUBLISH_BATCH: usize = 256;

pub async fn run(
    settings: &Settings,
    options: &WebhookOptions,
    emit: fn(&Report),
) -> anyhow::Result<()> {
    anyhow::ensure!(options.events > 0, "--webhook-events must be at least 1");
    anyhow::ensure!(options.rate > 0, "--webhook-rate must be at least 1");
    let bench = Bench::start(settings, options).await?;
    let outcome = async {
        emit(&bench.attempt_log_ceiling().await?);
        emit(&bench.throughput(options).await?);
        emit(&bench.latency(options).await?);
        anyhow::Ok(())
    }
    .await;
    bench.stop().await;
    outcome
}

/// What the receiver saw.
#[derive(Debug)]
struct Seen {
    ids: HashSet<String>,
    latency_us: Histogram<u64>,
    requests: u64,
}

impl Seen {
    fn new() -> Self {
        Self {
            ids: HashSet::new(),
            latency_us: Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid bounds"),
            requests: 0,
        }
    }
}

struct Bench {
    store: Store,
    bus: Bus,
    tenant: TenantId,
    origin: Instant,
    seen: Arc<Mutex<Seen>>,
    cancel: CancellationToken,
    consumers: Vec<tokio::task::JoinHandle<()>>,
    receiver: tokio::task::JoinHandle<()>,
    handlers: Vec<Arc<dyn atelier_bus::Handler>>,
}

impl Bench {
    async fn start(settings: &Settings, options: &WebhookOptions) -> anyhow::Result<Bench> {
        let suffix = unique();
        let store = Store::connect(&MongoConfig {
            uri: settings.mongodb_uri()?.to_owned(),
            database: format!("bench_{suffix}"),
            server_selection_timeout: Duration::from_secs(3),
            operation_timeout: Duration::from_secs(5),
            serialize_transactions: settings.serialize_transactions,
        })
        .await?;
        atelier_server::migrations::run(&store)
            .await
            .context("migrating the bench database")?;
        let bus = Bus::new(
            BusConfig {
                url: settings.amqp_url.clone(),
                prefix: format!("bench{suffix}"),
                ..BusConfig::default()
            },
            Metrics::new(),
        )?;
        bus.declare_base().await?;

        let origin = Instant::now();
        let seen = Arc::new(Mutex::new(Seen::new()));
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let receiver = tokio::spawn(receive(listener, origin, Arc::clone(&seen)));

        let config = WebhooksConfig {
            delivery_concurrency: options.concurrency,
            allow_http: true,
            allowed_hosts: vec!["127.0.0.1".to_owned()],
            ..WebhooksConfig::default()
        };
        let tenant = TenantId::generate();
        let catalog = atelier_server::modules::catalog();
        Endpoints::new(&store, catalog.clone())
            .with_config(config.clone())
            .create(
                &atelier_identity::Principal::ApiKey {
                    tenant,
                    key_id: atelier_identity::ApiKeyId::generate(),
                    scope: atelier_identity::ApiKeyScope::Full,
                },
                NewEndpoint {
                    url: format!("http://{address}/hook"),
                    description: "bench receiver".to_owned(),
                    event_types: Vec::new(),
                    rate_limit_per_second: None,
                    headers: Default::default(),
                    enabled: true,
                },
            )
            .await?;

        let handlers = atelier_webhooks::delivery::handlers(
            &store,
            &bus,
            &config,
            &catalog,
            &atelier_webhooks::metrics::WebhookMetrics::of(bus.metrics())?,
        );
        let cancel = CancellationToken::new();
        let health = ConsumerHealth::default();
        let consumers = handlers
            .iter()
            .map(|handler| {
                atelier_bus::spawn_consumer(
                    bus.clone(),
                    Arc::clone(handler),
                    health.clone(),
                    cancel.clone(),
                )
            })
            .collect();
        let bench = Bench {
            store,
            bus,
            tenant,
            origin,
            seen,
            cancel,
            consumers,
            receiver,
            handlers,
        };
        let started = Instant::now();
        while !health.all_alive() {
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(20),
                "the webhook consumers did not subscribe within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(bench)
    }

    /// Publishes `count` events in confirmed batches, each stamped with its publish time.
    async fn publish(&self, publisher: &atelier_bus::Publisher, count: u64) -> anyhow::Result<()> {
        let exchange = self.bus.events_exchange();
        let mut left = count;
        while left > 0 {
            let batch = left.min(PUBLISH_BATCH as u64);
            let now_us = micros(self.origin.elapsed());
            let messages = (0..batch)
                .map(|_| event_message(self.tenant, now_us))
                .collect::<anyhow::Result<Vec<_>>>()?;
            publisher.publish_batch(&exchange, messages).await?;
            left -= batch;
        }
        Ok(())
    }

    fn reset(&self) {
        *self.seen.lock().expect("seen lock") = Seen::new();
    }

    /// Waits until the receiver holds `count` distinct events or the timeout passes; returns
    /// the time of the last arrival check and whether all arrived.
    async fn wait_for(&self, count: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let have = self.seen.lock().expect("seen lock").ids.len() as u64;
            if have >= count {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn attempt_log_ceiling(&self) -> anyhow::Result<Report> {
        const RECORDS: usize = 10_000;
        const BATCH: usize = 32;
        let collection = self
            .store
            .database()
            .collection::<atelier_webhooks::attempts::AttemptRecord>("bench_attempt_ceiling");
        let record = || atelier_webhooks::attempts::AttemptRecord {
            id: atelier_webhooks::attempts::AttemptId::generate(),
            tenant: self.tenant,
            endpoint_id: atelier_webhooks::EndpointId::generate(),
            event_id: atelier_core::EventId::generate(),
            event_type: "identity.user.created".to_owned(),
            attempt: 1,
            at_ms: chrono::Utc::now().timestamp_millis(),
            status: atelier_webhooks::attempts::AttemptStatus::Succeeded,
            response_status: Some(204),
            latency_ms: Some(1),
            response_body: Some(String::new()),
            error: None,
        };
        let started = Instant::now();
        for _ in 0..RECORDS / BATCH {
            let batch: Vec<_> = (0..BATCH).map(|_| record()).collect();
            collection.insert_many(&batch).ordered(false).await?;
        }
        let elapsed = started.elapsed();
        collection.drop().await?;
        Ok(Report::new("webhooks.ceiling.attempt_log")
            .param("records", RECORDS as u64)
            .param("batch", BATCH as u64)
            .figure(
                "records_per_s",
                "attempt records/s",
                (RECORDS / BATCH * BATCH) as f64 / elapsed.as_secs_f64(),
                "/s",
            )
            .note("one insert_many at a time; an upper bound for deliveries/s on this database"))
    }

    async fn throughput(&self, options: &WebhookOptions) -> anyhow::Result<Report> {
        self.reset();
        let publisher = self.bus.publisher().await?;
        let cpu_before = process_cpu_seconds();
        let started = Instant::now();
        self.publish(&publisher, options.events).await?;
        let published = started.elapsed();
        let complete = self
            .wait_for(options.events, Duration::from_secs(options.timeout))
            .await;
        let elapsed = started.elapsed();
        let cpu = process_cpu_seconds()
            .zip(cpu_before)
            .map(|(after, before)| after - before);
        let (delivered, requests, latency) = self.snapshot();
        // The receiver counts a request before the consumer stores its attempt: give the last
        // group commits a moment.
        let mut attempts = self.attempts_logged().await?;
        let settle = Instant::now();
        while attempts < options.events && settle.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            attempts = self.attempts_logged().await?;
        }
        let mut report = Report::new("webhooks.throughput")
            .param("events", options.events)
            .param("concurrency", options.concurrency)
            .figure(
                "deliveries_per_s",
                "signed deliveries/s",
                delivered as f64 / elapsed.as_secs_f64(),
                "/s",
            )
            .figure("delivered", "events delivered", delivered as f64, "")
            .figure("requests", "requests received", requests as f64, "")
            .figure(
                "attempts_logged",
                "attempts in the log",
                attempts as f64,
                "",
            )
            .figure("publish_s", "publishing took", published.as_secs_f64(), "s")
            .figure(
                "elapsed_s",
                "until the last delivery",
                elapsed.as_secs_f64(),
                "s",
            )
            .figure(
                "p50_ms",
                "latency p50 (queued)",
                ms(latency.value_at_quantile(0.5)),
                "ms",
            )
            .figure(
                "p99_ms",
                "latency p99 (queued)",
                ms(latency.value_at_quantile(0.99)),
                "ms",
            )
            .note(
                "flat out, so latency here is mostly queueing behind the backlog; see \
                 webhooks.latency for dispatch latency below saturation",
            );
        if let Some(cpu) = cpu {
            report = report
                .figure(
                    "cpu_ms_per_1000",
                    "bench process CPU per 1000",
                    cpu * 1000.0 / (delivered.max(1) as f64) * 1000.0,
                    "ms",
                )
                .note(
                    "CPU is this process's (consumers, signing, HTTP client, receiver and \
                     publisher), not MongoDB's or RabbitMQ's; it does not depend on what else \
                     the machine runs",
                );
        }
        if !complete {
            report = report.note(format!(
                "timed out after {} s before every event arrived",
                options.timeout
            ));
        }
        Ok(report)
    }

    async fn latency(&self, options: &WebhookOptions) -> anyhow::Result<Report> {
        self.reset();
        let publisher = self.bus.publisher().await?;
        // Small batches on a fixed tick, so the offered load is steady.
        let tick = Duration::from_millis(10);
        let per_tick = (options.rate as f64 * tick.as_secs_f64()).max(1.0);
        let ticks = options.duration * 1000 / 10;
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut sent = 0_u64;
        let mut owed = 0.0_f64;
        let started = Instant::now();
        for _ in 0..ticks {
            interval.tick().await;
            owed += per_tick;
            let now = owed.floor() as u64;
            owed -= now as f64;
            self.publish(&publisher, now).await?;
            sent += now;
        }
        let complete = self
            .wait_for(sent, Duration::from_secs(options.timeout))
            .await;
        let offered = sent as f64 / started.elapsed().as_secs_f64().max(1e-9);
        let (delivered, _, latency) = self.snapshot();
        let mut report = Report::new("webhooks.latency")
            .param("rate", options.rate)
            .param("duration_s", options.duration)
            .param("concurrency", options.concurrency)
            .figure("offered_per_s", "offered", offered, "/s")
            .figure("delivered", "events delivered", delivered as f64, "")
            .figure(
                "p50_ms",
                "dispatch p50",
                ms(latency.value_at_quantile(0.5)),
                "ms",
            )
            .figure(
                "p90_ms",
                "dispatch p90",
                ms(latency.value_at_quantile(0.9)),
                "ms",
            )
            .figure(
                "p99_ms",
                "dispatch p99",
                ms(latency.value_at_quantile(0.99)),
                "ms",
            )
            .figure("max_ms", "dispatch max", ms(latency.max()), "ms")
            .note("publish (as the relay does) to the signed request's arrival at the receiver");
        if !complete {
            report = report.note(format!(
                "timed out after {} s before every event arrived",
                options.timeout
            ));
        }
        Ok(report)
    }

    fn snapshot(&self) -> (u64, u64, Histogram<u64>) {
        let seen = self.seen.lock().expect("seen lock");
        (
            seen.ids.len() as u64,
            seen.requests,
            seen.latency_us.clone(),
        )
    }

    async fn attempts_logged(&self) -> anyhow::Result<u64> {
        Ok(self
            .store
            .database()
            .collection::<mongodb::bson::Document>(atelier_webhooks::attempts::ATTEMPTS_COLLECTION)
            .count_documents(mongodb::bson::doc! {})
            .await?)
    }

    async fn stop(self) {
        self.cancel.cancel();
        for consumer in self.consumers {
            if let Err(error) = consumer.await {
                eprintln!("bench: a webhook consumer task failed: {error}");
            }
        }
        self.receiver.abort();
        for handler in &self.handlers {
            if let Err(error) = self.bus.delete_consumer_topology(&handler.spec()).await {
                eprintln!("bench: deleting consumer topology failed: {error}");
            }
        }
        if let Err(error) = self.bus.delete_base().await {
            eprintln!("bench: deleting exchanges failed: {error}");
        }
        if let Err(error) = self.store.drop_database().await {
            eprintln!("bench: dropping the bench database failed: {error}");
        }
    }
}

/// One `bench.webhook` event as the relay would publish it.
fn event_message(tenant: TenantId, sent_us: u64) -> anyhow::Result<(String, OutgoingMessage)> {
    let envelope = NewEvent::new(
        "identity.user.created",
        "user",
        "usr_bench",
        serde_json::json!({ "sent_us": sent_us, "padding": "x".repeat(200) }),
    )
    .into_envelope(tenant, chrono::Utc::now());
    Ok((
        envelope.event_type.clone(),
        OutgoingMessage {
            message_id: envelope.id.to_string(),
            body: serde_json::to_vec(&envelope)?,
            content_type: "application/json".to_owned(),
            headers: vec![("tenant".to_owned(), tenant.to_string())],
            timestamp: Some(envelope.occurred_at),
        },
    ))
}

/// Accepts connections and serves each with keep-alive until it closes.
async fn receive(listener: TcpListener, origin: Instant, seen: Arc<Mutex<Seen>>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(serve(stream, origin, Arc::clone(&seen)));
    }
}

/// Reads requests (headers, then `content-length` bytes) and answers 204 to each.
async fn serve(mut stream: TcpStream, origin: Instant, seen: Arc<Mutex<Seen>>) {
    let mut buffer: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = [0_u8; 8192];
    loop {
        let (header_end, length) = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|value| value.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (end + 4, length);
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        };
        while buffer.len() < header_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        }
        let arrived_us = micros(origin.elapsed());
        record(&seen, &buffer[header_end..header_end + length], arrived_us);
        buffer.drain(..header_end + length);
        if stream
            .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
    }
}

fn record(seen: &Mutex<Seen>, body: &[u8], arrived_us: u64) {
    let Ok(envelope) = serde_json::from_slice::<serde_json::Value>(body) else {
        eprintln!("bench receiver: a body that is not JSON");
        return;
    };
    let mut seen = seen.lock().expect("seen lock");
    seen.requests += 1;
    let Some(id) = envelope["id"].as_str() else {
        return;
    };
    if seen.ids.insert(id.to_owned())
        && let Some(sent_us) = envelope["data"]["sent_us"].as_u64()
    {
        let latency = arrived_us.saturating_sub(sent_us).max(1);
        if let Err(error) = seen.latency_us.record(latency) {
            eprintln!("bench receiver: latency {latency} µs out of range: {error}");
        }
    }
}

/// User plus system CPU time of this process so far, from `/proc/self/stat` (Linux; fields 14
/// and 15, in clock ticks of 100 Hz, the kernel's `USER_HZ` on every mainstream build).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is parenthesised and may contain spaces: split after it.
    let rest = stat.rsplit_once(") ")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3, so fields 14 and 15 are at indexes 11 and 12.
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}
