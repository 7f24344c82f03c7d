//! Supervised consumers: a [`Handler`] decides, [`spawn_consumer`] runs it against the broker.
//!
//! Each consumer runs as one task that loops over *sessions*. A session opens a dedicated,
//! named connection (`atelier:{prefix}:consumer:{name}`), declares the topology, sets the
//! prefetch, subscribes to the work queue and handles up to `prefetch` deliveries
//! concurrently. Each delivery's [`Outcome`] becomes a [`crate::Route`] (see [`crate::route`]),
//! executed as "publish the copy with a confirm, then ack the original". Any broker error or the
//! end of the subscription ends the session: the consumer is marked down in [`ConsumerHealth`],
//! waits (100ms doubling up to `reconnect_backoff_max`) and starts a new session. Cancellation
//! stops taking deliveries, lets in-flight ones finish and settle, then closes the connection.

use std::{
    collections::BTreeMap,
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
};

use futures_util::{FutureExt, StreamExt, stream::FuturesUnordered};
use lapin::{
    Channel, Connection, ConnectionProperties,
    options::{
        BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
        ConfirmSelectOptions,
    },
    types::{FieldTable, LongString, ShortString},
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{
    Bus, BusError, ConsumerSpec, Outcome, Route,
    bus::{ACK_TIMEOUT, Target, ack, metric_exchange, publish_confirmed},
    dead_letter::copy_properties,
    headers::{self, ATTEMPT, DEAD_LETTERED_AT, LAST_ERROR, REASON, ROUTING_KEY, short},
    route,
    session::{CLOSE_TIMEOUT, Reconnect, SETUP_TIMEOUT},
    topology,
};

/// One message handed to a [`Handler`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub message_id: Option<String>,
    /// The key the event was published with, also after retries and replays.
    pub routing_key: String,
    pub body: Vec<u8>,
    /// String-valued headers only.
    pub headers: BTreeMap<String, String>,
    /// 1-based; counts handler attempts (retries), not broker redeliveries.
    pub attempt: u32,
    /// The broker delivered this message before without it being settled.
    pub redelivered: bool,
}

/// Business logic of one consumer.
#[async_trait::async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Name, bindings and retry policy; read once when the consumer is spawned.
    fn spec(&self) -> ConsumerSpec;
    /// Decides what happens to one delivery. A panic counts as [`Outcome::Retry`].
    async fn handle(&self, delivery: &Delivery) -> Outcome;
    /// Deliveries handled at once (the channel's prefetch); `None` takes `amqp.prefetch`. For
    /// consumers that mostly wait on the network, like webhook delivery.
    fn prefetch(&self) -> Option<u16> {
        None
    }
}

/// Liveness of all consumers of one process, shared with readiness checks. A consumer is alive
/// while it holds an active subscription.
#[derive(Clone, Default)]
pub struct ConsumerHealth {
    states: Arc<Mutex<BTreeMap<String, bool>>>,
}

impl std::fmt::Debug for ConsumerHealth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.snapshot()).finish()
    }
}

impl ConsumerHealth {
    /// True when every registered consumer is subscribed (and when none is registered).
    pub fn all_alive(&self) -> bool {
        self.lock().values().all(|alive| *alive)
    }

    /// `(name, alive)` of every registered consumer, by name.
    pub fn snapshot(&self) -> Vec<(String, bool)> {
        self.lock()
            .iter()
            .map(|(name, alive)| (name.clone(), *alive))
            .collect()
    }

