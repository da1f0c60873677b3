//! Reuse of GPU buffers: sizes rounded to classes, dropped buffers kept for the next
//! allocation of their class, so a training loop's memory stays flat.

use super::context::GpuContext;
use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::Mutex;

/// At most this many bytes sit unused in the pool; beyond it dropped buffers are freed.
const MAX_POOLED_BYTES: u64 = 1 << 30;

/// Byte counts of the buffer pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GpuMemory {
    /// Bytes held by live tensors.
    pub in_use: u64,
    /// Bytes kept for reuse.
    pub pooled: u64,
    /// Buffers created since the process started.
    pub created: u64,
    /// The most bytes held by live tensors at once since the last [`reset_peak`].
    pub peak_in_use: u64,
}

#[derive(Default)]
struct Pool {
    free: HashMap<u64, Vec<wgpu::Buffer>>,
    stats: GpuMemory,
}

static POOL: Mutex<Option<Pool>> = Mutex::new(None);

fn with_pool<R>(f: impl FnOnce(&mut Pool) -> R) -> R {
    let mut guard = POOL.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.get_or_insert_with(Pool::default))
}

/// The pool's current byte counts.
pub fn memory() -> GpuMemory {
    with_pool(|p| p.stats)
}

/// Restarts the `peak_in_use` count from the bytes in use now.
pub fn reset_peak() {
    with_pool(|p| p.stats.peak_in_use = p.stats.in_use);
}

/// The allocation size for a request: powers of two up to 1 MiB, then steps of an
/// eighth of the next power of two (at most 12.5% waste).
fn size_class(bytes: u64) -> u64 {
    let bytes = bytes.max(16);
    let pow = bytes.next_power_of_two();
    if pow <= 1 << 20 {
        return pow;
    }
    let step = pow / 8;
    bytes.div_ceil(step) * step
}

/// A storage buffer from the pool; going back to it on drop.
#[derive(Debug)]
pub struct PooledBuffer {
    buffer: Option<wgpu::Buffer>,
    class: u64,
}

impl PooledBuffer {
    /// A buffer of at least `bytes` bytes (contents undefined), for `op`'s error message.
    pub fn new(ctx: &GpuContext, bytes: u64, op: &'static str) -> Result<Self> {
        let class = size_class(bytes);
        if bytes > ctx.max_binding_bytes() {
            return Err(Error::invalid(
                op,
                format!(
                    "a gpu buffer of {bytes} bytes exceeds the adapter's limit of {} bytes per \
                     binding; split the tensor or use the cpu",
                    ctx.max_binding_bytes()
                ),
            ));
        }
        let reused = with_pool(|p| {
            let b = p.free.get_mut(&class).and_then(Vec::pop);
            if b.is_some() {
                p.stats.pooled -= class;
            }
            p.stats.in_use += class;
            p.stats.peak_in_use = p.stats.peak_in_use.max(p.stats.in_use);
            b
        });
        let buffer = reused.unwrap_or_else(|| {
            with_pool(|p| p.stats.created += 1);
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("born tensor"),
                size: class.min(ctx.max_binding_bytes().max(16)),
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        Ok(PooledBuffer {
            buffer: Some(buffer),
            class,
        })
    }

    /// The wgpu buffer.
    pub fn raw(&self) -> &wgpu::Buffer {
        self.buffer.as_ref().expect("buffer is present until drop")
    }
}

impl Drop for PooledBuffer {
    fn drop(&mut self) {
        let Some(buffer) = self.buffer.take() else {
            return;
        };
        let class = self.class;
        with_pool(|p| {
            p.stats.in_use -= class;
            if p.stats.pooled + class <= MAX_POOLED_BYTES {
                p.stats.pooled += class;
                p.free.entry(class).or_default().push(buffer);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::size_class;

    #[test]
    fn classes_round_up_with_bounded_waste() {
        assert_eq!(size_class(1), 16);
        assert_eq!(size_class(100), 128);
        assert_eq!(size_class(1 << 20), 1 << 20);
        assert_eq!(size_class((1 << 20) + 1), (1 << 20) + (1 << 18));
        for b in [3_000_000u64, 123_456_789] {
            let c = size_class(b);
            assert!(c >= b && (c - b) * 8 <= c, "{b} -> {c}");
        }
    }
}
