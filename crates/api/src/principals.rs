//! Keeps the node's [`PrincipalCache`] true: one ephemeral RabbitMQ subscription per API node
//! (`P.principals.<node>.<ulid>`, bound on `P.events` to the revocations), dropping what each
//! revocation ends, and telling the cache whether revocations are arriving at all (while they
//! are not, it trusts entries for a second only; see [`atelier_identity::principal_cache`]).

use std::sync::Arc;

use atelier_bus::{Bus, EphemeralBinding, EphemeralConsumer, EphemeralHandler, EphemeralSpec};
use atelier_core::EventEnvelope;
use atelier_identity::{ApiKeyId, TokenFamilyId, UserId, principal_cache::PrincipalCache};

/// The events that end a credential.
pub const REVOCATIONS: [&str; 3] = [
    "identity.api_key.revoked",
    "identity.login.revoked",
    "identity.user.deleted",
];

/// Messages kept for a slow node; beyond it the oldest are dropped (and the cache with them).
const QUEUE_MAX_LENGTH: i64 = 10_000;

/// The node's subscription to revocations.
pub fn consumer(bus: &Bus, node_id: &str) -> EphemeralConsumer {
    EphemeralConsumer::new(
        bus.clone(),
        EphemeralSpec {
            name: "principals".to_owned(),
            queue_stem: format!("principals.{node_id}"),
            max_length: QUEUE_MAX_LENGTH,
            fanout: None,
        },
    )
}

/// Applies revocations to the cache.
#[derive(Debug)]
pub struct Invalidations {
    cache: Arc<PrincipalCache>,
}

impl Invalidations {
    pub fn new(cache: Arc<PrincipalCache>) -> Arc<Self> {
        Arc::new(Self { cache })
    }

    /// Drops what `event` ends. An event this node cannot read empties the cache: correct,
    /// only slower for a moment.
    pub fn apply(&self, event: &EventEnvelope) {
        let id = |field: &str| event.data.get(field).and_then(serde_json::Value::as_str);
        let tenant = event.tenant;
        let applied = match event.event_type.as_str() {
            "identity.api_key.revoked" => id("key_id")
                .and_then(|key| key.parse::<ApiKeyId>().ok())
                .map(|key| self.cache.forget_key(tenant, key)),
            "identity.login.revoked" => id("login_id")
                .and_then(|login| login.parse::<TokenFamilyId>().ok())
                .map(|login| self.cache.forget_login(tenant, login)),
            "identity.user.deleted" => id("user_id")
                .and_then(|user| user.parse::<UserId>().ok())
                .map(|user| self.cache.forget_user(tenant, user)),
            _ => Some(()),
        };
        if applied.is_none() {
            tracing::warn!(event = %event.id, event_type = %event.event_type, "revocation without the id it ends: emptying the principal cache");
            self.cache.set_subscribed(self.cache.is_subscribed());
        }
    }
}

impl EphemeralHandler for Invalidations {
    fn bindings(&self) -> Vec<EphemeralBinding> {
        REVOCATIONS
            .iter()
            .map(|event_type| EphemeralBinding::events(*event_type))
            .collect()
    }

    fn wants(&self, binding: &EphemeralBinding) -> bool {
        self.bindings().contains(binding)
    }

    fn deliver(&self, routing_key: &str, body: &[u8]) {
        match serde_json::from_slice::<EventEnvelope>(body) {
            Ok(event) => self.apply(&event),
            Err(error) => {
                tracing::warn!(%error, routing_key, "unreadable revocation: emptying the principal cache");
                self.cache.set_subscribed(self.cache.is_subscribed());
            }
        }
    }

    fn connected(&self, connected: bool) {
        self.cache.set_subscribed(connected);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use atelier_core::TenantId;
    use atelier_identity::{ApiKeyScope, principal_cache::CachedKey};

    use super::*;

    fn envelope(tenant: TenantId, event_type: &str, data: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "envelope_version": 1,
            "id": atelier_core::EventId::generate(),
            "type": event_type,
            "data_version": 1,
            "tenant": tenant,
            "aggregate_type": "x",
            "aggregate_id": "x",
            "occurred_at": "2026-12-04T00:00:00Z",
            "data": data,
        }))
        .unwrap()
    }

    #[test]
    fn revocations_reach_the_cache_and_unreadable_ones_empty_it() {
        let cache = Arc::new(PrincipalCache::default());
        let invalidations = Invalidations::new(cache.clone());
        invalidations.connected(true);
        assert!(cache.is_subscribed());
        let tenant = TenantId::generate();
        let now = Instant::now();
        let key = CachedKey {
            tenant,
            key_id: ApiKeyId::generate(),
            scope: ApiKeyScope::Full,
            last_used_at_ms: None,
        };
        let (user, login) = (UserId::generate(), TokenFamilyId::generate());
        cache.remember_key(cache.epoch(), "h".into(), key, now);
        cache.remember_login(cache.epoch(), (tenant, user, Some(login)), now);

        let body = envelope(
            tenant,
            "identity.api_key.revoked",
            serde_json::json!({ "key_id": key.key_id, "name": "ci" }),
        );
        invalidations.deliver("identity.api_key.revoked", &body);
        assert!(cache.key("h", now).is_none());
        assert!(cache.login_is_live(&(tenant, user, Some(login)), now));

        let body = envelope(
            tenant,
            "identity.login.revoked",
            serde_json::json!({ "user_id": user, "login_id": login, "reason": "revoked" }),
        );
        invalidations.deliver("identity.login.revoked", &body);
        assert!(!cache.login_is_live(&(tenant, user, Some(login)), now));

        cache.remember_key(cache.epoch(), "h".into(), key, now);
        invalidations.deliver("identity.user.deleted", b"{not json");
        assert!(
            cache.is_empty(),
            "an unreadable revocation empties the cache"
        );
        assert!(cache.is_subscribed());

        invalidations.connected(false);
        assert!(!cache.is_subscribed());
    }
}
