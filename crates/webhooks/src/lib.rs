//! Outbound webhooks.
//!
//! - [`model`]: endpoint records and ids;
//! - [`config`]: [`WebhooksConfig`], the deployment's webhook settings;
//! - [`module`]: [`WebhooksModule`], the registration with the platform;
//! - [`events`]: the `webhook.*` event types and their `data` schemas;
//! - [`metrics`]: the webhook metrics bundle;
//! - [`ssrf`]: the SSRF guard (URL syntax, forbidden addresses, resolution for delivery);
//! - [`endpoints`]: the tenant's endpoints and signing secrets ([`Endpoints`]);
//! - [`error`]: [`WebhookError`], the crate's one error type;
//! - [`event_log`]: the replayable event log and the event-type catalog ([`EventLog`]);
//! - [`signing`]: Standard Webhooks signatures (sans IO);
//! - [`delivery`]: the fan-out and delivery consumers and their sans-IO decisions;
//! - [`attempts`]: the attempt log ([`Attempts`]), written in group commits;
//! - [`cache`]: short-lived endpoint copies for the delivery path (sans IO);
//! - [`throttle`]: the per-endpoint delivery throttle (sans IO).

pub mod attempts;
pub mod cache;
pub mod config;
pub mod delivery;
pub mod endpoints;
pub mod error;
pub mod event_log;
pub mod events;
pub mod metrics;
pub mod model;
pub mod module;
pub mod signing;
pub mod ssrf;
pub mod throttle;

pub use attempts::Attempts;
pub use config::WebhooksConfig;
pub use endpoints::{EndpointPatch, Endpoints, NewEndpoint};
pub use error::WebhookError;
pub use event_log::EventLog;
pub use model::{EndpointId, EndpointRecord, EndpointSecret};
pub use module::WebhooksModule;

/// Every collection and index of the crate, for the server's migrations.
pub fn collection_specs() -> Vec<atelier_store::CollectionSpec> {
    // One entry per module that owns collections.
    [
        endpoints::collection_specs(),
        attempts::Attempts::collection_specs(),
    ]
    .concat()
}
