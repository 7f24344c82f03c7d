//! [`Bus`]: the connection pool, base and per-consumer declarations, the readiness probe and the
//! dead-letter tools; [`Publisher`]: a confirm-mode channel.
//!
//! Pooled connections serve short-lived work (declarations, probes, DLQ tools) and long-lived
//! publishers: a [`Publisher`] owns a channel, which keeps its connection open, while the pool
//! slot itself is returned at once. Consumers do not use the pool: each holds a dedicated, named
//! connection whose lifetime is its subscription (see [`crate::consumer`]).

use std::{sync::Arc, time::Duration};

use atelier_observability::Metrics;
use deadpool_lapin::{Pool, PoolConfig, Runtime, Timeouts};
use futures_util::future::join_all;
use lapin::{
    BasicProperties, Channel, Confirmation, ConnectionProperties, PublisherConfirm,
    options::{
        BasicAckOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions,
        ConfirmSelectOptions, ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable, LongString, ShortString},
};

use crate::{BusConfig, BusError, ConsumerSpec, DeadLetter, dead_letter, headers::short, topology};

/// Bound of the readiness probe.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// Bound of opening a pooled connection or waiting for a free pool slot.
const POOL_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound of opening a channel (and putting it in confirm mode) on a pooled connection.
const CHANNEL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a peek waits for the broker to count requeued messages as ready again.
const PEEK_SETTLE_TIMEOUT: Duration = Duration::from_secs(2);
/// AMQP persistent delivery mode.
const PERSISTENT: u8 = 2;
/// Metric label of the default (nameless) exchange.
const DEFAULT_EXCHANGE_LABEL: &str = "(default)";

/// Handle to RabbitMQ for one Atelier instance. Cheap to clone.
#[derive(Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    config: BusConfig,
    metrics: Metrics,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus")
            .field("prefix", &self.inner.config.prefix)
            .finish_non_exhaustive()
    }
}

/// A message to publish. Always sent persistent (delivery mode 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub message_id: String,
    pub body: Vec<u8>,
    /// Usually `application/json`.
    pub content_type: String,
    /// Sent as string-valued AMQP headers.
    pub headers: Vec<(String, String)>,
    pub timestamp: Option<chrono::DateTime<chrono::Utc>>,
}

/// A channel in confirm mode. Every publish waits for the broker's confirm. Cheap to clone
/// (clones share the channel); dropping the last clone closes the channel.
#[derive(Clone)]
pub struct Publisher {
    channel: Channel,
    confirm_timeout: Duration,
    metrics: Metrics,
}

