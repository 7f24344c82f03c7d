//! The `outbox` scenarios: how fast events leave the outbox, against how fast RabbitMQ takes
//! confirmed publishes at all.
//!
//! 1. `outbox.ceiling.lapin`: a raw lapin loop, pipelined batches awaiting every confirm, into
//!    a bench exchange bound to a bench quorum queue. The upper bound for the relay.
//! 2. `outbox.ceiling.publisher`: the same through `atelier_bus::Publisher::publish_batch`.
//! 3. `outbox.insert`: N events appended with `Outbox::append_now`, a batch per transaction.
//! 4. `outbox.relay`: the real `Relay` drains them; timed until the backlog is 0, and the
//!    messages are counted in a quorum queue bound to `#` on the events exchange.
//! 5. `outbox.relay.cycle`: one relay batch taken apart (lease, read, publish, mark) and timed
//!    step by step on fresh events, to show where the relay's time goes; next to it the time
//!    per batch the pipelined relay took in scenario 4, where the read of the next batch and
//!    the mark of the previous one overlap the publish.
//! 6. `outbox.relay.latency`: lone events committed one at a time while the relay idles: time
//!    from the commit (`append_now` returned, the relay woken) to the message's arrival at a
//!    consumer of the events exchange.
//!
//! Quorum queues everywhere, like the consumers' work queues: a confirm then means the message
//! is replicated and on disk, which is what the relay waits for in production.

use std::time::{Duration, Instant};

use anyhow::Context;
use atelier_bus::{Bus, BusConfig, OutgoingMessage};
use atelier_core::{NewEvent, TenantId};
use atelier_observability::Metrics;
use atelier_outbox::{Outbox, Relay, RelayConfig};
use atelier_store::{Lease, MongoConfig, Store};
use clap::Args;
use futures_util::{StreamExt, future::join_all};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind,
    options::{
        BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
        ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable, LongString, ShortString},
};
use tokio_util::sync::CancellationToken;

use crate::{Settings, report::Report, unique};

/// Options of the `outbox` scenarios.
#[derive(Debug, Clone, Args)]
pub struct OutboxOptions {
    /// Messages published by each ceiling loop.
    #[arg(long, default_value_t = 20_000)]
    pub messages: u64,
    /// Publishes in flight before awaiting their confirms (the relay's default batch).
    #[arg(long, default_value_t = 256)]
    pub publish_batch: usize,
    /// Outbox events inserted and then relayed.
    #[arg(long, default_value_t = 20_000)]
    pub events: u64,
    /// Events per insert transaction.
    #[arg(long, default_value_t = 500)]
    pub insert_batch: usize,
    /// The relay's batch size (events read, published and marked per cycle).
    #[arg(long, default_value_t = 256)]
    pub relay_batch: u32,
    /// Cycles of the step-by-step relay breakdown (0 skips it).
    #[arg(long, default_value_t = 8)]
    pub breakdown_cycles: u32,
    /// How often the drain is sampled with `Outbox::backlog()`, in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub backlog_poll_ms: u64,
    /// Poll `Outbox::backlog()` from the relay's start instead of from the moment the last
    /// message reached the queue. On nx-27017 each poll scans the collection and slows the
    /// relay several times over; against MongoDB it shows the cost of a live backlog gauge.
    #[arg(long)]
    pub poll_backlog_from_start: bool,
    /// Give up waiting for the relay after this many seconds (the figures then say so).
    #[arg(long, default_value_t = 30)]
    pub relay_timeout: u64,
    /// Lone events of the latency scenario (0 skips it).
    #[arg(long, default_value_t = 50)]
    pub latency_events: u32,
}

/// Bound of waiting for a queue to count every confirmed message.
const QUEUE_SETTLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs every outbox scenario, handing each report to `emit` as soon as it is ready, and
/// cleans up the bench database, queues and exchanges whatever happened.
pub async fn run(
    settings: &Settings,
    options: &OutboxOptions,
    emit: fn(&Report),
) -> anyhow::Result<()> {
    anyhow::ensure!(options.messages > 0, "--messages must be at least 1");
    anyhow::ensure!(options.events > 0, "--events must be at least 1");
    anyhow::ensure!(
        options.publish_batch > 0,
        "--publish-batch must be at least 1"
    );
    anyhow::ensure!(
        options.insert_batch > 0,
        "--insert-batch must be at least 1"
    );
    anyhow::ensure!(options.relay_batch > 0, "--relay-batch must be at least 1");
    let mut bench = Bench::connect(settings).await?;
    let outcome = bench.run(options, emit).await;
    bench.cleanup().await;
    outcome
}

