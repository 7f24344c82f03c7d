//! Credentials resolved recently, so the hot path of authentication costs no database read.
//!
//! Two kinds of entries, both bounded ([`MAX_ENTRIES`] each):
//! - **API keys** by the SHA-256 of the presented secret: the principal the key resolved to;
//! - **user logins** `(tenant, user, login)` found live (user not deleted, login not revoked);
//!   the token itself is verified by its signature on every request.
//!
//! **Trust.** While the node's invalidation subscription is up ([`PrincipalCache::set_subscribed`],
//! driven by the API node's `principals` ephemeral consumer on `identity.api_key.revoked`,
//! `identity.login.revoked` and `identity.user.deleted`), an entry is trusted for
//! [`TRUST_WHILE_SUBSCRIBED`]: a revocation reaches every node as the event does (the relay's
//! poll plus one broker hop). While it is down, entries are trusted for
//! [`TRUST_WHILE_UNSUBSCRIBED`] only, so a revocation still reaches every node within a second
//! at the cost of one read per credential per second. Both transitions clear the cache: events
//! may have been missed in between.
//!
//! **Races.** A lookup notes the invalidation epoch before reading MongoDB and stores its result
//! only if no invalidation arrived meanwhile, so a read that started before a revocation cannot
//! put the revoked credential back.

use std::{
    collections::HashMap,
    sync::{
        Mutex, MutexGuard, OnceLock, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use atelier_core::TenantId;
use atelier_observability::Metrics;

use crate::{ApiKeyId, Principal, TokenFamilyId, UserId, model::ApiKeyScope};

/// How long an entry is trusted while revocations arrive as events.
pub const TRUST_WHILE_SUBSCRIBED: Duration = Duration::from_secs(60);
/// How long an entry is trusted while the invalidation subscription is down.
pub const TRUST_WHILE_UNSUBSCRIBED: Duration = Duration::from_secs(1);
/// Entries of each kind at most; beyond it stale ones go, then all of them.
pub const MAX_ENTRIES: usize = 10_000;

/// The credential kinds, as the `credential` label of `atelier_principal_cache_lookups_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    ApiKey,
    UserToken,
}

impl Credential {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiKey => "api_key",
            Self::UserToken => "user_token",
        }
    }
}

/// A cached API key: what it authenticates as, and when its use was last recorded.
#[derive(Debug, Clone, Copy)]
pub struct CachedKey {
    pub tenant: TenantId,
    pub key_id: ApiKeyId,
    pub scope: ApiKeyScope,
    pub last_used_at_ms: Option<i64>,
}

impl CachedKey {
    pub fn principal(&self) -> Principal {
        Principal::ApiKey {
            tenant: self.tenant,
            key_id: self.key_id,
            scope: self.scope,
        }
    }
}

/// A live user login.
pub type LoginKey = (TenantId, UserId, Option<TokenFamilyId>);

/// The node's cache of resolved credentials. One per [`crate::Identity`] (shared by its clones).
#[derive(Debug, Default)]
pub struct PrincipalCache {
    state: Mutex<State>,
    subscribed: AtomicBool,
    /// Bumped by every invalidation; see the module docs.
    epoch: AtomicU64,
    metrics: OnceLock<Metrics>,
}

#[derive(Debug, Default)]
struct State {
    keys: HashMap<String, (CachedKey, Instant)>,
    logins: HashMap<LoginKey, Instant>,
}

/// Noted before a lookup in MongoDB; [`PrincipalCache::remember_key`] and
/// [`PrincipalCache::remember_login`] store only when it is still current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(u64);

impl PrincipalCache {
    /// Counts lookups on `metrics` (`atelier_principal_cache_lookups_total`) from now on.
    pub fn observe(&self, metrics: Metrics) {
        self.metrics.set(metrics).ok();
    }

    /// The invalidation subscription came up (`true`) or went down (`false`). Either way the
    /// cache is emptied: revocations may have been missed while it was down.
    pub fn set_subscribed(&self, subscribed: bool) {
        self.subscribed.store(subscribed, Ordering::SeqCst);
        self.invalidate(|state| {
            state.keys.clear();
            state.logins.clear();
        });
    }

