//! Rate limits at the edge (GCRA, via the `governor` crate).
//!
//! Three policies, each a keyed limiter held in memory on this node:
//! - `api_key`: per API key, key `key:<id>`;
//! - `user`: per end user, key `user:<id>`;
//! - `anonymous`: per client IP for requests without a valid credential (a refused credential
//!   counts here too, so guessing keys is throttled), key `ip:<address>` (IPv6 by /64, since a
//!   single client usually owns a whole /64). The peer address is used unless
//!   `http.trust_forwarded_for` is set, in which case the rightmost `X-Forwarded-For` entry
//!   (the one our own proxy appended) is.
//!
//! `rate_limits.tenants` overrides the `api_key` and `user` numbers for one tenant's
//! principals (still per key / per user). `/healthz`, `/readyz` and `/metrics` are never limited.
//!
//! Every limited response carries the fields of draft-ietf-httpapi-ratelimit-headers-09 (the
//! syntax introduced in -08: structured-field lists of items named by a string):
//! - `RateLimit-Policy: "<policy>";q=<burst>;w=<seconds to refill the burst>`
//! - `RateLimit: "<policy>";r=<requests left now>;t=<seconds until the full quota is back>`
//!
//! and when refused: `429` problem `rate_limited` with `Retry-After` (seconds until one request
//! is allowed, rounded up). [`RateLimiter`] is the decision core (clock-generic, tested without
//! sockets); [`rate_limit`] is the middleware around it. Keyed state stays bounded: every
//! [`SWEEP_EVERY`] decisions the limiter drops keys whose state equals a fresh one
//! (`retain_recent`), so memory follows the number of recently active callers.

use std::{
    collections::{BTreeMap, HashMap},
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use atelier_core::TenantId;
use atelier_identity::Principal;
use governor::{
    Quota,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
};
use poem::{
    Endpoint, IntoResponse, Request, Response, Result,
    http::{HeaderValue, StatusCode, header},
};
use poem_openapi::OperationId;
use serde::{Deserialize, Serialize};

use crate::{ApiState, auth::AuthOutcome, problem::Problem};

pub const RATE_LIMIT_POLICY_HEADER: &str = "ratelimit-policy";
pub const RATE_LIMIT_HEADER: &str = "ratelimit";
/// Operational endpoints, never limited (probes and scrapers must always get through).
pub const UNLIMITED_PATHS: &[&str] = &["/healthz", "/readyz", "/metrics"];
/// Decisions between two sweeps of idle keys.
pub const SWEEP_EVERY: u64 = 1024;

/// The `rate_limits` settings. Flat, so each number has an `ATELIER_RATE_LIMITS_*` variable;
/// per-tenant overrides are a TOML table only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Off only for benchmarks and load tests.
    pub enabled: bool,
    pub api_key_per_second: u32,
    pub api_key_burst: u32,
    pub user_per_second: u32,
    pub user_burst: u32,
    pub anonymous_per_second: u32,
    pub anonymous_burst: u32,
    /// Tenant id (`ten_...`) → its own numbers for the `api_key` and `user` policies.
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantLimits>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            api_key_per_second: 50,
            api_key_burst: 100,
            user_per_second: 10,
            user_burst: 20,
            anonymous_per_second: 5,
            anonymous_burst: 10,
            tenants: BTreeMap::new(),
        }
    }
}

/// One tenant's overrides; an absent number keeps the global one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TenantLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_per_second: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_burst: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_per_second: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_burst: Option<u32>,
}

/// A rate-limit setting that cannot work, naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct RateLimitConfigError {
    pub setting: &'static str,
    pub message: String,
}

