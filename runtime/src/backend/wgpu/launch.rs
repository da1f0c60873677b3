//! Records one kernel over a 1-D range of threads and surfaces device errors.

use super::context::GpuContext;
use super::recorder;
use crate::Result;

/// A kernel entry point in a shader family.
#[derive(Debug, Clone, Copy)]
pub struct Kernel {
    /// The family's name (cache key and label).
    pub family: &'static str,
    /// The family's WGSL source.
    pub source: &'static str,
    /// The entry point.
    pub entry: &'static str,
}

/// Records `kernel` with `threads` threads of `recorder::WORKGROUP` (one per element).
pub fn run(
    ctx: &GpuContext,
    kernel: Kernel,
    info: &[u32],
    buffers: &[&wgpu::Buffer],
    threads: usize,
    op: &'static str,
) -> Result<()> {
    if threads == 0 {
        return Ok(());
    }
    let (x, y) = recorder::groups_for(ctx, threads, op)?;
    run_groups(ctx, kernel, info, buffers, (x, y, 1), op)
}

/// Records `kernel` over the given workgroup counts.
pub fn run_groups(
    ctx: &GpuContext,
    kernel: Kernel,
    info: &[u32],
    buffers: &[&wgpu::Buffer],
    groups: (u32, u32, u32),
    op: &'static str,
) -> Result<()> {
    let pipeline = ctx.pipeline(kernel.family, kernel.source, kernel.entry)?;
    recorder::dispatch(ctx, &pipeline, info, buffers, groups);
    ctx.take_error(op)
}

/// Workgroups for one workgroup per row, folded into two dimensions when needed.
pub fn groups_per_row(ctx: &GpuContext, rows: usize, op: &'static str) -> Result<(u32, u32, u32)> {
    let (x, y) = recorder::groups_for(ctx, rows * recorder::WORKGROUP as usize, op)?;
    Ok((x, y, 1))
}
