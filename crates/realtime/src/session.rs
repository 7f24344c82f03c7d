//! Sans-IO per-connection state: what a connection is subscribed to and watching, under the
//! subscription cap; and the node's typing throttle.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    hash::Hash,
    time::{Duration, Instant},
};

use atelier_chat::ChannelId;
use atelier_identity::WorkspaceId;

/// One connection's subscriptions (channel → its workspace) and presence watches. Channel
/// subscriptions and watches count together against the cap.
#[derive(Debug, Clone)]
pub struct Subscriptions {
    cap: usize,
    channels: BTreeMap<ChannelId, WorkspaceId>,
    watches: BTreeSet<WorkspaceId>,
}

/// Whether a new subscription (or watch) may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Already there: answer `ack` again, nothing to do.
    Already,
    /// Room for it: check access, then [`Subscriptions::add_channel`] / `add_watch`.
    Check,
    /// The cap is reached: answer `error` `too_many_subscriptions`.
    CapReached,
}

impl Subscriptions {
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            channels: BTreeMap::new(),
            watches: BTreeSet::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.channels.len() + self.watches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn admit_channel(&self, channel: ChannelId) -> Admission {
        if self.channels.contains_key(&channel) {
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

    pub fn add_channel(&mut self, channel: ChannelId, workspace: WorkspaceId) {
        self.channels.insert(channel, workspace);
    }

    /// True when it was subscribed.
    pub fn remove_channel(&mut self, channel: ChannelId) -> bool {
        self.channels.remove(&channel).is_some()
    }

    pub fn is_subscribed(&self, channel: ChannelId) -> bool {
        self.channels.contains_key(&channel)
    }

    pub fn channels(&self) -> impl Iterator<Item = ChannelId> + '_ {
        self.channels.keys().copied()
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
            ChannelId::generate(),
            ChannelId::generate(),
            ChannelId::generate(),
        );
        let workspace = WorkspaceId::generate();
        assert_eq!(subscriptions.admit_channel(a), Admission::Check);
        subscriptions.add_channel(a, workspace);
        assert_eq!(subscriptions.admit_channel(a), Admission::Already);
        assert_eq!(subscriptions.admit_watch(workspace), Admission::Check);
        subscriptions.add_watch(workspace);
        assert_eq!(subscriptions.admit_channel(b), Admission::CapReached);
        // An existing subscription is still acknowledged at the cap.
        assert_eq!(subscriptions.admit_channel(a), Admission::Already);
        assert!(subscriptions.remove_channel(a));
        assert!(!subscriptions.remove_channel(a));
        assert_eq!(subscriptions.admit_channel(c), Admission::Check);
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
