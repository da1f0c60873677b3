//! index_select, gather and scatter_add (indices checked on the host), cat and assign.

use super::context::context;
use super::elementwise::{contiguous, copy_into, copy_strided};
use super::info::{self, word};
use super::launch::{run, Kernel};
use super::shaders;
use super::storage::{not_on_gpu, words_per_elem, GpuStorage};
use crate::backend::BackendStorage;
use crate::{DType, Error, Layout, Result};

const INDEX_SELECT: Kernel = Kernel {
    family: "index",
    source: shaders::INDEX,
    entry: "index_select",
};
const GATHER: Kernel = Kernel {
    family: "index",
    source: shaders::INDEX,
    entry: "gather",
};
const SCATTER_ADD: Kernel = Kernel {
    family: "scatter",
    source: shaders::SCATTER,
    entry: "scatter_add",
};

/// The indices of a view, checked against `size`, uploaded as contiguous u32.
/// Reading them back is what lets an out-of-range index be an error, not a wrong value.
fn checked_ids(
    ids: &GpuStorage,
    il: &Layout,
    dim: usize,
    size: usize,
    op: &'static str,
) -> Result<GpuStorage> {
    let host = copy_strided(ids, il)?.to_host()?;
    let values: Vec<i64> = match host {
        crate::backend::cpu::CpuStorage::I64(v) => v,
        crate::backend::cpu::CpuStorage::U32(v) => v.into_iter().map(i64::from).collect(),
        crate::backend::cpu::CpuStorage::U8(v) => v.into_iter().map(i64::from).collect(),
        other => {
            return Err(Error::invalid(
                op,
                format!(
                    "indices must be int64, uint32 or uint8, got {}",
                    other.dtype()
                ),
            ))
        }
    };
    let mut words = Vec::with_capacity(values.len());
    for v in values {
        if v < 0 || v as u64 >= size as u64 {
            return Err(Error::IndexOutOfRange {
                op,
                index: v,
                dim,
                size,
            });
        }
        words.push(v as u32);
    }
    GpuStorage::from_cpu(&crate::backend::cpu::CpuStorage::U32(words))
}

fn one_word(s: &GpuStorage, op: &'static str) -> Result<()> {
    if words_per_elem(s.dtype(), op)? != 1 {
        return Err(not_on_gpu(op, s.dtype()));
    }
    Ok(())
}

/// Entries of `dim` of a view picked by a 1-D index view.
pub fn index_select(
    src: &GpuStorage,
    l: &Layout,
    ids: &GpuStorage,
    il: &Layout,
    dim: usize,
) -> Result<GpuStorage> {
    let op = "index_select";
    one_word(src, op)?;
    let ctx = context()?;
    let size = l.dims()[dim];
    let ids = checked_ids(ids, il, dim, size, op)?;
    let n_ids = ids.len();
    let copy = contiguous(src, l)?;
    let src = copy.as_ref().unwrap_or(src);
    let inner: usize = l.dims()[dim + 1..].iter().product();
    let outer: usize = l.dims()[..dim].iter().product();
    let n = outer * n_ids * inner;
    let out = GpuStorage::alloc(ctx, n, src.dtype(), op)?;
    if n == 0 {
        return Ok(out);
    }
    let params = [word(n_ids, op)?, word(size, op)?, word(inner, op)?, 0, 0];
    let mut info = info::strided(op, &[], 0, params, &[])?;
    info[0] = word(n, op)?;
    run(
        ctx,
        INDEX_SELECT,
        &info,
        &[out.raw(), src.raw(), ids.raw()],
        n,
        op,
    )?;
    Ok(out)
}

/// `out[..i..] = src[..ids[..i..]..]` along `dim`.
pub fn gather(
    src: &GpuStorage,
    l: &Layout,
    ids: &GpuStorage,
    il: &Layout,
    dim: usize,
) -> Result<GpuStorage> {
    let op = "gather";
    one_word(src, op)?;
    let ctx = context()?;
    let ids = checked_ids(ids, il, dim, l.dims()[dim], op)?;
    let copy = contiguous(src, l)?;
    let src = copy.as_ref().unwrap_or(src);
    let n = il.shape().elem_count();
    let out = GpuStorage::alloc(ctx, n, src.dtype(), op)?;
    let mut info = info::strided(op, il.dims(), word(dim, op)?, [0; 5], &[])?;
    for &d in l.dims() {
        info.push(word(d, op)?);
    }
    run(
        ctx,
        GATHER,
        &info,
        &[out.raw(), src.raw(), ids.raw()],
        n,
        op,
    )?;
    Ok(out)
}

/// Copy of a view with `src` added at positions `ids` along `dim` (f32).
pub fn scatter_add(
    base: (&GpuStorage, &Layout),
    ids: (&GpuStorage, &Layout),
    src: (&GpuStorage, &Layout),
    dim: usize,
) -> Result<GpuStorage> {
    let op = "scatter_add";
    if base.0.dtype() != DType::F32 {
        return Err(not_on_gpu(op, base.0.dtype()));
    }
    let ctx = context()?;
    let (l, il) = (base.1, ids.1);
    let id_words = checked_ids(ids.0, il, dim, l.dims()[dim], op)?;
    // The part of src the ids address, contiguous in the ids' shape.
    let mut sl = src.1.clone();
    for (d, &len) in il.dims().iter().enumerate() {
        sl = sl.narrow(d, 0, len)?;
    }
    let src_copy = contiguous(src.0, &sl)?;
    let src = src_copy.as_ref().unwrap_or(src.0);
    let base_copy = contiguous(base.0, l)?;
    let base = base_copy.as_ref().unwrap_or(base.0);
    let n = l.shape().elem_count();
    let out = GpuStorage::alloc(ctx, n, DType::F32, op)?;
    let mut info = info::strided(op, l.dims(), word(dim, op)?, [0; 5], &[])?;
    for &d in il.dims() {
        info.push(word(d, op)?);
    }
    let buffers = [out.raw(), base.raw(), id_words.raw(), src.raw()];
    run(ctx, SCATTER_ADD, &info, &buffers, n, op)?;
    Ok(out)
}

/// Concatenation along `dim` of views agreeing on every other dim.
pub fn cat(parts: &[(&GpuStorage, &Layout)], dim: usize) -> Result<GpuStorage> {
    let op = "cat";
    let ctx = context()?;
    let Some(&(first, fl)) = parts.first() else {
        return Err(Error::invalid(op, "no tensors to concatenate"));
    };
    let mut dims = fl.dims().to_vec();
    dims[dim] = parts.iter().map(|(_, l)| l.dims()[dim]).sum();
    let out_layout = Layout::contiguous(dims.clone());
    let out = GpuStorage::alloc(ctx, dims.iter().product(), first.dtype(), op)?;
    let mut start = 0;
    for &(s, l) in parts {
        if s.dtype() != first.dtype() {
            return Err(Error::DTypeMismatch {
                op,
                lhs: first.dtype(),
                rhs: s.dtype(),
            });
        }
        let len = l.dims()[dim];
        let target = out_layout.narrow(dim, start, len)?;
        copy_into(&out, &target, s, l, op)?;
        start += len;
    }
    Ok(out)
}
