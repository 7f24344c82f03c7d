//! The transactional outbox: how every state change becomes an event.
//!
//! A service writes its domain change and calls [`Outbox::append`] with the same
//! [`mongodb::ClientSession`] inside one transaction, so the change and its events commit or
//! fail together. The [`relay`] publishes pending events to the RabbitMQ events exchange with
//! publisher confirms, then marks them published in a transaction that also stamps them with a
//! monotonically increasing `log_batch`, which the replayable event log reads by cursor.
//!
//! Guarantees (see ARCHITECTURE.md): at-least-once publication with a stable event id; events
//! of one aggregate are published in the order they were written; a crash at any point loses
//! nothing (unmarked events are published again).

pub mod relay;
pub mod store;

pub use relay::{Relay, RelayConfig, RelayHealth};
pub use store::{Outbox, OutboxError, StoredEvent};
