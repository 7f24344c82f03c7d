//! Delivery: from a published event to signed HTTP requests, with retries and an attempt log.
//!
//! Two consumers:
//! - [`FanoutHandler`] (`webhook_fanout`, bound to `#` on the events exchange) turns each event
//!   into one [`DeliveryJobV1`] per endpoint of the tenant that wants its type and puts them
//!   on the delivery consumer's work queue (confirmed, mandatory), then acknowledges.
//! - [`DeliveryHandler`] (`webhook_delivery`, no bindings) sends one job: resolve the URL
//!   through the SSRF guard, POST the envelope signed per Standard Webhooks, record the
//!   attempt, and answer the bus. Its retry tiers are `webhooks.retry_schedule`; after the last
//!   one the bus dead-letters the job (`exhausted`). Just before, in one transaction, the
//!   handler stores that last attempt, marks the job exhausted (`webhook_exhaustions`, keyed by
//!   the job's message id) and appends `webhook.attempt.exhausted` to the outbox; a job found
//!   already marked (redelivered after a crash) emits nothing, and a failed transaction hands
//!   the job back at the same attempt. A job's first failed attempt clears an old mark, so a
//!   resend or replay that exhausts again is announced again.
//!
//! The decisions are sans IO and table-tested: [`classify`] maps an HTTP answer to a
//! [`Verdict`], [`retry_outcome`] a failed verdict to the bus [`Outcome`] (with jitter),
//! [`should_disable`] says when an endpoint has failed for too long.
//!
//! Loop guard: delivery failures never emit per-attempt events; only
//! `webhook.attempt.exhausted` and `webhook.endpoint.disabled`, which are deliverable like any
//! event, except that an exhaustion is never delivered to the endpoint it is about (a dead
//! endpoint subscribed to everything would otherwise feed itself one event per exhaustion).

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use atelier_bus::{
    Bus, BusError, ConsumerSpec, Delivery, Handler, Outcome, OutgoingMessage, Publisher,
    RetryPolicy,
};
use atelier_core::{EventEnvelope, NewEvent, TenantId};
use atelier_identity::{Principal, tenancy::Tenancy};
use atelier_outbox::{UnitOfWork, catalog::Catalog};
use atelier_store::{StorageError, Store, faults};
use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::metrics::WebhookMetrics;

use crate::{
    EndpointId, EndpointRecord, WebhookError, WebhooksConfig,
    attempts::{AttemptId, AttemptRecord, AttemptStatus, Attempts, MAX_RESPONSE_BODY_BYTES},
    cache::EndpointCache,
    endpoints::Endpoints,
    signing,
    ssrf::{self, UrlError},
    throttle::{Admission, Throttle},
};

pub const FANOUT_CONSUMER: &str = "webhook_fanout";
pub const DELIVERY_CONSUMER: &str = "webhook_delivery";
pub const USER_AGENT: &str = "Atelier-Webhooks/1";
/// Emitted when a message has used every attempt to an endpoint.
pub const EXHAUSTED_EVENT: &str = "webhook.attempt.exhausted";
/// Emitted when the platform disables an endpoint (`gone` or `failing`).
pub const DISABLED_EVENT: &str = "webhook.endpoint.disabled";
/// Version of the [`DeliveryJobV1`] layout.
pub const JOB_VERSION: u32 = 1;
/// Share of a computed delay added or removed at random, so retries of many messages to one
/// endpoint spread out.
const JITTER: f64 = 0.1;
/// The delay tier a throttled delivery is deferred to when the retry schedule has none as
/// short (see [`delivery_spec`]).
pub const THROTTLE_TIER: Duration = Duration::from_secs(1);
/// HTTP clients kept (one per destination host and pinned addresses) before the cache starts
/// over.
const MAX_CACHED_CLIENTS: usize = 1024;

/// A delivery job on the `webhook_delivery` queue: one event for one endpoint. A queue
/// payload, so versioned and only ever extended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryJobV1 {
    /// Always [`JOB_VERSION`].
    pub job_version: u32,
    pub endpoint_id: EndpointId,
    pub tenant: TenantId,
    pub event: EventEnvelope,
}

impl DeliveryJobV1 {
    pub fn new(endpoint_id: EndpointId, event: EventEnvelope) -> Self {
        Self {
            job_version: JOB_VERSION,
            endpoint_id,
            tenant: event.tenant,
            event,
        }
    }

    /// `<event id>:<endpoint id>`: the same for every enqueue of this pair.
    pub fn message_id(&self) -> String {
        format!("{}:{}", self.event.id, self.endpoint_id)
    }

    pub fn decode(body: &[u8]) -> Result<Self, String> {
        let job: Self = serde_json::from_slice(body).map_err(|error| error.to_string())?;
        if job.job_version != JOB_VERSION {
            return Err(format!("unknown job_version {}", job.job_version));
        }
        if job.tenant != job.event.tenant {
            return Err("job tenant differs from the event's".to_owned());
        }
        Ok(job)
    }

    fn to_message(&self) -> Result<OutgoingMessage, serde_json::Error> {
        Ok(OutgoingMessage {
            message_id: self.message_id(),
            body: serde_json::to_vec(self)?,
            content_type: "application/json".to_owned(),
            headers: vec![("tenant".to_owned(), self.tenant.to_string())],
            timestamp: Some(Utc::now()),
        })
    }
}

/// The fan-out consumer's spec.
pub fn fanout_spec() -> ConsumerSpec {
    ConsumerSpec {
        name: FANOUT_CONSUMER.to_owned(),
        bindings: vec!["#".to_owned()],
        retry: RetryPolicy::default(),
    }
}

