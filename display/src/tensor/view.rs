//! A tensor's values and description, as the renderers need them.

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
#[derive(Clone, Debug, PartialEq)]
pub struct TensorView {
    shape: Vec<usize>,
    dtype: String,
    kind: ElementKind,
    device: String,
    requires_grad: bool,
    values: Vec<f64>,
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
        })
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

    /// The values in row-major order.
    pub fn values(&self) -> &[f64] {
        &self.values
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