    /// Whether revocations are arriving as events.
    pub fn is_subscribed(&self) -> bool {
        self.subscribed.load(Ordering::SeqCst)
    }

    /// The current epoch, to note before a lookup in MongoDB.
    pub fn epoch(&self) -> Epoch {
        Epoch(self.epoch.load(Ordering::SeqCst))
    }

    /// The key whose secret hashes to `hash`, when cached and trusted.
    pub fn key(&self, hash: &str, now: Instant) -> Option<CachedKey> {
        let trust = self.trust();
        let found = lock(&self.state)
            .keys
            .get(hash)
            .filter(|(_, at)| now.saturating_duration_since(*at) < trust)
            .map(|(key, _)| *key);
        self.count(Credential::ApiKey, found.is_some());
        found
    }

    /// Caches a key found active in MongoDB, unless an invalidation arrived since `epoch`.
    pub fn remember_key(&self, epoch: Epoch, hash: String, key: CachedKey, now: Instant) {
        let mut state = lock(&self.state);
        if self.epoch() != epoch {
            return;
        }
        let trust = self.trust();
        bound(&mut state.keys, now, trust, |(_, at)| *at);
        state.keys.insert(hash, (key, now));
    }

    /// Notes that the key's use was recorded at `at_ms`.
    pub fn key_used(&self, hash: &str, at_ms: i64) {
        if let Some((key, _)) = lock(&self.state).keys.get_mut(hash) {
            key.last_used_at_ms = Some(at_ms);
        }
    }

    /// Whether this login was found live recently enough to trust.
    pub fn login_is_live(&self, login: &LoginKey, now: Instant) -> bool {
        let trust = self.trust();
        let live = lock(&self.state)
            .logins
            .get(login)
            .is_some_and(|at| now.saturating_duration_since(*at) < trust);
        self.count(Credential::UserToken, live);
        live
    }

    /// Caches a login found live in MongoDB, unless an invalidation arrived since `epoch`.
    pub fn remember_login(&self, epoch: Epoch, login: LoginKey, now: Instant) {
        let mut state = lock(&self.state);
        if self.epoch() != epoch {
            return;
        }
        let trust = self.trust();
        bound(&mut state.logins, now, trust, |at| *at);
        state.logins.insert(login, now);
    }

    /// A key was revoked.
    pub fn forget_key(&self, tenant: TenantId, key_id: ApiKeyId) {
        self.invalidate(|state| {
            state
                .keys
                .retain(|_, (key, _)| key.tenant != tenant || key.key_id != key_id);
        });
    }

    /// A login was revoked.
    pub fn forget_login(&self, tenant: TenantId, login: TokenFamilyId) {
        self.invalidate(|state| {
            state
                .logins
                .retain(|(t, _, l), _| *t != tenant || *l != Some(login));
        });
    }

    /// A user was deleted (or every login of theirs revoked).
    pub fn forget_user(&self, tenant: TenantId, user: UserId) {
        self.invalidate(|state| {
            state
                .logins
                .retain(|(t, u, _), _| *t != tenant || *u != user);
        });
    }

    /// Entries held now: (API keys, user logins).
    pub fn len(&self) -> (usize, usize) {
        let state = lock(&self.state);
        (state.keys.len(), state.logins.len())
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0)
    }

    fn trust(&self) -> Duration {
        if self.is_subscribed() {
            TRUST_WHILE_SUBSCRIBED
        } else {
            TRUST_WHILE_UNSUBSCRIBED
        }
    }

    fn invalidate(&self, change: impl FnOnce(&mut State)) {
        let mut state = lock(&self.state);
        // Under the lock, so a lookup that noted the old epoch cannot store after this.
        self.epoch.fetch_add(1, Ordering::SeqCst);
        change(&mut state);
    }

    fn count(&self, credential: Credential, hit: bool) {
        if let Some(metrics) = self.metrics.get() {
            metrics.principal_cache_lookup(credential.as_str(), hit);
        }
    }
}