    fn set(&self, name: &str, alive: bool) {
        self.lock().insert(name.to_owned(), alive);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, bool>> {
        // The map stays consistent even if a holder panicked: every update is one insert.
        self.states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Spawns a supervised consumer (see the module docs). It registers in `health` at once, not
/// alive until subscribed, and stays registered (not alive) after it stops. The task ends only
/// when `cancel` fires, or at once if the handler's spec is invalid (logged).
pub fn spawn_consumer(
    bus: Bus,
    handler: Arc<dyn Handler>,
    health: ConsumerHealth,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    let spec = handler.spec();
    health.set(&spec.name, false);
    bus.metrics().set_consumer_up(&spec.name, false);
    let consumer = ConsumerTask {
        bus,
        handler,
        health,
        spec,
    };
    tokio::spawn(consumer.supervise(cancel))
}

/// Longest `x-atelier-last-error` kept, in bytes.
const MAX_ERROR_BYTES: usize = 4096;

struct ConsumerTask {
    bus: Bus,
    handler: Arc<dyn Handler>,
    health: ConsumerHealth,
    spec: ConsumerSpec,
}

enum SessionEnd {
    Cancelled,
    /// The broker cancelled the subscription (queue deleted, node shutting down...).
    SubscriptionEnded,
}

/// What a session set up: kept alive for its duration.
struct Session {
    connection: Connection,
    consume_channel: Channel,
    publish_channel: Channel,
    stream: lapin::Consumer,
}

impl ConsumerTask {
    /// The handler's prefetch, else the bus's; at least 1.
    fn prefetch(&self) -> u16 {
        self.handler
            .prefetch()
            .unwrap_or(self.bus.config().prefetch)
            .max(1)
    }

    async fn supervise(self, cancel: CancellationToken) {
        let name = self.spec.name.clone();
        if let Err(error) = self.spec.validate() {
            tracing::error!(consumer = %name, %error, "consumer not started");
            return;
        }
        let mut reconnect = Reconnect::new(self.bus.config().reconnect_backoff_max);
        loop {
            let mut subscribed = false;
            let result = self.run_session(&cancel, &mut subscribed).await;
            self.mark(false);
            match result {
                Ok(SessionEnd::Cancelled) => break,
                Ok(SessionEnd::SubscriptionEnded) => {
                    tracing::warn!(consumer = %name, "subscription ended by the broker; reconnecting");
                }
                Err(error) => {
                    tracing::warn!(consumer = %name, %error, "consumer session failed; reconnecting");
                }
            }
            if subscribed {
                reconnect.reset();
            }
            if !reconnect.wait(&cancel).await {
                break;
            }
        }
        tracing::info!(consumer = %name, "consumer stopped");
    }

    fn mark(&self, alive: bool) {
        self.health.set(&self.spec.name, alive);
        self.bus.metrics().set_consumer_up(&self.spec.name, alive);
    }

    async fn run_session(
        &self,
        cancel: &CancellationToken,
        subscribed: &mut bool,
    ) -> Result<SessionEnd, BusError> {
        let session = tokio::select! {
            () = cancel.cancelled() => return Ok(SessionEnd::Cancelled),
            setup = tokio::time::timeout(SETUP_TIMEOUT, self.set_up()) => {
                setup.map_err(|_elapsed| BusError::Timeout {
                    operation: "consumer setup",
                    after: SETUP_TIMEOUT,
                })??
            }
        };
        *subscribed = true;
        self.mark(true);
        tracing::info!(consumer = %self.spec.name, "consumer subscribed");
        let Session {
            connection,
            consume_channel,
            publish_channel,
            mut stream,
        } = session;
        let end = self
            .consume(&mut stream, &consume_channel, &publish_channel, cancel)
            .await;
        self.mark(false);
        let close = connection.close(200, ShortString::from("consumer session over"));
        match tokio::time::timeout(CLOSE_TIMEOUT, close).await {
            Ok(Ok(())) => {}
            // Usually the connection is what broke; nothing is left to close.
            Ok(Err(error)) => {
                tracing::debug!(consumer = %self.spec.name, %error, "connection close failed")
            }
            Err(_elapsed) => {
                tracing::debug!(consumer = %self.spec.name, "connection close timed out")
            }
        }
        end
    }

    async fn set_up(&self) -> Result<Session, BusError> {
        let config = self.bus.config();
        let connection_name = format!("atelier:{}:consumer:{}", config.prefix, self.spec.name);
        let properties = ConnectionProperties::default()
            .with_connection_name(LongString::from(connection_name.as_str()));
        let connection = Connection::connect(&config.url, properties)
            .await
            .map_err(BusError::Connection)?;

        let topology_channel = connection
            .create_channel()
            .await
            .map_err(BusError::channel("channel.open"))?;
        topology::declare_base(&topology_channel, &config.prefix).await?;
        topology::declare_consumer(
            &topology_channel,
            &config.prefix,
            config.delivery_limit,
            &self.spec,
        )
        .await?;
        drop(topology_channel);

        let publish_channel = connection
            .create_channel()
            .await
            .map_err(BusError::channel("channel.open"))?;
        publish_channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(BusError::channel("confirm.select"))?;

        let consume_channel = connection
            .create_channel()
            .await
            .map_err(BusError::channel("channel.open"))?;
        consume_channel
            .basic_qos(self.prefetch(), BasicQosOptions::default())
            .await
            .map_err(BusError::channel("basic.qos"))?;
        let stream = consume_channel
            .basic_consume(
                short(&topology::work_queue(&config.prefix, &self.spec.name))?,
                short(&connection_name)?,
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(BusError::channel("basic.consume"))?;
        Ok(Session {
            connection,
            consume_channel,
            publish_channel,
            stream,
        })
    }

    /// Handles deliveries until cancellation, a failure, or the end of the subscription; then
    /// drains the deliveries in flight.
    async fn consume(
        &self,
        stream: &mut lapin::Consumer,
        consume_channel: &Channel,
        publish_channel: &Channel,
        cancel: &CancellationToken,
    ) -> Result<SessionEnd, BusError> {
        let concurrency = usize::from(self.prefetch());
        let mut in_flight = FuturesUnordered::new();
        let end = loop {
            tokio::select! {
                biased;
                () = cancel.cancelled() => break Ok(SessionEnd::Cancelled),
                Some(settled) = in_flight.next(), if !in_flight.is_empty() => {
                    if let Err(error) = settled {
                        break Err(error);
                    }
                }
                next = stream.next(), if in_flight.len() < concurrency => match next {
                    Some(Ok(delivery)) => in_flight.push(self.process(delivery, publish_channel)),
                    Some(Err(error)) => break Err(BusError::Channel {
                        operation: "basic.deliver",
                        source: error,
                    }),
                    None => break Ok(SessionEnd::SubscriptionEnded),
                },
            }
        };
        if matches!(end, Ok(SessionEnd::Cancelled)) {
            // Stop the flow; prefetched but unstarted deliveries return to the queue when the
            // channel closes.
            let tag = stream.tag();
            if let Err(error) = consume_channel
                .basic_cancel(tag, BasicCancelOptions::default())
                .await
            {
                tracing::debug!(consumer = %self.spec.name, %error, "basic.cancel failed");
            }
        }
        while let Some(settled) = in_flight.next().await {
            if let Err(error) = settled {
                tracing::warn!(consumer = %self.spec.name, %error, "in-flight delivery not settled; the broker will redeliver it");
            }
        }
        end
    }

    /// Handles one delivery and settles it. On failure the delivery is requeued (best effort)
    /// and the error ends the session, whose reconnect also redeclares missing topology.
    async fn process(
        &self,
        mut amqp: lapin::message::Delivery,
        publish_channel: &Channel,
    ) -> Result<(), BusError> {
        let table = amqp.properties.headers().as_ref();
        let delivery = Delivery {
            message_id: amqp
                .properties
                .message_id()
                .as_ref()
                .map(|id| id.as_str().to_owned()),
            routing_key: headers::get_string(table, ROUTING_KEY)
                .unwrap_or_else(|| amqp.routing_key.as_str().to_owned()),
            headers: headers::string_map(table),
            attempt: headers::attempt(table),
            redelivered: amqp.redelivered,
            body: std::mem::take(&mut amqp.data),
        };
        let outcome = match AssertUnwindSafe(self.handler.handle(&delivery))
            .catch_unwind()
            .await
        {
            Ok(outcome) => outcome,
            Err(_panic) => {
                tracing::error!(consumer = %self.spec.name, message_id = ?delivery.message_id, "handler panicked");
                Outcome::Retry {
                    reason: "handler panicked".to_owned(),
                }
            }
        };
        let route = route(outcome, delivery.attempt, &self.spec.retry);
        let settled = self.settle(&amqp, &delivery, route, publish_channel).await;
        if let Err(error) = &settled {
            tracing::warn!(consumer = %self.spec.name, message_id = ?delivery.message_id, %error, "delivery not settled; requeueing");
            let requeue = amqp.nack(BasicNackOptions {
                multiple: false,
                requeue: true,
            });
            match tokio::time::timeout(ACK_TIMEOUT, requeue).await {
                Ok(Ok(_sent)) => {}
                Ok(Err(nack_error)) => {
                    tracing::debug!(consumer = %self.spec.name, error = %nack_error, "requeue not sent; the channel will return the delivery when it closes");
                }
                Err(_elapsed) => {
                    tracing::debug!(consumer = %self.spec.name, "requeue timed out; the channel will return the delivery when it closes");
                }
            }
        }
        settled
    }

    async fn settle(
        &self,
        amqp: &lapin::message::Delivery,
        delivery: &Delivery,
        route: Route,
        publish_channel: &Channel,
    ) -> Result<(), BusError> {
        let name = &self.spec.name;
        let config = self.bus.config();
        let metrics = self.bus.metrics();
        let original_headers = amqp.properties.headers().as_ref();
        match route {
            Route::Ack => {
                ack(amqp).await?;
                metrics.queue_consumed(name, "ack");
            }
            Route::Retry {
                tier_millis,
                next_attempt,
                reason,
            } => {
                let mut copy = headers::copy_without(original_headers, &[ATTEMPT, LAST_ERROR]);
                headers::set_attempt(&mut copy, next_attempt);
                headers::set_string(&mut copy, LAST_ERROR, truncate(&reason))?;
                headers::set_string(&mut copy, ROUTING_KEY, &delivery.routing_key)?;
                let tier = topology::tier_queue(&config.prefix, name, tier_millis);
                publish_confirmed(
                    publish_channel,
                    Target {
                        exchange: "",
                        routing_key: &tier,
                        mandatory: true,
                    },
                    &delivery.body,
                    copy_properties(&amqp.properties).with_headers(copy),
                    config.confirm_timeout,
                )
                .await?;
                metrics.queue_published(metric_exchange(""), "retry");
                ack(amqp).await?;
                let tier_label = topology::tier_label(tier_millis);
                metrics.queue_retried(name, &tier_label);
                metrics.queue_consumed(name, "retry");
                tracing::debug!(consumer = %name, message_id = ?delivery.message_id, attempt = delivery.attempt, tier = %tier_label, %reason, "delivery retried");
            }
            Route::DeadLetter { reason, last_error } => {
                let mut copy = headers::copy_without(
                    original_headers,
                    &[ATTEMPT, LAST_ERROR, REASON, DEAD_LETTERED_AT],
                );
                headers::set_attempt(&mut copy, delivery.attempt);
                headers::set_string(&mut copy, LAST_ERROR, truncate(&last_error))?;
                headers::set_string(&mut copy, REASON, reason.as_str())?;
                headers::set_string(
                    &mut copy,
                    DEAD_LETTERED_AT,
                    &chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                )?;
                headers::set_string(&mut copy, ROUTING_KEY, &delivery.routing_key)?;
                let exchange = topology::dead_letter_exchange(&config.prefix);
                publish_confirmed(
                    publish_channel,
                    Target {
                        exchange: &exchange,
                        routing_key: name,
                        mandatory: true,
                    },
                    &delivery.body,
                    copy_properties(&amqp.properties).with_headers(copy),
                    config.confirm_timeout,
                )
                .await?;
                metrics.queue_published(metric_exchange(&exchange), "dead_letter");
                ack(amqp).await?;
                metrics.queue_dead_lettered(name, reason.as_str());
                metrics.queue_consumed(name, "dead_letter");
                tracing::warn!(consumer = %name, message_id = ?delivery.message_id, attempt = delivery.attempt, reason = reason.as_str(), %last_error, "delivery dead-lettered");
            }
        }
        Ok(())
    }
}

/// At most [`MAX_ERROR_BYTES`], cut at a character boundary.
fn truncate(text: &str) -> &str {
    if text.len() <= MAX_ERROR_BYTES {
        return text;
    }
    let mut end = MAX_ERROR_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_at_char_boundaries() {
        assert_eq!(truncate("short"), "short");
        let long = "é".repeat(MAX_ERROR_BYTES);
        let cut = truncate(&long);
        assert!(cut.len() <= MAX_ERROR_BYTES);
        assert!(cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn health_is_alive_only_when_every_consumer_is() {
        let health = ConsumerHealth::default();
        assert!(health.all_alive());
        health.set("a", true);
        health.set("b", false);
        assert!(!health.all_alive());
        health.set("b", true);
        assert!(health.all_alive());
        assert_eq!(
            health.snapshot(),
            vec![("a".to_owned(), true), ("b".to_owned(), true)]
        );
    }
}