impl RateLimitConfig {
    /// Every number must be at least 1 and every tenant key a tenant id.
    pub fn validate(&self) -> Result<(), RateLimitConfigError> {
        let numbers = [
            ("rate_limits.api_key_per_second", self.api_key_per_second),
            ("rate_limits.api_key_burst", self.api_key_burst),
            ("rate_limits.user_per_second", self.user_per_second),
            ("rate_limits.user_burst", self.user_burst),
            (
                "rate_limits.anonymous_per_second",
                self.anonymous_per_second,
            ),
            ("rate_limits.anonymous_burst", self.anonymous_burst),
        ];
        for (setting, value) in numbers {
            if value == 0 {
                return Err(RateLimitConfigError {
                    setting,
                    message: "must be at least 1".to_owned(),
                });
            }
        }
        for (tenant, limits) in &self.tenants {
            let invalid = |message: String| RateLimitConfigError {
                setting: "rate_limits.tenants",
                message,
            };
            if let Err(error) = tenant.parse::<TenantId>() {
                return Err(invalid(format!("`{tenant}` is not a tenant id: {error}")));
            }
            let overrides = [
                ("api_key_per_second", limits.api_key_per_second),
                ("api_key_burst", limits.api_key_burst),
                ("user_per_second", limits.user_per_second),
                ("user_burst", limits.user_burst),
            ];
            for (field, value) in overrides {
                if value == Some(0) {
                    return Err(invalid(format!("{tenant}.{field} must be at least 1")));
                }
            }
        }
        Ok(())
    }
}

/// Who is being limited.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Principal(&'a Principal),
    Anonymous(IpAddr),
}

/// One decision, with everything the response headers need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `api_key`, `user` or `anonymous`.
    pub policy: &'static str,
    /// Requests allowed in a burst (`q`).
    pub quota: u32,
    /// Seconds to refill a whole burst (`w`), rounded up.
    pub window_seconds: u64,
    /// Requests still allowed right now (`r`).
    pub remaining: u32,
    /// Seconds until the whole quota is available again (`t`), rounded up.
    pub reset_seconds: u64,
    /// Set when refused: seconds until one request is allowed, rounded up (at least 1).
    pub retry_after_seconds: Option<u64>,
}

impl Verdict {
    /// `RateLimit-Policy` value.
    pub fn policy_header(&self) -> String {
        format!(
            "\"{}\";q={};w={}",
            self.policy, self.quota, self.window_seconds
        )
    }

    /// `RateLimit` value.
    pub fn state_header(&self) -> String {
        format!(
            "\"{}\";r={};t={}",
            self.policy, self.remaining, self.reset_seconds
        )
    }
}

type KeyedLimiter<C> =
    governor::RateLimiter<String, DefaultKeyedStateStore<String>, C, StateInformationMiddleware>;

/// The keyed limiters of one node. Shared by every request (`Arc`).
pub struct RateLimiter<C: Clock + Clone = DefaultClock> {
    enabled: bool,
    clock: C,
    api_key: Policy<C>,
    user: Policy<C>,
    anonymous: Policy<C>,
    tenants: HashMap<TenantId, TenantPolicies<C>>,
    decisions: AtomicU64,
}

impl<C: Clock + Clone> std::fmt::Debug for RateLimiter<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("enabled", &self.enabled)
            .field("tenant_overrides", &self.tenants.len())
            .finish_non_exhaustive()
    }
}

struct Policy<C: Clock + Clone> {
    name: &'static str,
    burst: u32,
    interval: Duration,
    limiter: KeyedLimiter<C>,
}

struct TenantPolicies<C: Clock + Clone> {
    api_key: Policy<C>,
    user: Policy<C>,
}

