//! Batched f32 matrix product with the tiled, register-blocked kernels (64x64 output
//! tiles, or 128x128 ones for large outputs).

use super::context::context;
use super::elementwise::copy_strided;
use super::info::word;
use super::launch::{run_groups, Kernel};
use super::shaders;
use super::storage::{not_on_gpu, GpuStorage};
use crate::backend::MatmulDims;
use crate::{DType, Error, Layout, Result};

const MATMUL: Kernel = Kernel {
    family: "matmul",
    source: shaders::MATMUL,
    entry: "matmul",
};

const MATMUL_BIG: Kernel = Kernel {
    family: "matmul_big",
    source: shaders::MATMUL_BIG,
    entry: "matmul_big",
};

/// Output rows and columns per workgroup (must match `shaders/matmul.wgsl`).
const TILE: usize = 64;

/// Output rows and columns per workgroup of the large-output kernel
/// (`shaders/matmul_big.wgsl`).
const BIG_TILE: usize = 128;

/// Fewest 128x128 tiles for which the large-output kernel is used: below it the 64x64
/// kernel keeps more workgroups in flight.
const BIG_MIN_TILES: usize = 256;

/// The single stride stepping through a view's batch dims in row-major order, if one exists.
fn batch_stride(l: &Layout) -> Option<usize> {
    let r = l.dims().len();
    let live: Vec<(usize, usize)> = l.dims()[..r - 2]
        .iter()
        .zip(&l.strides()[..r - 2])
        .filter(|(&d, _)| d > 1)
        .map(|(&d, &s)| (d, s))
        .collect();
    let Some(&(_, last)) = live.last() else {
        return Some(0);
    };
    live.windows(2)
        .all(|w| w[0].1 == w[1].1 * w[1].0)
        .then_some(last)
}

/// Offset, batch, row and column strides of an operand, copying it when its batch dims
/// do not collapse to one stride.
fn operand(s: &GpuStorage, l: &Layout) -> Result<(Option<GpuStorage>, [u32; 4])> {
    let op = "matmul";
    let r = l.dims().len();
    let strides = |l: &Layout, bs: usize| -> Result<[u32; 4]> {
        Ok([
            word(l.offset(), op)?,
            word(bs, op)?,
            word(l.strides()[r - 2], op)?,
            word(l.strides()[r - 1], op)?,
        ])
    };
    match batch_stride(l) {
        Some(bs) => Ok((None, strides(l, bs)?)),
        None => {
            let copy = copy_strided(s, l)?;
            let c = Layout::contiguous(l.shape());
            let bs = l.dims()[r - 2] * l.dims()[r - 1];
            Ok((Some(copy), strides(&c, bs)?))
        }
    }
}

/// `dims.batch` products of `[m, k]` and `[k, n]` f32 views into a contiguous result.
pub fn matmul(
    a: &GpuStorage,
    al: &Layout,
    b: &GpuStorage,
    bl: &Layout,
    dims: MatmulDims,
) -> Result<GpuStorage> {
    let op = "matmul";
    if a.dtype() != DType::F32 {
        return Err(not_on_gpu(op, a.dtype()));
    }
    let ctx = context()?;
    let out = GpuStorage::alloc(ctx, dims.batch * dims.m * dims.n, DType::F32, op)?;
    if dims.batch == 0 || dims.m == 0 || dims.n == 0 {
        return Ok(out);
    }
    let (a_copy, a_info) = operand(a, al)?;
    let (b_copy, b_info) = operand(b, bl)?;
    let a_buf = a_copy.as_ref().unwrap_or(a);
    let b_buf = b_copy.as_ref().unwrap_or(b);
    let mut info = vec![word(dims.m, op)?, word(dims.n, op)?, word(dims.k, op)?];
    info.extend(a_info);
    info.extend(b_info);
    let max = ctx.max_groups() as usize;
    let big_tiles = dims.n.div_ceil(BIG_TILE) * dims.m.div_ceil(BIG_TILE) * dims.batch;
    let (kernel, tile) = if big_tiles >= BIG_MIN_TILES {
        (MATMUL_BIG, BIG_TILE)
    } else {
        (MATMUL, TILE)
    };
    let groups = (dims.n.div_ceil(tile), dims.m.div_ceil(tile), dims.batch);
    if groups.0 > max || groups.1 > max || groups.2 > max {
        return Err(Error::invalid(
            op,
            format!(
                "{} products of {}x{} by {}x{} exceed one gpu dispatch",
                dims.batch, dims.m, dims.k, dims.k, dims.n
            ),
        ));
    }
    let buffers = [out.raw(), a_buf.raw(), b_buf.raw()];
    let groups = (groups.0 as u32, groups.1 as u32, groups.2 as u32);
    run_groups(ctx, kernel, &info, &buffers, groups, op)?;
    Ok(out)
}