/// The delivery consumer's spec: one tier per scheduled retry, `schedule + 1` attempts, and
/// a [`THROTTLE_TIER`] after the schedule's tiers when none is that short, for throttled
/// deliveries and short `Retry-After`s.
///
/// The bus takes the tier of a plain retry at attempt `n` from `tiers[n - 1]`, and attempt
/// `schedule + 1` is the last, so the extra tier at the end never changes the schedule; it is
/// only chosen by delay (`Defer` and `RetryAfter`), as the smallest tier at least the delay.
pub fn delivery_spec(config: &WebhooksConfig) -> ConsumerSpec {
    let (mut tiers, max_attempts) = if config.retry_schedule.is_empty() {
        // No retries: one attempt. The bus still wants a tier to declare.
        (Vec::new(), 1)
    } else {
        (
            config.retry_schedule.clone(),
            u32::try_from(config.retry_schedule.len())
                .unwrap_or(u32::MAX - 1)
                .saturating_add(1),
        )
    };
    if !tiers.iter().any(|tier| *tier <= THROTTLE_TIER) {
        tiers.push(THROTTLE_TIER);
    }
    ConsumerSpec {
        name: DELIVERY_CONSUMER.to_owned(),
        bindings: Vec::new(),
        retry: RetryPolicy {
            tiers,
            max_attempts,
        },
    }
}

/// Both webhook consumers, sharing one job queue.
pub fn handlers(
    store: &Store,
    bus: &Bus,
    config: &WebhooksConfig,
    catalog: &Catalog,
    metrics: &WebhookMetrics,
) -> Vec<Arc<dyn Handler>> {
    let endpoints = Endpoints::new(store, catalog.clone()).with_config(config.clone());
    let cache = Arc::new(EndpointCache::new(config.endpoint_cache_ttl));
    vec![
        Arc::new(FanoutHandler {
            endpoints: endpoints.clone(),
            cache: Arc::clone(&cache),
            queue: JobQueue::new(bus.clone()),
            concurrency: config.delivery_concurrency,
        }),
        Arc::new(DeliveryHandler {
            endpoints,
            cache,
            attempts: Attempts::new(store),
            unit: UnitOfWork::new(store),
            exhaustions: store.database().collection(EXHAUSTIONS_COLLECTION),
            config: config.clone(),
            metrics: metrics.clone(),
            throttle: Throttle::default(),
            clients: Mutex::default(),
        }),
    ]
}

/// Puts delivery jobs on the `webhook_delivery` work queue over one confirm-mode channel,
/// reopened after a failure. Cheap to clone (clones share the channel).
#[derive(Clone)]
pub struct JobQueue {
    bus: Bus,
    publisher: Arc<tokio::sync::Mutex<Option<Publisher>>>,
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobQueue").finish_non_exhaustive()
    }
}

impl JobQueue {
    pub fn new(bus: Bus) -> Self {
        Self {
            bus,
            publisher: Arc::default(),
        }
    }

    /// Publishes one job and waits for the broker's confirm. A fresh job starts at attempt 1.
    /// Concurrent calls share the channel and wait for their confirms in parallel.
    pub async fn enqueue(&self, job: &DeliveryJobV1) -> Result<(), BusError> {
        let message = job
            .to_message()
            .map_err(|error| BusError::InvalidSpec(format!("encoding a delivery job: {error}")))?;
        let publisher = {
            let mut slot = self.publisher.lock().await;
            match slot.as_ref() {
                Some(publisher) => publisher.clone(),
                None => {
                    let publisher = self.bus.publisher().await?;
                    *slot = Some(publisher.clone());
                    publisher
                }
            }
        };
        let published = publisher
            .publish_to_queue(&self.bus.work_queue(DELIVERY_CONSUMER), message)
            .await;
        if published.is_err() {
            // The channel may be closed (broker restart); open a new one next time.
            *self.publisher.lock().await = None;
        }
        published
    }
}

/// Sending messages again on request: one message to one endpoint (resend), or every message
/// whose last attempt to an endpoint failed in a time range (recover). Jobs start over at
/// attempt 1. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Redelivery {
    store: Store,
    events: mongodb::Collection<atelier_outbox::StoredEvent>,
    endpoints: Endpoints,
    attempts: Attempts,
    queue: JobQueue,
}

impl Redelivery {
    pub fn new(store: &Store, bus: &Bus, catalog: &Catalog) -> Self {
        Self {
            store: store.clone(),
            events: store
                .database()
                .collection(atelier_outbox::store::OUTBOX_COLLECTION),
            endpoints: Endpoints::new(store, catalog.clone()),
            attempts: Attempts::new(store),
            queue: JobQueue::new(bus.clone()),
        }
    }

    /// A tenant's event as stored in the outbox (kept for `outbox.retention`), for readers of
    /// the tenant.
    pub async fn event(
        &self,
        principal: &Principal,
        event_id: atelier_core::EventId,
    ) -> Result<EventEnvelope, WebhookError> {
        let tenant = Tenancy::readable_tenant(principal)?;
        self.stored_event(tenant, event_id).await
    }

    async fn stored_event(
        &self,
        tenant: TenantId,
        event_id: atelier_core::EventId,
    ) -> Result<EventEnvelope, WebhookError> {
        // Waits for a transaction in flight on servers without isolation (README).
        let _gate = self.store.transaction_gate().await;
        let stored = self
            .events
            .find_one(
                mongodb::bson::doc! { "_id": event_id.to_string(), "tenant": tenant.to_string() },
            )
            .await?
            .ok_or(WebhookError::NotFound("event"))?;
        Ok(stored.to_envelope()?)
    }

    /// Enqueues `event_id` for `endpoint_id` again (tenant administrators). `NotFound` when
    /// either is unknown to the tenant.
    pub async fn resend(
        &self,
        principal: &Principal,
        endpoint_id: EndpointId,
        event_id: atelier_core::EventId,
    ) -> Result<(), WebhookError> {
        let tenant = Tenancy::administered_tenant(principal)?;
        let endpoint = self.endpoints.find(tenant, endpoint_id).await?;
        let event = self.stored_event(tenant, event_id).await?;
        self.queue
            .enqueue(&DeliveryJobV1::new(endpoint.id, event))
            .await?;
        Ok(())
    }