impl RateLimiter<DefaultClock> {
    /// Limiters on the real clock. `config` must have passed [`RateLimitConfig::validate`];
    /// a zero slipping through is treated as 1 and an unparsable tenant id is ignored.
    pub fn new(config: &RateLimitConfig) -> Self {
        Self::with_clock(config, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    pub fn with_clock(config: &RateLimitConfig, clock: C) -> Self {
        let policy = |name, per_second, burst| Policy::new(name, per_second, burst, &clock);
        let tenants = config
            .tenants
            .iter()
            .filter_map(|(tenant, limits)| {
                let tenant = tenant.parse::<TenantId>().ok()?;
                let policies = TenantPolicies {
                    api_key: policy(
                        "api_key",
                        limits
                            .api_key_per_second
                            .unwrap_or(config.api_key_per_second),
                        limits.api_key_burst.unwrap_or(config.api_key_burst),
                    ),
                    user: policy(
                        "user",
                        limits.user_per_second.unwrap_or(config.user_per_second),
                        limits.user_burst.unwrap_or(config.user_burst),
                    ),
                };
                Some((tenant, policies))
            })
            .collect();
        Self {
            enabled: config.enabled,
            api_key: policy("api_key", config.api_key_per_second, config.api_key_burst),
            user: policy("user", config.user_per_second, config.user_burst),
            anonymous: policy(
                "anonymous",
                config.anonymous_per_second,
                config.anonymous_burst,
            ),
            tenants,
            clock,
            decisions: AtomicU64::new(0),
        }
    }

    /// Counts one request of `subject`; `None` when rate limiting is disabled.
    pub fn check(&self, subject: Subject<'_>) -> Option<Verdict> {
        if !self.enabled {
            return None;
        }
        let (policy, key) = match subject {
            Subject::Principal(principal) => {
                let overrides = self.tenants.get(&principal.tenant());
                let policy = match (principal, overrides) {
                    (Principal::ApiKey { .. }, Some(tenant)) => &tenant.api_key,
                    (Principal::ApiKey { .. }, None) => &self.api_key,
                    (Principal::User { .. }, Some(tenant)) => &tenant.user,
                    (Principal::User { .. }, None) => &self.user,
                };
                (policy, principal.actor())
            }
            Subject::Anonymous(ip) => (&self.anonymous, ip_key(ip)),
        };
        let verdict = policy.check(&key, &self.clock);
        if self.decisions.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        Some(verdict)
    }

    /// Drops every key whose state is indistinguishable from a fresh one.
    pub fn sweep(&self) {
        for policy in self.policies() {
            policy.limiter.retain_recent();
            policy.limiter.shrink_to_fit();
        }
    }

    /// Keys currently held, over every policy.
    pub fn tracked_keys(&self) -> usize {
        self.policies().map(|policy| policy.limiter.len()).sum()
    }

    fn policies(&self) -> impl Iterator<Item = &Policy<C>> {
        [&self.api_key, &self.user, &self.anonymous]
            .into_iter()
            .chain(
                self.tenants
                    .values()
                    .flat_map(|tenant| [&tenant.api_key, &tenant.user]),
            )
    }
}

impl<C: Clock + Clone> Policy<C> {
    fn new(name: &'static str, per_second: u32, burst: u32, clock: &C) -> Self {
        let quota = Quota::per_second(non_zero(per_second)).allow_burst(non_zero(burst));
        Self {
            name,
            burst: quota.burst_size().get(),
            interval: quota.replenish_interval(),
            limiter: governor::RateLimiter::dashmap_with_clock(quota, clock.clone())
                .with_middleware::<StateInformationMiddleware>(),
        }
    }

    fn check(&self, key: &String, clock: &C) -> Verdict {
        let window_seconds = ceil_seconds(self.interval * self.burst);
        match self.limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity().min(self.burst);
                // The bucket refills one request per interval; after this request it lacks
                // `burst - remaining` of them (to within one interval, rounded up).
                Verdict {
                    policy: self.name,
                    quota: self.burst,
                    window_seconds,
                    remaining,
                    reset_seconds: ceil_seconds(self.interval * (self.burst - remaining)),
                    retry_after_seconds: None,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(clock.now());
                Verdict {
                    policy: self.name,
                    quota: self.burst,
                    window_seconds,
                    remaining: 0,
                    // One request back after `wait`, the rest one per interval.
                    reset_seconds: ceil_seconds(wait + self.interval * (self.burst - 1)),
                    retry_after_seconds: Some(ceil_seconds(wait).max(1)),
                }
            }
        }
    }
}

/// The middleware; runs inside `authenticate`, so the principal is known.
pub async fn rate_limit<E: Endpoint>(next: Arc<E>, request: Request) -> Result<Response> {
    let path = request.uri().path().to_owned();
    let limiter = request.data::<Arc<RateLimiter>>().cloned();
    let Some(limiter) = limiter.filter(|_| !UNLIMITED_PATHS.contains(&path.as_str())) else {
        return Ok(next.call(request).await?.into_response());
    };
    let trust_forwarded_for = request
        .data::<ApiState>()
        .is_some_and(|state| state.config.trust_forwarded_for);
    let principal = request
        .extensions()
        .get::<AuthOutcome>()
        .and_then(AuthOutcome::principal)
        .cloned();
    let verdict = match &principal {
        Some(principal) => limiter.check(Subject::Principal(principal)),
        // No socket address (a Unix socket): nothing to key on.
        None => client_ip(&request, trust_forwarded_for)
            .and_then(|ip| limiter.check(Subject::Anonymous(ip))),
    };
    let Some(verdict) = verdict else {
        return Ok(next.call(request).await?.into_response());
    };
    let mut response = if let Some(retry_after) = verdict.retry_after_seconds {
        let problem = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "Rate limit `{}` exceeded ({} requests, refilled over {} s); retry in {retry_after} s.",
                verdict.policy, verdict.quota, verdict.window_seconds
            ),
        );
        let mut response = problem.into_poem_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        response
    } else {
        let method = request.method().to_string();
        match next.call(request).await {
            Ok(output) => output.into_response(),
            // Rendered here rather than by `problems` so the error response keeps our headers.
            Err(error) => render_error(error, &method, &path),
        }
    };
    for (name, value) in [
        (RATE_LIMIT_POLICY_HEADER, verdict.policy_header()),
        (RATE_LIMIT_HEADER, verdict.state_header()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

/// Renders an error the way the `problems` middleware does (which then adds the request id to
/// the body), for middleware that must touch the response of a failed request.
pub(crate) fn render_error(error: poem::Error, method: &str, path: &str) -> Response {
    let operation = error.data::<OperationId>().copied();
    let mut response = if error.is_from_response() {
        error.into_response()
    } else {
        crate::problem::poem_error_response(&error, method, path)
    };
    if let Some(operation) = operation {
        response.set_data(operation);
    }
    response
}

/// The caller's address: the peer, or with `trust_forwarded_for` the rightmost
/// `X-Forwarded-For` entry (appended by our proxy; entries left of it are client-controlled).
fn client_ip(request: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    let forwarded = trust_forwarded_for
        .then(|| {
            request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.rsplit(',').next())
                .and_then(|entry| entry.trim().parse::<IpAddr>().ok())
        })
        .flatten();
    forwarded.or_else(|| {
        request
            .remote_addr()
            .as_socket_addr()
            .map(|address| address.ip())
    })
}

/// `ip:<v4>` or `ip:<v6 /64 prefix>::/64` (IPv4-mapped IPv6 counts as IPv4).
fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

fn non_zero(value: u32) -> NonZeroU32 {
    NonZeroU32::new(value).unwrap_or(NonZeroU32::MIN)
}

fn ceil_seconds(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos().div_ceil(1_000_000_000)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use atelier_identity::{ApiKeyId, ApiKeyScope, UserId};
    use governor::clock::FakeRelativeClock;

    fn config() -> RateLimitConfig {
        RateLimitConfig {
            api_key_per_second: 2,
            api_key_burst: 3,
            user_per_second: 1,
            user_burst: 2,
            anonymous_per_second: 1,
            anonymous_burst: 1,
            ..RateLimitConfig::default()
        }
    }

    fn api_key(tenant: TenantId) -> Principal {
        Principal::ApiKey {
            tenant,
            key_id: ApiKeyId::generate(),
            scope: ApiKeyScope::Full,
        }
    }

    #[test]
    fn burst_then_refusal_then_refill() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(&config(), clock.clone());
        let key = api_key(TenantId::generate());
        // (advance before the request in ms, allowed, remaining, reset, retry-after)
        let steps: &[(u64, bool, u32, u64, Option<u64>)] = &[
            (0, true, 2, 1, None),
            (0, true, 1, 1, None),
            (0, true, 0, 2, None),
            (0, false, 0, 2, Some(1)),
            (499, false, 0, 2, Some(1)),
            (1, true, 0, 2, None),
            (1000, true, 1, 1, None),
        ];
        for (index, (advance, allowed, remaining, reset, retry)) in steps.iter().enumerate() {
            clock.advance(Duration::from_millis(*advance));
            let verdict = limiter.check(Subject::Principal(&key)).unwrap();
            assert_eq!(
                verdict.retry_after_seconds.is_none(),
                *allowed,
                "step {index}: {verdict:?}"
            );
            assert_eq!(verdict.remaining, *remaining, "step {index}: {verdict:?}");
            assert_eq!(verdict.reset_seconds, *reset, "step {index}: {verdict:?}");
            assert_eq!(
                verdict.retry_after_seconds, *retry,
                "step {index}: {verdict:?}"
            );
        }
    }

    #[test]
    fn headers_use_structured_field_syntax() {
        let verdict = Verdict {
            policy: "api_key",
            quota: 100,
            window_seconds: 2,
            remaining: 42,
            reset_seconds: 2,
            retry_after_seconds: None,
        };
        assert_eq!(verdict.policy_header(), "\"api_key\";q=100;w=2");
        assert_eq!(verdict.state_header(), "\"api_key\";r=42;t=2");
    }

    #[test]
    fn policies_keys_and_tenant_overrides() {
        let special = TenantId::generate();
        let mut config = config();
        config.tenants.insert(
            special.to_string(),
            TenantLimits {
                api_key_burst: Some(5),
                ..TenantLimits::default()
            },
        );
        config.validate().unwrap();
        let limiter = RateLimiter::with_clock(&config, FakeRelativeClock::default());
        let count_allowed = |subject: Subject<'_>| {
            (0..10)
                .take_while(|_| {
                    limiter
                        .check(subject)
                        .unwrap()
                        .retry_after_seconds
                        .is_none()
                })
                .count()
        };
        let tenant = TenantId::generate();
        assert_eq!(count_allowed(Subject::Principal(&api_key(tenant))), 3);
        // Another key of the same tenant has its own bucket.
        assert_eq!(count_allowed(Subject::Principal(&api_key(tenant))), 3);
        assert_eq!(count_allowed(Subject::Principal(&api_key(special))), 5);
        let user = Principal::User {
            tenant,
            user_id: UserId::generate(),
        };
        assert_eq!(count_allowed(Subject::Principal(&user)), 2);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(count_allowed(Subject::Anonymous(ip)), 1);
        let verdict = limiter.check(Subject::Anonymous(ip)).unwrap();
        assert_eq!(verdict.policy, "anonymous");
        // Same /64: same bucket.
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2".parse().unwrap();
        assert_eq!(count_allowed(Subject::Anonymous(a)), 1);
        assert_eq!(count_allowed(Subject::Anonymous(b)), 0);
    }

    #[test]
    fn idle_keys_are_swept() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(&config(), clock.clone());
        for _ in 0..100 {
            limiter.check(Subject::Principal(&api_key(TenantId::generate())));
        }
        assert_eq!(limiter.tracked_keys(), 100);
        clock.advance(Duration::from_secs(5));
        limiter.sweep();
        assert_eq!(limiter.tracked_keys(), 0);
    }

    #[test]
    fn disabled_decides_nothing() {
        let config = RateLimitConfig {
            enabled: false,
            ..config()
        };
        let limiter = RateLimiter::with_clock(&config, FakeRelativeClock::default());
        assert!(
            limiter
                .check(Subject::Anonymous("::1".parse().unwrap()))
                .is_none()
        );
    }

    #[test]
    fn validation_names_the_setting() {
        let zero = RateLimitConfig {
            user_burst: 0,
            ..RateLimitConfig::default()
        };
        assert_eq!(
            zero.validate().unwrap_err().setting,
            "rate_limits.user_burst"
        );
        let mut bad_tenant = RateLimitConfig::default();
        bad_tenant
            .tenants
            .insert("acme".to_owned(), TenantLimits::default());
        assert_eq!(
            bad_tenant.validate().unwrap_err().setting,
            "rate_limits.tenants"
        );
        let mut zero_override = RateLimitConfig::default();
        zero_override.tenants.insert(
            TenantId::generate().to_string(),
            TenantLimits {
                user_per_second: Some(0),
                ..TenantLimits::default()
            },
        );
        assert!(
            zero_override
                .validate()
                .unwrap_err()
                .message
                .contains("user_per_second")
        );
        assert!(RateLimitConfig::default().validate().is_ok());
    }
}
