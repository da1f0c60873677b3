//! Strided copy, dtype conversion, unary, binary, comparison and select kernels.

use super::context::context;
use super::info::{self, WordView};
use super::launch::{run, Kernel};
use super::shaders;
use super::storage::{not_on_gpu, word_view, words_per_elem, GpuStorage};
use crate::backend::{BinaryOp, CmpOp, UnaryOp};
use crate::{DType, Layout, Result};

const COPY: Kernel = Kernel {
    family: "copy",
    source: shaders::COPY,
    entry: "copy_strided",
};
const CONVERT: Kernel = Kernel {
    family: "copy",
    source: shaders::COPY,
    entry: "convert",
};
const UNARY: Kernel = Kernel {
    family: "unary",
    source: shaders::UNARY,
    entry: "unary",
};
const BINARY: Kernel = Kernel {
    family: "binary",
    source: shaders::BINARY,
    entry: "binary",
};
const COMPARE: Kernel = Kernel {
    family: "binary",
    source: shaders::BINARY,
    entry: "compare",
};
const WHERE: Kernel = Kernel {
    family: "select",
    source: shaders::SELECT,
    entry: "where_cond",
};

/// Copies the view `sl` of `src` into the view `dl` of `dst` (same shape and dtype).
pub fn copy_into(
    dst: &GpuStorage,
    dl: &Layout,
    src: &GpuStorage,
    sl: &Layout,
    op: &'static str,
) -> Result<()> {
    let ctx = context()?;
    let words = words_per_elem(src.dtype(), op)?;
    let mut shape = sl.dims().to_vec();
    let mut d = word_view(dl, words)?;
    let mut s = word_view(sl, words)?;
    if words > 1 {
        // Multi-word elements copy as a trailing dimension of words.
        shape.push(words);
        d.strides.push(1);
        s.strides.push(1);
    }
    let info = info::strided(op, &shape, 0, [0; 5], &[d, s])?;
    let n = shape.iter().product();
    run(ctx, COPY, &info, &[dst.raw(), src.raw()], n, op)
}

/// Contiguous copy of a view.
pub fn copy_strided(src: &GpuStorage, l: &Layout) -> Result<GpuStorage> {
    let ctx = context()?;
    let out = GpuStorage::alloc(ctx, l.shape().elem_count(), src.dtype(), "copy_strided")?;
    copy_into(&out, &Layout::contiguous(l.shape()), src, l, "copy_strided")?;
    Ok(out)
}

fn kind(dtype: DType) -> Option<u32> {
    match dtype {
        DType::F32 => Some(0),
        DType::U32 => Some(1),
        DType::I64 => Some(2),
        DType::Bool => Some(3),
        DType::U8 => Some(4),
        _ => None,
    }
}

/// Contiguous copy of a view converted to `dtype`.
pub fn to_dtype(src: &GpuStorage, l: &Layout, dtype: DType) -> Result<GpuStorage> {
    let op = "to_dtype";
    if dtype == src.dtype() {
        return copy_strided(src, l);
    }
    let (Some(from), Some(to)) = (kind(src.dtype()), kind(dtype)) else {
        let bad = if kind(dtype).is_none() {
            dtype
        } else {
            src.dtype()
        };
        return Err(super::storage::unsupported(op, bad));
    };
    let ctx = context()?;
    let n = l.shape().elem_count();
    let out = GpuStorage::alloc(ctx, n, dtype, op)?;
    let view = src.word_view(l, op)?;
    let info = info::strided(op, l.dims(), 0, [from, to, 0, 0, 0], &[view])?;
    run(ctx, CONVERT, &info, &[out.raw(), src.raw()], n, op)?;
    Ok(out)
}

fn unary_code(op: UnaryOp) -> (u32, [u32; 5]) {
    let p = |a: f64, b: f64| [info::f(a), info::f(b), 0, 0, 0];
    match op {
        UnaryOp::Neg => (0, [0; 5]),
        UnaryOp::Abs => (1, [0; 5]),
        UnaryOp::Exp => (2, [0; 5]),
        UnaryOp::Log => (3, [0; 5]),
        UnaryOp::Sqrt => (4, [0; 5]),
        UnaryOp::Rsqrt => (5, [0; 5]),
        UnaryOp::Sin => (6, [0; 5]),
        UnaryOp::Cos => (7, [0; 5]),
        UnaryOp::Tanh => (8, [0; 5]),
        UnaryOp::Sigmoid => (9, [0; 5]),
        UnaryOp::Relu => (10, [0; 5]),
        UnaryOp::Gelu => (11, [0; 5]),
        UnaryOp::GeluTanh => (12, [0; 5]),
        UnaryOp::Silu => (13, [0; 5]),
        UnaryOp::Softplus => (14, [0; 5]),
        UnaryOp::Recip => (15, [0; 5]),
        UnaryOp::Sqr => (16, [0; 5]),
        UnaryOp::Sign => (17, [0; 5]),
        UnaryOp::Affine { mul, add } => (18, p(mul, add)),
        UnaryOp::Powf(e) => (19, p(e, 0.0)),
        UnaryOp::Clamp { min, max } => (20, p(min, max)),
        UnaryOp::MaxScalar(s) => (21, p(s, 0.0)),
        UnaryOp::MinScalar(s) => (22, p(s, 0.0)),
    }
}