impl Bus {
    /// Builds the pool. No IO happens until first use, but the pool binds to the current tokio
    /// runtime, so this must run inside one (each `#[tokio::test]` needs its own `Bus`).
    pub fn new(config: BusConfig, metrics: Metrics) -> Result<Bus, BusError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(BusError::NoRuntime);
        }
        let connection_name = format!("atelier:{}:pool", config.prefix);
        let pool_config = deadpool_lapin::Config {
            url: Some(config.url.clone()),
            pool: Some(PoolConfig {
                max_size: config.pool_size,
                timeouts: Timeouts {
                    wait: Some(POOL_TIMEOUT),
                    create: Some(POOL_TIMEOUT),
                    recycle: Some(POOL_TIMEOUT),
                },
                ..PoolConfig::default()
            }),
        };
        let pool = pool_config
            .create_pool(
                move || {
                    ConnectionProperties::default()
                        .with_connection_name(LongString::from(connection_name.as_str()))
                },
                Runtime::Tokio1,
            )
            .map_err(|error| BusError::CreatePool(error.to_string()))?;
        Ok(Bus {
            inner: Arc::new(Inner {
                pool,
                config,
                metrics,
            }),
        })
    }

    pub fn config(&self) -> &BusConfig {
        &self.inner.config
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// `{prefix}.events`, the topic exchange every event is published to.
    pub fn events_exchange(&self) -> String {
        topology::events_exchange(&self.inner.config.prefix)
    }

    /// `{prefix}.{consumer}`, the work queue of a consumer (see [`Publisher::publish_to_queue`]).
    pub fn work_queue(&self, consumer: &str) -> String {
        topology::work_queue(&self.inner.config.prefix, consumer)
    }

    /// `{prefix}.dlx`, the direct exchange that feeds the dead-letter queues.
    pub fn dead_letter_exchange(&self) -> String {
        topology::dead_letter_exchange(&self.inner.config.prefix)
    }

    /// Declares the events and dead-letter exchanges. Idempotent.
    pub async fn declare_base(&self) -> Result<(), BusError> {
        let channel = self.channel().await?;
        topology::declare_base(&channel, &self.inner.config.prefix).await
    }

    /// Readiness probe: a connected pooled connection that can open a channel, within 2s.
    pub async fn check(&self) -> Result<(), BusError> {
        let probe = async {
            let channel = self.channel().await?;
            channel
                .close(200, ShortString::from("readiness probe"))
                .await
                .map_err(BusError::channel("channel.close"))
        };
        tokio::time::timeout(CHECK_TIMEOUT, probe)
            .await
            .map_err(|_elapsed| BusError::CheckTimeout(CHECK_TIMEOUT))?
    }

    /// A confirm-mode channel on a pooled connection.
    pub async fn publisher(&self) -> Result<Publisher, BusError> {
        Ok(Publisher {
            channel: self.confirm_channel().await?,
            confirm_timeout: self.inner.config.confirm_timeout,
            metrics: self.inner.metrics.clone(),
        })
    }

    /// Declares the queues and bindings of one consumer (see [`crate::topology`]). Idempotent;
    /// expects [`Bus::declare_base`] to have run.
    pub async fn declare_consumer(&self, spec: &ConsumerSpec) -> Result<(), BusError> {
        let channel = self.channel().await?;
        topology::declare_consumer(
            &channel,
            &self.inner.config.prefix,
            self.inner.config.delivery_limit,
            spec,
        )
        .await
    }

    /// Messages in the consumer's dead-letter queue; also sets the DLQ depth gauge.
    pub async fn dlq_depth(&self, consumer: &str) -> Result<u32, BusError> {
        let channel = self.channel().await?;
        let depth = self.passive_dlq(&channel, consumer).await?;
        self.inner.metrics.set_dlq_depth(consumer, depth);
        Ok(depth)
    }

    /// Up to `limit` dead letters, oldest first, left in place: fetched unacknowledged and then
    /// requeued. Quorum queues count each requeue as a delivery (hence the DLQ's large delivery
    /// limit); a concurrent peek or replay may see fewer messages while one is in progress.
    pub async fn dlq_peek(&self, consumer: &str, limit: u32) -> Result<Vec<DeadLetter>, BusError> {
        let channel = self.channel().await?;
        let depth = self.passive_dlq(&channel, consumer).await?;
        self.inner.metrics.set_dlq_depth(consumer, depth);
        let queue = short(&topology::dlq_queue(&self.inner.config.prefix, consumer))?;
        let mut letters = Vec::new();
        let mut last_tag = None;
        while letters.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
            let Some(message) = channel
                .basic_get(queue.clone(), BasicGetOptions { no_ack: false })
                .await
                .map_err(BusError::channel("basic.get"))?
            else {
                break;
            };
            last_tag = Some(message.delivery.delivery_tag);
            letters.push(dead_letter::from_delivery(&message.delivery));
        }
        if let Some(delivery_tag) = last_tag {
            channel
                .basic_nack(
                    delivery_tag,
                    BasicNackOptions {
                        multiple: true,
                        requeue: true,
                    },
                )
                .await
                .map_err(BusError::channel("basic.nack"))?;
            // A quorum queue applies the requeue asynchronously (through Raft): wait, briefly,
            // until the messages count as ready again, so a depth read right after a peek
            // does not miss them.
            let deadline = tokio::time::Instant::now() + PEEK_SETTLE_TIMEOUT;
            while self.passive_dlq(&channel, consumer).await? < depth
                && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        Ok(letters)
    }

    /// Moves up to `limit` dead letters back to the consumer's work queue with the attempt
    /// reset to 1: each is published with a confirm, then acknowledged. Returns how many moved.
    pub async fn dlq_replay(&self, consumer: &str, limit: u32) -> Result<u32, BusError> {
        let channel = self.confirm_channel().await?;
        let depth = self.passive_dlq(&channel, consumer).await?;
        self.inner.metrics.set_dlq_depth(consumer, depth);
        let prefix = &self.inner.config.prefix;
        let queue = short(&topology::dlq_queue(prefix, consumer))?;
        let work_queue = topology::work_queue(prefix, consumer);
        let mut replayed = 0;
        while replayed < limit {
            let Some(message) = channel
                .basic_get(queue.clone(), BasicGetOptions { no_ack: false })
                .await
                .map_err(BusError::channel("basic.get"))?
            else {
                break;
            };
            let delivery = &message.delivery;
            let properties = dead_letter::replay_properties(delivery)?;
            let published = publish_confirmed(
                &channel,
                Target {
                    exchange: "",
                    routing_key: &work_queue,
                    mandatory: true,
                },
                &delivery.data,
                properties,
                self.inner.config.confirm_timeout,
            )
            .await;
            if let Err(error) = published {
                // Unacknowledged messages return to the DLQ when the channel closes anyway;
                // the nack only makes it immediate.
                if let Err(nack_error) = delivery
                    .nack(BasicNackOptions {
                        multiple: false,
                        requeue: true,
                    })
                    .await
                {
                    tracing::debug!(error = %nack_error, "nack after failed replay not sent");
                }
                return Err(error);
            }
            self.inner
                .metrics
                .queue_published(metric_exchange(""), "replay");
            ack(delivery).await?;
            replayed += 1;
        }
        self.inner
            .metrics
            .set_dlq_depth(consumer, depth.saturating_sub(replayed));
        Ok(replayed)
    }

    /// Deletes a consumer's queues (work, tiers, DLQ) with their messages. For tests.
    pub async fn delete_consumer_topology(&self, spec: &ConsumerSpec) -> Result<(), BusError> {
        let channel = self.channel().await?;
        let queues = topology::ConsumerQueues::new(&self.inner.config.prefix, spec);
        let names = std::iter::once(&queues.work)
            .chain(queues.tiers.iter().map(|(_, name)| name))
            .chain(std::iter::once(&queues.dlq));
        for name in names {
            channel
                .queue_delete(short(name)?, QueueDeleteOptions::default())
                .await
                .map_err(BusError::channel("queue.delete"))?;
        }
        Ok(())
    }

    /// Deletes the events and dead-letter exchanges. For tests.
    pub async fn delete_base(&self) -> Result<(), BusError> {
        let channel = self.channel().await?;
        for exchange in [self.events_exchange(), self.dead_letter_exchange()] {
            channel
                .exchange_delete(short(&exchange)?, ExchangeDeleteOptions::default())
                .await
                .map_err(BusError::channel("exchange.delete"))?;
        }
        Ok(())
    }

    /// A fresh channel on a pooled connection; dropping it closes it. Bounded: a pooled
    /// connection the broker dropped a moment ago can leave `channel.open` unanswered, and a
    /// consumer's handler waiting on it would stall its consumer for good.
    async fn channel(&self) -> Result<Channel, BusError> {
        let connection = self.inner.pool.get().await?;
        tokio::time::timeout(CHANNEL_TIMEOUT, connection.create_channel())
            .await
            .map_err(|_elapsed| BusError::Timeout {
                operation: "channel.open",
                after: CHANNEL_TIMEOUT,
            })?
            .map_err(BusError::channel("channel.open"))
    }

    async fn confirm_channel(&self) -> Result<Channel, BusError> {
        let channel = self.channel().await?;
        tokio::time::timeout(
            CHANNEL_TIMEOUT,
            channel.confirm_select(ConfirmSelectOptions::default()),
        )
        .await
        .map_err(|_elapsed| BusError::Timeout {
            operation: "confirm.select",
            after: CHANNEL_TIMEOUT,
        })?
        .map_err(BusError::channel("confirm.select"))?;
        Ok(channel)
    }

    /// The DLQ's message count; `UnknownConsumer` when it does not exist.
    async fn passive_dlq(&self, channel: &Channel, consumer: &str) -> Result<u32, BusError> {
        let queue = topology::dlq_queue(&self.inner.config.prefix, consumer);
        let declared = channel
            .queue_declare(
                short(&queue)?,
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(BusError::channel("queue.declare passive"));
        match declared {
            Ok(queue) => Ok(queue.message_count()),
            Err(error) if error.is_not_found() => {
                Err(BusError::UnknownConsumer(consumer.to_owned()))
            }
            Err(error) => Err(error),
        }
    }
}

impl Publisher {
    /// Publishes and waits for the broker confirm (ack). Nack or timeout is an error.
    pub async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        message: OutgoingMessage,
    ) -> Result<(), BusError> {
        let properties = message_properties(&message)?;
        publish_confirmed(
            &self.channel,
            Target {
                exchange,
                routing_key,
                mandatory: false,
            },
            &message.body,
            properties,
            self.confirm_timeout,
        )
        .await?;
        self.metrics.queue_published(exchange, "event");
        Ok(())
    }

    /// Publishes straight into a queue (the default exchange, routing key = the queue name)
    /// and waits for the confirm. Mandatory: a missing queue is [`BusError::Unroutable`],
    /// never a silent drop (for jobs handed from one consumer to another).
    pub async fn publish_to_queue(
        &self,
        queue: &str,
        message: OutgoingMessage,
    ) -> Result<(), BusError> {
        let properties = message_properties(&message)?;
        publish_confirmed(
            &self.channel,
            Target {
                exchange: "",
                routing_key: queue,
                mandatory: true,
            },
            &message.body,
            properties,
            self.confirm_timeout,
        )
        .await?;
        self.metrics.queue_published(metric_exchange(""), "job");
        Ok(())
    }

    /// Pipelined: publishes all, then awaits every confirm; Ok only if all were acked.
    pub async fn publish_batch(
        &self,
        exchange: &str,
        messages: Vec<(String, OutgoingMessage)>,
    ) -> Result<(), BusError> {
        self.send_batch(exchange, messages).await?.confirmed().await
    }

    /// Sends every message of a batch (in order, on this channel) without waiting for the
    /// broker's confirms: [`SentBatch::confirmed`] waits for them. Lets a caller send the next
    /// batch while this one's confirms are outstanding; the channel keeps the order of the
    /// two. Nothing may be counted as delivered before `confirmed` answers `Ok`.
    pub async fn send_batch(
        &self,
        exchange: &str,
        messages: Vec<(String, OutgoingMessage)>,
    ) -> Result<SentBatch, BusError> {
        let mut confirms = Vec::with_capacity(messages.len());
        let mut routing_keys = Vec::with_capacity(messages.len());
        for (routing_key, message) in messages {
            let properties = message_properties(&message)?;
            let confirm = start_publish(
                &self.channel,
                Target {
                    exchange,
                    routing_key: &routing_key,
                    mandatory: false,
                },
                &message.body,
                properties,
            )
            .await?;
            confirms.push(confirm);
            routing_keys.push(routing_key);
        }
        Ok(SentBatch {
            exchange: exchange.to_owned(),
            routing_keys,
            confirms,
            confirm_timeout: self.confirm_timeout,
            metrics: self.metrics.clone(),
        })
    }
}

