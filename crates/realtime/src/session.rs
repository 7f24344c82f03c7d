//! Sans-IO per-connection state: what a connection is subscribed to and watching, under the
//! subscription cap; the connection's frame budget (a token bucket); and the node's typing
//! throttle.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    hash::Hash,
    time::{Duration, Instant},
};

use atelier_identity::WorkspaceId;

use crate::topic::{Topic, TopicScope};

/// One connection's topic subscriptions (topic → where it lives) and presence watches. Topic
/// subscriptions and watches count together against the cap.
#[derive(Debug, Clone)]
pub struct Subscriptions {
    cap: usize,
    topics: BTreeMap<Topic, TopicScope>,
    watches: BTreeSet<WorkspaceId>,
}

/// Whether a new subscription (or watch) may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Already there: answer `ack` again, nothing to do.
    Already,
    /// Room for it: check access, then [`Subscriptions::add_topic`] / `add_watch`.
    Check,
    /// The cap is reached: answer `error` `too_many_subscriptions`.
    CapReached,
}

impl Subscriptions {
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            topics: BTreeMap::new(),
            watches: BTreeSet::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.topics.len() + self.watches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn admit_topic(&self, topic: &Topic) -> Admission {
        if self.topics.contains_key(topic) {
            Admission::Already
        } else if self.len() >= self.cap {
            Admission::CapReached
        } else {
            Admission::Check
        }
    }

    pub fn admit_watch(&self, workspace: WorkspaceId) -> Admission {
        if self.watches.contains(&workspace) {
            Admission::Already
        } else if self.len() >= self.cap {
            Admission::CapReached
        } else {
            Admission::Check
        }
    }

    pub fn add_topic(&mut self, topic: Topic, scope: TopicScope) {
        self.topics.insert(topic, scope);
    }

    /// True when it was subscribed.
    pub fn remove_topic(&mut self, topic: &Topic) -> bool {
        self.topics.remove(topic).is_some()
    }

    pub fn is_subscribed(&self, topic: &Topic) -> bool {
        self.topics.contains_key(topic)
    }

    pub fn topics(&self) -> impl Iterator<Item = &Topic> + '_ {
        self.topics.keys()
    }

    pub fn add_watch(&mut self, workspace: WorkspaceId) {
        self.watches.insert(workspace);
    }

    pub fn remove_watch(&mut self, workspace: WorkspaceId) -> bool {
        self.watches.remove(&workspace)
    }

    pub fn watches(&self) -> impl Iterator<Item = WorkspaceId> + '_ {
        self.watches.iter().copied()
    }
}

/// What to do with a client frame, by the connection's [`FrameBudget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameVerdict {
    /// Within the budget: handle it.
    Handle,
    /// Over the budget: do not handle it, answer `error` `rate_limited`; a frame is accepted
    /// again after `retry_after`.
    Refuse { retry_after: Duration },
    /// Still sending while refused, `burst` frames beyond the budget: close (4029).
    Close,
}

/// A connection's client-frame budget: a token bucket of `burst` frames refilled at `rate`
/// per second. A frame takes a token; one that finds none is refused and still takes one (the
/// balance goes negative: the client has to pause for `retry_after`, sending on only digs
/// deeper), and a balance down to `-burst` closes the socket. So a client that slows down
/// when refused stays connected, and one that keeps flooding gets fewer than `burst` cheap
/// refusals before it is closed.
#[derive(Debug, Clone)]
pub struct FrameBudget {
    rate: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
}

impl FrameBudget {
    /// A full bucket at `now`.
    pub fn new(rate: u32, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            rate: f64::from(rate.max(1)),
            burst,
            tokens: burst,
            updated: now,
        }
    }

    /// The verdict on one frame arriving at `now` (and its cost taken).
    pub fn take(&mut self, now: Instant) -> FrameVerdict {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.updated = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            FrameVerdict::Handle
        } else if self.tokens <= -self.burst {
            FrameVerdict::Close
        } else {
            // The balance must climb back to one token before the next frame is handled.
            FrameVerdict::Refuse {
                retry_after: Duration::from_secs_f64((1.0 - self.tokens) / self.rate)
                    .max(Duration::from_millis(1)),
            }
        }
    }
}

