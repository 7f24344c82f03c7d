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

/// How far before its start a new subscription's `position` reaches when the topic's newest
/// event is older (or the topic has none): an event being committed while the subscription
/// starts carries an id (a ULID) taken before its commit.
pub const POSITION_MARGIN: Duration = Duration::from_secs(60);

/// The `position` of a new subscription at `now`, given the topic's newest event `head` (read
/// once the subscription receives live events): every later event arrives live. It is the
/// head, or a bare id [`POSITION_MARGIN`] before `now` when that is later (nothing of the
/// topic happened in between), so a quiet topic's position stays within the resume window.
pub fn position(head: Option<EventId>, now: DateTime<Utc>) -> EventId {
    let margin_ms = i64::try_from(POSITION_MARGIN.as_millis()).unwrap_or(i64::MAX);
    let floor_ms = u64::try_from(now.timestamp_millis().saturating_sub(margin_ms)).unwrap_or(0);
    let floor = EventId::from_ulid(ulid::Ulid::from_parts(floor_ms, 0));
    match head {
        Some(head) if head > floor => head,
        _ => floor,
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
    fn position_is_the_head_or_a_recent_floor() {
        let now = Utc::now();
        let now_ms = u64::try_from(now.timestamp_millis()).unwrap();
        let at = |ago_ms: u64, random: u128| {
            EventId::from_ulid(ulid::Ulid::from_parts(now_ms - ago_ms, random))
        };
        let floor = at(60_000, 0);
        // (head, expected)
        let cases = [
            (None, floor),
            (Some(at(10, 7)), at(10, 7)),
            (Some(at(60_000, 7)), at(60_000, 7)),
            (Some(at(3_600_000, 7)), floor),
        ];
        for (head, expected) in cases {
            assert_eq!(position(head, now), expected, "{head:?}");
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
