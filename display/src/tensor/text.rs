//! The `text/plain` repr of a tensor, laid out like PyTorch's.

use super::element::ElementFormat;
use super::elide::{slots, Slot};
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
    let body = if view.numel() == 0 {
        if shape != [0] {
            suffixes.push(format!("size={shape:?}"));
        }
        "[]".to_string()
    } else {
        let layout = Layout {
            view,
            summarize: view.numel() > SUMMARY_THRESHOLD,
        };
        let shown: Vec<f64> = layout
            .shown_indices()
            .iter()
            .map(|index| layout.value(index))
            .collect();
        let format = ElementFormat::for_values(view.kind(), &shown);
        if shape.is_empty() {
            format.write(layout.value(&[]))
        } else {
            layout.block(&format, &mut Vec::new(), PREFIX.len())
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

/// The tensor and which indices each axis shows.
struct Layout<'a> {
    view: &'a TensorView,
    summarize: bool,
}

impl Layout<'_> {
    fn axis_slots(&self, dim: usize) -> Vec<Slot> {
        let len = self.view.shape()[dim];
        // A view holding only corners cannot show more than it holds.
        let edge = EDGE_ITEMS.min(self.view.held_edge());
        if self.summarize || self.view.held_edge() != usize::MAX {
            slots(len, 2 * edge, edge)
        } else {
            slots(len, len, edge)
        }
    }

    /// The value at `index`; NaN if the view does not hold it (never, when slots fit it).
    fn value(&self, index: &[usize]) -> f64 {
        self.view.get(index).unwrap_or(f64::NAN)
    }

    /// Every index the repr shows.
    fn shown_indices(&self) -> Vec<Vec<usize>> {
        let mut indices = vec![Vec::new()];
        for dim in 0..self.view.shape().len() {
            let shown: Vec<usize> = self
                .axis_slots(dim)
                .into_iter()
                .filter_map(|s| match s {
                    Slot::Index(i) => Some(i),
                    Slot::Gap => None,
                })
                .collect();
            indices = indices
                .iter()
                .flat_map(|prefix| {
                    shown.iter().map(move |&i| {
                        let mut index = prefix.clone();
                        index.push(i);
                        index
                    })
                })
                .collect();
        }
        indices
    }

    /// The bracketed block of the axis after `prefix` (the indices chosen so far).
    fn block(&self, format: &ElementFormat, prefix: &mut Vec<usize>, indent: usize) -> String {
        let dim = prefix.len();
        let rank = self.view.shape().len();
        let slots = self.axis_slots(dim);
        let mut items = Vec::with_capacity(slots.len());
        for slot in slots {
            let item = match slot {
                Slot::Index(i) => {
                    prefix.push(i);
                    let item = if dim + 1 == rank {
                        format.padded(self.value(prefix))
                    } else {
                        self.block(format, prefix, indent + 1)
                    };
                    prefix.pop();
                    item
                }
                // PyTorch's row ellipsis carries a leading space.
                Slot::Gap if dim + 1 == rank => " ...".to_string(),
                Slot::Gap => "...".to_string(),
            };
            items.push(item);
        }
        if dim + 1 == rank {
            return row(&items, format.width(), indent);
        }
        let blank_lines = "\n".repeat(rank - dim - 1);
        let separator = format!(",{blank_lines}{}", " ".repeat(indent + 1));
        format!("[{}]", items.join(&separator))
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
    fn corner_views_print_like_the_whole_tensor() {
        let whole = view(&[50, 40], "int64", range(2000));
        let held: Vec<Vec<usize>> = [50usize, 40]
            .iter()
            .map(|&n| (0..8).chain(n - 8..n).collect())
            .collect();
        let values: Vec<f64> = held[0]
            .iter()
            .flat_map(|r| held[1].iter().map(move |c| (r * 40 + c) as f64))
            .collect();
        let stats = whole.stats();
        let corners = TensorView::from_corners(&[50, 40], "int64", held, values, stats).unwrap();
        assert_eq!(tensor_repr(&corners), tensor_repr(&whole));
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