/// Makes room for one more entry: first drops the untrusted ones, then, if still full,
/// everything (a burst of distinct credentials costs reads, never memory).
fn bound<K, V>(map: &mut HashMap<K, V>, now: Instant, trust: Duration, at: impl Fn(&V) -> Instant) {
    if map.len() < MAX_ENTRIES {
        return;
    }
    map.retain(|_, value| now.saturating_duration_since(at(value)) < trust);
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each holder makes one map change: a panic cannot leave the maps inconsistent.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tenant: TenantId) -> CachedKey {
        CachedKey {
            tenant,
            key_id: ApiKeyId::generate(),
            scope: ApiKeyScope::Full,
            last_used_at_ms: None,
        }
    }

    #[test]
    fn a_key_is_trusted_for_a_second_unsubscribed_and_a_minute_subscribed() {
        let cache = PrincipalCache::default();
        let tenant = TenantId::generate();
        let now = Instant::now();
        cache.remember_key(cache.epoch(), "h".into(), key(tenant), now);
        assert!(cache.key("h", now + Duration::from_millis(900)).is_some());
        assert!(cache.key("h", now + Duration::from_secs(2)).is_none());

        cache.set_subscribed(true);
        assert!(
            cache.key("h", now).is_none(),
            "subscribing empties the cache"
        );
        cache.remember_key(cache.epoch(), "h".into(), key(tenant), now);
        assert!(cache.key("h", now + Duration::from_secs(59)).is_some());
        assert!(cache.key("h", now + Duration::from_secs(61)).is_none());

        cache.set_subscribed(false);
        assert!(
            cache.key("h", now).is_none(),
            "losing the subscription empties it too"
        );
    }

    #[test]
    fn a_revocation_forgets_the_key_and_a_lookup_that_started_before_it_is_not_stored() {
        let cache = PrincipalCache::default();
        cache.set_subscribed(true);
        let tenant = TenantId::generate();
        let now = Instant::now();
        let cached = key(tenant);
        cache.remember_key(cache.epoch(), "h".into(), cached, now);
        let before = cache.epoch();
        cache.forget_key(tenant, cached.key_id);
        assert!(cache.key("h", now).is_none());
        // A read of MongoDB that began before the revocation answers the old record.
        cache.remember_key(before, "h".into(), cached, now);
        assert!(cache.key("h", now).is_none());
        cache.remember_key(cache.epoch(), "h".into(), cached, now);
        assert!(cache.key("h", now).is_some());
    }

    #[test]
    fn forgetting_another_tenants_key_or_login_keeps_this_ones() {
        let cache = PrincipalCache::default();
        cache.set_subscribed(true);
        let (ours, theirs) = (TenantId::generate(), TenantId::generate());
        let now = Instant::now();
        let cached = key(ours);
        cache.remember_key(cache.epoch(), "h".into(), cached, now);
        cache.forget_key(theirs, cached.key_id);
        assert!(cache.key("h", now).is_some());

        let (user, login) = (UserId::generate(), TokenFamilyId::generate());
        cache.remember_login(cache.epoch(), (ours, user, Some(login)), now);
        cache.forget_login(theirs, login);
        cache.forget_user(theirs, user);
        assert!(cache.login_is_live(&(ours, user, Some(login)), now));
        cache.forget_login(ours, login);
        assert!(!cache.login_is_live(&(ours, user, Some(login)), now));

        cache.remember_login(cache.epoch(), (ours, user, None), now);
        cache.forget_user(ours, user);
        assert!(!cache.login_is_live(&(ours, user, None), now));
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = PrincipalCache::default();
        let tenant = TenantId::generate();
        let now = Instant::now();
        for i in 0..MAX_ENTRIES + 10 {
            cache.remember_key(cache.epoch(), format!("h{i}"), key(tenant), now);
        }
        assert!(cache.len().0 <= MAX_ENTRIES);
    }
}
