//! The wgpu backend: WGSL kernels from `shaders/` on any Vulkan, Metal, DX12 or GL adapter,
//! pooled buffers, and lazily batched command recording.

mod buffer;
mod context;
mod conv;
mod decoder;
mod elementwise;
mod index;
mod info;
mod launch;
mod matmul;
mod pool;
mod qmatmul;
mod recorder;
mod reduce;
mod shaders;
mod storage;

pub use buffer::GpuBuffer;
pub use context::{describe_gpu, BACKEND_ENV};
pub use decoder::{
    add_bias, add_into, attention, rms_norm, rope, rope_table, swiglu, AttentionDims, RopeDims,
    MAX_HEAD_DIM,
};
pub use pool::{memory, reset_peak, GpuMemory};
pub use qmatmul::GpuMatrix;
pub use storage::GpuStorage;

use super::cpu::CpuStorage;
use super::{BackendStorage, BinaryOp, CmpOp, MatmulDims, ReduceOp, UnaryOp, Window2d};
use crate::{DType, Device, Error, Layout, Result};

/// Opens the GPU context (once per process); the error says why no adapter is usable.
pub fn open() -> Result<()> {
    context::context().map(|_| ())
}

/// Whether the opened adapter is a software one (llvmpipe, lavapipe).
pub fn is_software() -> Result<bool> {
    Ok(context::context()?.is_software())
}

/// Submits all recorded work and waits for the device to finish it.
pub fn synchronize() -> Result<()> {
    let ctx = context::context()?;
    recorder::flush(ctx);
    ctx.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| Error::msg(format!("gpu: synchronize: {e}")))?;
    ctx.take_error("synchronize")
}

impl BackendStorage for GpuStorage {
    fn dtype(&self) -> DType {
        GpuStorage::dtype(self)
    }

    fn device(&self) -> Device {
        Device::Gpu
    }

    fn to_cpu(&self) -> Result<CpuStorage> {
        self.to_host()
    }

    fn copy_strided(&self, l: &Layout) -> Result<Self> {
        elementwise::copy_strided(self, l)
    }

    fn to_dtype(&self, l: &Layout, dtype: DType) -> Result<Self> {
        elementwise::to_dtype(self, l, dtype)
    }

    fn unary(&self, l: &Layout, op: UnaryOp) -> Result<Self> {
        elementwise::unary(self, l, op)
    }

    fn binary(&self, l: &Layout, rhs: &Self, rl: &Layout, op: BinaryOp) -> Result<Self> {
        elementwise::binary(self, l, rhs, rl, op)
    }

    fn cmp(&self, l: &Layout, rhs: &Self, rl: &Layout, op: CmpOp) -> Result<Self> {
        elementwise::cmp(self, l, rhs, rl, op)
    }

    fn where_cond(
        &self,
        l: &Layout,
        on_true: &Self,
        tl: &Layout,
        on_false: &Self,
        fl: &Layout,
    ) -> Result<Self> {
        elementwise::where_cond((self, l), (on_true, tl), (on_false, fl))
    }

    fn reduce(&self, l: &Layout, dims: &[usize], op: ReduceOp) -> Result<Self> {
        reduce::reduce(self, l, dims, op)
    }

    fn softmax_last_dim(&self, l: &Layout, log: bool) -> Result<Self> {
        reduce::softmax_last_dim(self, l, log)
    }

    fn cumsum(&self, _l: &Layout, _dim: usize) -> Result<Self> {
        Err(storage::not_on_gpu("cumsum", self.dtype()))
    }

    fn matmul(&self, l: &Layout, rhs: &Self, rl: &Layout, dims: MatmulDims) -> Result<Self> {
        matmul::matmul(self, l, rhs, rl, dims)
    }

    fn index_select(&self, l: &Layout, ids: &Self, il: &Layout, dim: usize) -> Result<Self> {
        index::index_select(self, l, ids, il, dim)
    }

    fn gather(&self, l: &Layout, ids: &Self, il: &Layout, dim: usize) -> Result<Self> {
        index::gather(self, l, ids, il, dim)
    }

    fn scatter_add(
        &self,
        l: &Layout,
        ids: &Self,
        il: &Layout,
        src: &Self,
        sl: &Layout,
        dim: usize,
    ) -> Result<Self> {
        index::scatter_add((self, l), (ids, il), (src, sl), dim)
    }

    fn cat(parts: &[(&Self, &Layout)], dim: usize) -> Result<Self> {
        index::cat(parts, dim)
    }

    fn im2col(&self, l: &Layout, win: &Window2d) -> Result<Self> {
        conv::im2col(self, l, win)
    }

    fn col2im(&self, l: &Layout, win: &Window2d) -> Result<Self> {
        conv::col2im(self, l, win)
    }

    fn max_pool2d(&self, l: &Layout, win: &Window2d) -> Result<(Self, Self)> {
        conv::max_pool2d(self, l, win)
    }

    fn max_pool2d_backward(
        &self,
        l: &Layout,
        argmax: &Self,
        al: &Layout,
        win: &Window2d,
    ) -> Result<Self> {
        conv::max_pool2d_backward(self, l, argmax, al, win)
    }

    fn assign(&mut self, l: &Layout, src: &Self, sl: &Layout) -> Result<()> {
        elementwise::copy_into(self, l, src, sl, "assign")
    }
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_llm;
#[cfg(test)]
mod tests_ops;
#[cfg(test)]
mod tests_training;
