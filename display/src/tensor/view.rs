//! A tensor's values and description, as the renderers need them.

use super::elide::strides;
use super::stats::TensorStats;
use crate::error::{Error, Result};

/// How elements of a dtype are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementKind {
    /// Floating point: fixed or scientific notation, NaN and infinities.
    Float,
    /// Integers: written without a fraction.
    Int,
    /// Booleans: `true` / `false` (stored as 0 and 1).
    Bool,
}

impl ElementKind {
    /// The kind of a dtype name (`float32`, `bfloat16`, `f64`, `int64`, `u8`, `bool`...).
    pub fn of_dtype(dtype: &str) -> Self {
        let name = dtype.to_ascii_lowercase();
        if name == "bool" {
            ElementKind::Bool
        } else if name.starts_with("float")
            || name.starts_with("bfloat")
            || name.starts_with('f')
            || name == "bf16"
        {
            ElementKind::Float
        } else {
            ElementKind::Int
        }
    }
}

/// Dtypes not repeated in a tensor's repr, as PyTorch leaves out its defaults.
const DEFAULT_DTYPES: [&str; 3] = ["float32", "int64", "bool"];

/// Everything shown about a tensor: shape, dtype, device, gradient flag and values.
///
/// A view holds either all values or, for a large tensor, only its corners (see
/// [`TensorView::from_corners`]): what the summarised renderings show.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorView {
    shape: Vec<usize>,
    dtype: String,
    kind: ElementKind,
    device: String,
    requires_grad: bool,
    values: Vec<f64>,
    /// Original indices held along each dimension; `None` when all values are held.
    held: Option<Vec<Vec<usize>>>,
    /// Statistics of the whole tensor, given when only corners are held.
    stats: Option<TensorStats>,
}

impl TensorView {
    /// A CPU tensor view of row-major `values` with `shape`, named by `dtype`.
    pub fn new(shape: &[usize], dtype: &str, values: Vec<f64>) -> Result<Self> {
        let numel = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(|| Error::Shape {
                op: "TensorView::new",
                message: format!("shape {shape:?} overflows the element count"),
            })?;
        if numel != values.len() {
            return Err(Error::Shape {
                op: "TensorView::new",
                message: format!(
                    "shape {shape:?} holds {numel} elements but {} values were given",
                    values.len()
                ),
            });
        }
        Ok(Self {
            shape: shape.to_vec(),
            dtype: dtype.to_string(),
            kind: ElementKind::of_dtype(dtype),
            device: "cpu".to_string(),
            requires_grad: false,
            values,
            held: None,
            stats: None,
        })
    }

    /// A view of a large tensor holding only some indices along each dimension.
    ///
    /// `held[d]` lists, ascending, the original indices kept along dimension `d` (the
    /// first and last few); `values` are row-major over those; `stats` describe the
    /// whole tensor. Renderings never show more than the held ends of each dimension.
    pub fn from_corners(
        shape: &[usize],
        dtype: &str,
        held: Vec<Vec<usize>>,
        values: Vec<f64>,
        stats: TensorStats,
    ) -> Result<Self> {
        let invalid = |message: String| Error::Shape {
            op: "TensorView::from_corners",
            message,
        };
        if held.len() != shape.len() {
            return Err(invalid(format!(
                "{} lists of held indices for shape {shape:?}",
                held.len()
            )));
        }
        for (d, (indices, &len)) in held.iter().zip(shape).enumerate() {
            let ascending = indices.windows(2).all(|w| w[0] < w[1]);
            if !ascending || indices.last().is_some_and(|&i| i >= len) {
                return Err(invalid(format!(
                    "held indices {indices:?} of dimension {d} are not ascending within 0..{len}"
                )));
            }
        }
        let held_count: usize = held.iter().map(Vec::len).product();
        if held_count != values.len() {
            return Err(invalid(format!(
                "held indices select {held_count} elements but {} values were given",
                values.len()
            )));
        }
        let mut view = Self::new(&[values.len()], dtype, values)?;
        view.shape = shape.to_vec();
        view.held = Some(held);
        view.stats = Some(stats);
        Ok(view)
    }

    /// Sets the device name shown (`cpu`, `gpu:0`...).
    pub fn device(mut self, device: &str) -> Self {
        self.device = device.to_string();
        self
    }

    /// Marks the tensor as tracking gradients.
    pub fn requires_grad(mut self, requires_grad: bool) -> Self {
        self.requires_grad = requires_grad;
        self
    }

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The dtype name.
    pub fn dtype(&self) -> &str {
        &self.dtype
    }

    /// How elements are written.
    pub fn kind(&self) -> ElementKind {
        self.kind
    }

    /// The device name.
    pub fn device_name(&self) -> &str {
        &self.device
    }

    /// Whether the tensor tracks gradients.
    pub fn tracks_grad(&self) -> bool {
        self.requires_grad
    }

