//! The per-endpoint throttle: at most `rate_limit_per_second` deliveries a second to one
//! endpoint, from one node (N delivery nodes allow up to N× the rate; documented in the README).
//!
//! Sans IO: [`Throttle::admit`] takes the time as an argument. Each admitted delivery reserves
//! the next free slot (GCRA with no burst: deliveries are spaced `1 / rate` apart). A delivery
//! whose slot is at most `max_wait` away keeps its reservation and waits for it in the handler
//! ([`Admission::Wait`]); one further away reserves nothing and is deferred through the bus's
//! delay tiers at the same attempt ([`Admission::Defer`]), so a throttled backlog does not hold
//! every prefetch slot of the delivery consumer while other endpoints wait. At most
//! `rate × max_wait` deliveries of an endpoint wait at once.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::EndpointId;

/// Endpoints remembered before idle ones are forgotten (an idle endpoint's state is
/// worthless: its next delivery is admitted at once either way).
const PRUNE_ABOVE: usize = 10_000;

/// What to do with one delivery to a throttled endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Send now.
    Now,
    /// The slot is reserved; send after this wait.
    Wait(Duration),
    /// Not now and nothing reserved: come back after at least this long.
    Defer(Duration),
}

/// The throttle state of every endpoint seen by this node. Shared by the delivery handler's
/// concurrent deliveries.
#[derive(Debug)]
pub struct Throttle {
    /// The time `now` arguments are measured from.
    origin: Instant,
    /// Per endpoint, the earliest time (since `origin`) its next delivery may be sent.
    next_free: Mutex<HashMap<EndpointId, Duration>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(Instant::now())
    }
}

impl Throttle {
    pub fn new(origin: Instant) -> Self {
        Self {
            origin,
            next_free: Mutex::default(),
        }
    }

    /// Time since this throttle's origin, to pass to [`Throttle::admit`].
    pub fn elapsed(&self, at: Instant) -> Duration {
        at.saturating_duration_since(self.origin)
    }

    /// Admits one delivery to `endpoint` at `now` (since the origin) under `per_second`.
    pub fn admit(
        &self,
        endpoint: EndpointId,
        per_second: u32,
        now: Duration,
        max_wait: Duration,
    ) -> Admission {
        let interval = Duration::from_secs(1) / per_second.max(1);
        let mut next_free = self
            .next_free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if next_free.len() > PRUNE_ABOVE {
            next_free.retain(|_, free_at| *free_at > now);
        }
        let free_at = next_free.get(&endpoint).copied().unwrap_or(now).max(now);
        let wait = free_at - now;
        if wait > max_wait {
            return Admission::Defer(wait);
        }
        next_free.insert(endpoint, free_at + interval);
        if wait.is_zero() {
            Admission::Now
        } else {
            Admission::Wait(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_deliveries_waits_briefly_and_defers_the_rest() {
        let throttle = Throttle::default();
        let a = EndpointId::generate();
        let b = EndpointId::generate();
        let ms = Duration::from_millis;
        let max_wait = ms(300);
        // (endpoint, rate, now in ms, expected)
        let steps = [
            (a, 10, 0, Admission::Now),
            (a, 10, 0, Admission::Wait(ms(100))),
            (a, 10, 0, Admission::Wait(ms(200))),
            (a, 10, 0, Admission::Wait(ms(300))),
            // 400 ms away: deferred, and nothing reserved...
            (a, 10, 0, Admission::Defer(ms(400))),
            (a, 10, 0, Admission::Defer(ms(400))),
            // ...so it is admitted once time has moved on.
            (a, 10, 150, Admission::Wait(ms(250))),
            // Another endpoint is not affected.
            (b, 1, 150, Admission::Now),
            (b, 1, 150, Admission::Defer(ms(1_000))),
            // Idle long enough: no debt carried over.
            (a, 10, 10_000, Admission::Now),
            (a, 10, 10_050, Admission::Wait(ms(50))),
            // A rate change takes effect from the next reservation.
            (b, 1_000, 1_150, Admission::Now),
            (b, 1_000, 1_150, Admission::Wait(ms(1))),
        ];
        for (step, (endpoint, rate, now, expected)) in steps.into_iter().enumerate() {
            assert_eq!(
                throttle.admit(endpoint, rate, ms(now), max_wait),
                expected,
                "step {step}"
            );
        }
    }

    #[test]
    fn zero_rate_is_treated_as_one_per_second_and_zero_wait_never_sleeps() {
        let throttle = Throttle::default();
        let endpoint = EndpointId::generate();
        let now = Duration::from_secs(5);
        assert_eq!(
            throttle.admit(endpoint, 0, now, Duration::ZERO),
            Admission::Now
        );
        assert_eq!(
            throttle.admit(endpoint, 0, now, Duration::ZERO),
            Admission::Defer(Duration::from_secs(1))
        );
    }
}
