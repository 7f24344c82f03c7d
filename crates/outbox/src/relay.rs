//! The relay: pending outbox events → RabbitMQ, with confirms.
//!
//! One relay per deployment publishes at a time (a MongoDB lease); others stand by and take
//! over when the holder's lease lapses. A cycle makes sure the lease is held (renewing it, or
//! taking it at a new generation, unless the last renewal is younger than the
//! [renewal margin](Relay::renewal_margin)), reads the oldest pending events and then
//! **pipelines** batches on one confirm-mode channel:
//!
//! ```text
//! ┌ send N                                               ┐   ┌ send N+1
//! │ confirms of N-1, then mark N-1 (fenced transaction)  │ ─▶│ confirms of N, then mark N   ─▶ ...
//! └ read N+1: oldest pending, neither N-1 nor N          ┘   └ read N+2
//! ```
//!
//! Batch N's messages go out while N-1's confirms are outstanding and N-1 is marked (one
//! channel keeps the order of the two); N-1 is marked only once every one of its confirms
//! arrived, and batches are marked one at a time in publish order (their log batch numbers
//! grow in that order). At most two batches are unmarked at a time. Any failure (a send, a nack, a confirm timeout, a lost lease,
//! a MongoDB error) ends the cycle: nothing after it is marked, the channel is dropped, and the
//! next cycle reads again from the oldest pending event, so everything unmarked is sent again.
//! A cycle stops pipelining once a read comes back short (the backlog is drained), after
//! [`MAX_PIPELINE`], on cancellation, or when the lease needs renewing; it always settles what
//! it sent first.
//!
//! Each mark is a transaction fenced by the lease generation (which renews the lease). A relay
//! whose lease lapsed and was taken over mid-cycle marks nothing: its cycle fails and the new
//! holder publishes and marks the events itself. A crash (or a lost lease) between publish and
//! mark republishes the same events with the same ids: consumers de-duplicate on the event id.
//! The configuration keeps `amqp.confirm_timeout` below `outbox.lease_ttl`, and a batch is
//! only sent while the last renewal is younger than half their difference, so a publish that
//! waits for its confirms ends before the lease it was sent under lapses.
//!
//! The relay holding the lease also enforces the event log's retention (`outbox.retention`):
//! see [`RelayConfig::retention`] for why that is a purge here and not a TTL index.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use atelier_bus::{Bus, Publisher, SentBatch};
use atelier_observability::Metrics;
use atelier_store::{Fence, Lease, faults};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::{Outbox, StoredEvent};

const BACKLOG_SAMPLE_INTERVAL: Duration = Duration::from_secs(5);
/// How often the retention purge runs when it has caught up.
const PURGE_INTERVAL: Duration = Duration::from_secs(60);
/// Events deleted per purge step; one step per relay cycle, so the lease keeps being renewed.
const PURGE_BATCH: i64 = 1000;
/// How long one cycle keeps pipelining batches before it settles and returns to the loop (for
/// the backlog sample, the purge and cancellation).
const MAX_PIPELINE: Duration = Duration::from_secs(1);

/// Relay tuning.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RelayConfig {
    /// Events read and published per cycle.
    pub batch_size: u32,
    /// Sleep between polls when nothing is pending and no local commit woke the relay.
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Lease time-to-live; the holder renews it at the start of every cycle and in the marking
    /// transaction. Must exceed `amqp.confirm_timeout` (validated).
    #[serde(with = "humantime_serde")]
    pub lease_ttl: Duration,
    /// Readiness turns red when a cycle has not completed for this long.
    #[serde(with = "humantime_serde")]
    pub stall_after: Duration,
    /// How long published events stay readable in the event log (`GET /v1/events`).
    ///
    /// Enforced by a purge in the relay loop (at most every minute, [`PURGE_BATCH`] events per
    /// step) rather than a TTL index on `occurred_at`, because:
    /// - a TTL index's `expireAfterSeconds` is fixed when the index is created (migrations
    ///   declare indexes statically and never edit an applied one), so a changed setting would
    ///   silently not apply; the purge reads the setting on every run;
    /// - a TTL index would also delete *pending* events once they are older than the retention
    ///   (a relay stalled that long), losing events that were never delivered; the purge only
    ///   deletes published ones;
    /// - only the lease holder purges, in bounded batches, so deletion load is predictable.
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval: Duration::from_millis(100),
            lease_ttl: Duration::from_secs(15),
            stall_after: Duration::from_secs(30),
            retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Shared view of the relay's progress, for readiness.
#[derive(Debug, Clone)]
pub struct RelayHealth {
    last_progress_millis: Arc<AtomicI64>,
    stall_after: Duration,
}

