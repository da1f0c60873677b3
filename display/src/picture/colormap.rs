//! The viridis colormap: perceptually uniform, readable in grayscale and by most colour-blind eyes.

/// Viridis at 0, 1/16, ..., 1 (8-bit RGB), from `tests/fixtures/display/make_viridis.py`.
const VIRIDIS: [[u8; 3]; 17] = [
    [68, 1, 84],
    [72, 24, 106],
    [71, 45, 123],
    [66, 64, 134],
    [59, 82, 139],
    [51, 99, 141],
    [44, 114, 142],
    [38, 130, 142],
    [33, 145, 140],
    [31, 160, 136],
    [40, 174, 128],
    [63, 188, 115],
    [94, 201, 98],
    [132, 212, 75],
    [173, 220, 48],
    [216, 226, 25],
    [253, 231, 37],
];

/// Colour of values that are not numbers.
pub const NAN_COLOR: [u8; 3] = [255, 0, 255];

/// The viridis colour at `t` in 0..=1 (clamped; NaN is magenta).
pub fn viridis(t: f64) -> [u8; 3] {
    if t.is_nan() {
        return NAN_COLOR;
    }
    let position = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let low = (position.floor() as usize).min(VIRIDIS.len() - 2);
    let frac = position - low as f64;
    let (a, b) = (VIRIDIS[low], VIRIDIS[low + 1]);
    std::array::from_fn(|k| (a[k] as f64 + (b[k] as f64 - a[k] as f64) * frac).round() as u8)
}

/// A CSS `linear-gradient` running through viridis from bottom to top (for legends).
pub fn css_gradient() -> String {
    let stops: Vec<String> = VIRIDIS
        .iter()
        .enumerate()
        .map(|(i, [r, g, b])| {
            let percent = i as f64 * 100.0 / (VIRIDIS.len() - 1) as f64;
            format!("rgb({r},{g},{b}) {percent:.2}%")
        })
        .collect();
    format!("linear-gradient(to top, {})", stops.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_matplotlib_viridis_within_five_levels() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/display/viridis.json"
        );
        let text = std::fs::read_to_string(path).expect("fixture written by make_viridis.py");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let table = json["table"].as_array().unwrap();
        assert_eq!(table.len(), 256);
        for (i, expected) in table.iter().enumerate() {
            let got = viridis(i as f64 / 255.0);
            for k in 0..3 {
                let want = expected[k].as_i64().unwrap();
                assert!(
                    (got[k] as i64 - want).abs() <= 5,
                    "index {i}: {got:?} vs {expected}"
                );
            }
        }
        let control = json["control_17"].as_array().unwrap();
        for (i, c) in control.iter().enumerate() {
            let want: Vec<u8> = c
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u8)
                .collect();
            assert_eq!(VIRIDIS[i].to_vec(), want);
        }
    }

    #[test]
    fn ends_and_out_of_range() {
        assert_eq!(viridis(0.0), [68, 1, 84]);
        assert_eq!(viridis(1.0), [253, 231, 37]);
        assert_eq!(viridis(-3.0), viridis(0.0));
        assert_eq!(viridis(f64::INFINITY), viridis(1.0));
        assert_eq!(viridis(f64::NAN), NAN_COLOR);
        assert!(css_gradient().starts_with("linear-gradient(to top, rgb(68,1,84) 0.00%"));
    }
}