/// The bench's own database, prefix, connection and the names it declared.
struct Bench {
    prefix: String,
    store: Store,
    bus: Bus,
    connection: Connection,
    channel: Channel,
    /// Queues to delete at the end (exchanges are the ceiling's and the bus's base).
    queues: Vec<String>,
}

impl Bench {
    async fn connect(settings: &Settings) -> anyhow::Result<Bench> {
        let suffix = unique();
        let prefix = format!("bench{suffix}");
        let store = Store::connect(&MongoConfig {
            uri: settings.mongodb_uri()?.to_owned(),
            database: format!("bench_{suffix}"),
            server_selection_timeout: Duration::from_secs(3),
            operation_timeout: Duration::from_secs(5),
            serialize_transactions: settings.serialize_transactions,
        })
        .await?;
        let bus = Bus::new(
            BusConfig {
                url: settings.amqp_url.clone(),
                prefix: prefix.clone(),
                ..BusConfig::default()
            },
            Metrics::new(),
        )?;
        let connection = Connection::connect(
            &settings.amqp_url,
            ConnectionProperties::default()
                .with_connection_name(LongString::from(format!("atelier-bench:{prefix}"))),
        )
        .await
        .context("connecting to RabbitMQ")?;
        let channel = connection.create_channel().await?;
        Ok(Bench {
            prefix,
            store,
            bus,
            connection,
            channel,
            queues: Vec::new(),
        })
    }

    fn ceiling_exchange(&self) -> String {
        format!("{}.ceiling", self.prefix)
    }

    async fn run(&mut self, options: &OutboxOptions, emit: fn(&Report)) -> anyhow::Result<()> {
        let lapin_ceiling = self.ceiling_lapin(options).await?;
        emit(&lapin_ceiling);
        let publisher_ceiling = self.ceiling_publisher(options).await?;
        emit(&publisher_ceiling);
        let ceiling = lapin_ceiling
            .value("messages_per_s")
            .context("ceiling figure")?;

        atelier_server::migrations::run(&self.store)
            .await
            .context("migrating the bench database")?;
        let outbox = Outbox::new(&self.store);
        self.bus.declare_base().await?;
        let count_queue = format!("{}.count", self.prefix);
        self.declare_quorum_queue(&count_queue, &self.bus.events_exchange())
            .await?;

        let insert = insert_events(&outbox, options.events, options.insert_batch).await?;
        emit(&insert);
        let publisher_ceiling = publisher_ceiling
            .value("messages_per_s")
            .context("publisher ceiling figure")?;
        let relay = self
            .relay(&outbox, &count_queue, options, ceiling, publisher_ceiling)
            .await?;
        emit(&relay);
        let relay_rate = relay.value("events_per_s").context("relay figure")?;
        if options.breakdown_cycles > 0 {
            emit(&self.relay_breakdown(&outbox, options, relay_rate).await?);
        }
        if options.latency_events > 0 {
            emit(&self.relay_latency(&outbox, options).await?);
        }
        Ok(())
    }

