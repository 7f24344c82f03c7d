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
//!
//! [`catalog`] lists every event type the platform emits with the JSON Schema of its `data`;
//! [`Outbox::log_page`] reads a tenant's published events by `(log_batch, order)` cursor for the
//! replayable event log, and the relay purges published events older than `outbox.retention`.

pub mod catalog;
pub mod relay;
pub mod store;
pub mod unit;

pub use relay::{Relay, RelayConfig, RelayHealth};
pub use store::{Outbox, OutboxError, StoredEvent};
pub use unit::{RequestScope, Tx, UnitOfWork, with_scope};
