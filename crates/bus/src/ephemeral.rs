//! Ephemeral consumers: one exclusive, auto-delete, non-acknowledged queue per process session,
//! bound to exactly what the process needs right now (the realtime hub is the one user).
//!
//! Topology for consumer `C` under prefix `P`:
//! - optionally a *fan-out* headers exchange `P.{fanout}` (auto-delete), fed from `P.events`
//!   by an exchange-to-exchange binding per routing pattern; the process may also publish its
//!   own notices to it ([`EphemeralConsumer::publish`]);
//! - per session, a queue `P.{queue_stem}.{ulid}` (exclusive, auto-delete, capped at
//!   `max_length`: the oldest messages are dropped), bound with the handler's
//!   [`EphemeralBinding`]s: header matches (`x-match: all`) on the fan-out exchange, or routing
//!   keys on `P.events` itself.
//!
//! [`EphemeralConsumer::run`] is the supervised loop: connect (a dedicated, named connection,
//! as every consumer), declare the base exchanges ([`crate::topology`]) and the fan-out
//! exchange, declare the queue, bind everything [`EphemeralHandler::bindings`] wants (the
//! rebind callback), consume until cancellation or a broker failure, then reconnect with
//! backoff and rebind. Binding changes are commands processed in order by the loop, so
//! [`EphemeralConsumer::sync`] returns once the broker matches what the handler wants.
//! Delivery is best effort: [`EphemeralHandler::connected`] tells the handler when a session
//! starts and ends, so it can treat everything in between as a gap.

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_util::StreamExt;
use lapin::{
    BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind,
    options::{
        BasicConsumeOptions, BasicPublishOptions, ExchangeBindOptions, ExchangeDeclareOptions,
        QueueBindOptions, QueueDeclareOptions,
    },
    types::{AMQPValue, FieldTable, LongString, ShortString},
};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::{
    Bus, BusError,
    headers::short,
    session::{CLOSE_TIMEOUT, Reconnect, SETUP_TIMEOUT},
    topology,
};

/// How long [`EphemeralConsumer::sync`] waits for its binding.
const BIND_TIMEOUT: Duration = Duration::from_secs(10);

/// What an ephemeral consumer declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EphemeralSpec {
    /// Names the connection (`atelier:{prefix}:{name}`) and the `atelier_consumer_up` label.
    pub name: String,
    /// The session queue is `P.{queue_stem}.{ulid}`.
    pub queue_stem: String,
    /// Messages kept in the queue; beyond it the oldest are dropped.
    pub max_length: i64,
    /// The fan-out headers exchange, if any.
    pub fanout: Option<FanoutExchange>,
}

/// A headers exchange `P.{name}` fed from `P.events` with these routing patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanoutExchange {
    pub name: String,
    pub patterns: Vec<String>,
}

/// Where a binding takes messages from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BindingSource {
    /// `P.events` (topic exchange), by routing key.
    Events,
    /// The fan-out headers exchange, by headers (`x-match: all`).
    Fanout,
}

/// One binding of the session queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EphemeralBinding {
    pub source: BindingSource,
    /// For [`BindingSource::Events`]; empty for the fan-out exchange.
    pub routing_key: String,
    /// For [`BindingSource::Fanout`]: every pair must match.
    pub headers: Vec<(String, String)>,
}

impl EphemeralBinding {
    /// Messages of `P.events` with this routing key (or pattern).
    pub fn events(routing_key: impl Into<String>) -> Self {
        Self {
            source: BindingSource::Events,
            routing_key: routing_key.into(),
            headers: Vec::new(),
        }
    }

    /// Messages of the fan-out exchange carrying all these headers.
    pub fn fanout(headers: Vec<(String, String)>) -> Self {
        Self {
            source: BindingSource::Fanout,
            routing_key: String::new(),
            headers,
        }
    }
}

/// The process side of an ephemeral consumer.
pub trait EphemeralHandler: Send + Sync + 'static {
    /// Every binding wanted now; applied after each (re)connect.
    fn bindings(&self) -> Vec<EphemeralBinding>;
    /// Whether `binding` is wanted now (asked when a sync command is processed, so the broker
    /// converges on the latest state whatever the order of subscribes and unsubscribes).
    fn wants(&self, binding: &EphemeralBinding) -> bool;
    /// One message, with the routing key it was published with. Not acknowledged.
    fn deliver(&self, routing_key: &str, body: &[u8]);
    /// A session started (`true`, every wanted binding in place) or ended (`false`).
    fn connected(&self, _connected: bool) {}
}

