//! Fault injection points, armed only by tests.
//!
//! Code that must stay correct across a crash between two steps names the gap with
//! [`check`]`(point, scope)`. Unarmed (always, in production), a check is one relaxed atomic
//! load. A test arms a point for one scope (a tenant id, a node id: something only that test
//! uses, so tests running in parallel in one process never see each other's faults) with
//! [`arm`], to fail the next checks with an error (as a crash or an outage at that moment would)
//! or to pause them (so the test can act, e.g. steal a lease, while the code is in the gap).
//!
//! Points in use (the code is the documentation of what each gap is):
//! - [`REFRESH_AFTER_CONSUME`] (scope: tenant): a refresh token is consumed, its successor not
//!   yet stored.
//! - [`WEBHOOK_EXHAUSTED_BEFORE_EVENT`] (scope: tenant): the exhausted delivery is recorded,
//!   `webhook.attempt.exhausted` not yet appended.
//! - [`WEBHOOK_EXHAUSTED_AFTER_COMMIT`] (scope: tenant): the exhaustion committed, the job not
//!   yet dead-lettered; a failure here hands the job back at the same attempt, as the broker
//!   redelivers it after a crash.
//! - [`MEMBER_CHANGE_BEFORE_WRITE`] (scope: tenant): a workspace or channel member change or removal was
//!   asked for, its transaction not yet started (another change of the same member can land
//!   here; the rank rule must judge the role the transaction reads).
//! - [`RELAY_BEFORE_MARK`] (scope: the relay's node id): a batch is published and confirmed,
//!   not yet marked.
//! - [`RELAY_BEFORE_PUBLISH`] (scope: the relay's node id): a batch is read and about to be
//!   sent; the batch before it may still be awaiting its confirms (a failure here is a publish
//!   failure of this batch while the previous one is in flight).

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

pub const REFRESH_AFTER_CONSUME: &str = "identity.refresh.after_consume";
pub const WEBHOOK_EXHAUSTED_BEFORE_EVENT: &str = "webhooks.exhausted.before_event";
pub const WEBHOOK_EXHAUSTED_AFTER_COMMIT: &str = "webhooks.exhausted.after_commit";
pub const MEMBER_CHANGE_BEFORE_WRITE: &str = "identity.member_change.before_write";
pub const RELAY_BEFORE_MARK: &str = "outbox.relay.before_mark";
pub const RELAY_BEFORE_PUBLISH: &str = "outbox.relay.before_publish";

/// What an armed point does to the next `times` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The check answers an error.
    Fail,
    /// The check sleeps this long, then passes.
    Pause(Duration),
}

/// The error an armed [`Fault::Fail`] point answers.
#[derive(Debug, Clone, thiserror::Error)]
#[error("fault injected at `{point}`")]
pub struct InjectedFault {
    pub point: &'static str,
}

impl From<InjectedFault> for crate::StorageError {
    fn from(fault: InjectedFault) -> Self {
        crate::StorageError::internal(fault.to_string())
    }
}

impl From<InjectedFault> for mongodb::error::Error {
    fn from(fault: InjectedFault) -> Self {
        mongodb::error::Error::custom(fault)
    }
}

#[derive(Debug)]
struct Armed {
    /// Checks that still pass before the fault applies.
    passes: u32,
    fault: Fault,
    remaining: u32,
    hits: u32,
}

static ANY_ARMED: AtomicBool = AtomicBool::new(false);
static ARMED: Mutex<Option<HashMap<(&'static str, String), Armed>>> = Mutex::new(None);

/// Arms `point` for `scope`: the next `times` checks there suffer `fault`.
pub fn arm(point: &'static str, scope: &str, fault: Fault, times: u32) {
    arm_after(point, scope, 0, fault, times);
}

/// Arms `point` for `scope`: the next `passes` checks there pass, the `times` after them
/// suffer `fault` (e.g. the second batch fails, not the first).
pub fn arm_after(point: &'static str, scope: &str, passes: u32, fault: Fault, times: u32) {
    let mut armed = ARMED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    armed.get_or_insert_with(HashMap::new).insert(
        (point, scope.to_owned()),
        Armed {
            passes,
            fault,
            remaining: times,
            hits: 0,
        },
    );
    ANY_ARMED.store(true, Ordering::Release);
}

/// How many checks of `point` for `scope` an armed fault has hit so far.
pub fn hits(point: &'static str, scope: &str) -> u32 {
    let armed = ARMED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    armed
        .as_ref()
        .and_then(|map| map.get(&(point, scope.to_owned())))
        .map_or(0, |entry| entry.hits)
}

/// Disarms `point` for `scope`.
pub fn disarm(point: &'static str, scope: &str) {
    let mut armed = ARMED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(map) = armed.as_mut() {
        map.remove(&(point, scope.to_owned()));
    }
}

/// The injection point itself: passes at once unless a test armed `point` for `scope`.
pub async fn check(point: &'static str, scope: &str) -> Result<(), InjectedFault> {
    if !ANY_ARMED.load(Ordering::Acquire) {
        return Ok(());
    }
    let fault = {
        let mut armed = ARMED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match armed
            .as_mut()
            .and_then(|map| map.get_mut(&(point, scope.to_owned())))
        {
            Some(entry) if entry.passes > 0 => {
                entry.passes -= 1;
                None
            }
            Some(entry) if entry.remaining > 0 => {
                entry.remaining -= 1;
                entry.hits += 1;
                Some(entry.fault)
            }
            _ => None,
        }
    };
    match fault {
        None => Ok(()),
        Some(Fault::Fail) => {
            tracing::warn!(point, scope, "injected fault");
            Err(InjectedFault { point })
        }
        Some(Fault::Pause(pause)) => {
            tracing::warn!(point, scope, ?pause, "injected pause");
            tokio::time::sleep(pause).await;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn armed_points_fail_their_scope_only_and_only_so_often() {
        const POINT: &str = "test.point";
        check(POINT, "a").await.unwrap();
        arm(POINT, "a", Fault::Fail, 2);
        check(POINT, "b").await.unwrap();
        assert!(check(POINT, "a").await.is_err());
        assert!(check(POINT, "a").await.is_err());
        check(POINT, "a").await.unwrap();
        assert_eq!(hits(POINT, "a"), 2);
        assert_eq!(hits(POINT, "b"), 0);
        arm(POINT, "a", Fault::Pause(Duration::from_millis(30)), 1);
        let started = std::time::Instant::now();
        check(POINT, "a").await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(30));
        arm(POINT, "a", Fault::Fail, 1);
        disarm(POINT, "a");
        check(POINT, "a").await.unwrap();
        arm_after(POINT, "a", 2, Fault::Fail, 1);
        check(POINT, "a").await.unwrap();
        check(POINT, "a").await.unwrap();
        assert!(check(POINT, "a").await.is_err());
        check(POINT, "a").await.unwrap();
        assert_eq!(hits(POINT, "a"), 1);
    }
}
