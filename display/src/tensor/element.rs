//! Writing elements the way PyTorch does: one notation and width for a whole tensor.

use super::view::ElementKind;

/// Digits after the point in fixed and scientific notation.
const PRECISION: usize = 4;

/// How every element of one tensor is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Notation {
    /// Integer dtypes: `42`.
    Integer,
    /// Booleans: `true`.
    Boolean,
    /// Floats that are all whole numbers: `3.`.
    WholeFloat,
    /// Floats in fixed notation: `3.1416`.
    Fixed,
    /// Floats spanning many magnitudes: `3.1416e+00`.
    Scientific,
}

/// The notation and column width chosen for the elements of one tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElementFormat {
    notation: Notation,
    width: usize,
}

impl ElementFormat {
    /// Chooses a notation fitting all `shown` values (as PyTorch's formatter does).
    pub fn for_values(kind: ElementKind, shown: &[f64]) -> Self {
        let notation = match kind {
            ElementKind::Int => Notation::Integer,
            ElementKind::Bool => Notation::Boolean,
            ElementKind::Float => float_notation(shown),
        };
        let mut format = Self { notation, width: 0 };
        format.width = shown
            .iter()
            .map(|&v| format.write(v).len())
            .max()
            .unwrap_or(0);
        format
    }

    /// The widest written element, in characters.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The element as written, without padding.
    pub fn write(&self, value: f64) -> String {
        match self.notation {
            Notation::Boolean => (value != 0.0).to_string(),
            _ if value.is_nan() => "nan".to_string(),
            _ if value.is_infinite() => if value > 0.0 { "inf" } else { "-inf" }.to_string(),
            Notation::Integer => format!("{}", value as i64),
            Notation::WholeFloat => format!("{value:.0}."),
            Notation::Fixed => format!("{value:.PRECISION$}"),
            Notation::Scientific => scientific(value),
        }
    }

    /// The element right-aligned to the common width.
    pub fn padded(&self, value: f64) -> String {
        format!("{:>width$}", self.write(value), width = self.width)
    }
}

fn float_notation(shown: &[f64]) -> Notation {
    let nonzero: Vec<f64> = shown
        .iter()
        .filter(|v| v.is_finite() && **v != 0.0)
        .map(|v| v.abs())
        .collect();
    if nonzero.is_empty() {
        return Notation::WholeFloat;
    }
    let min = nonzero.iter().copied().fold(f64::INFINITY, f64::min);
    let max = nonzero.iter().copied().fold(0.0, f64::max);
    let wide = max / min > 1000.0 || max > 1e8;
    if nonzero.iter().all(|v| v.fract() == 0.0) {
        if wide {
            Notation::Scientific
        } else {
            Notation::WholeFloat
        }
    } else if wide || min < 1e-4 {
        Notation::Scientific
    } else {
        Notation::Fixed
    }
}

/// `1.2346e+03`: the exponent signed and at least two digits, as Python writes it.
fn scientific(value: f64) -> String {
    let rust = format!("{value:.PRECISION$e}");
    let (mantissa, exponent) = rust.split_once('e').expect("`e` format has an exponent");
    let exponent: i32 = exponent.parse().expect("exponent is an integer");
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(kind: ElementKind, values: &[f64]) -> Vec<String> {
        let format = ElementFormat::for_values(kind, values);
        values.iter().map(|&v| format.padded(v)).collect()
    }

    // Expected strings follow PyTorch's repr of the same values.
    #[test]
    fn fixed_notation_pads_to_common_width() {
        assert_eq!(
            written(ElementKind::Float, &[1.5, -2.25, 10.0]),
            [" 1.5000", "-2.2500", "10.0000"]
        );
    }

    #[test]
    fn whole_floats_end_with_a_point() {
        assert_eq!(
            written(ElementKind::Float, &[1.0, 2.0, -3.0]),
            [" 1.", " 2.", "-3."]
        );
        assert_eq!(written(ElementKind::Float, &[0.0, 0.0]), ["0.", "0."]);
    }

    #[test]
    fn wide_ranges_switch_to_scientific() {
        assert_eq!(
            written(ElementKind::Float, &[1e-5, 1.0]),
            ["1.0000e-05", "1.0000e+00"]
        );
        assert_eq!(
            written(ElementKind::Float, &[1.0, 1e9]),
            ["1.0000e+00", "1.0000e+09"]
        );
    }

    #[test]
    fn special_values_and_other_kinds() {
        assert_eq!(
            written(ElementKind::Float, &[f64::NAN, f64::NEG_INFINITY, 0.5]),
            ["   nan", "  -inf", "0.5000"]
        );
        assert_eq!(written(ElementKind::Int, &[7.0, -12.0]), ["  7", "-12"]);
        assert_eq!(written(ElementKind::Bool, &[1.0, 0.0]), [" true", "false"]);
    }
}
