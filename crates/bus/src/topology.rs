//! Exchange and queue names, and the idempotent declarations of the base exchanges and of one
//! consumer's queues.
//!
//! For consumer `C` under prefix `P`:
//! - `P.events` (topic) and `P.dlx` (direct) exchanges, shared by every consumer;
//! - work queue `P.C`, bound to `P.events` with each binding pattern; the broker dead-letters
//!   to `P.dlx` with key `C` after `delivery_limit` unsettled deliveries;
//! - one TTL queue per retry tier, `P.C.retry.{millis}ms`, dead-lettering back to `P.C`
//!   through the default exchange;
//! - the dead-letter queue `P.C.dlq`, bound to `P.dlx` with key `C`.
//!
//! All queues are durable quorum queues. Dead-lettering is `at-least-once`, which requires
//! `x-overflow=reject-publish` on the source queue. Redeclaring with different arguments fails
//! with PRECONDITION_FAILED: changing a queue's arguments needs a migration (delete, recreate).

use lapin::{
    Channel, ExchangeKind,
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, LongString, ShortString},
};

use crate::{BusError, ConsumerSpec, headers::short};

/// Delivery limit of a dead-letter queue. Quorum queues count every requeue as a delivery, and
/// `dlq_peek` requeues what it looked at, so the default limit would eventually drop (the DLQ
/// has no dead-letter exchange of its own) messages that operators merely inspected.
const DLQ_DELIVERY_LIMIT: i64 = 1_000_000;

/// Names of one consumer's queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerQueues {
    pub work: String,
    pub dlq: String,
    /// `(millis, queue name)` per distinct tier.
    pub tiers: Vec<(u64, String)>,
}

impl ConsumerQueues {
    pub fn new(prefix: &str, spec: &ConsumerSpec) -> Self {
        let work = work_queue(prefix, &spec.name);
        let tiers = spec
            .retry
            .tier_millis()
            .into_iter()
            .map(|millis| (millis, tier_queue(prefix, &spec.name, millis)))
            .collect();
        Self {
            dlq: dlq_queue(prefix, &spec.name),
            work,
            tiers,
        }
    }
}

pub fn events_exchange(prefix: &str) -> String {
    format!("{prefix}.events")
}

pub fn dead_letter_exchange(prefix: &str) -> String {
    format!("{prefix}.dlx")
}

pub fn work_queue(prefix: &str, consumer: &str) -> String {
    format!("{prefix}.{consumer}")
}

pub fn dlq_queue(prefix: &str, consumer: &str) -> String {
    format!("{prefix}.{consumer}.dlq")
}

pub fn tier_queue(prefix: &str, consumer: &str, millis: u64) -> String {
    format!("{prefix}.{consumer}.retry.{millis}ms")
}

/// The metric label of a tier.
pub fn tier_label(millis: u64) -> String {
    format!("{millis}ms")
}

pub(crate) async fn declare_base(channel: &Channel, prefix: &str) -> Result<(), BusError> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(
            short(&events_exchange(prefix))?,
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await
        .map_err(BusError::channel("exchange.declare events"))?;
    channel
        .exchange_declare(
            short(&dead_letter_exchange(prefix))?,
            ExchangeKind::Direct,
            durable,
            FieldTable::default(),
        )
        .await
        .map_err(BusError::channel("exchange.declare dlx"))?;
    Ok(())
}

pub(crate) async fn declare_consumer(
    channel: &Channel,
    prefix: &str,
    delivery_limit: u32,
    spec: &ConsumerSpec,
) -> Result<(), BusError> {
    spec.validate()?;
    let queues = ConsumerQueues::new(prefix, spec);
    let dlx = dead_letter_exchange(prefix);

    let mut work_arguments = quorum_arguments();
    insert_integer(
        &mut work_arguments,
        "x-delivery-limit",
        i64::from(delivery_limit),
    );
    insert_string(&mut work_arguments, "x-dead-letter-exchange", &dlx);
    insert_string(&mut work_arguments, "x-dead-letter-routing-key", &spec.name);
    insert_at_least_once(&mut work_arguments);
    declare_queue(channel, &queues.work, work_arguments).await?;
    for pattern in &spec.bindings {
        channel
            .queue_bind(
                short(&queues.work)?,
                short(&events_exchange(prefix))?,
                short(pattern)?,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(BusError::channel("queue.bind work"))?;
    }

    for (millis, tier) in &queues.tiers {
        let mut tier_arguments = quorum_arguments();
        insert_integer(
            &mut tier_arguments,
            "x-message-ttl",
            i64::try_from(*millis).unwrap_or(i64::MAX),
        );
        // The default exchange routes by queue name: expired messages go back to the work queue.
        insert_string(&mut tier_arguments, "x-dead-letter-exchange", "");
        insert_string(
            &mut tier_arguments,
            "x-dead-letter-routing-key",
            &queues.work,
        );
        insert_at_least_once(&mut tier_arguments);
        declare_queue(channel, tier, tier_arguments).await?;
    }

    let mut dlq_arguments = quorum_arguments();
    // Peeks requeue and count as deliveries; a large explicit limit keeps inspected messages
    // (there is no DLX on the DLQ, so reaching the limit would drop them).
    insert_integer(&mut dlq_arguments, "x-delivery-limit", DLQ_DELIVERY_LIMIT);
    declare_queue(channel, &queues.dlq, dlq_arguments).await?;
    channel
        .queue_bind(
            short(&queues.dlq)?,
            short(&dlx)?,
            short(&spec.name)?,
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(BusError::channel("queue.bind dlq"))?;
    Ok(())
}

fn quorum_arguments() -> FieldTable {
    let mut arguments = FieldTable::default();
    insert_string(&mut arguments, "x-queue-type", "quorum");
    arguments
}

fn insert_at_least_once(arguments: &mut FieldTable) {
    insert_string(arguments, "x-dead-letter-strategy", "at-least-once");
    // at-least-once dead-lettering is only honoured with reject-publish overflow.
    insert_string(arguments, "x-overflow", "reject-publish");
}

fn insert_string(arguments: &mut FieldTable, key: &'static str, value: &str) {
    arguments.insert(
        ShortString::from(key),
        AMQPValue::LongString(LongString::from(value)),
    );
}

fn insert_integer(arguments: &mut FieldTable, key: &'static str, value: i64) {
    arguments.insert(ShortString::from(key), AMQPValue::LongLongInt(value));
}

async fn declare_queue(
    channel: &Channel,
    name: &str,
    arguments: FieldTable,
) -> Result<(), BusError> {
    channel
        .queue_declare(
            short(name)?,
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            arguments,
        )
        .await
        .map_err(BusError::channel("queue.declare"))?;
    Ok(())
}