/// A batch sent by [`Publisher::send_batch`] whose confirms are outstanding. Dropping it
/// forgets the confirms: the messages may or may not have reached the broker.
#[must_use = "a sent batch counts as delivered only once `confirmed` answers Ok"]
pub struct SentBatch {
    exchange: String,
    routing_keys: Vec<String>,
    confirms: Vec<PublisherConfirm>,
    confirm_timeout: Duration,
    metrics: Metrics,
}

impl std::fmt::Debug for SentBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentBatch")
            .field("exchange", &self.exchange)
            .field("messages", &self.routing_keys.len())
            .finish_non_exhaustive()
    }
}

impl SentBatch {
    /// Messages in the batch.
    pub fn len(&self) -> usize {
        self.routing_keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routing_keys.is_empty()
    }

    /// Waits (at most the confirm timeout, from this call) for every confirm; Ok only if the
    /// broker acked every message.
    pub async fn confirmed(self) -> Result<(), BusError> {
        let confirmations = tokio::time::timeout(self.confirm_timeout, join_all(self.confirms))
            .await
            .map_err(|_elapsed| BusError::ConfirmTimeout(self.confirm_timeout))?;
        for (confirmation, routing_key) in confirmations.into_iter().zip(&self.routing_keys) {
            check_confirmation(
                confirmation,
                Target {
                    exchange: &self.exchange,
                    routing_key,
                    mandatory: false,
                },
            )?;
        }
        for _ in &self.routing_keys {
            self.metrics.queue_published(&self.exchange, "event");
        }
        Ok(())
    }
}

