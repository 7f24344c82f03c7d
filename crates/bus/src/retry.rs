//! The retry schedule, sans IO: what a handler's [`Outcome`] means for a delivery.
//!
//! [`route`] maps an outcome, the delivery's attempt number and the consumer's
//! [`RetryPolicy`] to a [`Route`]: acknowledge, move to a delayed retry tier, or dead-letter.
//! The consumer adapter in [`crate::consumer`] only executes the route.

use std::time::Duration;

use crate::BusError;

/// What a [`crate::Handler`] decided about one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done; acknowledge.
    Ack,
    /// Failed transiently: try again after the policy's tier for this attempt
    /// (`tiers[attempt - 1]`, clamped to the last tier).
    Retry { reason: String },
    /// Failed transiently, and the handler knows when to try again (e.g. a `Retry-After`):
    /// the smallest tier at least `delay`, else the largest tier.
    RetryAfter { delay: Duration, reason: String },
    /// Not failed, only not now (e.g. a per-destination throttle): back after the smallest
    /// tier at least `delay` (else the largest), at the *same* attempt. Never dead-letters, so
    /// a handler must only defer for a reason that passes with time.
    Defer { delay: Duration, reason: String },
    /// Failed permanently: straight to the dead-letter queue.
    Reject { reason: String },
}

/// Delayed retries of one consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay tiers; each becomes a TTL queue. Must not be empty.
    pub tiers: Vec<Duration>,
    /// Attempts in total (the first delivery is attempt 1); a failure at this attempt
    /// dead-letters the message as `exhausted`.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// Tiers of 1s, 10s and 60s; 4 attempts.
    fn default() -> Self {
        Self {
            tiers: vec![
                Duration::from_secs(1),
                Duration::from_secs(10),
                Duration::from_secs(60),
            ],
            max_attempts: 4,
        }
    }
}

impl RetryPolicy {
    /// Tier delays in whole milliseconds, deduplicated and sorted: one TTL queue each.
    pub fn tier_millis(&self) -> Vec<u64> {
        let mut millis: Vec<u64> = self
            .tiers
            .iter()
            .map(|tier| duration_millis(*tier))
            .collect();
        millis.sort_unstable();
        millis.dedup();
        millis
    }
}

/// One consumer: its name, what it listens to, and how it retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSpec {
    /// `[a-z0-9_-]+`; names the work queue `{prefix}.{name}`.
    pub name: String,
    /// Routing-key patterns bound on the events (topic) exchange.
    pub bindings: Vec<String>,
    pub retry: RetryPolicy,
}

impl ConsumerSpec {
    /// Checks the name's alphabet, that there is at least one tier, each at least 1ms, and at
    /// least one attempt.
    pub fn validate(&self) -> Result<(), BusError> {
        let name_ok = !self.name.is_empty()
            && self
                .name
                .bytes()
                .all(|byte| matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'));
        if !name_ok {
            return Err(BusError::InvalidSpec(format!(
                "consumer name `{}` must match [a-z0-9_-]+",
                self.name
            )));
        }
        if self.retry.tiers.is_empty() {
            return Err(BusError::InvalidSpec(format!(
                "consumer `{}` has no retry tiers",
                self.name
            )));
        }
        if self
            .retry
            .tiers
            .iter()
            .any(|tier| duration_millis(*tier) == 0)
        {
            return Err(BusError::InvalidSpec(format!(
                "consumer `{}` has a retry tier shorter than 1ms",
                self.name
            )));
        }
        if self.retry.max_attempts == 0 {
            return Err(BusError::InvalidSpec(format!(
                "consumer `{}` has max_attempts 0",
                self.name
            )));
        }
        Ok(())
    }
}

/// Why a message was dead-lettered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadLetterReason {
    /// Retried until `max_attempts`.
    Exhausted,
    /// The handler rejected it.
    Rejected,
}

impl DeadLetterReason {
    /// The value of the `x-atelier-reason` header and of the metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadLetterReason::Exhausted => "exhausted",
            DeadLetterReason::Rejected => "rejected",
        }
    }
}

