//! Lazy execution: kernels record into one command encoder, submitted in batches or
//! when the host needs data.

use super::context::GpuContext;
use super::pool::PooledBuffer;
use crate::{Error, Result};
use std::sync::Mutex;
use wgpu::util::DeviceExt;

/// Recorded dispatches after which the batch is submitted without waiting for a read.
const BATCH: usize = 64;

/// Threads per workgroup of the elementwise kernels (must match `shaders/common.wgsl`).
pub const WORKGROUP: u32 = 256;

struct Batch {
    encoder: Option<wgpu::CommandEncoder>,
    recorded: usize,
}

static BATCH_STATE: Mutex<Batch> = Mutex::new(Batch {
    encoder: None,
    recorded: 0,
});

/// Runs `f` on the open encoder (creating one), then submits when the batch is full.
fn record(ctx: &GpuContext, f: impl FnOnce(&mut wgpu::CommandEncoder)) {
    let mut batch = BATCH_STATE.lock().unwrap_or_else(|p| p.into_inner());
    let encoder = batch.encoder.get_or_insert_with(|| {
        ctx.device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("born"),
            })
    });
    f(encoder);
    batch.recorded += 1;
    if batch.recorded >= BATCH {
        submit_locked(ctx, &mut batch);
    }
}

fn submit_locked(ctx: &GpuContext, batch: &mut Batch) {
    if let Some(encoder) = batch.encoder.take() {
        ctx.queue.submit([encoder.finish()]);
    }
    batch.recorded = 0;
}

/// Submits whatever is recorded.
pub fn flush(ctx: &GpuContext) {
    let mut batch = BATCH_STATE.lock().unwrap_or_else(|p| p.into_inner());
    submit_locked(ctx, &mut batch);
}

/// Workgroup counts covering `threads` threads of `WORKGROUP`, folded into two
/// dimensions when one exceeds the adapter's limit.
pub fn groups_for(ctx: &GpuContext, threads: usize, op: &'static str) -> Result<(u32, u32)> {
    let groups = threads.div_ceil(WORKGROUP as usize);
    let max = ctx.max_groups() as usize;
    if groups <= max {
        return Ok((groups as u32, 1));
    }
    let rows = groups.div_ceil(max);
    if rows > max {
        return Err(Error::invalid(
            op,
            format!("{threads} elements exceed what one gpu dispatch covers"),
        ));
    }
    Ok((max as u32, rows as u32))
}

/// Records one compute dispatch: binding 0 is `info` (u32 words), bindings 1.. are `buffers`.
pub fn dispatch(
    ctx: &GpuContext,
    pipeline: &wgpu::ComputePipeline,
    info: &[u32],
    buffers: &[&wgpu::Buffer],
    groups: (u32, u32, u32),
) {
    if groups.0 == 0 || groups.1 == 0 || groups.2 == 0 {
        return;
    }
    let info = ctx
        .device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("born kernel info"),
            contents: bytemuck::cast_slice(info),
            usage: wgpu::BufferUsages::STORAGE,
        });
    let mut entries = vec![wgpu::BindGroupEntry {
        binding: 0,
        resource: info.as_entire_binding(),
    }];
    for (i, b) in buffers.iter().enumerate() {
        entries.push(wgpu::BindGroupEntry {
            binding: i as u32 + 1,
            resource: b.as_entire_binding(),
        });
    }
    let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    });
    record(ctx, |encoder| {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(groups.0, groups.1, groups.2);
    });
}

/// Records a byte copy between buffers.
pub fn copy(ctx: &GpuContext, src: &wgpu::Buffer, dst: &wgpu::Buffer, bytes: u64) {
    if bytes == 0 {
        return;
    }
    record(ctx, |encoder| {
        encoder.copy_buffer_to_buffer(src, 0, dst, 0, bytes);
    });
}

/// Records a copy of `bytes` bytes from `src` at `src_offset` to `dst` at `dst_offset`.
pub fn copy_region(
    ctx: &GpuContext,
    (src, src_offset): (&wgpu::Buffer, u64),
    (dst, dst_offset): (&wgpu::Buffer, u64),
    bytes: u64,
) {
    if bytes == 0 {
        return;
    }
    record(ctx, |encoder| {
        encoder.copy_buffer_to_buffer(src, src_offset, dst, dst_offset, bytes);
    });
}

/// A pooled buffer holding `bytes` (padded to 4 bytes), copied in order with the batch.
pub fn upload(ctx: &GpuContext, bytes: &[u8], op: &'static str) -> Result<PooledBuffer> {
    let padded = bytes.len().div_ceil(4) * 4;
    let buffer = PooledBuffer::new(ctx, padded as u64, op)?;
    if padded == 0 {
        return Ok(buffer);
    }
    let mut data = bytes.to_vec();
    data.resize(padded, 0);
    // A staging buffer copied inside the encoder keeps the upload ordered after the
    // recorded kernels that may still read this (reused) buffer.
    let staging = ctx
        .device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("born upload"),
            contents: &data,
            usage: wgpu::BufferUsages::COPY_SRC,
        });
    copy(ctx, &staging, buffer.raw(), padded as u64);
    Ok(buffer)
}

/// Submits the batch and reads the first `bytes` bytes of `src` back to the host.
pub fn read(
    ctx: &GpuContext,
    src: &wgpu::Buffer,
    bytes: usize,
    op: &'static str,
) -> Result<Vec<u8>> {
    let padded = (bytes.div_ceil(4) * 4) as u64;
    if padded == 0 {
        return Ok(Vec::new());
    }
    let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("born readback"),
        size: padded,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    {
        let mut batch = BATCH_STATE.lock().unwrap_or_else(|p| p.into_inner());
        let encoder = batch.encoder.get_or_insert_with(|| {
            ctx.device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("born"),
                })
        });
        encoder.copy_buffer_to_buffer(src, 0, &staging, 0, padded);
        submit_locked(ctx, &mut batch);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    ctx.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| Error::msg(format!("gpu: {op}: waiting for the device failed: {e}")))?;
    ctx.take_error(op)?;
    rx.recv()
        .map_err(|_| Error::msg(format!("gpu: {op}: the read-back never completed")))?
        .map_err(|e| Error::msg(format!("gpu: {op}: mapping the read-back failed: {e}")))?;
    let view = staging
        .get_mapped_range(..)
        .map_err(|e| Error::msg(format!("gpu: {op}: reading the mapped buffer failed: {e}")))?;
    let mut out = view.to_vec();
    drop(view);
    staging.unmap();
    out.truncate(bytes);
    Ok(out)
}