/// Where a message goes. `mandatory` makes an unroutable message an error instead of a silent
/// drop: internal moves (retry, dead-letter, replay) must never vanish.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub exchange: &'a str,
    pub routing_key: &'a str,
    pub mandatory: bool,
}

pub(crate) async fn publish_confirmed(
    channel: &Channel,
    target: Target<'_>,
    body: &[u8],
    properties: BasicProperties,
    confirm_timeout: Duration,
) -> Result<(), BusError> {
    // The whole exchange is bounded, the send included: on a connection the broker dropped a
    // moment ago, `basic.publish` itself can stay pending, and a consumer's handler waiting on
    // it would stall that consumer for good (it reads no deliveries meanwhile, so it never
    // sees its own connection fail).
    let exchange = async {
        let confirm = start_publish(channel, target, body, properties).await?;
        Ok::<_, BusError>(confirm.await)
    };
    let confirmation = tokio::time::timeout(confirm_timeout, exchange)
        .await
        .map_err(|_elapsed| BusError::ConfirmTimeout(confirm_timeout))??;
    check_confirmation(confirmation, target)
}

/// Bound of sending one publish frame (before its confirm).
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

async fn start_publish(
    channel: &Channel,
    target: Target<'_>,
    body: &[u8],
    properties: BasicProperties,
) -> Result<PublisherConfirm, BusError> {
    let send = channel.basic_publish(
        short(target.exchange)?,
        short(target.routing_key)?,
        BasicPublishOptions {
            mandatory: target.mandatory,
            immediate: false,
        },
        body,
        properties,
    );
    tokio::time::timeout(SEND_TIMEOUT, send)
        .await
        .map_err(|_elapsed| BusError::Timeout {
            operation: "basic.publish",
            after: SEND_TIMEOUT,
        })?
        .map_err(BusError::channel("basic.publish"))
}