impl RelayHealth {
    fn new(stall_after: Duration) -> Self {
        Self {
            last_progress_millis: Arc::new(AtomicI64::new(Utc::now().timestamp_millis())),
            stall_after,
        }
    }

    fn progressed(&self) {
        self.last_progress_millis
            .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// Seconds since the last completed cycle.
    pub fn seconds_since_progress(&self) -> f64 {
        let last = self.last_progress_millis.load(Ordering::Relaxed);
        (Utc::now().timestamp_millis() - last).max(0) as f64 / 1000.0
    }

    pub fn is_stalled(&self) -> bool {
        self.seconds_since_progress() > self.stall_after.as_secs_f64()
    }
}

/// The outbox relay worker.
#[derive(Debug, Clone)]
pub struct Relay {
    outbox: Outbox,
    bus: Bus,
    lease: Lease,
    config: RelayConfig,
    metrics: Metrics,
    health: RelayHealth,
    /// Consumers whose queues must exist before anything is published.
    consumers: Vec<atelier_bus::ConsumerSpec>,
    /// See [`Relay::renewal_margin`].
    renewal_margin: Duration,
}

/// The lease as this relay last renewed it: its fence, and an instant taken just before the
/// renewal was sent (so the lease runs at least `lease_ttl` from there).
struct Renewal {
    fence: Fence,
    at: std::time::Instant,
}

/// A batch sent and not yet marked.
struct InFlight {
    sent: SentBatch,
    events: Vec<StoredEvent>,
}

/// Why one cycle failed; the loop logs it, backs off and tries again.
#[derive(Debug, thiserror::Error)]
enum CycleError {
    #[error("outbox storage: {0}")]
    Outbox(#[from] crate::OutboxError),
    #[error("lease: {0}")]
    Lease(#[from] atelier_store::LeaseError),
    #[error("publishing: {0}")]
    Bus(#[from] atelier_bus::BusError),
    #[error(
        "the lease was taken over (generation {generation}) before the batch was marked; the new holder republishes it"
    )]
    LeaseLost { generation: i64 },
    #[error(transparent)]
    Injected(#[from] atelier_store::faults::InjectedFault),
}

enum Cycle {
    Published,
    Idle,
    NotLeader,
}

impl Relay {
    pub fn new(
        outbox: Outbox,
        bus: Bus,
        node_id: &str,
        config: RelayConfig,
        metrics: Metrics,
    ) -> Self {
        let lease = Lease::new(
            outbox.store.database(),
            "outbox_relay",
            node_id,
            config.lease_ttl,
        );
        let health = RelayHealth::new(config.stall_after);
        let renewal_margin = config
            .lease_ttl
            .saturating_sub(bus.config().confirm_timeout)
            / 2;
        Self {
            outbox,
            bus,
            lease,
            config,
            metrics,
            health,
            consumers: Vec::new(),
            renewal_margin,
        }
    }

    /// How long a renewal of the lease (by [`Lease::acquire`] or a fenced mark) is relied on
    /// before the relay renews again: half of `lease_ttl - amqp.confirm_timeout`. A batch sent
    /// within it has its confirms (bounded by the confirm timeout) well before the lease lapses,
    /// so no other node can have taken over while it was in flight. Marks renew the lease, so a
    /// busy relay renews it with no extra round trip; an idle one every margin.
    pub fn renewal_margin(&self) -> Duration {
        self.renewal_margin
    }

    /// Declares these consumers' topology whenever the relay opens a channel.
    pub fn with_consumers(mut self, consumers: Vec<atelier_bus::ConsumerSpec>) -> Self {
        self.consumers = consumers;
        self
    }

    pub fn health(&self) -> RelayHealth {
        self.health.clone()
    }

    /// Runs until `cancel` fires, then finishes the cycle in progress and releases the lease.
    pub async fn run(self, cancel: CancellationToken) {
        let committed = self.outbox.committed();
        let mut publisher: Option<Publisher> = None;
        let mut renewal: Option<Renewal> = None;
        let mut failures: u32 = 0;
        let mut last_backlog_sample = std::time::Instant::now() - Duration::from_secs(60);
        // The first purge runs as soon as this node leads: it catches up after downtime.
        let mut next_purge = std::time::Instant::now();
        tracing::info!(batch_size = self.config.batch_size, "outbox relay started");
        while !cancel.is_cancelled() {
            // Counting pending events is a collection scan on some development servers (and an
            // index range as long as the backlog on MongoDB); the backlog alert looks at
            // minutes, so every few seconds is plenty, sampled alongside the cycle rather than
            // before it so a large backlog is not also a slower relay.
            let sample = last_backlog_sample.elapsed() >= BACKLOG_SAMPLE_INTERVAL;
            if sample {
                last_backlog_sample = std::time::Instant::now();
            }
            let (outcome, ()) =
                tokio::join!(self.cycle(&mut publisher, &mut renewal, &cancel), async {
                    if sample {
                        self.sample_backlog().await;
                    }
                },);
            let (wait, leading) = match outcome {
                Ok(Cycle::Published) => {
                    failures = 0;
                    self.record_progress();
                    (None, true)
                }
                Ok(Cycle::Idle) => {
                    failures = 0;
                    self.record_progress();
                    (Some(self.config.poll_interval), true)
                }
                Ok(Cycle::NotLeader) => {
                    failures = 0;
                    self.record_progress();
                    (Some(self.config.lease_ttl / 3), false)
                }
                Err(error) => {
                    // A broken channel is replaced on the next cycle (its unconfirmed batches
                    // are forgotten: unmarked, they are read and sent again), and the lease is
                    // renewed before anything else is sent.
                    publisher = None;
                    renewal = None;
                    failures = failures.saturating_add(1);
                    let backoff = backoff(failures);
                    tracing::warn!(%error, ?backoff, "outbox relay cycle failed; retrying");
                    (Some(backoff), false)
                }
            };
            if leading && std::time::Instant::now() >= next_purge {
                next_purge = self.purge_step().await;
            }
            // Published: more may be pending, go again at once.
            let Some(wait) = wait else { continue };
            tokio::select! {
                () = cancel.cancelled() => break,
                () = committed.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
        if let Err(error) = self.lease.release().await {
            tracing::warn!(%error, "outbox relay could not release its lease; it will expire");
        }
        tracing::info!("outbox relay stopped");
    }

    /// One cycle: holds the lease, then pipelines batches (see the module docs) until the
    /// backlog is drained or the cycle has run long enough. Any error leaves everything that
    /// was sent and not yet marked unmarked.
    async fn cycle(
        &self,
        publisher: &mut Option<Publisher>,
        renewal: &mut Option<Renewal>,
        cancel: &CancellationToken,
    ) -> Result<Cycle, CycleError> {
        let (fence, mut renewed_at) = match renewal.take() {
            Some(held) if held.at.elapsed() < self.renewal_margin => (held.fence, held.at),
            _ => {
                let at = std::time::Instant::now();
                let Some(fence) = self.lease.acquire().await? else {
                    return Ok(Cycle::NotLeader);
                };
                (fence, at)
            }
        };
        *renewal = Some(Renewal {
            fence: fence.clone(),
            at: renewed_at,
        });
        let limit = i64::from(self.config.batch_size);
        let mut next = self.outbox.pending(limit).await?;
        if next.is_empty() {
            return Ok(Cycle::Idle);
        }
        let channel = match publisher {
            Some(channel) => channel,
            None => {
                // A fresh channel may follow a broker restart or be the deployment's first: make
                // sure the exchange and every platform consumer's bound queue exist, so no event
                // is published while nothing is bound to receive it.
                self.bus.declare_base().await?;
                for spec in &self.consumers {
                    self.bus.declare_consumer(spec).await?;
                }
                publisher.insert(self.bus.publisher().await?)
            }
        };
        let exchange = self.bus.events_exchange();
        let started = std::time::Instant::now();
        let mut in_flight: Option<InFlight> = None;
        while !next.is_empty() {
            let events = std::mem::take(&mut next);
            let full = events.len() >= self.config.batch_size as usize;
            let messages = events
                .iter()
                .map(StoredEvent::to_message)
                .collect::<Result<Vec<_>, _>>()?;
            // Read on while the backlog fills whole batches, the lease stays fresh enough to
            // send under, and the cycle has time left.
            let read_on = full
                && !cancel.is_cancelled()
                && started.elapsed() < MAX_PIPELINE
                && renewed_at.elapsed() < self.renewal_margin;
            let unmarked: Vec<String> = in_flight
                .iter()
                .flat_map(|batch| &batch.events)
                .chain(&events)
                .map(|event| event.id.clone())
                .collect();
            // Three things at once: this batch is sent (after the previous one, whose sending
            // has finished: the channel keeps the order), the previous one is confirmed and
            // marked, the next one is read. A failure of any of them ends the cycle; a send
            // that fails never marks its batch, and the previous batch is marked only once
            // all its confirms arrived.
            let previous = in_flight.take();
            let (sent, settled, read) = tokio::join!(
                async {
                    faults::check(faults::RELAY_BEFORE_PUBLISH, self.lease.owner()).await?;
                    Ok::<_, CycleError>(channel.send_batch(&exchange, messages).await?)
                },
                async {
                    match previous {
                        Some(batch) => self.settle(batch, &fence).await.map(Some),
                        None => Ok(None),
                    }
                },
                async {
                    if read_on {
                        self.outbox.pending_excluding(limit, &unmarked).await
                    } else {
                        Ok(Vec::new())
                    }
                },
            );
            if let Some(at) = settled? {
                renewed_at = at;
            }
            in_flight = Some(InFlight {
                sent: sent?,
                events,
            });
            next = read?;
        }
        if let Some(last) = in_flight {
            renewed_at = self.settle(last, &fence).await?;
        }
        *renewal = Some(Renewal {
            fence,
            at: renewed_at,
        });
        Ok(Cycle::Published)
    }

    /// Waits for every confirm of a sent batch, then marks it published under `fence`. Answers
    /// an instant taken before the marking transaction, which renewed the lease.
    async fn settle(
        &self,
        batch: InFlight,
        fence: &Fence,
    ) -> Result<std::time::Instant, CycleError> {
        batch.sent.confirmed().await?;
        faults::check(faults::RELAY_BEFORE_MARK, self.lease.owner()).await?;
        let ids: Vec<String> = batch.events.iter().map(|event| event.id.clone()).collect();
        let renewed_at = std::time::Instant::now();
        if self.outbox.mark_published(&ids, fence).await?.is_none() {
            return Err(CycleError::LeaseLost {
                generation: fence.generation(),
            });
        }
        for event in &batch.events {
            self.metrics.outbox_published(&event.event_type);
        }
        tracing::debug!(count = batch.events.len(), "outbox events published");
        Ok(renewed_at)
    }

    /// Deletes one batch of published events older than the retention; returns when the next
    /// step is due (at once while a full batch was deleted, else after [`PURGE_INTERVAL`]).
    /// Failures are logged and retried at the next interval: retention is not urgent.
    async fn purge_step(&self) -> std::time::Instant {
        let cutoff = retention_cutoff(Utc::now(), self.config.retention);
        match self.outbox.purge_published(cutoff, PURGE_BATCH).await {
            Ok(deleted) => {
                if deleted > 0 {
                    tracing::info!(deleted, %cutoff, "purged events past the event log retention");
                }
                if deleted >= PURGE_BATCH as u64 {
                    return std::time::Instant::now();
                }
            }
            Err(error) => {
                tracing::warn!(%error, "event log retention purge failed; retrying later")
            }
        }
        std::time::Instant::now() + PURGE_INTERVAL
    }

    fn record_progress(&self) {
        self.health.progressed();
        self.metrics
            .outbox_relay_progress(Utc::now().timestamp_millis() as f64 / 1000.0);
    }

    async fn sample_backlog(&self) {
        match self.outbox.backlog().await {
            Ok((pending, oldest)) => {
                let age = oldest
                    .map(|at| (Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0)
                    .unwrap_or(0.0);
                self.metrics
                    .set_outbox_backlog(i64::try_from(pending).unwrap_or(i64::MAX), age);
            }
            Err(error) => tracing::warn!(%error, "could not sample the outbox backlog"),
        }
    }
}

/// Events that occurred before this instant are past the retention.
fn retention_cutoff(now: DateTime<Utc>, retention: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(retention)
        .ok()
        .and_then(|retention| now.checked_sub_signed(retention))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// 100 ms doubling to 5 s.
fn backoff(failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(6);
    Duration::from_millis(100 * (1 << exponent)).min(Duration::from_secs(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_cutoff_table() {
        let now = DateTime::parse_from_rfc3339("2025-03-31T12:00:00Z")
            .unwrap()
            .to_utc();
        let cases = [
            (
                Duration::from_secs(30 * 24 * 3600),
                "2025-03-01T12:00:00+00:00",
            ),
            (Duration::from_secs(60), "2025-03-31T11:59:00+00:00"),
            (Duration::ZERO, "2025-03-31T12:00:00+00:00"),
        ];
        for (retention, expected) in cases {
            assert_eq!(retention_cutoff(now, retention).to_rfc3339(), expected);
        }
        // Longer than representable: nothing is old enough.
        assert_eq!(
            retention_cutoff(now, Duration::from_secs(u64::MAX)),
            DateTime::<Utc>::MIN_UTC
        );
    }

    #[test]
    fn backoff_table() {
        let cases = [
            (1, 100),
            (2, 200),
            (3, 400),
            (6, 3200),
            (7, 5000),
            (50, 5000),
        ];
        for (failures, millis) in cases {
            assert_eq!(
                backoff(failures),
                Duration::from_millis(millis),
                "{failures}"
            );
        }
    }
}
