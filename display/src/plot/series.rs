//! The data series a plot draws: lines, scatter points, histogram and bar rectangles.

use crate::error::{Error, Result};

/// How a series is drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum SeriesKind {
    /// Points joined by straight segments, in the order given.
    Line(Vec<(f64, f64)>),
    /// Unjoined markers.
    Scatter(Vec<(f64, f64)>),
    /// Filled rectangles `(x_left, x_right, height)` standing on the x axis (histograms).
    Rects(Vec<(f64, f64, f64)>),
    /// One bar per category, grouped beside the other bar series.
    Bars(Vec<f64>),
}

/// One named series of a plot (an empty name keeps it out of the legend).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Name shown in the legend.
    pub name: String,
    /// The data and how it is drawn.
    pub kind: SeriesKind,
}

/// Pairs `xs` with `ys`, failing when their lengths differ.
pub fn zip_points(op: &'static str, xs: &[f64], ys: &[f64]) -> Result<Vec<(f64, f64)>> {
    if xs.len() != ys.len() {
        return Err(Error::LengthMismatch {
            op,
            what: "x and y values",
            left: xs.len(),
            right: ys.len(),
        });
    }
    Ok(xs.iter().copied().zip(ys.iter().copied()).collect())
}

/// Counts the finite `values` into `bins` equal-width bins spanning their range.
///
/// Returns `(left, right, count)` per bin; NaN and infinities are left out.
pub fn histogram_bins(values: &[f64], bins: usize) -> Result<Vec<(f64, f64, f64)>> {
    if bins == 0 {
        return Err(Error::InvalidArgument {
            op: "Plot::histogram",
            message: "bins must be at least 1, got 0".into(),
        });
    }
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let Some((lo, hi)) = min_max(&finite) else {
        return Ok(Vec::new());
    };
    // A single repeated value still gets a visible bin of width 1.
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0.0; bins];
    for v in finite {
        // The maximum falls in the last bin, as numpy does.
        let index = (((v - lo) / width) as usize).min(bins - 1);
        counts[index] += 1.0;
    }
    Ok(counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| (lo + i as f64 * width, lo + (i + 1) as f64 * width, count))
        .collect())
}

/// Smallest and largest of `values` (which must not contain NaN), or `None` when empty.
pub fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    values.iter().fold(None, |acc, &v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_matches_numpy_binning() {
        // numpy.histogram([1, 2, 2, 3, 4, 10], bins=3) -> counts [4, 1, 1], edges [1, 4, 7, 10]
        let bins = histogram_bins(&[1.0, 2.0, 2.0, 3.0, 4.0, 10.0], 3).unwrap();
        let counts: Vec<f64> = bins.iter().map(|b| b.2).collect();
        assert_eq!(counts, vec![4.0, 1.0, 1.0]);
        assert_eq!((bins[0].0, bins[2].1), (1.0, 10.0));
        assert_eq!(bins[1].0, 4.0);
    }

    #[test]
    fn histogram_skips_non_finite_and_handles_constant_data() {
        let bins = histogram_bins(&[5.0, f64::NAN, 5.0, f64::INFINITY], 2).unwrap();
        assert_eq!(bins.iter().map(|b| b.2).sum::<f64>(), 2.0);
        assert!(histogram_bins(&[1.0], 0).is_err());
        assert!(histogram_bins(&[], 4).unwrap().is_empty());
    }

    #[test]
    fn mismatched_lengths_name_both() {
        let err = zip_points("Plot::line", &[1.0, 2.0], &[1.0]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Plot::line: x and y values have different lengths (2 vs 1)"
        );
    }
}
