//! Domain primitives shared by every Atelier crate.
//!
//! Nothing here performs IO or knows about HTTP, MongoDB or RabbitMQ: ids, the tenant, the event
//! envelope that travels through the outbox, and small pure helpers.
//!
//! - [`id`]: the `define_id!` macro and the typed, prefixed ids (`TenantId`, `EventId`, ...).
//! - [`event`]: the versioned event envelope every state change becomes.

pub mod event;
pub mod id;

pub use event::{EventEnvelope, NewEvent};
pub use id::{EventId, IdError, TenantId};
