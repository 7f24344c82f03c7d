//! RabbitMQ plumbing for Atelier: a pooled [`Bus`], a confirming [`Publisher`], per-consumer
//! topology with delayed retry tiers and a dead-letter queue, and supervised consumers.
//!
//! Layout:
//! - [`config`]: [`BusConfig`], the only knobs, with documented defaults.
//! - [`error`]: [`BusError`], the one error type of this crate.
//! - [`retry`]: the sans-IO retry decision ([`route`]) from a handler [`Outcome`] to a [`Route`].
//! - [`topology`]: queue and exchange names and their declaration arguments.
//! - [`bus`]: [`Bus`] (pool, declarations, readiness, DLQ tools) and [`Publisher`].
//! - [`consumer`]: [`Handler`], [`Delivery`], [`ConsumerHealth`] and [`spawn_consumer`].
//! - [`dead_letter`]: [`DeadLetter`], the operator's view of a dead-lettered message.
//! - [`ephemeral`]: [`EphemeralConsumer`], an exclusive non-acknowledged queue per session
//!   with supervised reconnect and rebinding (the realtime hub's subscription).
//! - `headers`: conversions between AMQP field tables and plain Rust values.
//!
//! There is no delayed-message plugin: a delay is a quorum queue with a message TTL whose
//! messages dead-letter back into the consumer's work queue through the default exchange.
//! Every move of a message (retry, dead-letter, replay) publishes with a broker confirm first
//! and only then acknowledges the original, so a crash duplicates a message but never loses it.

pub mod bus;
pub mod config;
pub mod consumer;
pub mod dead_letter;
pub mod ephemeral;
pub mod error;
mod headers;
pub mod retry;
mod session;
pub mod topology;

pub use bus::{Bus, OutgoingMessage, Publisher, SentBatch};
pub use config::BusConfig;
pub use consumer::{ConsumerHealth, Delivery, Handler, spawn_consumer};
pub use dead_letter::DeadLetter;
pub use ephemeral::{
    BindingSource, EphemeralBinding, EphemeralConsumer, EphemeralHandler, EphemeralSpec,
    FanoutExchange,
};
pub use error::BusError;
pub use retry::{ConsumerSpec, DeadLetterReason, Outcome, RetryPolicy, Route, route};