/// What to do with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Ack,
    /// Publish a copy to the tier queue of `tier_millis` with `next_attempt`, then ack.
    Retry {
        tier_millis: u64,
        next_attempt: u32,
        reason: String,
    },
    /// Publish a copy to the dead-letter exchange, then ack.
    DeadLetter {
        reason: DeadLetterReason,
        last_error: String,
    },
}

/// Decides the route of a delivery at `attempt` (1-based) that ended with `outcome`.
pub fn route(outcome: Outcome, attempt: u32, policy: &RetryPolicy) -> Route {
    let (tier, reason) = match outcome {
        Outcome::Ack => return Route::Ack,
        Outcome::Reject { reason } => {
            return Route::DeadLetter {
                reason: DeadLetterReason::Rejected,
                last_error: reason,
            };
        }
        Outcome::Retry { reason } => (tier_for_attempt(attempt, policy), reason),
        Outcome::RetryAfter { delay, reason } => (tier_for_delay(delay, policy), reason),
        Outcome::Defer { delay, reason } => {
            return match tier_for_delay(delay, policy) {
                Some(tier_millis) => Route::Retry {
                    tier_millis,
                    next_attempt: attempt.max(1),
                    reason,
                },
                // No tiers at all (a spec that skipped validation): never drop.
                None => Route::DeadLetter {
                    reason: DeadLetterReason::Exhausted,
                    last_error: reason,
                },
            };
        }
    };
    match tier {
        Some(tier_millis) if attempt < policy.max_attempts => Route::Retry {
            tier_millis,
            next_attempt: attempt.saturating_add(1),
            reason,
        },
        // Out of attempts, or no tiers at all (a spec that skipped validation): never drop.
        _ => Route::DeadLetter {
            reason: DeadLetterReason::Exhausted,
            last_error: reason,
        },
    }
}

fn tier_for_attempt(attempt: u32, policy: &RetryPolicy) -> Option<u64> {
    let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
    let tier = policy.tiers.get(index).or_else(|| policy.tiers.last())?;
    Some(duration_millis(*tier))
}

fn tier_for_delay(delay: Duration, policy: &RetryPolicy) -> Option<u64> {
    let wanted = duration_millis(delay);
    let tiers = policy.tier_millis();
    tiers
        .iter()
        .copied()
        .find(|tier| *tier >= wanted)
        .or_else(|| tiers.last().copied())
}