    /// The values held, row-major (all of them unless the view holds only corners).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of elements of the whole tensor.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// The value at `index` (one entry per dimension), if the view holds it.
    pub fn get(&self, index: &[usize]) -> Option<f64> {
        if index.len() != self.shape.len() {
            return None;
        }
        let offset: usize = match &self.held {
            None => {
                let in_range = index.iter().zip(&self.shape).all(|(i, n)| i < n);
                if !in_range {
                    return None;
                }
                index
                    .iter()
                    .zip(strides(&self.shape))
                    .map(|(i, s)| i * s)
                    .sum()
            }
            Some(held) => {
                let positions: Option<Vec<usize>> = index
                    .iter()
                    .zip(held)
                    .map(|(i, kept)| kept.binary_search(i).ok())
                    .collect();
                let lens: Vec<usize> = held.iter().map(Vec::len).collect();
                positions?
                    .iter()
                    .zip(strides(&lens))
                    .map(|(p, s)| p * s)
                    .sum()
            }
        };
        self.values.get(offset).copied()
    }

    /// How many indices from each end of every dimension the view holds
    /// (`usize::MAX` when it holds everything).
    pub fn held_edge(&self) -> usize {
        let Some(held) = &self.held else {
            return usize::MAX;
        };
        held.iter()
            .zip(&self.shape)
            .filter(|(kept, &len)| kept.len() < len)
            .map(|(kept, &len)| {
                let head = kept
                    .iter()
                    .enumerate()
                    .take_while(|(p, &i)| *p == i)
                    .count();
                let tail = kept
                    .iter()
                    .rev()
                    .enumerate()
                    .take_while(|(p, &i)| i + p + 1 == len)
                    .count();
                head.min(tail)
            })
            .min()
            .unwrap_or(usize::MAX)
    }

    /// Minimum, maximum, mean and non-finite counts of the whole tensor.
    pub fn stats(&self) -> TensorStats {
        self.stats.unwrap_or_else(|| TensorStats::of(&self.values))
    }

    /// True when the dtype is one the repr leaves out (PyTorch's defaults).
    pub fn has_default_dtype(&self) -> bool {
        DEFAULT_DTYPES.contains(&self.dtype.as_str())
    }

    /// True when the device is the CPU (left out of the repr).
    pub fn on_cpu(&self) -> bool {
        self.device == "cpu"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_must_match_values() {
        let err = TensorView::new(&[2, 3], "float32", vec![0.0; 5]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "TensorView::new: shape [2, 3] holds 6 elements but 5 values were given"
        );
        assert!(TensorView::new(&[usize::MAX, 3], "float32", vec![]).is_err());
        assert!(TensorView::new(&[], "float32", vec![1.0]).is_ok());
    }

    #[test]
    fn whole_views_index_row_major() {
        let t = TensorView::new(&[2, 3], "float32", (0..6).map(f64::from).collect()).unwrap();
        assert_eq!(t.get(&[1, 2]), Some(5.0));
        assert_eq!(t.get(&[2, 0]), None);
        assert_eq!(t.get(&[1]), None);
        assert_eq!(t.held_edge(), usize::MAX);
        assert_eq!(t.stats().mean, Some(2.5));
    }

    #[test]
    fn corner_views_map_original_indices() {
        // A 100x5 tensor holding rows 0, 1, 98, 99 and every column.
        let held = vec![vec![0, 1, 98, 99], (0..5).collect()];
        let values: Vec<f64> = [0.0, 1.0, 98.0, 99.0]
            .iter()
            .flat_map(|r| (0..5).map(move |c| r * 100.0 + c as f64))
            .collect();
        let stats = TensorStats::of(&[0.0, 9904.0]);
        let t = TensorView::from_corners(&[100, 5], "float32", held, values, stats).unwrap();
        assert_eq!(t.numel(), 500);
        assert_eq!(t.get(&[98, 3]), Some(9803.0));
        assert_eq!(t.get(&[50, 0]), None);
        assert_eq!(t.held_edge(), 2);
        assert_eq!(t.stats().max, Some(9904.0));
    }

    #[test]
    fn corner_views_are_checked() {
        let stats = TensorStats::of(&[]);
        let bad_order =
            TensorView::from_corners(&[9], "f32", vec![vec![3, 1]], vec![0.0; 2], stats);
        assert!(bad_order.is_err());
        let too_far = TensorView::from_corners(&[9], "f32", vec![vec![9]], vec![0.0], stats);
        assert!(too_far.is_err());
        let count = TensorView::from_corners(&[9], "f32", vec![vec![0, 8]], vec![0.0], stats);
        assert!(count.is_err());
        let rank = TensorView::from_corners(&[9, 2], "f32", vec![vec![0]], vec![0.0], stats);
        assert!(rank.is_err());
    }

    #[test]
    fn kinds_follow_dtype_names() {
        for f in ["float32", "float64", "float16", "bfloat16", "f32", "bf16"] {
            assert_eq!(ElementKind::of_dtype(f), ElementKind::Float, "{f}");
        }
        for i in ["int64", "uint32", "uint8", "i64", "u8"] {
            assert_eq!(ElementKind::of_dtype(i), ElementKind::Int, "{i}");
        }
        assert_eq!(ElementKind::of_dtype("bool"), ElementKind::Bool);
    }
}