/// At most one event per key per `interval` (the typing notice of a user in a channel).
/// Entries older than the interval are pruned as the map grows, so it stays bounded by the
/// number of keys active within one interval.
#[derive(Debug, Clone)]
pub struct Throttle<K> {
    interval: Duration,
    last: HashMap<K, Instant>,
}

impl<K: Eq + Hash + Clone> Throttle<K> {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: HashMap::new(),
        }
    }

    /// True when `key` may fire at `now` (and records it).
    pub fn allow(&mut self, key: &K, now: Instant) -> bool {
        if let Some(last) = self.last.get(key)
            && now.saturating_duration_since(*last) < self.interval
        {
            return false;
        }
        if self.last.len() >= 1024 {
            let interval = self.interval;
            self.last
                .retain(|_, last| now.saturating_duration_since(*last) < interval);
        }
        self.last.insert(key.clone(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_counts_channels_and_watches() {
        let mut subscriptions = Subscriptions::new(2);
        let (a, b, c) = (
            Topic::new("channel", "a"),
            Topic::new("doc", "b"),
            Topic::new("channel", "c"),
        );
        let workspace = WorkspaceId::generate();
        assert_eq!(subscriptions.admit_topic(&a), Admission::Check);
        subscriptions.add_topic(a.clone(), TopicScope::default());
        assert_eq!(subscriptions.admit_topic(&a), Admission::Already);
        assert_eq!(subscriptions.admit_watch(workspace), Admission::Check);
        subscriptions.add_watch(workspace);
        assert_eq!(subscriptions.admit_topic(&b), Admission::CapReached);
        // An existing subscription is still acknowledged at the cap.
        assert_eq!(subscriptions.admit_topic(&a), Admission::Already);
        assert!(subscriptions.remove_topic(&a));
        assert!(!subscriptions.remove_topic(&a));
        assert_eq!(subscriptions.admit_topic(&c), Admission::Check);
    }

    #[test]
    fn frame_budget_table() {
        let start = Instant::now();
        let ms = |n| start + Duration::from_millis(n);
        let refuse = |ms| FrameVerdict::Refuse {
            retry_after: Duration::from_millis(ms),
        };
        // 10 frames per second, bursts of 3.
        let mut budget = FrameBudget::new(10, 3, start);
        // (at ms, verdict)
        let cases = [
            (0, FrameVerdict::Handle),
            (0, FrameVerdict::Handle),
            (0, FrameVerdict::Handle),
            // Empty: refused, and the refusal costs a token (-1): 200 ms to climb back to 1.
            (0, refuse(200)),
            // After waiting as told, a frame is handled again.
            (200, FrameVerdict::Handle),
            (200, refuse(200)),
            (200, refuse(300)),
            // Sending on while refused: at -3 (the burst) the socket is closed.
            (200, FrameVerdict::Close),
        ];
        for (n, (at, verdict)) in cases.into_iter().enumerate() {
            let got = budget.take(ms(at));
            match (got, verdict) {
                (
                    FrameVerdict::Refuse { retry_after: got },
                    FrameVerdict::Refuse {
                        retry_after: expected,
                    },
                ) => assert!(
                    got.abs_diff(expected) < Duration::from_millis(2),
                    "case {n}: {got:?} vs {expected:?}"
                ),
                _ => assert_eq!(got, verdict, "case {n} at {at}ms"),
            }
        }
        // A full second later the bucket is full again (never beyond the burst).
        let mut budget = FrameBudget::new(10, 3, start);
        for _ in 0..3 {
            assert_eq!(budget.take(ms(0)), FrameVerdict::Handle);
        }
        for n in 0..3 {
            assert_eq!(budget.take(ms(5000)), FrameVerdict::Handle, "frame {n}");
        }
        assert!(matches!(budget.take(ms(5000)), FrameVerdict::Refuse { .. }));
    }

    #[test]
    fn throttle_table() {
        let start = Instant::now();
        let ms = |n| start + Duration::from_millis(n);
        let mut throttle = Throttle::new(Duration::from_millis(100));
        // (key, at ms, allowed)
        let cases = [
            ("a", 0, true),
            ("a", 50, false),
            ("b", 50, true),
            ("a", 99, false),
            ("a", 100, true),
            ("b", 120, false),
            ("b", 151, true),
        ];
        for (key, at, allowed) in cases {
            assert_eq!(throttle.allow(&key, ms(at)), allowed, "{key} at {at}ms");
        }
    }
}
