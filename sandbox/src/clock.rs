//! The sandbox's clock: real time plus an offset, or a manual clock that only moves when told.
//!
//! Every expiry decision in the sandbox (codes, access tokens, throttle windows, rate-limit
//! minutes) reads this clock, so tests can move time forward instead of sleeping.

use std::time::{Duration, Instant};

/// Time as the sandbox sees it: a duration since the sandbox started.
#[derive(Debug)]
pub(crate) struct Clock {
    manual: bool,
    started: Instant,
    offset: Duration,
}

impl Clock {
    /// A clock that follows real time (`manual == false`) or stands still until advanced.
    pub(crate) fn new(manual: bool) -> Self {
        Clock {
            manual,
            started: Instant::now(),
            offset: Duration::ZERO,
        }
    }

    /// The current sandbox time.
    pub(crate) fn now(&self) -> Duration {
        if self.manual {
            self.offset
        } else {
            self.started.elapsed().saturating_add(self.offset)
        }
    }

    /// Moves the clock forward (works for both kinds of clock).
    pub(crate) fn advance(&mut self, by: Duration) {
        self.offset = self.offset.saturating_add(by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let mut clock = Clock::new(true);
        assert_eq!(clock.now(), Duration::ZERO);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), Duration::ZERO);
        clock.advance(Duration::from_secs(121));
        assert_eq!(clock.now(), Duration::from_secs(121));
    }

    #[test]
    fn real_clock_includes_the_offset() {
        let mut clock = Clock::new(false);
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() >= Duration::from_secs(3600));
    }
}