    /// Enqueues again every event whose latest attempt to the endpoint failed within
    /// `[since_ms, until_ms)`; events no longer in the outbox are skipped. Returns how many
    /// were enqueued. Tenant administrators.
    pub async fn recover(
        &self,
        principal: &Principal,
        endpoint_id: EndpointId,
        since_ms: i64,
        until_ms: i64,
    ) -> Result<u32, WebhookError> {
        let tenant = Tenancy::administered_tenant(principal)?;
        let endpoint = self.endpoints.find(tenant, endpoint_id).await?;
        let failed = self
            .attempts
            .failed_events(tenant, endpoint.id, since_ms, until_ms)
            .await?;
        let mut enqueued = 0_u32;
        for event_id in failed {
            let event = match self.stored_event(tenant, event_id).await {
                Ok(event) => event,
                Err(WebhookError::NotFound(_)) => {
                    tracing::debug!(%event_id, "not recovered: past the outbox retention");
                    continue;
                }
                Err(error) => return Err(error),
            };
            self.queue
                .enqueue(&DeliveryJobV1::new(endpoint.id, event))
                .await?;
            enqueued = enqueued.saturating_add(1);
        }
        Ok(enqueued)
    }
}

/// The fan-out consumer (see the module docs).
pub struct FanoutHandler {
    endpoints: Endpoints,
    cache: Arc<EndpointCache>,
    queue: JobQueue,
    concurrency: u16,
}

impl FanoutHandler {
    /// The tenant's endpoints, from the cache while fresh.
    async fn endpoints(&self, tenant: TenantId) -> Result<Arc<Vec<EndpointRecord>>, WebhookError> {
        if let Some(list) = self.cache.lists.get(&tenant, Instant::now()) {
            return Ok(list);
        }
        let list = Arc::new(self.endpoints.all(tenant).await?);
        self.cache
            .lists
            .insert(tenant, Arc::clone(&list), Instant::now());
        Ok(list)
    }
}

#[async_trait::async_trait]
impl Handler for FanoutHandler {
    fn spec(&self) -> ConsumerSpec {
        fanout_spec()
    }

    /// Fan-out mostly waits for the broker's confirms of the jobs it enqueues (a quorum queue
    /// confirms after its log is synced), so it runs as many at once as delivery does.
    fn prefetch(&self) -> Option<u16> {
        Some(self.concurrency)
    }

    async fn handle(&self, delivery: &Delivery) -> Outcome {
        let event: EventEnvelope = match serde_json::from_slice(&delivery.body) {
            Ok(event) => event,
            Err(error) => {
                return Outcome::Reject {
                    reason: format!("not an event envelope: {error}"),
                };
            }
        };
        let endpoints = match self.endpoints(event.tenant).await {
            Ok(endpoints) => endpoints,
            Err(error) => {
                return Outcome::Retry {
                    reason: format!("listing endpoints: {error}"),
                };
            }
        };
        for endpoint in endpoints
            .iter()
            .filter(|endpoint| fans_out_to(&event, endpoint))
        {
            let job = DeliveryJobV1::new(endpoint.id, event.clone());
            if let Err(error) = self.queue.enqueue(&job).await {
                // Jobs already enqueued go again on the retry; receivers de-duplicate on
                // `webhook-id`.
                return Outcome::Retry {
                    reason: format!("enqueueing a delivery job: {error}"),
                };
            }
        }
        Outcome::Ack
    }
}

/// Whether `event` goes to `endpoint`: it wants the type, and the event is not an exhaustion
/// of this very endpoint.
pub fn fans_out_to(event: &EventEnvelope, endpoint: &EndpointRecord) -> bool {
    if !endpoint.wants(&event.event_type) {
        return false;
    }
    let about_itself = event.event_type == EXHAUSTED_EVENT
        && event.data["endpoint_id"].as_str() == Some(endpoint.id.to_string().as_str());
    !about_itself
}

/// What an HTTP answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx.
    Delivered,
    /// 410: the receiver asks never to be called again.
    Gone,
    /// 429, 502, 503, 504: back off, for `Retry-After` when given.
    Throttled { retry_after: Option<Duration> },
    /// Anything else.
    Failed,
}

/// Classifies an answer; `retry_after` is the raw header (seconds or an HTTP date).
pub fn classify(status: u16, retry_after: Option<&str>, now: DateTime<Utc>) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        410 => Verdict::Gone,
        429 | 502 | 503 | 504 => Verdict::Throttled {
            retry_after: retry_after.and_then(|value| parse_retry_after(value, now)),
        },
        _ => Verdict::Failed,
    }
}

/// `Retry-After` as delay-seconds or an HTTP date (a past date is zero).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// The bus outcome of a failed (non-delivered, non-gone) attempt.
///
/// `Throttled` becomes `RetryAfter`: the receiver's `Retry-After` clamped to
/// `max_retry_after` and only ever lengthened by jitter (never earlier than asked), or the
/// schedule's delay for this attempt ± jitter. `Failed` becomes `Retry` (the bus takes the
/// schedule's tier). `jitter` is drawn from `[-1, 1]`; the bus then rounds the delay up to a
/// tier.
pub fn retry_outcome(
    verdict: &Verdict,
    attempt: u32,
    config: &WebhooksConfig,
    jitter: f64,
    reason: String,
) -> Outcome {
    let jitter = jitter.clamp(-1.0, 1.0) * JITTER;
    match verdict {
        Verdict::Throttled {
            retry_after: Some(asked),
        } => Outcome::RetryAfter {
            delay: (*asked)
                .min(config.max_retry_after)
                .mul_f64(1.0 + jitter.abs()),
            reason,
        },
        Verdict::Throttled { retry_after: None } => {
            let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
            let scheduled = config
                .retry_schedule
                .get(index)
                .or_else(|| config.retry_schedule.last())
                .copied()
                .unwrap_or(Duration::from_secs(1));
            Outcome::RetryAfter {
                delay: scheduled.mul_f64(1.0 + jitter),
                reason,
            }
        }
        Verdict::Delivered | Verdict::Gone | Verdict::Failed => Outcome::Retry { reason },
    }
}

