//! PyTorch-style text repr: aligned values, `...` summaries past a threshold, dtype suffix.

use super::Tensor;
use crate::DType;
use std::fmt;

/// Above this many elements only the edges of each dimension are printed.
const SUMMARY_THRESHOLD: usize = 1000;
/// Entries kept at each edge of a summarised dimension.
const EDGE_ITEMS: usize = 3;
const LINE_WIDTH: usize = 80;

/// How every value of one tensor is written, chosen from the values shown.
enum NumberStyle {
    Bool,
    Int,
    /// Floats that are all whole numbers: `3.`
    WholeFloat,
    Fixed,
    Scientific,
}

fn pick_style(dtype: DType, shown: &[f64]) -> NumberStyle {
    if dtype == DType::Bool {
        return NumberStyle::Bool;
    }
    if !dtype.is_float() {
        return NumberStyle::Int;
    }
    let finite: Vec<f64> = shown.iter().copied().filter(|v| v.is_finite()).collect();
    let abs_nonzero: Vec<f64> = finite
        .iter()
        .map(|v| v.abs())
        .filter(|&v| v > 0.0)
        .collect();
    let max = abs_nonzero.iter().copied().fold(0.0, f64::max);
    let min = abs_nonzero.iter().copied().fold(f64::INFINITY, f64::min);
    if finite.iter().all(|v| v.fract() == 0.0) {
        if max > 1e8 {
            NumberStyle::Scientific
        } else {
            NumberStyle::WholeFloat
        }
    } else if !abs_nonzero.is_empty() && (max / min > 1000.0 || max > 1e8 || min < 1e-4) {
        NumberStyle::Scientific
    } else {
        NumberStyle::Fixed
    }
}

fn write_value(style: &NumberStyle, v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    match style {
        NumberStyle::Bool => (if v != 0.0 { "True" } else { "False" }).into(),
        NumberStyle::Int => format!("{}", v as i64),
        NumberStyle::WholeFloat => format!("{v:.0}."),
        NumberStyle::Fixed => format!("{v:.4}"),
        NumberStyle::Scientific => {
            let s = format!("{v:.4e}");
            match s.split_once('e') {
                Some((m, e)) => {
                    let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
                    format!("{m}e{sign}{digits:0>2}")
                }
                None => s,
            }
        }
    }
}

/// Indices shown along a dimension of `size`, with `None` marking the `...` gap.
fn shown_indices(size: usize, summarise: bool) -> Vec<Option<usize>> {
    if summarise && size > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((size - EDGE_ITEMS..size).map(Some))
            .collect()
    } else {
        (0..size).map(Some).collect()
    }
}

struct Printer<'a> {
    values: &'a [f64],
    dims: &'a [usize],
    strides: Vec<usize>,
    summarise: bool,
    style: NumberStyle,
    width: usize,
}

impl Printer<'_> {
    fn collect_shown(&self, depth: usize, base: usize, out: &mut Vec<f64>) {
        if depth == self.dims.len() {
            out.push(self.values[base]);
            return;
        }
        for i in shown_indices(self.dims[depth], self.summarise)
            .into_iter()
            .flatten()
        {
            self.collect_shown(depth + 1, base + i * self.strides[depth], out);
        }
    }

    fn render(&self, depth: usize, base: usize, indent: usize, out: &mut String) {
        let idx = shown_indices(self.dims[depth], self.summarise);
        out.push('[');
        if depth + 1 == self.dims.len() {
            let per_line = ((LINE_WIDTH.saturating_sub(indent)) / (self.width + 2)).max(1);
            for (k, i) in idx.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                    if k % per_line == 0 {
                        out.push('\n');
                        out.push_str(&" ".repeat(indent + 1));
                    } else {
                        out.push(' ');
                    }
                }
                match i {
                    Some(i) => {
                        let s =
                            write_value(&self.style, self.values[base + i * self.strides[depth]]);
                        out.push_str(&format!("{s:>w$}", w = self.width));
                    }
                    None => out.push_str(" ..."),
                }
            }
        } else {
            let remaining = self.dims.len() - depth;
            let sep = format!(",{}{}", "\n".repeat(remaining - 1), " ".repeat(indent + 1));
            for (k, i) in idx.iter().enumerate() {
                if k > 0 {
                    out.push_str(&sep);
                }
                match i {
                    Some(i) => {
                        self.render(depth + 1, base + i * self.strides[depth], indent + 1, out)
                    }
                    None => out.push_str("..."),
                }
            }
        }
        out.push(']');
    }
}

