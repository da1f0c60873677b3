//! A linear layer on the GPU: a [`GpuMatrix`] and an optional bias.

use crate::backend::wgpu::{add_bias, GpuBuffer, GpuMatrix};
use crate::llm::linear::Linear;
use crate::Result;

/// `y = W x + b` with `W` kept in its encoding on the GPU.
#[derive(Debug)]
pub(super) struct GpuLinear {
    weight: GpuMatrix,
    bias: Option<GpuBuffer>,
}

impl GpuLinear {
    /// Uploads a CPU layer.
    pub(super) fn upload(l: &Linear) -> Result<GpuLinear> {
        let bias = match l.bias() {
            Some(b) => Some(GpuBuffer::from_f32(b, "GpuLinear::upload")?),
            None => None,
        };
        Ok(GpuLinear {
            weight: GpuMatrix::upload(l.weight())?,
            bias,
        })
    }

    /// Output width.
    pub(super) fn out_features(&self) -> usize {
        self.weight.rows()
    }

    /// Records the layer applied to `n` row-major input vectors; returns the outputs.
    pub(super) fn forward(&self, x: &GpuBuffer, n: usize) -> Result<GpuBuffer> {
        let out = GpuBuffer::uninit(n * self.out_features(), "GpuLinear::forward")?;
        self.weight.matmul(x, n, &out)?;
        if let Some(b) = &self.bias {
            add_bias(&out, b, n)?;
        }
        Ok(out)
    }
}
