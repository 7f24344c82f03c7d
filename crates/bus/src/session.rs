//! What every supervised broker session shares (the work-queue consumers and the ephemeral
//! consumer): the bounds of setting one up and closing it, and the reconnect backoff between
//! sessions.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Bound of connecting, declaring, binding and subscribing.
pub(crate) const SETUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound of the graceful connection close at the end of a session.
pub(crate) const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// First reconnect delay; doubles up to `BusConfig::reconnect_backoff_max`.
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);

/// The delay before the next session: 100 ms, doubling up to a maximum, back to 100 ms after
/// a session that subscribed.
#[derive(Debug)]
pub(crate) struct Reconnect {
    next: Duration,
    max: Duration,
}

impl Reconnect {
    pub(crate) fn new(max: Duration) -> Reconnect {
        Reconnect {
            next: INITIAL_BACKOFF,
            max: max.max(INITIAL_BACKOFF),
        }
    }

    /// The last session got as far as subscribing: start over from the first delay.
    pub(crate) fn reset(&mut self) {
        self.next = INITIAL_BACKOFF;
    }

    /// Waits the current delay, doubling the next; `false` when `cancel` fired first.
    pub(crate) async fn wait(&mut self, cancel: &CancellationToken) -> bool {
        let delay = self.take_delay();
        tokio::select! {
            () = cancel.cancelled() => false,
            () = tokio::time::sleep(delay) => true,
        }
    }

    fn take_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_maximum_and_reset() {
        let mut reconnect = Reconnect::new(Duration::from_millis(350));
        let delays: Vec<u128> = (0..4).map(|_| reconnect.take_delay().as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        reconnect.reset();
        assert_eq!(reconnect.take_delay(), Duration::from_millis(100));
        // A maximum below the first delay never shortens it.
        assert_eq!(
            Reconnect::new(Duration::ZERO).take_delay(),
            Duration::from_millis(100)
        );
    }

    #[tokio::test]
    async fn a_cancelled_wait_returns_false_at_once() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let mut reconnect = Reconnect::new(Duration::from_secs(3600));
        assert!(!reconnect.wait(&cancel).await);
    }
}