/// An f32 elementwise function of one view.
pub fn unary(src: &GpuStorage, l: &Layout, op: UnaryOp) -> Result<GpuStorage> {
    let name = op.name();
    if src.dtype() != DType::F32 {
        return Err(not_on_gpu(name, src.dtype()));
    }
    let ctx = context()?;
    let n = l.shape().elem_count();
    let out = GpuStorage::alloc(ctx, n, DType::F32, name)?;
    let (code, params) = unary_code(op);
    let info = info::strided(name, l.dims(), code, params, &[src.word_view(l, name)?])?;
    run(ctx, UNARY, &info, &[out.raw(), src.raw()], n, name)?;
    Ok(out)
}

/// An f32 elementwise function of two same-shape views.
pub fn binary(
    a: &GpuStorage,
    al: &Layout,
    b: &GpuStorage,
    bl: &Layout,
    op: BinaryOp,
) -> Result<GpuStorage> {
    let name = op.name();
    if a.dtype() != DType::F32 {
        return Err(not_on_gpu(name, a.dtype()));
    }
    let ctx = context()?;
    let n = al.shape().elem_count();
    let out = GpuStorage::alloc(ctx, n, DType::F32, name)?;
    let code = match op {
        BinaryOp::Add => 0,
        BinaryOp::Sub => 1,
        BinaryOp::Mul => 2,
        BinaryOp::Div => 3,
        BinaryOp::Pow => 4,
        BinaryOp::Maximum => 5,
        BinaryOp::Minimum => 6,
    };
    let views = [a.word_view(al, name)?, b.word_view(bl, name)?];
    let info = info::strided(name, al.dims(), code, [0; 5], &views)?;
    run(ctx, BINARY, &info, &[out.raw(), a.raw(), b.raw()], n, name)?;
    Ok(out)
}

/// Elementwise comparison of two same-shape views, giving bools.
pub fn cmp(
    a: &GpuStorage,
    al: &Layout,
    b: &GpuStorage,
    bl: &Layout,
    op: CmpOp,
) -> Result<GpuStorage> {
    let name = op.name();
    let elem_kind = match a.dtype() {
        DType::F32 => 0,
        DType::U32 | DType::U8 | DType::Bool => 1,
        DType::I64 => 2,
        other => return Err(not_on_gpu(name, other)),
    };
    let ctx = context()?;
    let n = al.shape().elem_count();
    let out = GpuStorage::alloc(ctx, n, DType::Bool, name)?;
    let code = match op {
        CmpOp::Eq => 0,
        CmpOp::Ne => 1,
        CmpOp::Lt => 2,
        CmpOp::Le => 3,
        CmpOp::Gt => 4,
        CmpOp::Ge => 5,
    };
    let views = [a.word_view(al, name)?, b.word_view(bl, name)?];
    let info = info::strided(name, al.dims(), code, [elem_kind, 0, 0, 0, 0], &views)?;
    run(ctx, COMPARE, &info, &[out.raw(), a.raw(), b.raw()], n, name)?;
    Ok(out)
}

/// `on_true` where `cond` is set, else `on_false`; one-word dtypes.
pub fn where_cond(
    cond: (&GpuStorage, &Layout),
    on_true: (&GpuStorage, &Layout),
    on_false: (&GpuStorage, &Layout),
) -> Result<GpuStorage> {
    let name = "where_cond";
    let dtype = on_true.0.dtype();
    if words_per_elem(dtype, name)? != 1 {
        return Err(not_on_gpu(name, dtype));
    }
    let ctx = context()?;
    let l = cond.1;
    let n = l.shape().elem_count();
    let out = GpuStorage::alloc(ctx, n, dtype, name)?;
    let views: [WordView; 3] = [
        cond.0.word_view(cond.1, name)?,
        on_true.0.word_view(on_true.1, name)?,
        on_false.0.word_view(on_false.1, name)?,
    ];
    let info = info::strided(name, l.dims(), 0, [0; 5], &views)?;
    let buffers = [out.raw(), cond.0.raw(), on_true.0.raw(), on_false.0.raw()];
    run(ctx, WHERE, &info, &buffers, n, name)?;
    Ok(out)
}

/// A contiguous copy of the view, or `None` when the storage already is that view.
pub fn contiguous(src: &GpuStorage, l: &Layout) -> Result<Option<GpuStorage>> {
    if l.is_contiguous() && l.offset() == 0 {
        return Ok(None);
    }
    copy_strided(src, l).map(Some)
}
