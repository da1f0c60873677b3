//! im2col and col2im: the sliding-window unfold behind conv2d and pooling, and its adjoint.

use super::context::context;
use super::elementwise::contiguous;
use super::info::{self, word};
use super::launch::{run, Kernel};
use super::shaders;
use super::storage::{not_on_gpu, GpuStorage};
use crate::backend::Window2d;
use crate::{DType, Layout, Result};

const IM2COL: Kernel = Kernel {
    family: "conv",
    source: shaders::CONV,
    entry: "im2col",
};
const COL2IM: Kernel = Kernel {
    family: "conv",
    source: shaders::CONV,
    entry: "col2im",
};

fn window_info(count: usize, win: &Window2d, op: &'static str) -> Result<Vec<u32>> {
    let (oh, ow) = win.out_hw();
    let sizes = [
        count,
        win.n,
        win.c,
        win.h,
        win.w,
        win.kernel.0,
        win.kernel.1,
        win.stride.0,
        win.stride.1,
        win.padding.0,
        win.padding.1,
        win.dilation.0,
        win.dilation.1,
        oh,
        ow,
    ];
    let mut out = sizes
        .iter()
        .map(|&v| word(v, op))
        .collect::<Result<Vec<u32>>>()?;
    out.push(info::f(win.pad_value));
    Ok(out)
}

/// Unfolds the windows of an `[n, c, h, w]` f32 view into `[n, oh*ow, c*kh*kw]`.
pub fn im2col(src: &GpuStorage, l: &Layout, win: &Window2d) -> Result<GpuStorage> {
    let op = "im2col";
    if src.dtype() != DType::F32 {
        return Err(not_on_gpu(op, src.dtype()));
    }
    let ctx = context()?;
    let copy = contiguous(src, l)?;
    let src = copy.as_ref().unwrap_or(src);
    let (oh, ow) = win.out_hw();
    let n = win.n * oh * ow * win.c * win.kernel.0 * win.kernel.1;
    let out = GpuStorage::alloc(ctx, n, DType::F32, op)?;
    let info = window_info(n, win, op)?;
    run(ctx, IM2COL, &info, &[out.raw(), src.raw()], n, op)?;
    Ok(out)
}

/// Sums `[n, oh*ow, c*kh*kw]` f32 columns back into `[n, c, h, w]`.
pub fn col2im(src: &GpuStorage, l: &Layout, win: &Window2d) -> Result<GpuStorage> {
    let op = "col2im";
    if src.dtype() != DType::F32 {
        return Err(not_on_gpu(op, src.dtype()));
    }
    let ctx = context()?;
    let copy = contiguous(src, l)?;
    let src = copy.as_ref().unwrap_or(src);
    let n = win.n * win.c * win.h * win.w;
    let out = GpuStorage::alloc(ctx, n, DType::F32, op)?;
    let info = window_info(n, win, op)?;
    run(ctx, COL2IM, &info, &[out.raw(), src.raw()], n, op)?;
    Ok(out)
}
