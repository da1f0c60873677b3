//! The `text/plain` repr of a tensor, laid out like PyTorch's.

use super::element::ElementFormat;
use super::elide::{slots, strides, Slot};
use super::view::TensorView;

/// Tensors with more elements than this are summarised.
const SUMMARY_THRESHOLD: usize = 1000;
/// Elements kept at each end of a summarised axis.
const EDGE_ITEMS: usize = 3;
/// Lines are wrapped to this many characters.
const LINE_WIDTH: usize = 80;
/// Start of every repr; nested rows are indented past it.
const PREFIX: &str = "tensor(";

/// The tensor as `tensor([[1.0000, 2.0000], ...], dtype=float64, requires_grad=true)`.
pub fn tensor_repr(view: &TensorView) -> String {
    let shape = view.shape();
    let mut suffixes = Vec::new();
    if !view.on_cpu() {
        suffixes.push(format!("device={}", view.device_name()));
    }
    let body = if view.values().is_empty() {
        if shape != [0] {
            suffixes.push(format!("size={shape:?}"));
        }
        "[]".to_string()
    } else {
        let layout = Layout::new(shape, view.values().len() > SUMMARY_THRESHOLD);
        let shown: Vec<f64> = layout
            .shown_offsets()
            .into_iter()
            .map(|i| view.values()[i])
            .collect();
        let format = ElementFormat::for_values(view.kind(), &shown);
        if shape.is_empty() {
            format.write(view.values()[0])
        } else {
            layout.block(view.values(), &format, 0, 0, PREFIX.len())
        }
    };
    if !view.has_default_dtype() {
        suffixes.push(format!("dtype={}", view.dtype()));
    }
    if view.tracks_grad() {
        suffixes.push("requires_grad=true".to_string());
    }
    let mut out = format!("{PREFIX}{body}");
    for suffix in suffixes {
        out.push_str(", ");
        out.push_str(&suffix);
    }
    out.push(')');
    out
}

/// Shape, strides and which indices each axis shows.
struct Layout {
    shape: Vec<usize>,
    strides: Vec<usize>,
    summarize: bool,
}

impl Layout {
    fn new(shape: &[usize], summarize: bool) -> Self {
        Self {
            shape: shape.to_vec(),
            strides: strides(shape),
            summarize,
        }
    }

    fn axis_slots(&self, dim: usize) -> Vec<Slot> {
        let len = self.shape[dim];
        if self.summarize {
            slots(len, 2 * EDGE_ITEMS, EDGE_ITEMS)
        } else {
            slots(len, len, EDGE_ITEMS)
        }
    }

    /// Flat offsets of every element the repr shows.
    fn shown_offsets(&self) -> Vec<usize> {
        let mut offsets = vec![0];
        for dim in 0..self.shape.len() {
            let indices: Vec<usize> = self
                .axis_slots(dim)
                .into_iter()
                .filter_map(|s| match s {
                    Slot::Index(i) => Some(i),
                    Slot::Gap => None,
                })
                .collect();
            offsets = offsets
                .iter()
                .flat_map(|&base| indices.iter().map(move |&i| base + i * self.strides[dim]))
                .collect();
        }
        offsets
    }

    /// The bracketed block of axis `dim` starting at flat offset `base`.
    fn block(
        &self,
        values: &[f64],
        format: &ElementFormat,
        dim: usize,
        base: usize,
        indent: usize,
    ) -> String {
        let slots = self.axis_slots(dim);
        if dim + 1 == self.shape.len() {
            let items: Vec<String> = slots
                .iter()
                .map(|slot| match slot {
                    Slot::Index(i) => format.padded(values[base + i]),
                    // PyTorch's row ellipsis carries a leading space.
                    Slot::Gap => " ...".to_string(),
                })
                .collect();
            return row(&items, format.width(), indent);
        }
        let inner: Vec<String> = slots
            .iter()
            .map(|slot| match slot {
                Slot::Index(i) => self.block(
                    values,
                    format,
                    dim + 1,
                    base + i * self.strides[dim],
                    indent + 1,
                ),
                Slot::Gap => "...".to_string(),
            })
            .collect();
        let blank_lines = "\n".repeat(self.shape.len() - dim - 1);
        let separator = format!(",{blank_lines}{}", " ".repeat(indent + 1));
        format!("[{}]", inner.join(&separator))
    }
}

/// One innermost row, wrapped to the line width with continuation lines aligned.
fn row(items: &[String], width: usize, indent: usize) -> String {
    let per_line = (LINE_WIDTH.saturating_sub(indent) / (width + 2)).max(1);
    let lines: Vec<String> = items
        .chunks(per_line)
        .map(|chunk| chunk.join(", "))
        .collect();
    let separator = format!(",\n{}", " ".repeat(indent + 1));
    format!("[{}]", lines.join(&separator))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(shape: &[usize], dtype: &str, values: Vec<f64>) -> TensorView {
        TensorView::new(shape, dtype, values).unwrap()
    }

    fn range(n: usize) -> Vec<f64> {
        (0..n).map(|i| i as f64).collect()
    }

    // Expected strings follow PyTorch's repr of the same tensors.
    #[test]
    fn matrix_rows_are_aligned() {
        let t = view(&[2, 3], "float32", vec![1.0, -2.5, 3.0, 4.0, 5.0, 6.25]);
        assert_eq!(
            tensor_repr(&t),
            "tensor([[ 1.0000, -2.5000,  3.0000],\n        [ 4.0000,  5.0000,  6.2500]])"
        );
    }

    #[test]
    fn three_d_blocks_are_separated_by_a_blank_line() {
        let t = view(&[2, 2, 2], "int64", range(8));
        assert_eq!(
            tensor_repr(&t),
            "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])"
        );
    }

    #[test]
    fn large_tensors_are_summarised() {
        let t = view(&[2000], "float32", range(2000));
        assert_eq!(
            tensor_repr(&t),
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])"
        );
        let m = view(&[100, 100], "int64", range(10000));
        let repr = tensor_repr(&m);
        assert!(
            repr.starts_with("tensor([[   0,    1,    2,  ...,   97,   98,   99],\n"),
            "{repr}"
        );
        assert!(repr.contains("\n        ...,\n"), "{repr}");
        assert!(
            repr.ends_with("[9900, 9901, 9902,  ..., 9997, 9998, 9999]])"),
            "{repr}"
        );
    }

    #[test]
    fn long_rows_wrap_at_eighty_columns() {
        let t = view(
            &[30],
            "float32",
            range(30).iter().map(|v| v + 0.5).collect(),
        );
        let repr = tensor_repr(&t);
        assert!(repr.lines().all(|l| l.len() <= LINE_WIDTH), "{repr}");
        assert!(repr.lines().nth(1).unwrap().starts_with("        "));
    }

    #[test]
    fn scalars_empties_and_suffixes() {
        assert_eq!(
            tensor_repr(&view(&[], "float32", vec![3.5])),
            "tensor(3.5000)"
        );
        assert_eq!(tensor_repr(&view(&[0], "float32", vec![])), "tensor([])");
        assert_eq!(
            tensor_repr(&view(&[0, 3], "float32", vec![])),
            "tensor([], size=[0, 3])"
        );
        let t = view(&[2], "float64", vec![1.0, 2.0])
            .device("gpu:0")
            .requires_grad(true);
        assert_eq!(
            tensor_repr(&t),
            "tensor([1., 2.], device=gpu:0, dtype=float64, requires_grad=true)"
        );
        assert_eq!(
            tensor_repr(&view(&[2], "bool", vec![1.0, 0.0])),
            "tensor([ true, false])"
        );
    }
}
