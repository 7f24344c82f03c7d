//! The `realtime` section of the configuration.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Limits and timings of the WebSocket gateway. Defaults on [`RealtimeConfig::default`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealtimeConfig {
    /// Largest client frame, in bytes; a larger one closes the socket with 1009.
    pub max_frame_bytes: usize,
    /// Frames queued for one client before it counts as too slow (closed with 4008).
    pub outbound_queue: usize,
    /// A client whose oldest queued frame could not be written to its socket for this long
    /// has stopped reading: it is closed with 4008 (or dropped when not even the close frame
    /// can be written).
    #[serde(with = "humantime_serde")]
    pub stalled_after: Duration,
    /// Channel subscriptions plus presence watches per connection.
    pub max_subscriptions: usize,
    /// Client frames (text or binary) a connection may send per second, sustained. A frame
    /// beyond it is refused (`error` `rate_limited`); a client that keeps sending is closed
    /// with 4029.
    pub frames_per_second: u32,
    /// Client frames a connection may send at once (the token bucket's size).
    pub frame_burst: u32,
    /// WebSocket connections one user may hold on this node; one more is closed with 4030.
    pub max_sockets_per_user: usize,
    /// How often the server sends a WebSocket ping.
    #[serde(with = "humantime_serde")]
    pub ping_interval: Duration,
    /// A connection that sent nothing (no pong, no frame) for this long is closed with 4000.
    #[serde(with = "humantime_serde")]
    pub ping_timeout: Duration,
    /// At most one typing notice per user and channel per this interval.
    #[serde(with = "humantime_serde")]
    pub typing_throttle: Duration,
    /// How long clients show a typing notice.
    #[serde(with = "humantime_serde")]
    pub typing_ttl: Duration,
    /// A presence announcement expires after this without a heartbeat.
    #[serde(with = "humantime_serde")]
    pub presence_ttl: Duration,
    /// Most events a resume replays (over all subscribed channels); beyond it, channels get
    /// `resync_required`.
    pub resume_max_events: usize,
    /// A resume cursor older than this gets `resync_required`.
    #[serde(with = "humantime_serde")]
    pub resume_window: Duration,
}

impl Default for RealtimeConfig {
    /// 64 KiB frames, 256 queued frames stalled after 5s, 100 subscriptions, 10 client frames
    /// per second in bursts of 120, 16 sockets per user and node, ping every 15s with a 45s
    /// timeout, typing 1 per 2s shown 6s, presence ttl 60s, resume up to 500 events or 1h.
    fn default() -> Self {
        Self {
            max_frame_bytes: 64 * 1024,
            outbound_queue: 256,
            stalled_after: Duration::from_secs(5),
            max_subscriptions: 100,
            frames_per_second: 10,
            frame_burst: 120,
            max_sockets_per_user: 16,
            ping_interval: Duration::from_secs(15),
            ping_timeout: Duration::from_secs(45),
            typing_throttle: Duration::from_secs(2),
            typing_ttl: Duration::from_secs(6),
            presence_ttl: Duration::from_secs(60),
            resume_max_events: 500,
            resume_window: Duration::from_secs(3600),
        }
    }
}

impl RealtimeConfig {
    /// Checks values serde cannot: `(setting, message)` of the first problem.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if self.max_frame_bytes < 1024 {
            return Err(("realtime.max_frame_bytes", "must be at least 1024"));
        }
        if self.outbound_queue == 0 {
            return Err(("realtime.outbound_queue", "must be at least 1"));
        }
        if self.stalled_after.is_zero() {
            return Err(("realtime.stalled_after", "must be greater than zero"));
        }
        if self.max_subscriptions == 0 {
            return Err(("realtime.max_subscriptions", "must be at least 1"));
        }
        if self.frames_per_second == 0 {
            return Err(("realtime.frames_per_second", "must be at least 1"));
        }
        if self.frame_burst == 0 {
            return Err(("realtime.frame_burst", "must be at least 1"));
        }
        if self.max_sockets_per_user == 0 {
            return Err(("realtime.max_sockets_per_user", "must be at least 1"));
        }
        if self.ping_interval.is_zero() {
            return Err(("realtime.ping_interval", "must be greater than zero"));
        }
        if self.ping_timeout <= self.ping_interval {
            return Err((
                "realtime.ping_timeout",
                "must be longer than realtime.ping_interval",
            ));
        }
        if self.presence_ttl < Duration::from_secs(1) {
            return Err(("realtime.presence_ttl", "must be at least 1s"));
        }
        if self.typing_ttl.is_zero() {
            return Err(("realtime.typing_ttl", "must be greater than zero"));
        }
        Ok(())
    }
}