/// Whether an endpoint failing since `failing_since_ms` (its first failure of the current
/// run; `None` when this is the first) has failed for `disable_after` or longer.
pub fn should_disable(failing_since_ms: Option<i64>, now_ms: i64, disable_after: Duration) -> bool {
    let since = failing_since_ms.unwrap_or(now_ms);
    let limit = i64::try_from(disable_after.as_millis()).unwrap_or(i64::MAX);
    now_ms.saturating_sub(since) >= limit
}

/// The delivery consumer (see the module docs).
pub struct DeliveryHandler {
    endpoints: Endpoints,
    cache: Arc<EndpointCache>,
    attempts: Attempts,
    unit: UnitOfWork,
    exhaustions: mongodb::Collection<Document>,
    config: WebhooksConfig,
    metrics: WebhookMetrics,
    throttle: Throttle,
    /// One client per destination (host and pinned addresses), so deliveries to the same
    /// receiver reuse its keep-alive connections.
    clients: Mutex<HashMap<ClientKey, reqwest::Client>>,
}

/// What a delivery client is specific to: the URL's domain (`None` for an IP literal) and the
/// addresses it was pinned to.
type ClientKey = (Option<String>, Vec<SocketAddr>);

/// What one HTTP attempt produced.
enum Sent {
    Answer {
        status: u16,
        retry_after: Option<String>,
        body: String,
        latency_ms: i64,
    },
    /// Not sendable now, maybe later (DNS, connection, timeout).
    Failed {
        error: String,
        latency_ms: Option<i64>,
    },
    /// Never sendable as configured (refused address, bad URL or secret).
    Refused { error: String },
}

#[async_trait::async_trait]
impl Handler for DeliveryHandler {
    fn spec(&self) -> ConsumerSpec {
        delivery_spec(&self.config)
    }

    fn prefetch(&self) -> Option<u16> {
        Some(self.config.delivery_concurrency)
    }

    async fn handle(&self, delivery: &Delivery) -> Outcome {
        let job = match DeliveryJobV1::decode(&delivery.body) {
            Ok(job) => job,
            Err(error) => {
                return Outcome::Reject {
                    reason: format!("undecodable delivery job: {error}"),
                };
            }
        };
        let endpoint = match self.endpoint(job.tenant, job.endpoint_id).await {
            Ok(endpoint) => endpoint,
            Err(WebhookError::NotFound(_)) => {
                self.record_skipped(&job, delivery.attempt, "endpoint deleted")
                    .await;
                return Outcome::Ack;
            }
            Err(error) => {
                return Outcome::Retry {
                    reason: format!("loading the endpoint: {error}"),
                };
            }
        };
        if !endpoint.enabled {
            self.record_skipped(&job, delivery.attempt, "endpoint disabled")
                .await;
            return Outcome::Ack;
        }
        if let Some(per_second) = endpoint.rate_limit_per_second {
            let now = self.throttle.elapsed(Instant::now());
            match self
                .throttle
                .admit(endpoint.id, per_second, now, self.config.throttle_max_wait)
            {
                Admission::Now => {}
                Admission::Wait(wait) => tokio::time::sleep(wait).await,
                Admission::Defer(delay) => {
                    self.metrics.deferred("throttled");
                    return Outcome::Defer {
                        delay,
                        reason: format!("throttled to {per_second}/s"),
                    };
                }
            }
        }
        let sent = self.send(&endpoint, &job).await;
        self.settle(&endpoint, &job, delivery.attempt, sent).await
    }
}

impl DeliveryHandler {
    fn max_attempts(&self) -> u32 {
        delivery_spec(&self.config).retry.max_attempts
    }

    /// The job's endpoint, from the cache while fresh.
    async fn endpoint(
        &self,
        tenant: TenantId,
        id: EndpointId,
    ) -> Result<EndpointRecord, WebhookError> {
        if let Some(endpoint) = self.cache.endpoints.get(&(tenant, id), Instant::now()) {
            return Ok(endpoint);
        }
        let endpoint = self.endpoints.find(tenant, id).await?;
        self.cache
            .endpoints
            .insert((tenant, id), endpoint.clone(), Instant::now());
        Ok(endpoint)
    }

