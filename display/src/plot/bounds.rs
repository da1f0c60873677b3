//! Axis ranges that fit the data, on linear or logarithmic scales.

use std::ops::Range;

use super::series::min_max;

/// Fraction of the data span added as a margin on each side.
const MARGIN: f64 = 0.05;

/// The range of an axis showing `values`.
///
/// Non-finite values (and non-positive ones on a log axis) are ignored; `include_zero`
/// keeps 0 in a linear range so that bars stand on it.
pub fn axis_range(values: impl Iterator<Item = f64>, log: bool, include_zero: bool) -> Range<f64> {
    let mut shown: Vec<f64> = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .collect();
    if include_zero && !log {
        shown.push(0.0);
    }
    match (min_max(&shown), log) {
        (None, false) => 0.0..1.0,
        (None, true) => 1.0..10.0,
        (Some((lo, hi)), false) => linear_range(lo, hi),
        (Some((lo, hi)), true) => log_range(lo, hi),
    }
}

fn linear_range(lo: f64, hi: f64) -> Range<f64> {
    if hi == lo {
        let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - half)..(hi + half);
    }
    let pad = (hi - lo) * MARGIN;
    // Keep a zero baseline exactly at the edge instead of floating above it.
    let lo = if lo == 0.0 { 0.0 } else { lo - pad };
    let hi = if hi == 0.0 { 0.0 } else { hi + pad };
    lo..hi
}

/// Snaps outwards to powers of ten, so the axis always has labelled decades.
fn log_range(lo: f64, hi: f64) -> Range<f64> {
    let lo_exp = lo.log10().floor();
    let mut hi_exp = hi.log10().ceil();
    if hi_exp <= lo_exp {
        hi_exp = lo_exp + 1.0;
    }
    // A hair beyond the decades, so that rounding in the axis's logarithms never drops
    // the end labels.
    (10f64.powf(lo_exp) * (1.0 - 1e-9))..(10f64.powf(hi_exp) * (1.0 + 1e-9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_range_pads_and_ignores_non_finite() {
        let r = axis_range(
            [1.0, f64::NAN, 3.0, f64::INFINITY].into_iter(),
            false,
            false,
        );
        assert!(
            (r.start - 0.9).abs() < 1e-12 && (r.end - 3.1).abs() < 1e-12,
            "{r:?}"
        );
    }

    #[test]
    fn bars_keep_zero_baseline() {
        let r = axis_range([2.0, 4.0].into_iter(), false, true);
        assert_eq!(r.start, 0.0);
        assert!(r.end > 4.0);
    }

    #[test]
    fn log_range_drops_non_positive_and_snaps_to_decades() {
        let near = |r: &Range<f64>, lo: f64, hi: f64| {
            (r.start / lo - 1.0).abs() < 1e-6 && (r.end / hi - 1.0).abs() < 1e-6
        };
        let r = axis_range([-1.0, 0.0, 10.0, 1000.0].into_iter(), true, false);
        assert!(
            near(&r, 10.0, 1000.0) && r.start < 10.0 && r.end > 1000.0,
            "{r:?}"
        );
        let r = axis_range([0.05, 2.3].into_iter(), true, false);
        assert!(near(&r, 0.01, 10.0), "{r:?}");
        let r = axis_range([17.0, 24.0].into_iter(), true, true);
        assert!(near(&r, 10.0, 100.0), "{r:?}");
    }

    #[test]
    fn degenerate_data_gets_a_visible_range() {
        assert_eq!(axis_range(std::iter::empty(), false, false), 0.0..1.0);
        assert_eq!(axis_range(std::iter::empty(), true, false), 1.0..10.0);
        let r = axis_range([1.0].into_iter(), true, false);
        assert!(r.start < 1.0 && r.start > 0.99 && r.end > 10.0 && r.end < 10.01);
        let r = axis_range([5.0, 5.0].into_iter(), false, false);
        assert!(r.start < 5.0 && r.end > 5.0);
        assert_eq!(axis_range([0.0].into_iter(), false, false), -1.0..1.0);
    }
}
