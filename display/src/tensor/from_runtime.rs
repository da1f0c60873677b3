//! Showing `born::Tensor` values: their views and their final output in a cell.

use born::Tensor;

use super::{TensorStats, TensorView};
use crate::displayable::Displayable;
use crate::error::{Error, Result};
use crate::evcxr::print_evcxr;
use crate::mime_bundle::MimeBundle;

/// Tensors up to this many elements are read whole; larger ones only at their corners.
const WHOLE_LIMIT: usize = 1 << 20;
/// Indices kept from each end of every dimension of a large tensor (at least what the
/// renderings show: 8 rows and 6 columns from each end, 3 slices).
const CORNER_EDGE: usize = 8;
/// Elements read at a time when computing a large tensor's statistics.
const STATS_CHUNK: usize = 1 << 20;

/// Wraps a runtime error with the display operation that needed the values.
pub(crate) fn tensor_error(op: &'static str) -> impl Fn(born::Error) -> Error {
    move |e| Error::Tensor {
        op,
        message: e.to_string(),
    }
}

impl TensorView {
    /// The view of a born tensor; a large one is read only at its corners, and its
    /// statistics chunk by chunk, so showing it never copies it whole.
    pub fn from_tensor(tensor: &Tensor) -> Result<Self> {
        const OP: &str = "TensorView::from_tensor";
        let dims = tensor.dims();
        let dtype = tensor.dtype().name();
        let view = if tensor.elem_count() <= WHOLE_LIMIT {
            let values = tensor.to_vec_f64().map_err(tensor_error(OP))?;
            TensorView::new(dims, dtype, values)?
        } else {
            let (held, corners) = corners(tensor).map_err(tensor_error(OP))?;
            let values = corners.to_vec_f64().map_err(tensor_error(OP))?;
            let stats = chunked_stats(tensor).map_err(tensor_error(OP))?;
            TensorView::from_corners(dims, dtype, held, values, stats)?
        };
        Ok(view
            .device(tensor.device().name())
            .requires_grad(tensor.requires_grad()))
    }
}

/// The first and last [`CORNER_EDGE`] indices of every long dimension, gathered.
fn corners(tensor: &Tensor) -> born::Result<(Vec<Vec<usize>>, Tensor)> {
    let mut gathered = tensor.clone();
    let mut held = Vec::with_capacity(tensor.rank());
    for (d, &len) in tensor.dims().iter().enumerate() {
        if len > 2 * CORNER_EDGE {
            let head = gathered.narrow(d, 0, CORNER_EDGE)?;
            let tail = gathered.narrow(d, len - CORNER_EDGE, CORNER_EDGE)?;
            gathered = Tensor::cat(&[head, tail], d)?;
            held.push((0..CORNER_EDGE).chain(len - CORNER_EDGE..len).collect());
        } else {
            held.push((0..len).collect());
        }
    }
    Ok((held, gathered))
}

/// Statistics of a float tensor read in bounded chunks (none for other dtypes).
fn chunked_stats(tensor: &Tensor) -> born::Result<TensorStats> {
    if !tensor.dtype().is_float() {
        return Ok(TensorStats::of(&[]));
    }
    let flat = tensor.flatten_all()?;
    let count = tensor.elem_count();
    let mut stats = TensorStats::of(&[]);
    for start in (0..count).step_by(STATS_CHUNK) {
        let chunk = flat.narrow(0, start, STATS_CHUNK.min(count - start))?;
        stats = stats.merge(TensorStats::of(&chunk.to_vec_f64()?));
    }
    Ok(stats)
}

impl Displayable for Tensor {
    fn mime_bundle(&self) -> MimeBundle {
        match TensorView::from_tensor(self) {
            Ok(view) => view.mime_bundle(),
            Err(error) => MimeBundle::error(&error),
        }
    }
}

/// Prints a tensor ending a cell as its text and HTML table, in evcxr's protocol.
pub fn render_tensor_cell(tensor: &Tensor) {
    print_evcxr(&tensor.mime_bundle());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_tensors_are_read_whole() {
        let t = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], (2, 2)).unwrap();
        let view = TensorView::from_tensor(&t).unwrap();
        assert_eq!(view.shape(), &[2, 2]);
        assert_eq!(view.dtype(), "float32");
        assert_eq!(view.values(), &[1.0, 2.0, 3.0, 4.0]);
        let bundle = t.mime_bundle();
        assert_eq!(
            bundle.get("text/plain"),
            Some("tensor([[1., 2.],\n        [3., 4.]])")
        );
    }

    #[test]
    fn dtypes_and_gradient_flags_reach_the_repr() {
        let x = Tensor::from_vec(vec![-1.0f32, 0.5, 2.0], 3).unwrap();
        let mask = x.gt_scalar(0.0).unwrap();
        assert_eq!(
            mask.mime_bundle().get("text/plain"),
            Some("tensor([false,  true,  true])")
        );
        let ints = Tensor::arange_dtype(0.0, 3.0, 1.0, born::DType::U8).unwrap();
        assert_eq!(
            ints.mime_bundle().get("text/plain"),
            Some("tensor([0, 1, 2], dtype=uint8)")
        );
        let leaf = x.requires_grad_(true).unwrap();
        let text = leaf.mime_bundle().get("text/plain").unwrap().to_string();
        assert_eq!(
            text,
            "tensor([-1.0000,  0.5000,  2.0000], requires_grad=true)"
        );
        let html = leaf.mime_bundle().get("text/html").unwrap().to_string();
        assert!(html.contains("shape [3] · float32 · cpu · requires_grad"));
    }

    #[test]
    fn large_tensors_show_their_corners_with_whole_stats() {
        let (rows, cols) = (1100, 1000);
        let n = rows * cols;
        assert!(n > WHOLE_LIMIT);
        let t = Tensor::arange(0.0, n as f64, 1.0)
            .unwrap()
            .reshape((rows, cols))
            .unwrap();
        let view = TensorView::from_tensor(&t).unwrap();
        assert_eq!(view.values().len(), 16 * 16, "only the corners are read");
        assert_eq!(view.get(&[rows - 1, cols - 1]), Some((n - 1) as f64));
        assert_eq!(view.get(&[rows / 2, 0]), None);
        let stats = view.stats();
        assert_eq!((stats.min, stats.max), (Some(0.0), Some((n - 1) as f64)));
        assert_eq!(stats.mean, Some((n - 1) as f64 / 2.0));
        let bundle = t.mime_bundle();
        let html = bundle.get("text/html").unwrap();
        assert!(html.contains(&format!(">{}</th>", rows - 1)));
        assert!(!html.contains("nan"));
        let text = bundle.get("text/plain").unwrap();
        assert!(
            text.starts_with("tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ...,"),
            "{text}"
        );
    }
}
