//! Pooling layers over `[n, c, h, w]`.

use super::module::Module;
use crate::{Result, Tensor};

/// Max pooling over `kernel x kernel` windows.
#[derive(Debug, Clone, Copy)]
pub struct MaxPool2d {
    /// Window size.
    pub kernel: usize,
    /// Step between windows.
    pub stride: usize,
    /// Implicit `-inf` padding on each side.
    pub padding: usize,
}

impl MaxPool2d {
    /// Non-overlapping windows (stride = kernel), no padding.
    pub fn new(kernel: usize) -> Self {
        MaxPool2d {
            kernel,
            stride: kernel,
            padding: 0,
        }
    }
}

impl Module for MaxPool2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.max_pool2d(self.kernel, self.stride, self.padding)
    }
}

/// Average pooling over `kernel x kernel` windows (padding counts as zeros).
#[derive(Debug, Clone, Copy)]
pub struct AvgPool2d {
    /// Window size.
    pub kernel: usize,
    /// Step between windows.
    pub stride: usize,
    /// Implicit zero padding on each side.
    pub padding: usize,
}

impl AvgPool2d {
    /// Non-overlapping windows (stride = kernel), no padding.
    pub fn new(kernel: usize) -> Self {
        AvgPool2d {
            kernel,
            stride: kernel,
            padding: 0,
        }
    }
}

impl Module for AvgPool2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.avg_pool2d(self.kernel, self.stride, self.padding)
    }
}
