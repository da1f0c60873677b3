//! Text pieces of a progress line: durations, rates, metric values, the bar itself.

use std::time::Duration;

/// Characters of the text bar, from empty to a full cell in eighths.
const EIGHTHS: [char; 9] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

/// A duration as `mm:ss`, or `h:mm:ss` from one hour on.
pub fn clock(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// A rate as `12.34 it/s`, or `2.50 s/it` when slower than one a second.
pub fn rate(per_second: f64) -> String {
    if !per_second.is_finite() || per_second <= 0.0 {
        "? it/s".to_string()
    } else if per_second >= 1.0 {
        format!("{per_second:.2} it/s")
    } else {
        format!("{:.2} s/it", 1.0 / per_second)
    }
}

/// A metric value with four significant digits, in exponent form when very small or large.
pub fn metric(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 || !value.is_finite() {
        format!("{value}")
    } else if !(1e-3..1e5).contains(&magnitude) {
        format!("{value:.3e}")
    } else {
        let decimals = (3 - magnitude.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{value:.decimals$}")
    }
}

/// A text bar `width` cells wide, filled to `fraction` (clamped to 0..=1) in eighths.
pub fn bar(fraction: f64, width: usize) -> String {
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (fraction * (width * 8) as f64).round() as usize;
    let full = eighths / 8;
    let mut out: String = std::iter::repeat_n(EIGHTHS[8], full).collect();
    if full < width {
        out.push(EIGHTHS[eighths % 8]);
        out.extend(std::iter::repeat_n(' ', width - full - 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert_eq!(clock(Duration::from_secs(0)), "00:00");
        assert_eq!(clock(Duration::from_secs(75)), "01:15");
        assert_eq!(clock(Duration::from_secs(3600 + 61)), "1:01:01");
    }

    #[test]
    fn rates() {
        assert_eq!(rate(12.345), "12.35 it/s");
        assert_eq!(rate(0.4), "2.50 s/it");
        assert_eq!(rate(0.0), "? it/s");
    }

    #[test]
    fn metrics_keep_four_significant_digits() {
        assert_eq!(metric(0.31234), "0.3123");
        assert_eq!(metric(12.3456), "12.35");
        assert_eq!(metric(1234.4), "1234");
        assert_eq!(metric(0.00001234), "1.234e-5");
        assert_eq!(metric(0.0), "0");
        assert_eq!(metric(f64::NAN), "NaN");
    }

    #[test]
    fn bars_fill_in_eighths() {
        assert_eq!(bar(0.0, 4), "    ");
        assert_eq!(bar(1.0, 4), "████");
        assert_eq!(bar(0.5, 4), "██  ");
        assert_eq!(bar(0.5 + 3.0 / 32.0, 4), "██▍ ");
        assert_eq!(bar(7.0, 3).chars().count(), 3);
    }
}