enum Command {
    Sync {
        binding: EphemeralBinding,
        done: Option<oneshot::Sender<Result<(), String>>>,
    },
    Publish {
        routing_key: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
}

/// Handle to one ephemeral consumer. Cheap to clone; [`EphemeralConsumer::run`] once.
#[derive(Clone)]
pub struct EphemeralConsumer {
    inner: Arc<Inner>,
}

struct Inner {
    bus: Bus,
    spec: EphemeralSpec,
    commands: mpsc::UnboundedSender<Command>,
    command_receiver: Mutex<Option<mpsc::UnboundedReceiver<Command>>>,
    connected: AtomicBool,
}

impl std::fmt::Debug for EphemeralConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EphemeralConsumer")
            .field("name", &self.inner.spec.name)
            .finish_non_exhaustive()
    }
}

impl EphemeralConsumer {
    pub fn new(bus: Bus, spec: EphemeralSpec) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        Self {
            inner: Arc::new(Inner {
                bus,
                spec,
                commands,
                command_receiver: Mutex::new(Some(receiver)),
                connected: AtomicBool::new(false),
            }),
        }
    }

    /// `P.{fanout}`, the fan-out exchange, if the spec has one.
    pub fn fanout_exchange(&self) -> Option<String> {
        self.inner
            .spec
            .fanout
            .as_ref()
            .map(|fanout| format!("{}.{}", self.inner.bus.config().prefix, fanout.name))
    }

    /// True while a session holds the subscription.
    pub fn is_connected(&self) -> bool {
        self.inner.connected.load(Ordering::Relaxed)
    }

    /// Makes the broker match whether `binding` is wanted; returns once it does.
    pub async fn sync(&self, binding: EphemeralBinding) -> Result<(), BusError> {
        let (done, wait) = oneshot::channel();
        self.command(Command::Sync {
            binding,
            done: Some(done),
        });
        let operation = "ephemeral binding";
        match tokio::time::timeout(BIND_TIMEOUT, wait).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(message))) => Err(BusError::Ephemeral(message)),
            Ok(Err(_dropped)) => Err(BusError::Ephemeral(
                "the broker connection dropped".to_owned(),
            )),
            Err(_elapsed) => Err(BusError::Timeout {
                operation,
                after: BIND_TIMEOUT,
            }),
        }
    }

    /// Like [`EphemeralConsumer::sync`] without waiting (a binding no longer wanted).
    pub fn sync_later(&self, binding: EphemeralBinding) {
        self.command(Command::Sync {
            binding,
            done: None,
        });
    }

    /// Publishes a notice to the fan-out exchange (no confirm, not persistent). Dropped while
    /// disconnected: notices are ephemeral.
    pub fn publish(&self, routing_key: &str, headers: Vec<(String, String)>, body: Vec<u8>) {
        if !self.is_connected() {
            tracing::debug!(consumer = %self.inner.spec.name, routing_key, "disconnected: notice dropped");
            return;
        }
        self.command(Command::Publish {
            routing_key: routing_key.to_owned(),
            headers,
            body,
        });
    }

    fn command(&self, command: Command) {
        if self.inner.commands.send(command).is_err() {
            tracing::debug!(consumer = %self.inner.spec.name, "ephemeral consumer stopped: command dropped");
        }
    }

    fn set_connected(&self, handler: &dyn EphemeralHandler, connected: bool) {
        let was = self.inner.connected.swap(connected, Ordering::Relaxed);
        self.inner
            .bus
            .metrics()
            .set_consumer_up(&self.inner.spec.name, connected);
        if was != connected {
            handler.connected(connected);
        }
    }

    /// Runs the supervised subscription until `cancel` fires (see the module docs). A second
    /// call returns at once (logged).
    pub async fn run(&self, handler: Arc<dyn EphemeralHandler>, cancel: CancellationToken) {
        let name = self.inner.spec.name.clone();
        self.set_connected(handler.as_ref(), false);
        let Some(mut commands) = self
            .inner
            .command_receiver
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        else {
            tracing::error!(consumer = %name, "ephemeral consumer started twice; the second run does nothing");
            return;
        };
        let mut reconnect = Reconnect::new(self.inner.bus.config().reconnect_backoff_max);
        loop {
            let mut subscribed = false;
            let result = self
                .session(handler.as_ref(), &mut commands, &cancel, &mut subscribed)
                .await;
            self.set_connected(handler.as_ref(), false);
            match result {
                Ok(()) => break,
                Err(error) => {
                    tracing::warn!(consumer = %name, %error, "ephemeral consumer session failed; reconnecting")
                }
            }
            if subscribed {
                reconnect.reset();
            }
            // Waiting syncs fail fast while disconnected; the next session binds everything
            // still wanted anyway.
            while let Ok(command) = commands.try_recv() {
                if let Command::Sync {
                    done: Some(done), ..
                } = command
                    && done
                        .send(Err("the broker is unreachable".to_owned()))
                        .is_err()
                {
                    tracing::debug!(consumer = %name, "caller gave up waiting for its binding");
                }
            }
            if !reconnect.wait(&cancel).await {
                break;
            }
        }
        tracing::info!(consumer = %name, "ephemeral consumer stopped");
    }

    /// One broker session; `Ok` only when cancelled.
    async fn session(
        &self,
        handler: &dyn EphemeralHandler,
        commands: &mut mpsc::UnboundedReceiver<Command>,
        cancel: &CancellationToken,
        subscribed: &mut bool,
    ) -> Result<(), BusError> {
        let setup = tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            setup = tokio::time::timeout(SETUP_TIMEOUT, self.set_up(handler)) => setup
                .map_err(|_elapsed| BusError::Timeout { operation: "ephemeral consumer setup", after: SETUP_TIMEOUT })??,
        };
        let Session {
            connection,
            channel,
            queue,
            mut stream,
            mut bound,
        } = setup;
        *subscribed = true;
        self.set_connected(handler, true);
        tracing::info!(consumer = %self.inner.spec.name, queue = %queue, "ephemeral consumer subscribed");
        let fanout = self.fanout_exchange().unwrap_or_default();
        let end = loop {
            tokio::select! {
                biased;
                () = cancel.cancelled() => break Ok(()),
                command = commands.recv() => match command {
                    None => break Ok(()),
                    Some(Command::Sync { binding, done }) => {
                        let result = self.reconcile(handler, &channel, &queue, &mut bound, &binding).await;
                        let failed = result.as_ref().err().map(ToString::to_string);
                        if let Some(done) = done
                            && done.send(result.map_err(|error| error.to_string())).is_err()
                        {
                            tracing::debug!("caller gave up waiting for its binding");
                        }
                        if let Some(error) = failed {
                            break Err(BusError::Ephemeral(error));
                        }
                    }
                    Some(Command::Publish { routing_key, headers, body }) => {
                        if let Err(error) = publish(&channel, &fanout, &routing_key, &headers, &body).await {
                            break Err(error);
                        }
                    }
                },
                delivery = stream.next() => match delivery {
                    Some(Ok(delivery)) => handler.deliver(delivery.routing_key.as_str(), &delivery.data),
                    Some(Err(error)) => break Err(BusError::Channel { operation: "basic.deliver", source: error }),
                    None => break Err(BusError::Ephemeral("the broker ended the subscription".to_owned())),
                },
            }
        };
        self.set_connected(handler, false);
        let close = connection.close(200, ShortString::from("ephemeral consumer session over"));
        match tokio::time::timeout(CLOSE_TIMEOUT, close).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::debug!(%error, "ephemeral consumer connection close failed"),
            Err(_elapsed) => tracing::debug!("ephemeral consumer connection close timed out"),
        }
        end
    }

    async fn set_up(&self, handler: &dyn EphemeralHandler) -> Result<Session, BusError> {
        let config = self.inner.bus.config();
        let prefix = &config.prefix;
        let spec = &self.inner.spec;
        let name = format!("atelier:{prefix}:{}", spec.name);
        let connection = Connection::connect(
            &config.url,
            ConnectionProperties::default().with_connection_name(LongString::from(name.as_str())),
        )
        .await
        .map_err(BusError::Connection)?;
        let channel = connection
            .create_channel()
            .await
            .map_err(BusError::channel("channel.open"))?;
        topology::declare_base(&channel, prefix).await?;
        if let (Some(fanout), Some(exchange)) = (&spec.fanout, self.fanout_exchange()) {
            channel
                .exchange_declare(
                    short(&exchange)?,
                    ExchangeKind::Headers,
                    ExchangeDeclareOptions {
                        auto_delete: true,
                        ..ExchangeDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .map_err(BusError::channel("exchange.declare fanout"))?;
            for pattern in &fanout.patterns {
                channel
                    .exchange_bind(
                        short(&exchange)?,
                        short(&topology::events_exchange(prefix))?,
                        short(pattern)?,
                        ExchangeBindOptions::default(),
                        FieldTable::default(),
                    )
                    .await
                    .map_err(BusError::channel("exchange.bind"))?;
            }
        }
        let queue = format!(
            "{prefix}.{}.{}",
            spec.queue_stem,
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let mut arguments = FieldTable::default();
        arguments.insert(
            ShortString::from("x-max-length"),
            AMQPValue::LongLongInt(spec.max_length),
        );
        channel
            .queue_declare(
                short(&queue)?,
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                arguments,
            )
            .await
            .map_err(BusError::channel("queue.declare"))?;
        let mut bound = HashSet::new();
        for binding in handler.bindings() {
            self.reconcile(handler, &channel, &queue, &mut bound, &binding)
                .await?;
        }
        let stream = channel
            .basic_consume(
                short(&queue)?,
                short(&name)?,
                BasicConsumeOptions {
                    no_ack: true,
                    exclusive: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(BusError::channel("basic.consume"))?;
        Ok(Session {
            connection,
            channel,
            queue,
            stream,
            bound,
        })
    }

    /// Binds or unbinds `binding` so the broker matches the handler.
    async fn reconcile(
        &self,
        handler: &dyn EphemeralHandler,
        channel: &Channel,
        queue: &str,
        bound: &mut HashSet<EphemeralBinding>,
        binding: &EphemeralBinding,
    ) -> Result<(), BusError> {
        let wanted = handler.wants(binding);
        if wanted == bound.contains(binding) {
            return Ok(());
        }
        let prefix = &self.inner.bus.config().prefix;
        let (exchange, arguments) = match binding.source {
            BindingSource::Events => (topology::events_exchange(prefix), FieldTable::default()),
            BindingSource::Fanout => (
                self.fanout_exchange().ok_or_else(|| {
                    BusError::InvalidSpec("a fan-out binding without a fan-out exchange".to_owned())
                })?,
                match_all(&binding.headers)?,
            ),
        };
        if wanted {
            channel
                .queue_bind(
                    short(queue)?,
                    short(&exchange)?,
                    short(&binding.routing_key)?,
                    QueueBindOptions::default(),
                    arguments,
                )
                .await
                .map_err(BusError::channel("queue.bind"))?;
            bound.insert(binding.clone());
        } else {
            channel
                .queue_unbind(
                    short(queue)?,
                    short(&exchange)?,
                    short(&binding.routing_key)?,
                    arguments,
                )
                .await
                .map_err(BusError::channel("queue.unbind"))?;
            bound.remove(binding);
        }
        Ok(())
    }
}

/// What one session set up: kept alive for its duration.
struct Session {
    connection: Connection,
    channel: Channel,
    queue: String,
    stream: lapin::Consumer,
    bound: HashSet<EphemeralBinding>,
}

fn match_all(pairs: &[(String, String)]) -> Result<FieldTable, BusError> {
    let mut table = FieldTable::default();
    table.insert(
        ShortString::from("x-match"),
        AMQPValue::LongString(LongString::from("all")),
    );
    for (key, value) in pairs {
        table.insert(
            short(key)?,
            AMQPValue::LongString(LongString::from(value.as_str())),
        );
    }
    Ok(table)
}

async fn publish(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<(), BusError> {
    let mut table = FieldTable::default();
    for (key, value) in headers {
        table.insert(
            short(key)?,
            AMQPValue::LongString(LongString::from(value.as_str())),
        );
    }
    let properties = BasicProperties::default()
        .with_content_type(ShortString::from("application/json"))
        .with_headers(table);
    // Ephemeral notices: no confirm (a lost typing notice is harmless), not persistent.
    channel
        .basic_publish(
            short(exchange)?,
            short(routing_key)?,
            BasicPublishOptions::default(),
            body,
            properties,
        )
        .await
        .map_err(BusError::channel("basic.publish"))?;
    Ok(())
}
