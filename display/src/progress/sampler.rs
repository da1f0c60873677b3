//! Reading the clock only every few items when items come fast.

use std::time::{Duration, Instant};

/// Clock reads closer than this make the stride grow.
const FAST: Duration = Duration::from_millis(1);
/// Clock reads further apart than this make the stride shrink.
const SLOW: Duration = Duration::from_millis(20);
/// Most items between two clock reads: small, because items that turn slow after a
/// fast start are noticed only at the next read.
const MAX_STRIDE: u64 = 64;

/// Decides at which item counts a progress bar looks at the clock, so that a loop over
/// millions of cheap items does not pay for a clock read on each one.
#[derive(Clone, Debug)]
pub struct ClockSampler {
    stride: u64,
    next: u64,
    last: Option<Instant>,
}

impl Default for ClockSampler {
    fn default() -> Self {
        Self {
            stride: 1,
            next: 0,
            last: None,
        }
    }
}

impl ClockSampler {
    /// True when the clock should be read now that `count` items are done.
    pub fn due(&self, count: u64) -> bool {
        count >= self.next
    }

    /// Records a clock read at `now` after `count` items, adapting the stride so reads
    /// come every millisecond or so.
    pub fn record(&mut self, count: u64, now: Instant) {
        if let Some(last) = self.last {
            let gap = now.saturating_duration_since(last);
            if gap < FAST {
                self.stride = (self.stride * 2).min(MAX_STRIDE);
            } else if gap > SLOW {
                self.stride = (self.stride / 2).max(1);
            }
        }
        self.last = Some(now);
        self.next = count.saturating_add(self.stride);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stride_grows_for_fast_items_and_shrinks_for_slow_ones() {
        let t0 = Instant::now();
        let mut sampler = ClockSampler::default();
        let mut count = 0;
        let mut reads = 0;
        // A million items, 10 ns each: one clock read per 64 items at most.
        for i in 0..1_000_000u64 {
            count += 1;
            if sampler.due(count) {
                sampler.record(count, t0 + Duration::from_nanos(i * 10));
                reads += 1;
            }
        }
        assert!(reads < 1_000_000 / 60, "{reads} clock reads");
        assert_eq!(sampler.stride, MAX_STRIDE);
        // Then slow items (50 ms each): noticed within one stride, reads come back.
        let mut slow_reads = Vec::new();
        for i in 0..200u64 {
            count += 1;
            if sampler.due(count) {
                sampler.record(count, t0 + Duration::from_millis(100 + 50 * i));
                slow_reads.push(i);
            }
        }
        assert!(slow_reads[0] < MAX_STRIDE, "{slow_reads:?}");
        assert_eq!(sampler.stride, 1);
        assert!(slow_reads
            .windows(2)
            .rev()
            .take(5)
            .all(|w| w[1] == w[0] + 1));
    }
}
