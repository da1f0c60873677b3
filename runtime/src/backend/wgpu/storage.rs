//! `GpuStorage`: a tensor's elements in a pooled GPU buffer, and host transfers.

use super::context::{context, GpuContext};
use super::info::WordView;
use super::pool::PooledBuffer;
use super::recorder;
use crate::backend::cpu::CpuStorage;
use crate::{DType, Error, Layout, Result};

/// Elements of one dtype in a GPU buffer. f32 and u32 take one 32-bit word each, bool and
/// u8 are widened to one word, i64 takes two words (low, high).
#[derive(Debug)]
pub struct GpuStorage {
    buffer: PooledBuffer,
    dtype: DType,
    len: usize,
}

/// The error for a dtype the GPU does not hold.
pub(super) fn unsupported(op: &'static str, dtype: DType) -> Error {
    Error::invalid(
        op,
        format!(
            "{dtype} tensors are not supported on the gpu (it holds f32, u32, i64, u8 and \
             bool); convert with to_dtype on the cpu first"
        ),
    )
}

/// The error for an operation the GPU backend does not run for `dtype`.
pub(super) fn not_on_gpu(op: &'static str, dtype: DType) -> Error {
    Error::invalid(
        op,
        format!("not implemented on the gpu for {dtype} tensors"),
    )
}

/// 32-bit words per element of `dtype` on the GPU.
pub(super) fn words_per_elem(dtype: DType, op: &'static str) -> Result<usize> {
    match dtype {
        DType::F32 | DType::U32 | DType::U8 | DType::Bool => Ok(1),
        DType::I64 => Ok(2),
        other => Err(unsupported(op, other)),
    }
}

impl GpuStorage {
    /// An uninitialised storage of `len` elements of `dtype`.
    pub(super) fn alloc(
        ctx: &GpuContext,
        len: usize,
        dtype: DType,
        op: &'static str,
    ) -> Result<Self> {
        let words = words_per_elem(dtype, op)?;
        let bytes = len
            .checked_mul(words * 4)
            .ok_or_else(|| Error::invalid(op, format!("{len} elements overflow a gpu buffer")))?;
        Ok(GpuStorage {
            buffer: PooledBuffer::new(ctx, bytes as u64, op)?,
            dtype,
            len,
        })
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Number of elements held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no element is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The wgpu buffer.
    pub(super) fn raw(&self) -> &wgpu::Buffer {
        self.buffer.raw()
    }

    /// Copies a host storage to the GPU (recorded, not waited for).
    pub fn from_cpu(cpu: &CpuStorage) -> Result<Self> {
        let op = "to_device(gpu)";
        let ctx = context()?;
        let bytes: Vec<u8> = match cpu {
            CpuStorage::F32(v) => bytemuck::cast_slice(v).to_vec(),
            CpuStorage::U32(v) => bytemuck::cast_slice(v).to_vec(),
            CpuStorage::I64(v) => bytemuck::cast_slice(v).to_vec(),
            CpuStorage::U8(v) => v.iter().flat_map(|&b| u32::from(b).to_le_bytes()).collect(),
            CpuStorage::Bool(v) => v.iter().flat_map(|&b| u32::from(b).to_le_bytes()).collect(),
            other => {
                return Err(unsupported(
                    op,
                    crate::backend::BackendStorage::dtype(other),
                ))
            }
        };
        Ok(GpuStorage {
            buffer: recorder::upload(ctx, &bytes, op)?,
            dtype: crate::backend::BackendStorage::dtype(cpu),
            len: cpu.len(),
        })
    }

    /// Waits for the recorded work and copies the elements to the host.
    pub fn to_host(&self) -> Result<CpuStorage> {
        let op = "to_device(cpu)";
        let ctx = context()?;
        let words = words_per_elem(self.dtype, op)?;
        let bytes = recorder::read(ctx, self.raw(), self.len * words * 4, op)?;
        let u32s = || -> Vec<u32> {
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        Ok(match self.dtype {
            DType::F32 => CpuStorage::F32(bytemuck::pod_collect_to_vec(&bytes)),
            DType::U32 => CpuStorage::U32(u32s()),
            DType::I64 => CpuStorage::I64(bytemuck::pod_collect_to_vec(&bytes)),
            DType::U8 => CpuStorage::U8(u32s().into_iter().map(|w| w as u8).collect()),
            DType::Bool => CpuStorage::Bool(u32s().into_iter().map(|w| w != 0).collect()),
            other => return Err(unsupported(op, other)),
        })
    }

    /// The word-level view of an element layout of this storage.
    pub(super) fn word_view(&self, l: &Layout, op: &'static str) -> Result<WordView> {
        word_view(l, words_per_elem(self.dtype, op)?)
    }
}

/// An element layout scaled to `words` words per element.
pub(super) fn word_view(l: &Layout, words: usize) -> Result<WordView> {
    Ok(WordView {
        offset: l.offset() * words,
        strides: l.strides().iter().map(|s| s * words).collect(),
    })
}

impl Clone for GpuStorage {
    fn clone(&self) -> Self {
        let ctx = context().expect("a gpu storage exists only once the context is open");
        let words = words_per_elem(self.dtype, "clone").expect("gpu storages hold gpu dtypes");
        let bytes = (self.len * words * 4) as u64;
        let buffer = PooledBuffer::new(ctx, bytes, "clone")
            .expect("a buffer of an existing buffer's size fits the adapter");
        recorder::copy(ctx, self.raw(), buffer.raw(), bytes);
        GpuStorage {
            buffer,
            dtype: self.dtype,
            len: self.len,
        }
    }
}
