//! Thinning long lines to what the chart's pixels can show.

/// At most `2 * buckets` points of a line whose x values never decrease: the lowest and
/// highest point of each run of consecutive points, in their original order.
///
/// Peaks survive (unlike taking every n-th point) while a 100 000-step training curve
/// shrinks to a few kilobytes of SVG. Lines whose x goes back are returned whole.
pub fn decimate(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    // NaN x values compare as unordered and do not break monotony.
    let monotonic = points
        .windows(2)
        .all(|w| w[1].0.partial_cmp(&w[0].0) != Some(std::cmp::Ordering::Less));
    if buckets == 0 || points.len() <= 2 * buckets || !monotonic {
        return points.to_vec();
    }
    let bucket_len = points.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(2 * buckets);
    for run in points.chunks(bucket_len) {
        let (mut low, mut high) = (0, 0);
        for (i, p) in run.iter().enumerate() {
            // NaN never wins a comparison, so a gap marker stays out of the extremes...
            if p.1 < run[low].1 || run[low].1.is_nan() {
                low = i;
            }
            if p.1 > run[high].1 || run[high].1.is_nan() {
                high = i;
            }
        }
        // ...unless the whole run is NaN: keep one so the line still breaks there.
        let (first, second) = (low.min(high), low.max(high));
        out.push(run[first]);
        if second != first {
            out.push(run[second]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_extremes_in_order() {
        let points: Vec<(f64, f64)> = (0..1000)
            .map(|i| (i as f64, if i == 503 { 100.0 } else { (i % 7) as f64 }))
            .collect();
        let thin = decimate(&points, 50);
        assert!(thin.len() <= 100, "{}", thin.len());
        assert!(thin.contains(&(503.0, 100.0)), "the spike survives");
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0), "order kept");
        assert_eq!(thin[0], (0.0, 0.0));
    }

    #[test]
    fn short_or_non_monotonic_lines_are_untouched() {
        let short = [(0.0, 1.0), (1.0, 2.0)];
        assert_eq!(decimate(&short, 1), short.to_vec());
        let circle: Vec<(f64, f64)> = (0..100)
            .map(|i| {
                let a = i as f64 / 10.0;
                (a.cos(), a.sin())
            })
            .collect();
        assert_eq!(decimate(&circle, 5), circle);
    }

    #[test]
    fn nan_runs_still_break_the_line() {
        let mut points: Vec<(f64, f64)> = (0..100).map(|i| (i as f64, 1.0)).collect();
        for p in &mut points[40..60] {
            p.1 = f64::NAN;
        }
        let thin = decimate(&points, 10);
        assert!(thin.iter().any(|p| p.1.is_nan()));
        assert!(thin.iter().filter(|p| !p.1.is_nan()).all(|p| p.1 == 1.0));
    }
}