impl Tensor {
    fn repr(&self, always_meta: bool) -> String {
        let values = match self.to_vec_f64() {
            Ok(v) => v,
            Err(e) => return format!("tensor(<unreadable: {e}>)"),
        };
        let dims = self.dims();
        let mut out = String::from("tensor(");
        if values.is_empty() {
            out.push_str("[]");
        } else {
            let printer = Printer {
                values: &values,
                dims,
                strides: crate::Shape::from(dims).contiguous_strides(),
                summarise: values.len() > SUMMARY_THRESHOLD,
                style: NumberStyle::Int,
                width: 0,
            };
            let mut shown = Vec::new();
            printer.collect_shown(0, 0, &mut shown);
            let style = pick_style(self.dtype(), &shown);
            let width = shown
                .iter()
                .map(|&v| write_value(&style, v).len())
                .max()
                .unwrap_or(1);
            let printer = Printer {
                style,
                width,
                ..printer
            };
            if dims.is_empty() {
                out.push_str(&write_value(&printer.style, values[0]));
            } else {
                printer.render(0, 0, 7, &mut out);
            }
        }
        if always_meta || values.is_empty() {
            out.push_str(&format!(", shape={:?}", dims));
        }
        let default_dtype = matches!(self.dtype(), DType::F32 | DType::I64 | DType::Bool);
        if always_meta || !default_dtype {
            out.push_str(&format!(", dtype={}", self.dtype()));
        }
        if self.requires_grad() {
            out.push_str(if self.is_leaf() {
                ", requires_grad=True"
            } else {
                ", grad_fn"
            });
        }
        out.push(')');
        out
    }
}

impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr(false))
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_like_pytorch() {
        let t = Tensor::from_vec(vec![1f32, 2., 3., 4.], (2, 2)).unwrap();
        assert_eq!(t.to_string(), "tensor([[1., 2.],\n        [3., 4.]])");
        let f = Tensor::from_vec(vec![0.5f64, -1.25], 2).unwrap();
        assert_eq!(f.to_string(), "tensor([ 0.5000, -1.2500], dtype=float64)");
        let s = Tensor::from_vec(vec![1e-6f32, 1e3], 2).unwrap();
        assert_eq!(s.to_string(), "tensor([1.0000e-06, 1.0000e+03])");
        let b = Tensor::from_vec(vec![true, false], 2).unwrap();
        assert_eq!(b.to_string(), "tensor([ True, False])");
        assert_eq!(Tensor::scalar(3i64).unwrap().to_string(), "tensor(3)");
        assert_eq!(
            format!("{:?}", Tensor::zeros((0, 3)).unwrap()),
            "tensor([], shape=[0, 3], dtype=float32)"
        );
        let g = Tensor::ones(2).unwrap().with_grad().unwrap();
        assert_eq!(g.to_string(), "tensor([1., 1.], requires_grad=True)");
    }

    #[test]
    fn large_tensors_are_summarised() {
        let t = Tensor::arange(0.0, 2000.0, 1.0)
            .unwrap()
            .reshape((40, 50))
            .unwrap();
        let s = t.to_string();
        assert!(s.contains("..."), "{s}");
        assert!(s.lines().count() < 10, "{s}");
        assert!(
            s.starts_with("tensor([[   0.,    1.,    2.,  ...,   47.,   48.,   49.],"),
            "{s}"
        );
        let d = format!("{t:?}");
        assert!(d.ends_with("shape=[40, 50], dtype=float32)"), "{d}");
    }
}