    /// POSTs the job's event to the endpoint, connecting only to addresses the SSRF guard
    /// allowed.
    async fn send(&self, endpoint: &EndpointRecord, job: &DeliveryJobV1) -> Sent {
        let url = match ssrf::check_url(&endpoint.url, &self.config) {
            Ok(url) => url,
            Err(error) => {
                return Sent::Refused {
                    error: format!("url: {error}"),
                };
            }
        };
        let addresses = match ssrf::resolve_allowed(&url, &self.config).await {
            Ok(addresses) => addresses,
            Err(error) => {
                // The resolved address and the resolver's message go to the operator's log
                // only; the attempt log (the tenant's) gets the error's text.
                tracing::warn!(
                    tenant = %endpoint.tenant,
                    endpoint = %endpoint.id,
                    detail = ?error,
                    "webhook destination not usable"
                );
                return match error {
                    UrlError::Resolve { .. } => Sent::Failed {
                        error: format!("url: {error}"),
                        latency_ms: None,
                    },
                    other => Sent::Refused {
                        error: format!("url: {other}"),
                    },
                };
            }
        };
        let client = match self.client(&url, &addresses) {
            Ok(client) => client,
            Err(error) => {
                return Sent::Failed {
                    error: format!("building the HTTP client: {error}"),
                    latency_ms: None,
                };
            }
        };
        let body = match serde_json::to_vec(&job.event) {
            Ok(body) => body,
            Err(error) => {
                return Sent::Refused {
                    error: format!("encoding the event: {error}"),
                };
            }
        };
        let now = Utc::now();
        let timestamp = now.timestamp();
        let message_id = job.event.id.to_string();
        let secrets: Vec<&str> = endpoint
            .signing_secrets(now.timestamp_millis())
            .map(|secret| secret.secret.as_str())
            .collect();
        if secrets.is_empty() {
            return Sent::Refused {
                error: "the endpoint has no active signing secret".to_owned(),
            };
        }
        let signature = match signing::signature_header(secrets, &message_id, timestamp, &body) {
            Ok(signature) => signature,
            Err(error) => {
                return Sent::Refused {
                    error: error.to_string(),
                };
            }
        };
        let mut request = client.post(url);
        // Custom headers first, so they cannot replace the signature headers.
        for (name, value) in &endpoint.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body);
        let started = tokio::time::Instant::now();
        let elapsed_ms = |started: tokio::time::Instant| {
            i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
        };
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                return Sent::Failed {
                    error: describe(&error),
                    latency_ms: Some(elapsed_ms(started)),
                };
            }
        };
        let latency_ms = elapsed_ms(started);
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        // Keep the first 2 KiB; the rest is not read (the connection is then dropped).
        let mut bytes = Vec::new();
        while bytes.len() < MAX_RESPONSE_BODY_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(error) => {
                    tracing::debug!(error = %describe(&error), "reading a webhook response body failed");
                    break;
                }
            }
        }
        Sent::Answer {
            status,
            retry_after,
            body: crate::attempts::truncate_body(&bytes),
            latency_ms,
        }
    }

    /// The client for one destination: no redirects, no proxies, the configured timeouts, and
    /// the URL's host pinned to the checked addresses (IP-literal hosts need no pinning). Kept
    /// per host and address set, so its connections are reused; a host that resolves
    /// differently gets a new client pinned to the new addresses.
    fn client(
        &self,
        url: &Url,
        addresses: &[SocketAddr],
    ) -> Result<reqwest::Client, reqwest::Error> {
        let domain = match url.host() {
            Some(url::Host::Domain(domain)) => Some(domain.to_owned()),
            _ => None,
        };
        let mut pinned = addresses.to_vec();
        pinned.sort_unstable();
        let key = (
            domain,
            if url_is_ip_literal(url) {
                Vec::new()
            } else {
                pinned
            },
        );
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let client = self.build_client(url, addresses)?;
        if clients.len() >= MAX_CACHED_CLIENTS {
            clients.clear();
        }
        clients.insert(key, client.clone());
        Ok(client)
    }

    fn build_client(
        &self,
        url: &Url,
        addresses: &[SocketAddr],
    ) -> Result<reqwest::Client, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(USER_AGENT)
            .connect_timeout(self.config.connect_timeout)
            .timeout(self.config.request_timeout);
        if let Some(url::Host::Domain(domain)) = url.host() {
            builder = builder.resolve_to_addrs(domain, addresses);
        }
        builder.build()
    }

    /// Records the attempt and turns what happened into the bus outcome, disabling the endpoint
    /// and emitting events where due.
    async fn settle(
        &self,
        endpoint: &EndpointRecord,
        job: &DeliveryJobV1,
        attempt: u32,
        sent: Sent,
    ) -> Outcome {
        let now = Utc::now();
        let now_ms = now.timestamp_millis();
        let mut record = AttemptRecord {
            id: AttemptId::generate(),
            tenant: job.tenant,
            endpoint_id: job.endpoint_id,
            event_id: job.event.id,
            event_type: job.event.event_type.clone(),
            attempt,
            at_ms: now_ms,
            status: AttemptStatus::Failed,
            response_status: None,
            latency_ms: None,
            response_body: None,
            error: None,
        };
        let (verdict, reason) = match sent {
            Sent::Answer {
                status,
                retry_after,
                body,
                latency_ms,
            } => {
                record.response_status = Some(status);
                record.latency_ms = Some(latency_ms);
                record.response_body = Some(body);
                (
                    classify(status, retry_after.as_deref(), now),
                    format!("HTTP {status}"),
                )
            }
            Sent::Failed { error, latency_ms } => {
                record.latency_ms = latency_ms;
                record.error = Some(error.clone());
                (Verdict::Failed, error)
            }
            Sent::Refused { error } => {
                // Never sendable as configured: this attempt is the delivery's last. It is
                // dead-lettered like any exhausted delivery, with its
                // `webhook.attempt.exhausted` committed first, atomically with the attempt.
                record.error = Some(error.clone());
                self.failed(endpoint, now_ms).await;
                if attempt == 1 {
                    self.forget_exhaustion(job).await;
                }
                if let Err(failure) = self.exhaust(job, attempt, &record).await {
                    tracing::warn!(endpoint = %job.endpoint_id, event = %job.event.id, error = %failure, "recording a refused webhook delivery's exhaustion failed; the job comes back at the same attempt");
                    return Outcome::Defer {
                        delay: self.config.retry_schedule[0],
                        reason: format!("recording the exhaustion: {failure}"),
                    };
                }
                self.metrics.attempt("refused");
                if let Err(fault) = faults::check(
                    faults::WEBHOOK_EXHAUSTED_AFTER_COMMIT,
                    &job.tenant.to_string(),
                )
                .await
                {
                    return Outcome::Defer {
                        delay: self.config.retry_schedule[0],
                        reason: fault.to_string(),
                    };
                }
                return Outcome::Reject { reason: error };
            }
        };
        match verdict {
            Verdict::Delivered => {
                record.status = AttemptStatus::Succeeded;
                self.record(&record, "succeeded").await;
                // Only an endpoint in a failing run has anything to reset (the write matches
                // nothing otherwise); the cached copy may be up to the cache TTL old, which
                // delays the reset by at most that.
                if endpoint.failing_since_ms.is_some() {
                    self.cache.forget(job.tenant, job.endpoint_id);
                    if let Err(error) = self
                        .endpoints
                        .record_success(job.tenant, job.endpoint_id, now_ms)
                        .await
                    {
                        tracing::warn!(endpoint = %job.endpoint_id, %error, "recording a webhook success failed");
                    }
                }
                Outcome::Ack
            }
            Verdict::Gone => {
                self.record(&record, "gone").await;
                self.disable(endpoint, "gone").await
            }
            Verdict::Throttled { .. } | Verdict::Failed => {
                let last = attempt >= self.max_attempts();
                if !last {
                    self.record(&record, "failed").await;
                    if attempt == 1 {
                        self.forget_exhaustion(job).await;
                    }
                }
                if self.failed(endpoint, now_ms).await {
                    if last {
                        self.record(&record, "failed").await;
                    }
                    return self.disable(endpoint, "failing").await;
                }
                let outcome = retry_outcome(
                    &verdict,
                    attempt,
                    &self.config,
                    rand::random_range(-1.0..=1.0),
                    reason.clone(),
                );
                if last {
                    // The bus dead-letters this retry as `exhausted` (with `reason` as the last
                    // error); record and announce that first, atomically. If that fails the job
                    // comes back at this same attempt rather than dying without its event.
                    let retry_exhaustion = |why: String| Outcome::Defer {
                        delay: self.config.retry_schedule[0],
                        reason: why,
                    };
                    if let Err(error) = self.exhaust(job, attempt, &record).await {
                        tracing::warn!(endpoint = %job.endpoint_id, event = %job.event.id, %error, "recording a webhook exhaustion failed; the job comes back at the same attempt");
                        return retry_exhaustion(format!("recording the exhaustion: {error}"));
                    }
                    self.metrics.attempt("failed");
                    if let Err(fault) = faults::check(
                        faults::WEBHOOK_EXHAUSTED_AFTER_COMMIT,
                        &job.tenant.to_string(),
                    )
                    .await
                    {
                        return retry_exhaustion(fault.to_string());
                    }
                }
                outcome
            }
        }
    }

    /// Stores the attempt and counts it under `outcome` (`succeeded`, `failed`, `gone`,
    /// `refused` or `skipped`).
    async fn record(&self, record: &AttemptRecord, outcome: &'static str) {
        self.metrics.attempt(outcome);
        if let Err(error) = self.attempts.record(record).await {
            tracing::warn!(endpoint = %record.endpoint_id, event = %record.event_id, %error, "recording a webhook attempt failed");
        }
    }

    async fn record_skipped(&self, job: &DeliveryJobV1, attempt: u32, why: &str) {
        self.record(
            &AttemptRecord {
                id: AttemptId::generate(),
                tenant: job.tenant,
                endpoint_id: job.endpoint_id,
                event_id: job.event.id,
                event_type: job.event.event_type.clone(),
                attempt,
                at_ms: Utc::now().timestamp_millis(),
                status: AttemptStatus::Skipped,
                response_status: None,
                latency_ms: None,
                response_body: None,
                error: Some(why.to_owned()),
            },
            "skipped",
        )
        .await;
    }

    /// Records a failure on the endpoint; true when it has now failed long enough to disable.
    async fn failed(&self, endpoint: &EndpointRecord, now_ms: i64) -> bool {
        self.cache.forget(endpoint.tenant, endpoint.id);
        let failing_since_ms = match self
            .endpoints
            .record_failure(endpoint.tenant, endpoint.id, now_ms)
            .await
        {
            // `None`: deleted meanwhile; nothing left to disable.
            Ok(since) => since,
            Err(error) => {
                tracing::warn!(endpoint = %endpoint.id, %error, "recording a webhook failure failed");
                endpoint.failing_since_ms
            }
        };
        failing_since_ms
            .is_some_and(|since| should_disable(Some(since), now_ms, self.config.disable_after))
    }

    /// Disables the endpoint (which emits `webhook.endpoint.disabled`) and acknowledges: no
    /// further attempt would be sent. A storage failure retries the job instead.
    async fn disable(&self, endpoint: &EndpointRecord, reason: &str) -> Outcome {
        self.cache.forget(endpoint.tenant, endpoint.id);
        match self
            .endpoints
            .disable(endpoint.tenant, endpoint.id, reason)
            .await
        {
            Ok(_) => {
                self.metrics.endpoint_disabled(reason);
                tracing::info!(endpoint = %endpoint.id, reason, "webhook endpoint disabled");
                Outcome::Ack
            }
            Err(error) => Outcome::Retry {
                reason: format!("disabling the endpoint: {error}"),
            },
        }
    }

    /// In one transaction: stores the job's last attempt, marks the job exhausted (a document
    /// keyed by [`DeliveryJobV1::message_id`]) and appends `webhook.attempt.exhausted`. A job
    /// already marked (the broker redelivered it after a crash that followed the commit) stores
    /// its attempt and emits nothing, so a crash at any point neither loses nor duplicates the
    /// event. Answers whether the event was emitted.
    async fn exhaust(
        &self,
        job: &DeliveryJobV1,
        attempts: u32,
        last: &AttemptRecord,
    ) -> Result<bool, StorageError> {
        let event = exhausted_event(
            job.endpoint_id,
            &job.event,
            attempts,
            last.response_status,
            last.error.as_deref(),
        );
        let mark = doc! {
            "_id": job.message_id(),
            "tenant": job.tenant.to_string(),
            "endpoint_id": job.endpoint_id.to_string(),
            "event_id": job.event.id.to_string(),
            "attempt_id": last.id.to_string(),
            "at_ms": last.at_ms,
        };
        let context = (
            self.attempts.clone(),
            self.exhaustions.clone(),
            mark,
            last.clone(),
            event,
        );
        // A consumer's own bookkeeping: no request scope to join.
        let emitted = self
            .unit
            .run_detached::<_, _, StorageError, _>(
                job.tenant,
                context,
                |tx, (attempts, exhaustions, mark, last, event)| {
                    async move {
                        let tenant = tx.tenant();
                        let already = exhaustions
                            .find_one(doc! { "_id": mark.get_str("_id").unwrap_or_default(), "tenant": tenant.to_string() })
                            .session(tx.session())
                            .await?
                            .is_some();
                        attempts.record_in(tx.session(), last).await?;
                        if already {
                            tx.unchanged();
                            return Ok(false);
                        }
                        exhaustions.insert_one(&*mark).session(tx.session()).await?;
                        faults::check(
                            faults::WEBHOOK_EXHAUSTED_BEFORE_EVENT,
                            &tenant.to_string(),
                        )
                        .await?;
                        tx.append(event.clone());
                        Ok(true)
                    }
                    .boxed()
                },
            )
            .await;
        match emitted {
            Ok(true) => Ok(true),
            Ok(false) => {
                tracing::info!(endpoint = %job.endpoint_id, event = %job.event.id, "exhaustion already recorded (redelivered job): no second event");
                Ok(false)
            }
            // A concurrent delivery of the same job marked it first.
            Err(error) if error.is_duplicate_key() => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// A job's first failed attempt starts a new run of attempts (a first delivery, a resend, a
    /// recovery or a DLQ replay): an exhaustion mark left by an earlier run must not silence
    /// this run's exhaustion. Logged, not fatal: a stale mark only suppresses one event.
    async fn forget_exhaustion(&self, job: &DeliveryJobV1) {
        if let Err(error) = self
            .exhaustions
            .delete_one(doc! { "_id": job.message_id(), "tenant": job.tenant.to_string() })
            .await
        {
            tracing::warn!(endpoint = %job.endpoint_id, event = %job.event.id, %error, "clearing an earlier exhaustion mark failed");
        }
    }
}

/// Exhaustion marks: one per delivery job (`<event id>:<endpoint id>`) whose last attempt
/// failed, written with its `webhook.attempt.exhausted` event.
pub const EXHAUSTIONS_COLLECTION: &str = "webhook_exhaustions";

/// The exhaustion marks' collection (migration `0007_webhook_exhaustions`; looked up by `_id`).
pub fn exhaustion_collection_specs() -> Vec<atelier_store::CollectionSpec> {
    vec![atelier_store::CollectionSpec {
        name: EXHAUSTIONS_COLLECTION,
        indexes: Vec::new(),
    }]
}

/// The `webhook.attempt.exhausted` event of `event` to `endpoint_id` (see the catalog).
pub fn exhausted_event(
    endpoint_id: EndpointId,
    event: &EventEnvelope,
    attempts: u32,
    last_response_status: Option<u16>,
    last_error: Option<&str>,
) -> NewEvent {
    NewEvent::new(
        EXHAUSTED_EVENT,
        "webhook_endpoint",
        endpoint_id.to_string(),
        serde_json::json!({
            "endpoint_id": endpoint_id.to_string(),
            "event_id": event.id.to_string(),
            "event_type": event.event_type,
            "attempts": attempts,
            "last_response_status": last_response_status,
            "last_error": last_error,
        }),
    )
}

fn url_is_ip_literal(url: &Url) -> bool {
    matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)))
}

