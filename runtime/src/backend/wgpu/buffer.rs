//! `GpuBuffer`: 32-bit words on the GPU for kernels that run outside tensors (the LLM
//! executor keeps activations, weights and its KV cache in them).

use super::context::context;
use super::pool::PooledBuffer;
use super::recorder;
use crate::{Error, Result};

/// A pooled GPU buffer of `len()` 32-bit words (f32 values, u32 ids or raw bytes).
#[derive(Debug)]
pub struct GpuBuffer {
    buffer: PooledBuffer,
    words: usize,
}

impl GpuBuffer {
    /// A buffer of `words` words with undefined contents.
    pub fn uninit(words: usize, op: &'static str) -> Result<GpuBuffer> {
        let bytes = words
            .checked_mul(4)
            .ok_or_else(|| Error::invalid(op, format!("{words} words overflow a gpu buffer")))?;
        Ok(GpuBuffer {
            buffer: PooledBuffer::new(context()?, bytes as u64, op)?,
            words,
        })
    }

    /// Uploads raw bytes, zero-padded to whole words.
    pub fn from_bytes(bytes: &[u8], op: &'static str) -> Result<GpuBuffer> {
        Ok(GpuBuffer {
            buffer: recorder::upload(context()?, bytes, op)?,
            words: bytes.len().div_ceil(4),
        })
    }

    /// Uploads f32 values.
    pub fn from_f32(values: &[f32], op: &'static str) -> Result<GpuBuffer> {
        GpuBuffer::from_bytes(bytemuck::cast_slice(values), op)
    }

    /// Uploads u32 values.
    pub fn from_u32(values: &[u32], op: &'static str) -> Result<GpuBuffer> {
        GpuBuffer::from_bytes(bytemuck::cast_slice(values), op)
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words
    }

    /// Whether the buffer holds no word.
    pub fn is_empty(&self) -> bool {
        self.words == 0
    }

    /// The wgpu buffer.
    pub(super) fn raw(&self) -> &wgpu::Buffer {
        self.buffer.raw()
    }

    /// Waits for the recorded work and reads the first `words` words as f32.
    pub fn read_f32(&self, words: usize, op: &'static str) -> Result<Vec<f32>> {
        if words > self.words {
            return Err(Error::invalid(
                op,
                format!("reading {words} words of a {}-word buffer", self.words),
            ));
        }
        let bytes = recorder::read(context()?, self.raw(), words * 4, op)?;
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    }

    /// Records a copy of `words` words of `src` from word `from` into this buffer at word `to`.
    pub fn copy_from(
        &self,
        src: &GpuBuffer,
        from: usize,
        to: usize,
        words: usize,
        op: &'static str,
    ) -> Result<()> {
        if from + words > src.words || to + words > self.words {
            return Err(Error::invalid(
                op,
                format!(
                    "copying words {from}..{} of {} into {to}..{} of {}",
                    from + words,
                    src.words,
                    to + words,
                    self.words
                ),
            ));
        }
        let ctx = context()?;
        recorder::copy_region(
            ctx,
            (src.raw(), from as u64 * 4),
            (self.raw(), to as u64 * 4),
            words as u64 * 4,
        );
        ctx.take_error(op)
    }

    /// Fails with a message naming `what` when fewer than `need` words are held.
    pub(super) fn check(&self, need: usize, op: &'static str, what: &str) -> Result<()> {
        if self.words < need {
            return Err(Error::invalid(
                op,
                format!("{what} holds {} words, {need} needed", self.words),
            ));
        }
        Ok(())
    }
}
