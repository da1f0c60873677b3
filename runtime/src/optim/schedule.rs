//! Learning-rate schedules as pure functions of the step, so resuming needs only the step.

use std::f64::consts::PI;

/// A learning rate for each optimisation step (0-based).
pub trait LrSchedule {
    /// The learning rate to use for step `step`.
    fn lr(&self, step: u64) -> f64;
}

/// The same rate at every step.
#[derive(Debug, Clone, Copy)]
pub struct ConstantLr(pub f64);

impl LrSchedule for ConstantLr {
    fn lr(&self, _step: u64) -> f64 {
        self.0
    }
}

/// `base * gamma^(step / step_size)` (PyTorch's `StepLR`).
#[derive(Debug, Clone, Copy)]
pub struct StepLr {
    /// Initial rate.
    pub base: f64,
    /// Steps between decays.
    pub step_size: u64,
    /// Decay factor.
    pub gamma: f64,
}

impl LrSchedule for StepLr {
    fn lr(&self, step: u64) -> f64 {
        self.base * self.gamma.powi((step / self.step_size.max(1)) as i32)
    }
}

/// Cosine annealing from `base` to `min` over `total` steps, then `min`
/// (PyTorch's `CosineAnnealingLR` with `T_max = total`).
#[derive(Debug, Clone, Copy)]
pub struct CosineLr {
    /// Initial rate.
    pub base: f64,
    /// Final rate.
    pub min: f64,
    /// Length of the annealing.
    pub total: u64,
}

fn cosine(from: f64, to: f64, fraction: f64) -> f64 {
    to + (from - to) * (1.0 + (PI * fraction.clamp(0.0, 1.0)).cos()) / 2.0
}

impl LrSchedule for CosineLr {
    fn lr(&self, step: u64) -> f64 {
        cosine(self.base, self.min, step as f64 / self.total.max(1) as f64)
    }
}

/// Linear warmup from `target / warmup` up to the rate of `after` over `warmup` steps, then
/// `after`'s schedule shifted by the warmup.
pub struct LinearWarmup {
    /// Warmup length in steps.
    pub warmup: u64,
    /// The schedule after warmup (its step 0 is the first step after warmup).
    pub after: Box<dyn LrSchedule + Send + Sync>,
}

impl LrSchedule for LinearWarmup {
    fn lr(&self, step: u64) -> f64 {
        if step < self.warmup {
            self.after.lr(0) * (step + 1) as f64 / self.warmup as f64
        } else {
            self.after.lr(step - self.warmup)
        }
    }
}

/// The one-cycle policy (PyTorch's `OneCycleLR`, cosine annealing): from `max / div` up to
/// `max` over the first `pct_start` of `total` steps, then down to `max / (div * final_div)`.
#[derive(Debug, Clone, Copy)]
pub struct OneCycleLr {
    /// Peak rate.
    pub max: f64,
    /// Total steps of the cycle.
    pub total: u64,
    /// Fraction of the cycle spent rising (default 0.3).
    pub pct_start: f64,
    /// `max / initial` (default 25).
    pub div: f64,
    /// `initial / final` (default 1e4).
    pub final_div: f64,
}

impl OneCycleLr {
    /// A cycle with PyTorch's defaults (pct_start 0.3, div 25, final_div 1e4).
    pub fn new(max: f64, total: u64) -> Self {
        OneCycleLr {
            max,
            total,
            pct_start: 0.3,
            div: 25.0,
            final_div: 1e4,
        }
    }
}

impl LrSchedule for OneCycleLr {
    fn lr(&self, step: u64) -> f64 {
        let initial = self.max / self.div;
        let last = initial / self.final_div;
        let peak_step = (self.pct_start * self.total as f64 - 1.0).max(1.0);
        let end_step = (self.total as f64 - 1.0).max(peak_step + 1.0);
        let s = step as f64;
        if s <= peak_step {
            cosine(initial, self.max, s / peak_step)
        } else {
            cosine(self.max, last, (s - peak_step) / (end_step - peak_step))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_their_formulas() {
        let s = StepLr {
            base: 0.1,
            step_size: 3,
            gamma: 0.5,
        };
        assert_eq!(
            [s.lr(0), s.lr(2), s.lr(3), s.lr(7)],
            [0.1, 0.1, 0.05, 0.025]
        );
        let c = CosineLr {
            base: 1.0,
            min: 0.0,
            total: 10,
        };
        assert!((c.lr(5) - 0.5).abs() < 1e-12);
        assert!(c.lr(10).abs() < 1e-12 && c.lr(20).abs() < 1e-12);
        let w = LinearWarmup {
            warmup: 4,
            after: Box::new(ConstantLr(0.4)),
        };
        assert!((w.lr(0) - 0.1).abs() < 1e-12);
        assert!((w.lr(3) - 0.4).abs() < 1e-12 && (w.lr(9) - 0.4).abs() < 1e-12);
        // PyTorch OneCycleLR(max_lr=1, total_steps=100): 0.04 at 0, 1 at step 29, 4e-6 at 99
        let o = OneCycleLr::new(1.0, 100);
        assert!((o.lr(0) - 0.04).abs() < 1e-12);
        assert!((o.lr(29) - 1.0).abs() < 1e-12);
        assert!((o.lr(99) - 4e-6).abs() < 1e-15);
        assert!(o.lr(50) < 1.0 && o.lr(50) > o.lr(80));
    }
}
