//! Index-driven kernels: index_select, gather, scatter_add, cat and strided assignment.

use super::map::copy_view;
use crate::{Error, Layout, Result, Shape};

/// Checks every index against `size`, returning them as `usize`.
pub fn checked_indices(
    ids: &[i64],
    size: usize,
    dim: usize,
    op: &'static str,
) -> Result<Vec<usize>> {
    ids.iter()
        .map(|&i| {
            if i < 0 || i as u64 >= size as u64 {
                Err(Error::IndexOutOfRange {
                    op,
                    index: i,
                    dim,
                    size,
                })
            } else {
                Ok(i as usize)
            }
        })
        .collect()
}

/// Sizes before, at and after `dim`.
fn split_at_dim(dims: &[usize], dim: usize) -> (usize, usize, usize) {
    let pre = dims[..dim].iter().product();
    let post = dims[dim + 1..].iter().product();
    (pre, dims[dim], post)
}

/// Rows of `dim` picked by `ids` (already bounds-checked).
pub fn index_select<T: Copy + Send + Sync + Default>(
    src: &[T],
    l: &Layout,
    ids: &[usize],
    dim: usize,
) -> Vec<T> {
    let data = copy_view(src, l);
    let (pre, size, post) = split_at_dim(l.dims(), dim);
    let mut out = Vec::with_capacity(pre * ids.len() * post);
    for p in 0..pre {
        for &i in ids {
            let start = (p * size + i) * post;
            out.extend_from_slice(&data[start..start + post]);
        }
    }
    out
}

/// Maps each position of an index tensor of shape `ishape` to its storage position in a
/// contiguous tensor of shape `tshape`, with coordinate `dim` replaced by the index.
fn retarget(ishape: &[usize], tshape: &[usize], ids: &[usize], dim: usize) -> Vec<usize> {
    let tstrides = Shape::from(tshape).contiguous_strides();
    let mut coords = vec![0usize; ishape.len()];
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let mut pos = 0;
        for (d, (&c, &s)) in coords.iter().zip(&tstrides).enumerate() {
            pos += if d == dim { id } else { c } * s;
        }
        out.push(pos);
        for d in (0..coords.len()).rev() {
            coords[d] += 1;
            if coords[d] < ishape[d] {
                break;
            }
            coords[d] = 0;
        }
    }
    out
}

/// `out[p] = src[p with coordinate dim replaced by ids[p]]`.
pub fn gather<T: Copy + Send + Sync + Default>(
    src: &[T],
    l: &Layout,
    ishape: &[usize],
    ids: &[usize],
    dim: usize,
) -> Vec<T> {
    let data = copy_view(src, l);
    retarget(ishape, l.dims(), ids, dim)
        .into_iter()
        .map(|p| data[p])
        .collect()
}

#[allow(clippy::too_many_arguments)]
/// Copy of `dst` with `src[p]` added at `p with coordinate dim replaced by ids[p]`.
pub fn scatter_add<T: Copy + Send + Sync + Default>(
    dst: &[T],
    dl: &Layout,
    ishape: &[usize],
    ids: &[usize],
    src: &[T],
    sl: &Layout,
    dim: usize,
    add: impl Fn(T, T) -> T,
) -> Vec<T> {
    let mut out = copy_view(dst, dl);
    let src_positions = retarget(
        ishape,
        sl.dims(),
        &(0..ids.len()).map(|_| 0).collect::<Vec<_>>(),
        usize::MAX,
    );
    let dst_positions = retarget(ishape, dl.dims(), ids, dim);
    let src_data = copy_view(src, sl);
    for (d, s) in dst_positions.into_iter().zip(src_positions) {
        out[d] = add(out[d], src_data[s]);
    }
    out
}

/// Concatenation along `dim` of same-rank views.
pub fn cat<T: Copy + Send + Sync + Default>(parts: &[(&[T], &Layout)], dim: usize) -> Vec<T> {
    let copies: Vec<(Vec<T>, usize)> = parts
        .iter()
        .map(|(s, l)| {
            let (_, size, post) = split_at_dim(l.dims(), dim);
            (copy_view(s, l), size * post)
        })
        .collect();
    let pre: usize = parts
        .first()
        .map(|(_, l)| l.dims()[..dim].iter().product())
        .unwrap_or(0);
    let total: usize = copies.iter().map(|c| c.0.len()).sum();
    let mut out = Vec::with_capacity(total);
    for p in 0..pre {
        for (data, block) in &copies {
            out.extend_from_slice(&data[p * block..(p + 1) * block]);
        }
    }
    out
}

/// Writes the view `sl` of `src` into the view `dl` of `dst` (same shapes).
pub fn assign<T: Copy + Send + Sync + Default>(dst: &mut [T], dl: &Layout, src: &[T], sl: &Layout) {
    let values = copy_view(src, sl);
    for (o, v) in dl.offsets().zip(values) {
        dst[o] = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_and_scatter_are_adjoint() {
        let x = [1., 2., 3., 4., 5., 6.];
        let l = Layout::contiguous((2, 3));
        let ids = [2, 0, 1, 1];
        let g = gather(&x, &l, &[2, 2], &ids, 1);
        assert_eq!(g, vec![3., 1., 5., 5.]);
        let z = [0.; 6];
        let s = scatter_add(
            &z,
            &l,
            &[2, 2],
            &ids,
            &[1., 1., 1., 1.],
            &Layout::contiguous((2, 2)),
            1,
            |a, b| a + b,
        );
        assert_eq!(s, vec![1., 0., 1., 0., 2., 0.]);
    }

    #[test]
    fn index_select_and_cat() {
        let x = [1, 2, 3, 4, 5, 6];
        let l = Layout::contiguous((3, 2));
        assert_eq!(index_select(&x, &l, &[2, 0], 0), vec![5, 6, 1, 2]);
        let a = [9, 9];
        let al = Layout::contiguous((1, 2));
        assert_eq!(
            cat(&[(&x[..], &l), (&a[..], &al)], 0),
            vec![1, 2, 3, 4, 5, 6, 9, 9]
        );
        assert!(checked_indices(&[3], 3, 0, "gather").is_err());
    }
}
