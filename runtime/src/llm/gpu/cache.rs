//! The KV cache of the GPU executor: per-layer key and value buffers sized for the
//! cache's capacity, and the rotation table for its positions.

use crate::backend::wgpu::GpuBuffer;
use crate::{Error, Result};

/// Keys and values of every layer on the GPU, `[position][kv_head][head_dim]`.
#[derive(Debug)]
pub struct GpuKvCache {
    pub(super) keys: Vec<GpuBuffer>,
    pub(super) values: Vec<GpuBuffer>,
    pub(super) rope_table: GpuBuffer,
    len: usize,
    max_len: usize,
}

impl GpuKvCache {
    /// An empty cache of `n_layers` layers with `kv_dim` values per position for
    /// `max_len` positions, with the rotation table for those positions.
    pub(super) fn new(
        n_layers: usize,
        kv_dim: usize,
        max_len: usize,
        rope_table: &[f32],
    ) -> Result<GpuKvCache> {
        let op = "GpuKvCache::new";
        let words = kv_dim.checked_mul(max_len).ok_or_else(|| {
            Error::invalid(
                op,
                format!("{max_len} positions of {kv_dim} values overflow"),
            )
        })?;
        let layer = || GpuBuffer::uninit(words.max(1), op);
        Ok(GpuKvCache {
            keys: (0..n_layers).map(|_| layer()).collect::<Result<_>>()?,
            values: (0..n_layers).map(|_| layer()).collect::<Result<_>>()?,
            rope_table: GpuBuffer::from_f32(rope_table, op)?,
            len: 0,
            max_len,
        })
    }

    /// Positions cached so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no position is cached.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Most positions the cache holds.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Checks that `n` more positions fit.
    pub(super) fn check_room(&self, n: usize) -> Result<()> {
        if self.len + n > self.max_len {
            return Err(Error::invalid(
                "GpuKvCache",
                format!(
                    "{} cached + {n} new positions exceed the capacity {}",
                    self.len, self.max_len
                ),
            ));
        }
        Ok(())
    }

    /// Makes `n` written positions part of the cache.
    pub(super) fn commit(&mut self, n: usize) {
        self.len += n;
    }

    /// Forgets every position from `len` on.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Empties the cache.
    pub fn clear(&mut self) {
        self.len = 0;
    }
}
