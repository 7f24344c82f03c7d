//! Short-lived copies of endpoint records for the delivery path.
//!
//! Without them every event costs an endpoint listing (fan-out) and every delivery an endpoint
//! read, which at thousands of deliveries a second is most of the database load. Entries live
//! for `webhooks.endpoint_cache_ttl` (1 s by default; zero turns the cache off), so a change
//! made through the API reaches deliveries within that time on every node. Changes the delivery
//! path makes itself (failing runs, disabling) drop the entry at once on this node.
//!
//! Sans IO: callers pass the time, and load misses themselves.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use atelier_core::TenantId;

use crate::{EndpointId, EndpointRecord};

/// Entries kept before expired ones are swept (bounds memory with many tenants).
const SWEEP_ABOVE: usize = 10_000;

/// A map whose entries expire `ttl` after they were stored.
#[derive(Debug)]
pub struct TtlMap<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::default(),
        }
    }

    /// Whether entries are kept at all.
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The value stored for `key` less than `ttl` before `now`.
    pub fn get(&self, key: &K, now: Instant) -> Option<V> {
        let entries = self.lock();
        let (stored_at, value) = entries.get(key)?;
        (now.saturating_duration_since(*stored_at) < self.ttl).then(|| value.clone())
    }

    pub fn insert(&self, key: K, value: V, now: Instant) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= SWEEP_ABOVE {
            let ttl = self.ttl;
            entries.retain(|_, (stored_at, _)| now.saturating_duration_since(*stored_at) < ttl);
        }
        entries.insert(key, (now, value));
    }

    pub fn remove(&self, key: &K) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The delivery path's endpoint copies: each tenant's list (fan-out) and single endpoints
/// (delivery).
#[derive(Debug)]
pub struct EndpointCache {
    pub lists: TtlMap<TenantId, Arc<Vec<EndpointRecord>>>,
    pub endpoints: TtlMap<(TenantId, EndpointId), EndpointRecord>,
}

impl EndpointCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            lists: TtlMap::new(ttl),
            endpoints: TtlMap::new(ttl),
        }
    }

    /// Drops what this node knows of one endpoint (after the delivery path changed it).
    pub fn forget(&self, tenant: TenantId, id: EndpointId) {
        self.endpoints.remove(&(tenant, id));
        self.lists.remove(&tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_ttl_and_can_be_dropped() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let map = TtlMap::new(Duration::from_millis(100));
        assert_eq!(map.get(&"a", at(0)), None);
        map.insert("a", 1, at(0));
        // (key, time, expected)
        let reads = [
            ("a", 0, Some(1)),
            ("a", 99, Some(1)),
            ("a", 100, None),
            ("b", 50, None),
        ];
        for (key, ms, expected) in reads {
            assert_eq!(map.get(&key, at(ms)), expected, "{key} at {ms} ms");
        }
        map.insert("a", 2, at(200));
        assert_eq!(map.get(&"a", at(250)), Some(2));
        map.remove(&"a");
        assert_eq!(map.get(&"a", at(250)), None);
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let now = Instant::now();
        let map = TtlMap::new(Duration::ZERO);
        assert!(!map.enabled());
        map.insert(1, "x", now);
        assert_eq!(map.get(&1, now), None);
    }

    #[test]
    fn sweeps_expired_entries_when_large() {
        let start = Instant::now();
        let map = TtlMap::new(Duration::from_millis(10));
        for key in 0..SWEEP_ABOVE {
            map.insert(key, (), start);
        }
        map.insert(usize::MAX, (), start + Duration::from_secs(1));
        assert_eq!(map.lock().len(), 1);
    }
}