pub(crate) fn duration_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(tiers_millis: &[u64], max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            tiers: tiers_millis
                .iter()
                .map(|millis| Duration::from_millis(*millis))
                .collect(),
            max_attempts,
        }
    }

    fn retry(tier_millis: u64, next_attempt: u32) -> Route {
        Route::Retry {
            tier_millis,
            next_attempt,
            reason: "boom".to_owned(),
        }
    }

    fn dead(reason: DeadLetterReason) -> Route {
        Route::DeadLetter {
            reason,
            last_error: "boom".to_owned(),
        }
    }

    #[test]
    fn routes_outcomes_by_attempt_and_policy() {
        let standard = policy(&[1_000, 10_000, 60_000], 4);
        let unsorted = policy(&[60_000, 1_000, 10_000], 10);
        let no_tiers = policy(&[], 4);
        let single_attempt = policy(&[200], 1);
        let retry_outcome = Outcome::Retry {
            reason: "boom".to_owned(),
        };
        let after = |millis: u64| Outcome::RetryAfter {
            delay: Duration::from_millis(millis),
            reason: "boom".to_owned(),
        };
        let reject = Outcome::Reject {
            reason: "boom".to_owned(),
        };
        let defer = |millis: u64| Outcome::Defer {
            delay: Duration::from_millis(millis),
            reason: "boom".to_owned(),
        };
        let table: Vec<(&str, Outcome, u32, &RetryPolicy, Route)> = vec![
            ("ack", Outcome::Ack, 1, &standard, Route::Ack),
            (
                "ack at last attempt",
                Outcome::Ack,
                4,
                &standard,
                Route::Ack,
            ),
            (
                "retry 1 -> tier 1",
                retry_outcome.clone(),
                1,
                &standard,
                retry(1_000, 2),
            ),
            (
                "retry 2 -> tier 2",
                retry_outcome.clone(),
                2,
                &standard,
                retry(10_000, 3),
            ),
            (
                "retry 3 -> tier 3",
                retry_outcome.clone(),
                3,
                &standard,
                retry(60_000, 4),
            ),
            (
                "retry at max -> exhausted",
                retry_outcome.clone(),
                4,
                &standard,
                dead(DeadLetterReason::Exhausted),
            ),
            (
                "retry past max -> exhausted",
                retry_outcome.clone(),
                9,
                &standard,
                dead(DeadLetterReason::Exhausted),
            ),
            (
                "retry clamps to last tier",
                retry_outcome.clone(),
                5,
                &unsorted,
                retry(10_000, 6),
            ),
            (
                "retry attempt 0 treated as 1",
                retry_outcome.clone(),
                0,
                &standard,
                retry(1_000, 1),
            ),
            (
                "after 0 -> smallest",
                after(0),
                1,
                &standard,
                retry(1_000, 2),
            ),
            (
                "after exact tier",
                after(10_000),
                1,
                &standard,
                retry(10_000, 2),
            ),
            (
                "after between tiers -> next up",
                after(1_001),
                1,
                &standard,
                retry(10_000, 2),
            ),
            (
                "after beyond largest -> largest",
                after(3_600_000),
                1,
                &standard,
                retry(60_000, 2),
            ),
            (
                "after ignores tier order",
                after(2_000),
                1,
                &unsorted,
                retry(10_000, 2),
            ),
            (
                "after at max -> exhausted",
                after(5),
                4,
                &standard,
                dead(DeadLetterReason::Exhausted),
            ),
            (
                "defer keeps the attempt",
                defer(1_001),
                2,
                &standard,
                retry(10_000, 2),
            ),
            (
                "defer at max attempts still retries",
                defer(0),
                4,
                &standard,
                retry(1_000, 4),
            ),
            (
                "defer beyond largest -> largest",
                defer(3_600_000),
                1,
                &standard,
                retry(60_000, 1),
            ),
            (
                "defer attempt 0 treated as 1",
                defer(5),
                0,
                &standard,
                retry(1_000, 1),
            ),
            (
                "defer without tiers -> dead letter, never dropped",
                defer(5),
                1,
                &no_tiers,
                dead(DeadLetterReason::Exhausted),
            ),
            (
                "reject at 1",
                reject.clone(),
                1,
                &standard,
                dead(DeadLetterReason::Rejected),
            ),
            (
                "reject at max",
                reject,
                4,
                &standard,
                dead(DeadLetterReason::Rejected),
            ),
            (
                "no tiers -> exhausted",
                retry_outcome.clone(),
                1,
                &no_tiers,
                dead(DeadLetterReason::Exhausted),
            ),
            (
                "max 1 -> no retry",
                retry_outcome,
                1,
                &single_attempt,
                dead(DeadLetterReason::Exhausted),
            ),
        ];
        for (name, outcome, attempt, policy, expected) in table {
            assert_eq!(route(outcome, attempt, policy), expected, "{name}");
        }
    }

    #[test]
    fn validates_specs() {
        let valid = ConsumerSpec {
            name: "webhooks_v2-a".to_owned(),
            bindings: vec!["#".to_owned()],
            retry: RetryPolicy::default(),
        };
        assert!(valid.validate().is_ok());
        let cases = [
            ConsumerSpec {
                name: "Webhooks".to_owned(),
                ..valid.clone()
            },
            ConsumerSpec {
                name: String::new(),
                ..valid.clone()
            },
            ConsumerSpec {
                name: "a.b".to_owned(),
                ..valid.clone()
            },
            ConsumerSpec {
                retry: policy(&[], 3),
                ..valid.clone()
            },
            ConsumerSpec {
                retry: policy(&[0], 3),
                ..valid.clone()
            },
            ConsumerSpec {
                retry: policy(&[100], 0),
                ..valid
            },
        ];
        for spec in cases {
            assert!(
                matches!(spec.validate(), Err(BusError::InvalidSpec(_))),
                "{spec:?}"
            );
        }
    }

    #[test]
    fn tier_millis_are_sorted_and_unique() {
        assert_eq!(
            policy(&[500, 100, 500, 2_000], 3).tier_millis(),
            vec![100, 500, 2_000]
        );
    }
}
