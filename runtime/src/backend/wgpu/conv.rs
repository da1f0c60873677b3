//! Sliding windows: im2col and col2im (the unfold behind conv2d and average pooling, and
//! its adjoint), and max pooling with its adjoint.

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

const MAX_POOL: Kernel = Kernel {
    family: "pool",
    source: shaders::POOL,
    entry: "max_pool2d",
};
const MAX_POOL_BACKWARD: Kernel = Kernel {
    family: "pool",
    source: shaders::POOL,
    entry: "max_pool2d_backward",
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

/// Unfolds the windows of an `[n, c, h, w]` f32 view into `[n, c*kh*kw, oh*ow]`.
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

/// Sums `[n, c*kh*kw, oh*ow]` f32 columns back into `[n, c, h, w]`.
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

/// Maxima of the windows of an `[n, c, h, w]` f32 view, `[n, c, oh, ow]`, and the u32
/// position `y * w + x` of each in its plane.
pub fn max_pool2d(
    src: &GpuStorage,
    l: &Layout,
    win: &Window2d,
) -> Result<(GpuStorage, GpuStorage)> {
    let op = "max_pool2d";
    if src.dtype() != DType::F32 {
        return Err(not_on_gpu(op, src.dtype()));
    }
    let ctx = context()?;
    let copy = contiguous(src, l)?;
    let src = copy.as_ref().unwrap_or(src);
    let (oh, ow) = win.out_hw();
    let n = win.n * win.c * oh * ow;
    let values = GpuStorage::alloc(ctx, n, DType::F32, op)?;
    let argmax = GpuStorage::alloc(ctx, n, DType::U32, op)?;
    let info = window_info(n, win, op)?;
    run(
        ctx,
        MAX_POOL,
        &info,
        &[values.raw(), argmax.raw(), src.raw()],
        n,
        op,
    )?;
    Ok((values, argmax))
}

/// Adds the `[n, c, oh, ow]` f32 gradient view at the positions `argmax` names.
pub fn max_pool2d_backward(
    grad: &GpuStorage,
    l: &Layout,
    argmax: &GpuStorage,
    al: &Layout,
    win: &Window2d,
) -> Result<GpuStorage> {
    let op = "max_pool2d_backward";
    if grad.dtype() != DType::F32 {
        return Err(not_on_gpu(op, grad.dtype()));
    }
    if argmax.dtype() != DType::U32 {
        return Err(crate::Error::invalid(
            op,
            format!("argmax must be u32, got {}", argmax.dtype()),
        ));
    }
    let ctx = context()?;
    let grad_copy = contiguous(grad, l)?;
    let grad = grad_copy.as_ref().unwrap_or(grad);
    let argmax_copy = contiguous(argmax, al)?;
    let argmax = argmax_copy.as_ref().unwrap_or(argmax);
    let n = win.n * win.c * win.h * win.w;
    let out = GpuStorage::alloc(ctx, n, DType::F32, op)?;
    let info = window_info(n, win, op)?;
    run(
        ctx,
        MAX_POOL_BACKWARD,
        &info,
        &[out.raw(), argmax.raw(), grad.raw()],
        n,
        op,
    )?;
    Ok(out)
}