fn check_confirmation(
    confirmation: Result<Confirmation, lapin::Error>,
    target: Target<'_>,
) -> Result<(), BusError> {
    match confirmation.map_err(BusError::channel("publisher confirm"))? {
        Confirmation::Ack(None) => Ok(()),
        Confirmation::Ack(Some(_returned)) => Err(BusError::Unroutable {
            exchange: target.exchange.to_owned(),
            routing_key: target.routing_key.to_owned(),
        }),
        Confirmation::Nack(_) => Err(BusError::PublishNacked {
            exchange: target.exchange.to_owned(),
            routing_key: target.routing_key.to_owned(),
        }),
        // Every publishing channel here is in confirm mode; a missing confirm is a bug.
        Confirmation::NotRequested => Err(BusError::PublishNacked {
            exchange: target.exchange.to_owned(),
            routing_key: target.routing_key.to_owned(),
        }),
    }
}

/// Bound of sending one acknowledgement (or requeue).
pub(crate) const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Acknowledges `delivery`, bounded by [`ACK_TIMEOUT`]: on a connection that broke a moment
/// ago lapin can leave the `basic.ack` pending for good, which would hold the consumer's
/// in-flight slot (and its session) forever while the broker waits to redeliver.
pub(crate) async fn ack(delivery: &lapin::message::Delivery) -> Result<(), BusError> {
    let sent = tokio::time::timeout(ACK_TIMEOUT, delivery.ack(BasicAckOptions::default()))
        .await
        .map_err(|_elapsed| BusError::Timeout {
            operation: "basic.ack",
            after: ACK_TIMEOUT,
        })?
        .map_err(BusError::channel("basic.ack"))?;
    if sent { Ok(()) } else { Err(BusError::AckLost) }
}

pub(crate) fn persistent_properties() -> BasicProperties {
    BasicProperties::default().with_delivery_mode(PERSISTENT)
}

pub(crate) fn metric_exchange(exchange: &str) -> &str {
    if exchange.is_empty() {
        DEFAULT_EXCHANGE_LABEL
    } else {
        exchange
    }
}

fn message_properties(message: &OutgoingMessage) -> Result<BasicProperties, BusError> {
    let mut headers = FieldTable::default();
    for (key, value) in &message.headers {
        headers.insert(
            short(key)?,
            AMQPValue::LongString(LongString::from(value.as_str())),
        );
    }
    let mut properties = persistent_properties()
        .with_message_id(short(&message.message_id)?)
        .with_content_type(short(&message.content_type)?)
        .with_headers(headers);
    if let Some(timestamp) = message.timestamp {
        // AMQP timestamps are whole seconds since the epoch; earlier instants are clamped.
        properties =
            properties.with_timestamp(u64::try_from(timestamp.timestamp()).unwrap_or_default());
    }
    Ok(properties)
}
