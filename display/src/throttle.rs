//! Rate limiting of in-place redraws, with the clock passed in so tests control time.

use std::time::{Duration, Instant};

/// Decides whether enough time has passed since the last redraw to draw again.
#[derive(Clone, Debug)]
pub struct Throttle {
    interval: Duration,
    last: Option<Instant>,
}

impl Throttle {
    /// At most one redraw per `interval`; the first one is always allowed.
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: None,
        }
    }

    /// At most `per_second` redraws a second.
    pub fn per_second(per_second: f64) -> Self {
        Self::new(Duration::from_secs_f64(1.0 / per_second.max(1e-3)))
    }

    /// True (and the redraw is recorded at `now`) when a redraw is due at `now`.
    pub fn ready(&mut self, now: Instant) -> bool {
        let due = match self.last {
            None => true,
            Some(last) => now.saturating_duration_since(last) >= self.interval,
        };
        if due {
            self.last = Some(now);
        }
        due
    }

    /// Records a redraw made at `now` regardless of the rate (a forced draw).
    pub fn mark(&mut self, now: Instant) {
        self.last = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_first_then_one_per_interval() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut throttle = Throttle::new(ms(250));
        assert!(throttle.ready(t0));
        assert!(!throttle.ready(t0 + ms(100)));
        assert!(!throttle.ready(t0 + ms(249)));
        assert!(throttle.ready(t0 + ms(250)));
        assert!(!throttle.ready(t0 + ms(400)));
        assert!(throttle.ready(t0 + ms(520)));
    }

    #[test]
    fn forced_draw_restarts_the_interval() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut throttle = Throttle::per_second(4.0);
        assert!(throttle.ready(t0));
        throttle.mark(t0 + ms(300));
        assert!(!throttle.ready(t0 + ms(400)));
        assert!(throttle.ready(t0 + ms(550)));
    }
}
