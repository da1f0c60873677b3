//! Reductions over dims, and softmax / log-softmax over the last dim.

use super::context::context;
use super::info;
use super::launch::{groups_per_row, run, run_groups, Kernel};
use super::shaders;
use super::storage::{not_on_gpu, GpuStorage};
use crate::backend::ReduceOp;
use crate::{DType, Layout, Result};

const REDUCE_ROWS: Kernel = Kernel {
    family: "reduce",
    source: shaders::REDUCE,
    entry: "reduce_rows",
};
const REDUCE_WIDE: Kernel = Kernel {
    family: "reduce",
    source: shaders::REDUCE,
    entry: "reduce_wide",
};
const SOFTMAX: Kernel = Kernel {
    family: "softmax",
    source: shaders::SOFTMAX,
    entry: "softmax_rows",
};

/// Reduces `dims` of an f32 view; the result keeps them with size 1.
pub fn reduce(src: &GpuStorage, l: &Layout, dims: &[usize], op: ReduceOp) -> Result<GpuStorage> {
    let name = op.name();
    if src.dtype() != DType::F32 {
        return Err(not_on_gpu(name, src.dtype()));
    }
    let ctx = context()?;
    let rank = l.dims().len();
    let kept: Vec<usize> = (0..rank).filter(|d| !dims.contains(d)).collect();
    let mut reduced: Vec<usize> = dims.to_vec();
    reduced.sort_unstable();
    let perm: Vec<usize> = kept.iter().chain(&reduced).copied().collect();
    let view = l.permute(&perm);
    let rows: usize = kept.iter().map(|&d| l.dims()[d]).product();
    let inner: usize = reduced.iter().map(|&d| l.dims()[d]).product();
    let arg = matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin);
    let out_dtype = if arg { DType::I64 } else { DType::F32 };
    let out = GpuStorage::alloc(ctx, rows, out_dtype, name)?;
    let code = match op {
        ReduceOp::Sum => 0,
        ReduceOp::Prod => 1,
        ReduceOp::Max => 2,
        ReduceOp::Min => 3,
        ReduceOp::ArgMax => 4,
        ReduceOp::ArgMin => 5,
    };
    let params = [info::word(inner, name)?, 0, 0, 0, 0];
    let mut info = info::strided(
        name,
        view.dims(),
        code,
        params,
        &[src.word_view(&view, name)?],
    )?;
    // The kernels count rows, not elements.
    info[0] = info::word(rows, name)?;
    let buffers = [out.raw(), src.raw()];
    if inner >= 512 || (inner >= 64 && rows < 2048) {
        let groups = groups_per_row(ctx, rows, name)?;
        run_groups(ctx, REDUCE_WIDE, &info, &buffers, groups, name)?;
    } else {
        run(ctx, REDUCE_ROWS, &info, &buffers, rows, name)?;
    }
    Ok(out)
}

/// Softmax (or log-softmax) over the last dim of an f32 view.
pub fn softmax_last_dim(src: &GpuStorage, l: &Layout, log: bool) -> Result<GpuStorage> {
    let name = if log { "log_softmax" } else { "softmax" };
    if src.dtype() != DType::F32 {
        return Err(not_on_gpu(name, src.dtype()));
    }
    let ctx = context()?;
    let n = l.shape().elem_count();
    let cols = l.dims().last().copied().unwrap_or(1);
    let rows = n.checked_div(cols).unwrap_or(0);
    let out = GpuStorage::alloc(ctx, n, DType::F32, name)?;
    if rows == 0 {
        return Ok(out);
    }
    let params = [u32::from(log), info::word(cols, name)?, 0, 0, 0];
    let mut info = info::strided(name, l.dims(), 0, params, &[src.word_view(l, name)?])?;
    info[0] = info::word(rows, name)?;
    let groups = groups_per_row(ctx, rows, name)?;
    run_groups(ctx, SOFTMAX, &info, &[out.raw(), src.raw()], groups, name)?;
    Ok(out)
}
