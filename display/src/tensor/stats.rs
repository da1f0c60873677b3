//! Summary statistics of a float tensor: range, mean and non-finite counts.

/// Minimum, maximum and mean over the finite values, with NaN and infinity counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorStats {
    /// Smallest finite value (`None` when there is none).
    pub min: Option<f64>,
    /// Largest finite value.
    pub max: Option<f64>,
    /// Mean of the finite values.
    pub mean: Option<f64>,
    /// Number of NaN values.
    pub nan: usize,
    /// Number of infinite values (either sign).
    pub inf: usize,
    /// Number of finite values (the mean's weight when merging).
    pub finite: usize,
}

impl TensorStats {
    /// The statistics of `values`.
    pub fn of(values: &[f64]) -> Self {
        let mut stats = Self {
            min: None,
            max: None,
            mean: None,
            nan: 0,
            inf: 0,
            finite: 0,
        };
        let mut sum = 0.0;
        for &v in values {
            if v.is_nan() {
                stats.nan += 1;
            } else if v.is_infinite() {
                stats.inf += 1;
            } else {
                stats.min = Some(stats.min.map_or(v, |m| m.min(v)));
                stats.max = Some(stats.max.map_or(v, |m| m.max(v)));
                sum += v;
                stats.finite += 1;
            }
        }
        if stats.finite > 0 {
            stats.mean = Some(sum / stats.finite as f64);
        }
        stats
    }

    /// The statistics of two parts together (for tensors read chunk by chunk).
    pub fn merge(self, other: Self) -> Self {
        let pick = |a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64| match (a, b) {
            (Some(a), Some(b)) => Some(f(a, b)),
            (a, b) => a.or(b),
        };
        let finite = self.finite + other.finite;
        let weighted = |s: &Self| s.mean.unwrap_or(0.0) * s.finite as f64;
        Self {
            min: pick(self.min, other.min, f64::min),
            max: pick(self.max, other.max, f64::max),
            mean: (finite > 0).then(|| (weighted(&self) + weighted(&other)) / finite as f64),
            nan: self.nan + other.nan,
            inf: self.inf + other.inf,
            finite,
        }
    }

    /// One line: `min -1.0000 · max 2.5000 · mean 0.7500 · NaN 0 · Inf 0`.
    pub fn line(&self) -> String {
        let show = |v: Option<f64>| v.map_or("–".to_string(), short_number);
        format!(
            "min {} · max {} · mean {} · NaN {} · Inf {}",
            show(self.min),
            show(self.max),
            show(self.mean),
            self.nan,
            self.inf
        )
    }
}

/// Five significant digits, in exponent form when very small or large.
fn short_number(v: f64) -> String {
    let magnitude = v.abs();
    if v == 0.0 {
        "0".to_string()
    } else if !(1e-4..1e6).contains(&magnitude) {
        format!("{v:.4e}")
    } else {
        let decimals = (4 - magnitude.log10().floor() as i32).clamp(0, 8) as usize;
        format!("{v:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_skip_non_finite_values() {
        let stats = TensorStats::of(&[1.0, f64::NAN, -2.0, f64::INFINITY, 4.0, f64::NEG_INFINITY]);
        assert_eq!(stats.min, Some(-2.0));
        assert_eq!(stats.max, Some(4.0));
        assert_eq!(stats.mean, Some(1.0));
        assert_eq!((stats.nan, stats.inf), (1, 2));
        assert_eq!(
            stats.line(),
            "min -2.0000 · max 4.0000 · mean 1.0000 · NaN 1 · Inf 2"
        );
    }

    #[test]
    fn merged_parts_equal_the_whole() {
        let values = [3.0, -1.0, f64::NAN, 8.0, f64::INFINITY, 0.5, 2.0];
        let merged = TensorStats::of(&values[..3]).merge(TensorStats::of(&values[3..]));
        let whole = TensorStats::of(&values);
        assert_eq!(merged.min, whole.min);
        assert_eq!(merged.max, whole.max);
        assert!((merged.mean.unwrap() - whole.mean.unwrap()).abs() < 1e-12);
        assert_eq!((merged.nan, merged.inf, merged.finite), (1, 1, 5));
        let empty = TensorStats::of(&[]);
        assert_eq!(empty.merge(empty).mean, None);
        assert_eq!(empty.merge(whole), whole);
    }

    #[test]
    fn all_nan_has_no_range() {
        let stats = TensorStats::of(&[f64::NAN]);
        assert_eq!(stats.mean, None);
        assert_eq!(stats.line(), "min – · max – · mean – · NaN 1 · Inf 0");
        assert_eq!(short_number(123456.7), "123457");
        assert_eq!(short_number(2.5e-7), "2.5000e-7");
    }
}
