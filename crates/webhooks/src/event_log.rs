//! [`EventLog`]: the tenant's published events in log order, and the catalog of event types,
//! for readers of the tenant (the same events webhooks deliver, replayable by pull).
//!
//! The authorization is decided here, with the one policy module, so that the HTTP edge and
//! any future caller (an agent, a consumer) get the same answer.

use atelier_core::TenantId;
use atelier_identity::{Principal, tenancy::Tenancy};
use atelier_outbox::{Outbox, StoredEvent, catalog::Catalog, catalog::EventType};
use atelier_store::Store;

use crate::WebhookError;

/// Longest page of the event log.
pub const MAX_PAGE: i64 = 500;

/// The event log service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EventLog {
    outbox: Outbox,
    catalog: Catalog,
}

impl EventLog {
    pub fn new(store: &Store, catalog: Catalog) -> Self {
        Self {
            outbox: Outbox::new(store),
            catalog,
        }
    }

    /// Every event type of the deployment, with its `data` schema (readers of the tenant).
    pub fn types(&self, principal: &Principal) -> Result<&[EventType], WebhookError> {
        Tenancy::readable_tenant(principal)?;
        Ok(self.catalog.entries())
    }

    /// Whether `event_type` is catalogued (to refuse an unknown filter naming it).
    pub fn is_known_type(&self, event_type: &str) -> bool {
        self.catalog.is_known_type(event_type)
    }

    /// Up to `limit` published events of the principal's tenant after `after` (the
    /// `(log_batch, order)` of the last event read), in log order, of `types` (all when
    /// empty). Readers of the tenant.
    pub async fn page(
        &self,
        principal: &Principal,
        after: Option<(i64, String)>,
        types: &[String],
        limit: i64,
    ) -> Result<Vec<StoredEvent>, WebhookError> {
        let tenant: TenantId = Tenancy::readable_tenant(principal)?;
        if let Some(unknown) = types.iter().find(|t| !self.catalog.is_known_type(t)) {
            let shown: String = unknown.chars().take(100).collect();
            return Err(WebhookError::invalid(
                "types",
                format!("unknown event type `{shown}`; see GET /v1/event-types"),
            ));
        }
        Ok(self
            .outbox
            .log_page(tenant, after, types, limit.clamp(1, MAX_PAGE + 1))
            .await?)
    }
}
