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
        };
        let (mut sum, mut finite) = (0.0, 0usize);
        for &v in values {
            if v.is_nan() {
                stats.nan += 1;
            } else if v.is_infinite() {
                stats.inf += 1;
            } else {
                stats.min = Some(stats.min.map_or(v, |m| m.min(v)));
                stats.max = Some(stats.max.map_or(v, |m| m.max(v)));
                sum += v;
                finite += 1;
            }
        }
        if finite > 0 {
            stats.mean = Some(sum / finite as f64);
        }
        stats
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
    fn all_nan_has_no_range() {
        let stats = TensorStats::of(&[f64::NAN]);
        assert_eq!(stats.mean, None);
        assert_eq!(stats.line(), "min – · max – · mean – · NaN 1 · Inf 0");
        assert_eq!(short_number(123456.7), "123457");
        assert_eq!(short_number(2.5e-7), "2.5000e-7");
    }
}