/// A reqwest error with its causes (`error sending request: ...: connection refused`).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(schedule_secs: &[u64]) -> WebhooksConfig {
        WebhooksConfig {
            retry_schedule: schedule_secs
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            max_retry_after: Duration::from_secs(60),
            ..WebhooksConfig::default()
        }
    }

    #[test]
    fn classifies_answers() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let throttled = |secs: Option<u64>| Verdict::Throttled {
            retry_after: secs.map(Duration::from_secs),
        };
        let cases: Vec<(u16, Option<&str>, Verdict)> = vec![
            (200, None, Verdict::Delivered),
            (204, Some("5"), Verdict::Delivered),
            (299, None, Verdict::Delivered),
            (301, None, Verdict::Failed),
            (400, None, Verdict::Failed),
            (404, None, Verdict::Failed),
            (410, Some("5"), Verdict::Gone),
            (429, None, throttled(None)),
            (429, Some("1"), throttled(Some(1))),
            (429, Some(" 120 "), throttled(Some(120))),
            (
                503,
                Some("Wed, 21 Oct 2015 07:28:30 GMT"),
                throttled(Some(30)),
            ),
            (
                503,
                Some("Wed, 21 Oct 2015 07:00:00 GMT"),
                throttled(Some(0)),
            ),
            (502, Some("soon"), throttled(None)),
            (504, Some("-1"), throttled(None)),
            (500, Some("1"), Verdict::Failed),
            (501, None, Verdict::Failed),
        ];
        for (status, retry_after, expected) in cases {
            assert_eq!(
                classify(status, retry_after, now),
                expected,
                "{status} {retry_after:?}"
            );
        }
    }

    #[test]
    fn retry_outcomes_honour_retry_after_and_the_schedule_with_jitter() {
        let config = config(&[5, 300, 1800]);
        let after = |secs: u64| Verdict::Throttled {
            retry_after: Some(Duration::from_secs(secs)),
        };
        let delay = |outcome: Outcome| match outcome {
            Outcome::RetryAfter { delay, .. } => Some(delay),
            _ => None,
        };
        let ms = Duration::from_millis;
        // (verdict, attempt, jitter, expected delay; None = plain Retry)
        let cases: Vec<(Verdict, u32, f64, Option<Duration>)> = vec![
            (after(1), 1, 0.0, Some(ms(1_000))),
            (after(1), 1, 1.0, Some(ms(1_100))),
            // Never earlier than the receiver asked.
            (after(1), 1, -1.0, Some(ms(1_100))),
            (after(10), 3, -0.5, Some(ms(10_500))),
            // Clamped to max_retry_after (60s), then jittered.
            (after(3_600), 1, 0.0, Some(ms(60_000))),
            (after(0), 1, 1.0, Some(ms(0))),
            (
                Verdict::Throttled { retry_after: None },
                1,
                0.0,
                Some(ms(5_000)),
            ),
            (
                Verdict::Throttled { retry_after: None },
                2,
                -1.0,
                Some(ms(270_000)),
            ),
            (
                Verdict::Throttled { retry_after: None },
                3,
                1.0,
                Some(ms(1_980_000)),
            ),
            // Past the schedule: its last delay.
            (
                Verdict::Throttled { retry_after: None },
                9,
                0.0,
                Some(ms(1_800_000)),
            ),
            // Out-of-range jitter is clamped.
            (
                Verdict::Throttled { retry_after: None },
                1,
                7.0,
                Some(ms(5_500)),
            ),
            (Verdict::Failed, 1, 1.0, None),
        ];
        for (verdict, attempt, jitter, expected) in cases {
            let outcome = retry_outcome(&verdict, attempt, &config, jitter, "x".to_owned());
            let got = delay(outcome.clone());
            match expected {
                None => assert_eq!(
                    outcome,
                    Outcome::Retry {
                        reason: "x".to_owned()
                    }
                ),
                Some(expected) => {
                    let got = got.unwrap_or_else(|| panic!("{verdict:?}: {outcome:?}"));
                    let diff = got.abs_diff(expected);
                    assert!(
                        diff < ms(2),
                        "{verdict:?} attempt {attempt} jitter {jitter}: {got:?} != {expected:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn disables_after_failing_long_enough() {
        let day = Duration::from_secs(86_400);
        let cases = [
            (None, 1_000, false),
            (Some(1_000), 1_000, false),
            (Some(0), 86_399_999, false),
            (Some(0), 86_400_000, true),
            (Some(0), 90_000_000, true),
        ];
        for (since, now, expected) in cases {
            assert_eq!(should_disable(since, now, day), expected, "{since:?} {now}");
        }
        assert!(should_disable(None, 5, Duration::ZERO));
    }

    #[test]
    fn delivery_spec_follows_the_schedule() {
        let spec = delivery_spec(&config(&[5, 300, 300]));
        assert_eq!(spec.retry.max_attempts, 4);
        // The throttle tier comes after the schedule's.
        assert_eq!(spec.retry.tier_millis(), vec![1_000, 5_000, 300_000]);
        assert!(spec.bindings.is_empty());
        spec.validate().unwrap();
        // Plain retries still follow the schedule, and the last attempt dead-letters.
        let retry = |attempt| {
            atelier_bus::route(
                Outcome::Retry {
                    reason: "x".to_owned(),
                },
                attempt,
                &spec.retry,
            )
        };
        let tier_of = |route: atelier_bus::Route| match route {
            atelier_bus::Route::Retry { tier_millis, .. } => Some(tier_millis),
            _ => None,
        };
        assert_eq!(tier_of(retry(1)), Some(5_000));
        assert_eq!(tier_of(retry(2)), Some(300_000));
        assert_eq!(tier_of(retry(3)), Some(300_000));
        assert_eq!(tier_of(retry(4)), None);
        // A short schedule needs no extra tier.
        let short = delivery_spec(&WebhooksConfig {
            retry_schedule: vec![Duration::from_millis(200), Duration::from_secs(2)],
            ..WebhooksConfig::default()
        });
        assert_eq!(short.retry.tier_millis(), vec![200, 2_000]);
        let none = delivery_spec(&config(&[]));
        assert_eq!(none.retry.max_attempts, 1);
        assert_eq!(none.retry.tier_millis(), vec![1_000]);
        none.validate().unwrap();
        fanout_spec().validate().unwrap();
    }

    fn endpoint(event_types: &[&str]) -> EndpointRecord {
        EndpointRecord {
            id: EndpointId::generate(),
            tenant: TenantId::generate(),
            url: "https://example.com/hook".to_owned(),
            description: String::new(),
            event_types: event_types.iter().map(|t| t.to_string()).collect(),
            enabled: true,
            disabled_reason: None,
            rate_limit_per_second: None,
            headers: Default::default(),
            secrets: Vec::new(),
            failing_since_ms: None,
            created_at_ms: 0,
            updated_at_ms: 0,
        }
    }

    #[test]
    fn fan_out_filters_by_type_and_never_feeds_an_exhaustion_to_its_endpoint() {
        let all = endpoint(&[]);
        let users = endpoint(&["identity.user.created"]);
        let mut disabled = endpoint(&[]);
        disabled.enabled = false;
        let event = |event_type: &str, about: &EndpointRecord| EventEnvelope {
            envelope_version: 1,
            id: atelier_core::EventId::generate(),
            event_type: event_type.to_owned(),
            data_version: 1,
            tenant: all.tenant,
            aggregate_type: "x".to_owned(),
            aggregate_id: "x".to_owned(),
            occurred_at: Utc::now(),
            data: serde_json::json!({ "endpoint_id": about.id.to_string() }),
        };
        let cases = [
            (event("identity.user.created", &users), &all, true),
            (event("identity.user.created", &users), &users, true),
            (event("identity.user.created", &users), &disabled, false),
            (event("identity.member.removed", &users), &users, false),
            (event(EXHAUSTED_EVENT, &users), &all, true),
            (event(EXHAUSTED_EVENT, &all), &all, false),
            (event(DISABLED_EVENT, &all), &all, true),
        ];
        for (event, endpoint, expected) in cases {
            assert_eq!(
                fans_out_to(&event, endpoint),
                expected,
                "{} {:?}",
                event.event_type,
                endpoint.event_types
            );
        }
    }

    #[test]
    fn jobs_round_trip_and_refuse_other_versions() {
        let event = NewEvent::new(
            "identity.user.created",
            "user",
            "usr_1",
            serde_json::json!({}),
        )
        .into_envelope(TenantId::generate(), Utc::now());
        let job = DeliveryJobV1::new(EndpointId::generate(), event);
        let message = job.to_message().unwrap();
        assert_eq!(
            message.message_id,
            format!("{}:{}", job.event.id, job.endpoint_id)
        );
        assert_eq!(DeliveryJobV1::decode(&message.body).unwrap(), job);
        let mut json: serde_json::Value = serde_json::from_slice(&message.body).unwrap();
        json["job_version"] = 2.into();
        assert!(DeliveryJobV1::decode(json.to_string().as_bytes()).is_err());
        json["job_version"] = 1.into();
        json["tenant"] = TenantId::generate().to_string().into();
        assert!(DeliveryJobV1::decode(json.to_string().as_bytes()).is_err());
    }
}
