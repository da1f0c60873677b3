//! `Storage`: the device-tagged buffer behind a tensor, dispatching to its backend.

use crate::backend::cpu::CpuStorage;
use crate::backend::wgpu::GpuStorage;
use crate::backend::{BackendStorage, BinaryOp, CmpOp, MatmulDims, ReduceOp, UnaryOp, Window2d};
use crate::{DType, Device, Error, Layout, Result};

/// A buffer on some device. New devices add a variant and its match arms here.
#[derive(Debug, Clone)]
pub enum Storage {
    /// Host memory.
    Cpu(CpuStorage),
    /// A wgpu buffer.
    Gpu(GpuStorage),
}

/// The error for operands on different devices.
fn mixed(op: &'static str, a: &Storage, b: &Storage) -> Error {
    Error::DeviceMismatch {
        op,
        lhs: a.device(),
        rhs: b.device(),
    }
}

impl Storage {
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Storage::Cpu(s) => s.dtype(),
            Storage::Gpu(s) => BackendStorage::dtype(s),
        }
    }

    /// The device holding the buffer.
    pub fn device(&self) -> Device {
        match self {
            Storage::Cpu(s) => s.device(),
            Storage::Gpu(s) => s.device(),
        }
    }

    /// A host copy of the buffer.
    pub fn to_cpu(&self) -> Result<CpuStorage> {
        match self {
            Storage::Cpu(s) => s.to_cpu(),
            Storage::Gpu(s) => s.to_cpu(),
        }
    }

    /// Moves a host buffer to `device`.
    pub fn from_cpu(cpu: CpuStorage, device: Device) -> Result<Self> {
        match device {
            Device::Cpu => Ok(Storage::Cpu(cpu)),
            Device::Gpu => Ok(Storage::Gpu(GpuStorage::from_cpu(&cpu)?)),
        }
    }

    /// Contiguous copy of a view.
    pub fn copy_strided(&self, l: &Layout) -> Result<Self> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.copy_strided(l)?)),
            Storage::Gpu(s) => Ok(Storage::Gpu(s.copy_strided(l)?)),
        }
    }

    /// Contiguous copy of a view converted to `dtype`.
    pub fn to_dtype(&self, l: &Layout, dtype: DType) -> Result<Self> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.to_dtype(l, dtype)?)),
            Storage::Gpu(s) => Ok(Storage::Gpu(s.to_dtype(l, dtype)?)),
        }
    }

    /// Elementwise op on one operand.
    pub fn unary(&self, l: &Layout, op: UnaryOp) -> Result<Self> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.unary(l, op)?)),
            Storage::Gpu(s) => Ok(Storage::Gpu(s.unary(l, op)?)),
        }
    }

    /// Elementwise op on two same-shape views.
    pub fn binary(&self, l: &Layout, rhs: &Self, rl: &Layout, op: BinaryOp) -> Result<Self> {
        match (self, rhs) {
            (Storage::Cpu(a), Storage::Cpu(b)) => Ok(Storage::Cpu(a.binary(l, b, rl, op)?)),
            (Storage::Gpu(a), Storage::Gpu(b)) => Ok(Storage::Gpu(a.binary(l, b, rl, op)?)),
            (a, b) => Err(mixed("binary", a, b)),
        }
    }

    /// Elementwise comparison of two same-shape views.
    pub fn cmp(&self, l: &Layout, rhs: &Self, rl: &Layout, op: CmpOp) -> Result<Self> {
        match (self, rhs) {
            (Storage::Cpu(a), Storage::Cpu(b)) => Ok(Storage::Cpu(a.cmp(l, b, rl, op)?)),
            (Storage::Gpu(a), Storage::Gpu(b)) => Ok(Storage::Gpu(a.cmp(l, b, rl, op)?)),
            (a, b) => Err(mixed("cmp", a, b)),
        }
    }

    /// Elementwise select by a boolean condition (`self`).
    pub fn where_cond(
        &self,
        l: &Layout,
        on_true: &Self,
        tl: &Layout,
        on_false: &Self,
        fl: &Layout,
    ) -> Result<Self> {
        match (self, on_true, on_false) {
            (Storage::Cpu(c), Storage::Cpu(t), Storage::Cpu(f)) => {
                Ok(Storage::Cpu(c.where_cond(l, t, tl, f, fl)?))
            }
            (Storage::Gpu(c), Storage::Gpu(t), Storage::Gpu(f)) => {
                Ok(Storage::Gpu(c.where_cond(l, t, tl, f, fl)?))
            }
            (c, t, f) => Err(if c.device() != t.device() {
                mixed("where_cond", c, t)
            } else {
                mixed("where_cond", t, f)
            }),
        }
    }

    /// Reduction over `dims` (keepdim shape).
    pub fn reduce(&self, l: &Layout, dims: &[usize], op: ReduceOp) -> Result<Self> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.reduce(l, dims, op)?)),
            Storage::Gpu(s) => Ok(Storage::Gpu(s.reduce(l, dims, op)?)),
        }
    }

    /// Softmax or log-softmax over the last dimension.
    pub fn softmax_last_dim(&self, l: &Layout, log: bool) -> Result<Self> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.softmax_last_dim(l, log)?)),
            Storage::Gpu(s) => Ok(Storage::Gpu(s.softmax_last_dim(l, log)?)),
        }
    }

    /// Cumulative sum along `dim`.
    pub fn cumsum(&self, l: &Layout, dim: usize) -> Result<Self> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.cumsum(l, dim)?)),
            Storage::Gpu(s) => Ok(Storage::Gpu(s.cumsum(l, dim)?)),
        }
    }

    /// Batched matrix product.
    pub fn matmul(&self, l: &Layout, rhs: &Self, rl: &Layout, dims: MatmulDims) -> Result<Self> {
        match (self, rhs) {
            (Storage::Cpu(a), Storage::Cpu(b)) => Ok(Storage::Cpu(a.matmul(l, b, rl, dims)?)),
            (Storage::Gpu(a), Storage::Gpu(b)) => Ok(Storage::Gpu(a.matmul(l, b, rl, dims)?)),
            (a, b) => Err(mixed("matmul", a, b)),
        }
    }

    /// Entries of `dim` picked by a 1-D index view.
    pub fn index_select(&self, l: &Layout, ids: &Self, il: &Layout, dim: usize) -> Result<Self> {
        match (self, ids) {
            (Storage::Cpu(a), Storage::Cpu(i)) => Ok(Storage::Cpu(a.index_select(l, i, il, dim)?)),
            (Storage::Gpu(a), Storage::Gpu(i)) => Ok(Storage::Gpu(a.index_select(l, i, il, dim)?)),
            (a, i) => Err(mixed("index_select", a, i)),
        }
    }

    /// Gather along `dim`.
    pub fn gather(&self, l: &Layout, ids: &Self, il: &Layout, dim: usize) -> Result<Self> {
        match (self, ids) {
            (Storage::Cpu(a), Storage::Cpu(i)) => Ok(Storage::Cpu(a.gather(l, i, il, dim)?)),
            (Storage::Gpu(a), Storage::Gpu(i)) => Ok(Storage::Gpu(a.gather(l, i, il, dim)?)),
            (a, i) => Err(mixed("gather", a, i)),
        }
    }

    /// Scatter-add along `dim`.
    #[allow(clippy::too_many_arguments)]
    pub fn scatter_add(
        &self,
        l: &Layout,
        ids: &Self,
        il: &Layout,
        src: &Self,
        sl: &Layout,
        dim: usize,
    ) -> Result<Self> {
        match (self, ids, src) {
            (Storage::Cpu(a), Storage::Cpu(i), Storage::Cpu(s)) => {
                Ok(Storage::Cpu(a.scatter_add(l, i, il, s, sl, dim)?))
            }
            (Storage::Gpu(a), Storage::Gpu(i), Storage::Gpu(s)) => {
                Ok(Storage::Gpu(a.scatter_add(l, i, il, s, sl, dim)?))
            }
            (a, i, s) => Err(if a.device() != i.device() {
                mixed("scatter_add", a, i)
            } else {
                mixed("scatter_add", a, s)
            }),
        }
    }

    /// Concatenation along `dim`.
    pub fn cat(parts: &[(&Self, &Layout)], dim: usize) -> Result<Self> {
        let Some((first, _)) = parts.first() else {
            return Err(Error::invalid("cat", "no tensors to concatenate"));
        };
        match first {
            Storage::Cpu(_) => {
                let mut cpu = Vec::with_capacity(parts.len());
                for (s, l) in parts {
                    match s {
                        Storage::Cpu(c) => cpu.push((c, *l)),
                        other => return Err(mixed("cat", first, other)),
                    }
                }
                Ok(Storage::Cpu(CpuStorage::cat(&cpu, dim)?))
            }
            Storage::Gpu(_) => {
                let mut gpu = Vec::with_capacity(parts.len());
                for (s, l) in parts {
                    match s {
                        Storage::Gpu(g) => gpu.push((g, *l)),
                        other => return Err(mixed("cat", first, other)),
                    }
                }
                Ok(Storage::Gpu(GpuStorage::cat(&gpu, dim)?))
            }
        }
    }

    /// Sliding-window unfold.
    pub fn im2col(&self, l: &Layout, win: &Window2d) -> Result<Self> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.im2col(l, win)?)),
            Storage::Gpu(s) => Ok(Storage::Gpu(s.im2col(l, win)?)),
        }
    }

    /// Adjoint of the sliding-window unfold.
    pub fn col2im(&self, l: &Layout, win: &Window2d) -> Result<Self> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.col2im(l, win)?)),
            Storage::Gpu(s) => Ok(Storage::Gpu(s.col2im(l, win)?)),
        }
    }

    /// Max pooling: the maxima and the u32 position of each in its input plane.
    pub fn max_pool2d(&self, l: &Layout, win: &Window2d) -> Result<(Self, Self)> {
        match self {
            Storage::Cpu(s) => {
                let (values, argmax) = s.max_pool2d(l, win)?;
                Ok((Storage::Cpu(values), Storage::Cpu(argmax)))
            }
            Storage::Gpu(s) => {
                let (values, argmax) = s.max_pool2d(l, win)?;
                Ok((Storage::Gpu(values), Storage::Gpu(argmax)))
            }
        }
    }

    /// Adjoint of max pooling: gradients added at the recorded positions.
    pub fn max_pool2d_backward(
        &self,
        l: &Layout,
        argmax: &Self,
        al: &Layout,
        win: &Window2d,
    ) -> Result<Self> {
        match (self, argmax) {
            (Storage::Cpu(g), Storage::Cpu(a)) => {
                Ok(Storage::Cpu(g.max_pool2d_backward(l, a, al, win)?))
            }
            (Storage::Gpu(g), Storage::Gpu(a)) => {
                Ok(Storage::Gpu(g.max_pool2d_backward(l, a, al, win)?))
            }
            (g, a) => Err(mixed("max_pool2d_backward", g, a)),
        }
    }

    /// Overwrites the view `l` with the view `sl` of `src`.
    pub fn assign(&mut self, l: &Layout, src: &Self, sl: &Layout) -> Result<()> {
        match (self, src) {
            (Storage::Cpu(d), Storage::Cpu(s)) => d.assign(l, s, sl),
            (Storage::Gpu(d), Storage::Gpu(s)) => d.assign(l, s, sl),
            (d, s) => Err(mixed("assign", d, s)),
        }
    }
}
