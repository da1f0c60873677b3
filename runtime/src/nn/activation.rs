//! Activations and shape adapters as parameter-free modules.

use super::module::Module;
use crate::{Result, Tensor};

macro_rules! activation {
    ($($(#[$doc:meta])* $name:ident => $method:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Module for $name {
            fn forward(&self, x: &Tensor) -> Result<Tensor> {
                x.$method()
            }
        }
    )*};
}

activation! {
    /// `max(x, 0)`.
    Relu => relu;
    /// Exact GELU, `x * Phi(x)`.
    Gelu => gelu;
    /// `x * sigmoid(x)`.
    Silu => silu;
    /// Hyperbolic tangent.
    Tanh => tanh;
    /// Logistic sigmoid.
    Sigmoid => sigmoid;
}

/// `x` for `x >= 0`, `slope * x` otherwise.
#[derive(Debug, Clone, Copy)]
pub struct LeakyRelu {
    /// Slope on the negative side (PyTorch's default 0.01).
    pub slope: f64,
}

impl Default for LeakyRelu {
    fn default() -> Self {
        LeakyRelu { slope: 0.01 }
    }
}

impl Module for LeakyRelu {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.ge_scalar(0.0)?.where_cond(x, &x.mul_scalar(self.slope)?)
    }
}

/// Returns its input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl Module for Identity {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }
}

/// Flattens dims `start..=end` (default: all but the batch dim).
#[derive(Debug, Clone, Copy)]
pub struct Flatten {
    /// First flattened dim.
    pub start: i64,
    /// Last flattened dim (negative counts from the end).
    pub end: i64,
}

impl Default for Flatten {
    fn default() -> Self {
        Flatten { start: 1, end: -1 }
    }
}

impl Module for Flatten {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.flatten(self.start, self.end)
    }
}
