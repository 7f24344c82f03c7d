//! Sans-IO resume decisions: can a topic's missed events be replayed from a cursor?
//!
//! A resume cursor is the `event_id` of the last `event` frame a client received. Event ids
//! are ULIDs, so the cursor also says *when* that event happened. For each subscribed topic
//! whose kind replays from the outbox, the gateway reads at most `max_events + 1` events after
//! the cursor (from the outbox collection, by its `(tenant, aggregate_type, aggregate_id,
//! order)` index) and asks [`decide`]: replay them, or tell the client to resync (for a
//! channel, from its change feed).

use std::time::Duration;

use atelier_core::EventId;
use chrono::{DateTime, Utc};

use crate::frame::ResyncReason;

/// What to do for one topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelResume {
    /// Send the events read (all of them: there were at most `max_events`).
    Replay,
    /// Send `resync_required` with this reason and nothing else for the topic.
    Resync(ResyncReason),
}

/// Whether the cursor is within the resume window at all (checked before reading anything).
pub fn cursor_in_window(cursor: EventId, now: DateTime<Utc>, window: Duration) -> bool {
    let cursor_ms = i64::try_from(cursor.ulid().timestamp_ms()).unwrap_or(i64::MAX);
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    now.timestamp_millis().saturating_sub(cursor_ms) <= window_ms
}

/// The decision for one topic, given how many events after the cursor were read
/// (`read` ≤ `max_events + 1`).
pub fn decide(in_window: bool, read: usize, max_events: usize) -> ChannelResume {
    if !in_window {
        ChannelResume::Resync(ResyncReason::CursorTooOld)
    } else if read > max_events {
        ChannelResume::Resync(ResyncReason::TooManyMissed)
    } else {
        ChannelResume::Replay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_table() {
        // (in window, read, max, expected)
        let cases = [
            (true, 0, 10, ChannelResume::Replay),
            (true, 10, 10, ChannelResume::Replay),
            (
                true,
                11,
                10,
                ChannelResume::Resync(ResyncReason::TooManyMissed),
            ),
            (
                false,
                0,
                10,
                ChannelResume::Resync(ResyncReason::CursorTooOld),
            ),
            (
                false,
                11,
                10,
                ChannelResume::Resync(ResyncReason::CursorTooOld),
            ),
        ];
        for (in_window, read, max, expected) in cases {
            assert_eq!(
                decide(in_window, read, max),
                expected,
                "{in_window} {read} {max}"
            );
        }
    }

    #[test]
    fn window_is_read_from_the_ulid_time() {
        let now = Utc::now();
        let at = |ago: Duration| {
            let ms = u64::try_from(now.timestamp_millis()).unwrap() - ago.as_millis() as u64;
            EventId::from_ulid(ulid::Ulid::from_parts(ms, 7))
        };
        let window = Duration::from_secs(3600);
        assert!(cursor_in_window(at(Duration::from_secs(10)), now, window));
        assert!(cursor_in_window(at(Duration::from_secs(3600)), now, window));
        assert!(!cursor_in_window(
            at(Duration::from_secs(3601)),
            now,
            window
        ));
    }
}