    /// Lone events, one at a time, through an idle relay: commit to arrival at a consumer.
    async fn relay_latency(
        &mut self,
        outbox: &Outbox,
        options: &OutboxOptions,
    ) -> anyhow::Result<Report> {
        let queue = format!("{}.latency", self.prefix);
        self.declare_quorum_queue(&queue, &self.bus.events_exchange())
            .await?;
        let consumer_channel = self.connection.create_channel().await?;
        let mut consumer = consumer_channel
            .basic_consume(
                ShortString::from(queue.as_str()),
                ShortString::from("latency"),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        let relay = Relay::new(
            outbox.clone(),
            self.bus.clone(),
            &format!("{}-latency", self.prefix),
            RelayConfig {
                // The production default: only the commit signal makes it prompt.
                poll_interval: RelayConfig::default().poll_interval,
                ..relay_config(options)
            },
            Metrics::new(),
        );
        let cancel = CancellationToken::new();
        let handle = tokio::spawn(relay.run(cancel.clone()));
        let tenant = TenantId::generate();
        let measured = async {
            // Let the relay take its lease and go idle.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let mut latencies = Vec::with_capacity(options.latency_events as usize);
            for index in 0..u64::from(options.latency_events) {
                let event = outbox
                    .append_now(tenant, vec![sample_event(index)])
                    .await?
                    .remove(0);
                let committed = Instant::now();
                let wanted = event.id.to_string();
                let arrival = tokio::time::timeout(Duration::from_secs(5), async {
                    while let Some(delivery) = consumer.next().await {
                        let delivery = delivery?;
                        let id = delivery
                            .properties
                            .message_id()
                            .as_ref()
                            .map(|id| id.as_str());
                        if id == Some(wanted.as_str()) {
                            return anyhow::Ok(Instant::now());
                        }
                    }
                    anyhow::bail!("the latency consumer ended")
                })
                .await
                .context("a lone event did not arrive within 5 s")??;
                latencies.push(arrival - committed);
                // Idle again between events, like a quiet tenant.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            anyhow::Ok(latencies)
        };
        let latencies = measured.await;
        cancel.cancel();
        if let Err(error) = handle.await {
            eprintln!("outbox: the latency relay task failed: {error}");
        }
        if let Err(error) = consumer_channel.close(200, ShortString::from("done")).await {
            eprintln!("outbox: closing the latency channel failed: {error}");
        }
        self.delete_queue(&queue).await;
        let mut latencies = latencies?;
        latencies.sort();
        let at = |quantile: f64| {
            let index = ((latencies.len() as f64 - 1.0) * quantile).round() as usize;
            latencies[index.min(latencies.len() - 1)].as_secs_f64() * 1000.0
        };
        Ok(Report::new("outbox.relay.latency")
            .param("events", latencies.len())
            .param("queue", "quorum")
            .figure("p50_ms", "commit to consumer, p50", at(0.5), "ms")
            .figure("p99_ms", "commit to consumer, p99", at(0.99), "ms")
            .figure("max_ms", "commit to consumer, max", at(1.0), "ms"))
    }

    /// Raw lapin: publish a batch, await all its confirms, repeat.
    async fn ceiling_lapin(&mut self, options: &OutboxOptions) -> anyhow::Result<Report> {
        let exchange = self.ceiling_exchange();
        let queue = format!("{}.ceiling", self.prefix);
        self.channel
            .exchange_declare(
                ShortString::from(exchange.as_str()),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        self.declare_quorum_queue(&queue, &exchange).await?;
        let channel = self.connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let body = sample_body(0);
        let started = Instant::now();
        let mut sent = 0;
        while sent < options.messages {
            let batch = (options.messages - sent).min(options.publish_batch as u64);
            let mut confirms = Vec::with_capacity(batch as usize);
            for index in 0..batch {
                let properties = BasicProperties::default()
                    .with_delivery_mode(2)
                    .with_content_type(ShortString::from("application/json"))
                    .with_message_id(ShortString::from(format!("msg-{}", sent + index)));
                confirms.push(
                    channel
                        .basic_publish(
                            ShortString::from(exchange.as_str()),
                            ShortString::from("bench.ceiling"),
                            BasicPublishOptions::default(),
                            &body,
                            properties,
                        )
                        .await?,
                );
            }
            for confirmation in join_all(confirms).await {
                match confirmation? {
                    Confirmation::Ack(_) => {}
                    other => anyhow::bail!("the broker did not ack a ceiling publish: {other:?}"),
                }
            }
            sent += batch;
        }
        let elapsed = started.elapsed();
        self.wait_for_messages(&queue, options.messages).await?;
        if let Err(error) = channel.close(200, ShortString::from("done")).await {
            eprintln!("outbox: closing the ceiling channel failed: {error}");
        }
        // Every scenario routes to exactly one queue: the next one binds its own.
        self.delete_queue(&queue).await;
        Ok(Report::new("outbox.ceiling.lapin")
            .param("messages", options.messages)
            .param("publish_batch", options.publish_batch)
            .param("body_bytes", body.len())
            .param("queue", "quorum")
            .figure(
                "messages_per_s",
                "confirmed publishes/s",
                options.messages as f64 / elapsed.as_secs_f64(),
                "msg/s",
            )
            .figure("elapsed_s", "elapsed", elapsed.as_secs_f64(), "s"))
    }

    /// `Publisher::publish_batch`, the relay's own publishing path, with the relay's headers.
    async fn ceiling_publisher(&mut self, options: &OutboxOptions) -> anyhow::Result<Report> {
        let exchange = self.ceiling_exchange();
        let queue = format!("{}.ceiling.publisher", self.prefix);
        self.declare_quorum_queue(&queue, &exchange).await?;
        let publisher = self.bus.publisher().await?;
        let tenant = TenantId::generate();
        let started = Instant::now();
        let mut sent = 0;
        while sent < options.messages {
            let batch = (options.messages - sent).min(options.publish_batch as u64);
            let messages = (sent..sent + batch)
                .map(|index| {
                    (
                        "bench.ceiling".to_owned(),
                        OutgoingMessage {
                            message_id: format!("msg-{index}"),
                            body: sample_body(index),
                            content_type: "application/json".to_owned(),
                            headers: vec![
                                ("tenant".to_owned(), tenant.to_string()),
                                ("aggregate_type".to_owned(), "bench".to_owned()),
                                ("aggregate_id".to_owned(), format!("agg-{}", index % 64)),
                            ],
                            timestamp: Some(chrono::Utc::now()),
                        },
                    )
                })
                .collect();
            publisher.publish_batch(&exchange, messages).await?;
            sent += batch;
        }
        let elapsed = started.elapsed();
        self.wait_for_messages(&queue, options.messages).await?;
        drop(publisher);
        self.delete_queue(&queue).await;
        Ok(Report::new("outbox.ceiling.publisher")
            .param("messages", options.messages)
            .param("publish_batch", options.publish_batch)
            .param("queue", "quorum")
            .figure(
                "messages_per_s",
                "confirmed publishes/s",
                options.messages as f64 / elapsed.as_secs_f64(),
                "msg/s",
            )
            .figure("elapsed_s", "elapsed", elapsed.as_secs_f64(), "s"))
    }

    /// Starts the real relay on a full outbox and times the drain.
    async fn relay(
        &self,
        outbox: &Outbox,
        count_queue: &str,
        options: &OutboxOptions,
        ceiling: f64,
        publisher_ceiling: f64,
    ) -> anyhow::Result<Report> {
        let metrics = Metrics::new();
        let relay = Relay::new(
            outbox.clone(),
            self.bus.clone(),
            &format!("{}-relay", self.prefix),
            relay_config(options),
            metrics,
        );
        let watcher_channel = self.connection.create_channel().await?;
        let cancel = CancellationToken::new();
        let started = Instant::now();
        let deadline = started + Duration::from_secs(options.relay_timeout);
        let mut watcher = Some(tokio::spawn(watch_arrivals(
            watcher_channel,
            count_queue.to_owned(),
            options.events,
            started,
            deadline,
        )));
        let handle = tokio::spawn(relay.run(cancel.clone()));
        let mut polls = 0_u32;
        let mut poll_time = Duration::ZERO;
        let drain = async {
            // Published and confirmed comes first; only the last cycle's mark can lag behind.
            let all_arrived = if options.poll_backlog_from_start {
                None
            } else {
                Some(join_watcher(watcher.take()).await?)
            };
            let mut remaining = options.events;
            while Instant::now() < deadline {
                let polled = Instant::now();
                remaining = outbox.backlog().await?.0;
                poll_time += polled.elapsed();
                polls += 1;
                if remaining == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(options.backlog_poll_ms)).await;
            }
            let drained = started.elapsed();
            let all_arrived = match all_arrived {
                Some(arrived) => arrived,
                None => join_watcher(watcher.take()).await?,
            };
            anyhow::Ok((remaining, drained, all_arrived))
        };
        let drained = drain.await;
        if let Some(watcher) = watcher.take() {
            // Only left when the drain failed; it would stop at the deadline anyway.
            watcher.abort();
        }
        let arrived = self.wait_for_messages(count_queue, options.events).await;
        cancel.cancel();
        if let Err(error) = handle.await {
            eprintln!("outbox: the relay task failed: {error}");
        }
        let (remaining, drained, all_arrived) = drained?;
        let arrived = arrived?;
        let relayed = options.events - remaining;
        let per_second = relayed as f64 / drained.as_secs_f64();
        let mut report = Report::new("outbox.relay")
            .param("events", options.events)
            .param("relay_batch", options.relay_batch)
            .param("backlog_poll_ms", options.backlog_poll_ms)
            .param("poll_backlog_from_start", options.poll_backlog_from_start)
            .param("queue", "quorum")
            .figure(
                "events_per_s",
                "events/s published+confirmed+marked",
                per_second,
                "ev/s",
            )
            .figure(
                "drain_s",
                "time until backlog 0",
                drained.as_secs_f64(),
                "s",
            )
            .figure(
                "all_in_queue_s",
                "time until all in the # queue",
                all_arrived.map_or(f64::NAN, |at| at.as_secs_f64()),
                "s",
            )
            .figure(
                "ratio_to_ceiling",
                "ratio to the raw lapin ceiling",
                per_second / ceiling,
                "",
            )
            .figure(
                "ratio_to_publisher",
                "ratio to the Publisher ceiling",
                per_second / publisher_ceiling,
                "",
            )
            .figure(
                "events_per_s_in_queue",
                "events/s until all in the queue",
                all_arrived.map_or(f64::NAN, |at| options.events as f64 / at.as_secs_f64()),
                "ev/s",
            )
            .figure("arrived", "messages in the # queue", arrived as f64, "")
            .figure("remaining", "events still pending", remaining as f64, "")
            .figure(
                "backlog_poll_ms",
                "mean Outbox::backlog() call",
                poll_time.as_secs_f64() * 1000.0 / f64::from(polls.max(1)),
                "ms",
            );
        if remaining > 0 {
            report = report.note(format!(
                "gave up after {} s with {remaining} events pending",
                options.relay_timeout
            ));
        }
        let sampling = if options.poll_backlog_from_start {
            "Outbox::backlog() was polled from the relay's start, competing with it for MongoDB"
        } else {
            "Outbox::backlog() was polled only once every message was in the queue, so the \
             sampling did not slow the relay (the last poll's own duration is in the drain time)"
        };
        Ok(report.note(sampling))
    }

    /// The relay's cycle, step by step: inserts `cycles` batches of fresh events and runs the
    /// relay's steps on them by hand, one after the other, timing each. `relay_rate` is what
    /// the pipelined relay achieved (scenario 4), shown as its time per batch.
    async fn relay_breakdown(
        &self,
        outbox: &Outbox,
        options: &OutboxOptions,
        relay_rate: f64,
    ) -> anyhow::Result<Report> {
        let batch = options.relay_batch;
        let total = u64::from(options.breakdown_cycles) * u64::from(batch);
        insert_events(outbox, total, options.insert_batch).await?;
        let lease = Lease::new(
            self.store.database(),
            "outbox_relay",
            format!("{}-breakdown", self.prefix),
            Duration::from_secs(15),
        );
        let publisher = self.bus.publisher().await?;
        let exchange = self.bus.events_exchange();
        let mut steps = [Duration::ZERO; 5];
        let mut cycles = 0_u32;
        let mut events = 0_usize;
        let overall = Instant::now();
        for _ in 0..options.breakdown_cycles {
            let mut clock = Instant::now();
            let mut lap = |step: usize| {
                steps[step] += clock.elapsed();
                clock = Instant::now();
            };
            let fence = lease
                .acquire()
                .await?
                .context("the relay lease is still held by the relay")?;
            lap(0);
            let pending = outbox.pending(i64::from(batch)).await?;
            lap(1);
            if pending.is_empty() {
                break;
            }
            let messages = pending
                .iter()
                .map(|event| event.to_message().map_err(anyhow::Error::from))
                .collect::<anyhow::Result<Vec<_>>>()?;
            lap(2);
            publisher.publish_batch(&exchange, messages).await?;
            lap(3);
            let ids: Vec<String> = pending.iter().map(|event| event.id.clone()).collect();
            outbox
                .mark_published(&ids, &fence)
                .await?
                .context("the breakdown lost the relay lease")?;
            lap(4);
            cycles += 1;
            events += pending.len();
        }
        let overall = overall.elapsed();
        if let Err(error) = lease.release().await {
            eprintln!("outbox: releasing the breakdown lease failed: {error}");
        }
        anyhow::ensure!(cycles > 0, "the breakdown found no pending events");
        let per_cycle = |step: usize| steps[step].as_secs_f64() * 1000.0 / f64::from(cycles);
        let total_ms = overall.as_secs_f64() * 1000.0 / f64::from(cycles);
        let share = |step: usize| 100.0 * per_cycle(step) / total_ms;
        Ok(Report::new("outbox.relay.cycle")
            .param("cycles", cycles)
            .param("events", events)
            .param("relay_batch", batch)
            .figure("cycle_ms", "whole cycle", total_ms, "ms")
            .figure("lease_ms", "lease renew (1 update)", per_cycle(0), "ms")
            .figure("pending_ms", "read pending (find)", per_cycle(1), "ms")
            .figure("encode_ms", "encode messages", per_cycle(2), "ms")
            .figure("publish_ms", "publish + confirms", per_cycle(3), "ms")
            .figure("mark_ms", "mark published (txn)", per_cycle(4), "ms")
            .figure("publish_pct", "share publish + confirms", share(3), "%")
            .figure(
                "mongodb_pct",
                "share MongoDB (lease+read+mark)",
                share(0) + share(1) + share(4),
                "%",
            )
            .figure(
                "events_per_s",
                "events/s at this cycle time",
                events as f64 / overall.as_secs_f64(),
                "ev/s",
            )
            .figure(
                "pipelined_batch_ms",
                "pipelined relay, time per batch",
                f64::from(batch) * 1000.0 / relay_rate,
                "ms",
            )
            .figure(
                "pipelined_speedup",
                "sequential cycle / pipelined batch",
                total_ms * relay_rate / (f64::from(batch) * 1000.0),
                "x",
            )
            .note(
                "the steps run one after the other here; the relay sends batch N+1 while reading \
                 N+2 and confirming and marking N, and renews its lease with each mark",
            ))
    }

    /// A durable quorum queue bound to `exchange` with `#`.
    async fn declare_quorum_queue(&mut self, name: &str, exchange: &str) -> anyhow::Result<()> {
        let mut arguments = FieldTable::default();
        arguments.insert(
            ShortString::from("x-queue-type"),
            AMQPValue::LongString(LongString::from("quorum")),
        );
        self.channel
            .queue_declare(
                ShortString::from(name),
                QueueDeclareOptions {
                    durable: true,
                    ..QueueDeclareOptions::default()
                },
                arguments,
            )
            .await
            .with_context(|| format!("declaring queue {name}"))?;
        self.queues.push(name.to_owned());
        self.channel
            .queue_bind(
                ShortString::from(name),
                ShortString::from(exchange),
                ShortString::from("#"),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .with_context(|| format!("binding queue {name} to {exchange}"))?;
        Ok(())
    }

    /// Waits (bounded) until `queue` holds `expected` messages; returns the count seen last.
    async fn wait_for_messages(&self, queue: &str, expected: u64) -> anyhow::Result<u64> {
        let deadline = Instant::now() + QUEUE_SETTLE_TIMEOUT;
        loop {
            let declared = self
                .channel
                .queue_declare(
                    ShortString::from(queue),
                    QueueDeclareOptions {
                        passive: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await?;
            let count = u64::from(declared.message_count());
            if count >= expected || Instant::now() >= deadline {
                if count != expected {
                    eprintln!("outbox: queue {queue} holds {count} messages, expected {expected}");
                }
                return Ok(count);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Deletes a queue declared by [`Bench::declare_quorum_queue`], with its messages.
    async fn delete_queue(&mut self, queue: &str) {
        match self
            .channel
            .queue_delete(ShortString::from(queue), QueueDeleteOptions::default())
            .await
        {
            Ok(_) => self.queues.retain(|name| name != queue),
            Err(error) => eprintln!("outbox: deleting queue {queue} failed: {error}"),
        }
    }

    /// Deletes the database, the queues and the exchanges. Failures are reported, not fatal.
    async fn cleanup(mut self) {
        for queue in self.queues.clone() {
            self.delete_queue(&queue).await;
        }
        if let Err(error) = self
            .channel
            .exchange_delete(
                ShortString::from(self.ceiling_exchange()),
                ExchangeDeleteOptions::default(),
            )
            .await
        {
            eprintln!("outbox: cleanup: deleting the ceiling exchange failed: {error}");
        }
        if let Err(error) = self.bus.delete_base().await {
            eprintln!("outbox: cleanup: deleting the bench exchanges failed: {error}");
        }
        if let Err(error) = self.store.drop_database().await {
            eprintln!("outbox: cleanup: dropping the bench database failed: {error}");
        }
        if let Err(error) = self.connection.close(200, ShortString::from("done")).await {
            eprintln!("outbox: cleanup: closing the connection failed: {error}");
        }
    }
}

/// Polls `queue` every 10 ms on its own channel; returns when it first held `expected`
/// messages (measured from `started`), or `None` if that did not happen before `deadline`.
async fn watch_arrivals(
    channel: Channel,
    queue: String,
    expected: u64,
    started: Instant,
    deadline: Instant,
) -> anyhow::Result<Option<Duration>> {
    let arrived = loop {
        let declared = channel
            .queue_declare(
                ShortString::from(queue.as_str()),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        if u64::from(declared.message_count()) >= expected {
            break Some(started.elapsed());
        }
        if Instant::now() >= deadline {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    if let Err(error) = channel.close(200, ShortString::from("done")).await {
        eprintln!("outbox: closing the watcher channel failed: {error}");
    }
    Ok(arrived)
}

async fn join_watcher(
    watcher: Option<tokio::task::JoinHandle<anyhow::Result<Option<Duration>>>>,
) -> anyhow::Result<Option<Duration>> {
    watcher
        .context("the arrival watcher was joined twice")?
        .await
        .context("the arrival watcher panicked")?
}

/// Appends `count` events in transactions of `batch` events each.
async fn insert_events(outbox: &Outbox, count: u64, batch: usize) -> anyhow::Result<Report> {
    let tenant = TenantId::generate();
    let started = Instant::now();
    let mut inserted = 0;
    let mut transactions = 0_u32;
    while inserted < count {
        let size = (count - inserted).min(batch as u64);
        let events = (inserted..inserted + size).map(sample_event).collect();
        outbox.append_now(tenant, events).await?;
        inserted += size;
        transactions += 1;
    }
    let elapsed = started.elapsed();
    Ok(Report::new("outbox.insert")
        .param("events", count)
        .param("insert_batch", batch)
        .figure(
            "events_per_s",
            "events/s appended",
            count as f64 / elapsed.as_secs_f64(),
            "ev/s",
        )
        .figure(
            "transaction_ms",
            "mean transaction",
            elapsed.as_secs_f64() * 1000.0 / f64::from(transactions),
            "ms",
        )
        .figure("elapsed_s", "elapsed", elapsed.as_secs_f64(), "s"))
}

fn relay_config(options: &OutboxOptions) -> RelayConfig {
    RelayConfig {
        batch_size: options.relay_batch,
        poll_interval: Duration::from_millis(20),
        ..RelayConfig::default()
    }
}

/// A chat-like event whose envelope serializes to roughly 300 bytes.
fn sample_event(index: u64) -> NewEvent {
    NewEvent::new(
        "bench.message.created",
        "channel",
        format!("chn_bench{:04}", index % 64),
        serde_json::json!({
            "seq": index,
            "author": "usr_01jbenchauthor0000000000",
            "text": "The quick brown fox jumps over the lazy dog, twice over.",
        }),
    )
}

/// A ceiling message body of about the same size as a relayed envelope (~300 bytes).
fn sample_body(index: u64) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "envelope_version": 1,
        "id": format!("evt_01jbench{index:016}"),
        "type": "bench.message.created",
        "data_version": 1,
        "tenant": "ten_01jbenchtenant00000000000",
        "aggregate_type": "channel",
        "aggregate_id": format!("chn_bench{:04}", index % 64),
        "occurred_at": "2025-01-01T00:00:00Z",
        "data": {
            "seq": index,
            "author": "usr_01jbenchauthor0000000000",
            "text": "The quick brown fox jumps over the lazy dog, twice over.",
        },
    }))
    .expect("a JSON value serializes")
}
