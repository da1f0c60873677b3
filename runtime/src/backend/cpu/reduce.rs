//! Reductions over dimensions, softmax over the last dimension and cumulative sums.

use super::alloc::output_vec;
use super::binary::{max_nan, min_nan, Arith};
use super::fast_math;
use super::map::{contiguous_view, copy_view, PAR_CHUNK, PAR_THRESHOLD};
use super::unary::Float;
use crate::backend::ReduceOp;
use crate::{Layout, Shape};
use rayon::prelude::*;

/// Reduction result: values of the input dtype, or int64 indices.
pub enum Reduced<T> {
    /// sum, prod, max, min
    Values(Vec<T>),
    /// argmax, argmin
    Indices(Vec<i64>),
}

/// Folds one run of values; returns the value and, for arg ops, the index.
fn fold_run<T: Arith>(mut it: impl Iterator<Item = T>, op: ReduceOp) -> (T, usize) {
    match op {
        ReduceOp::Sum => (it.fold(T::zero(), T::add), 0),
        ReduceOp::Prod => (it.fold(T::one(), T::mul), 0),
        ReduceOp::Max => {
            let first = it.next().unwrap_or_default();
            (it.fold(first, max_nan), 0)
        }
        ReduceOp::Min => {
            let first = it.next().unwrap_or_default();
            (it.fold(first, min_nan), 0)
        }
        ReduceOp::ArgMax | ReduceOp::ArgMin => {
            let Some(mut best) = it.next() else {
                return (T::default(), 0);
            };
            let mut at = 0;
            for (i, x) in it.enumerate() {
                if best.is_nan() {
                    break;
                }
                let better = if op == ReduceOp::ArgMax {
                    x > best
                } else {
                    x < best
                };
                if better || x.is_nan() {
                    best = x;
                    at = i + 1;
                }
            }
            (best, at)
        }
    }
}

/// Sum of a contiguous run with eight independent accumulators (vectorises, and
/// loses less precision than a single running sum).
fn sum_slice<T: Arith>(s: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        for i in 0..8 {
            acc[i] = acc[i].add(c[i]);
        }
    }
    let tail = chunks.remainder().iter().fold(T::zero(), |a, &b| a.add(b));
    acc.iter().fold(tail, |a, &b| a.add(b))
}

fn fold_slice<T: Arith>(s: &[T], op: ReduceOp) -> (T, usize) {
    if op == ReduceOp::Sum {
        return (sum_slice(s), 0);
    }
    if s.len() < PAR_THRESHOLD {
        return fold_run(s.iter().copied(), op);
    }
    // One long run: fold chunks in parallel, then fold the partial results.
    let parts: Vec<(T, usize)> = s
        .par_chunks(PAR_CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let (v, i) = fold_run(chunk.iter().copied(), op);
            (v, i + c * PAR_CHUNK)
        })
        .collect();
    let (v, i) = fold_run(parts.iter().map(|p| p.0), op);
    match op {
        ReduceOp::ArgMax | ReduceOp::ArgMin => (v, parts[i].1),
        _ => (v, 0),
    }
}

/// Reduces `dims` of the view; the output is contiguous in the keepdim shape.
pub fn reduce<T: Arith>(src: &[T], l: &Layout, dims: &[usize], op: ReduceOp) -> Reduced<T> {
    let rank = l.shape().rank();
    let value_op = !matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin);
    // Of a contiguous view, reduce the trailing reduced dims first (contiguous runs),
    // then the rest on the smaller result: e.g. a bias gradient sums [n, c, h, w]
    // over (h, w) and then over n instead of walking strided runs.
    let trailing = (0..rank).rev().take_while(|d| dims.contains(d)).count();
    if value_op && trailing > 0 && trailing < dims.len() && l.contiguous_range().is_some() {
        let inner: Vec<usize> = (rank - trailing..rank).collect();
        let Reduced::Values(partial) = reduce(src, l, &inner, op) else {
            unreachable!("value reductions give values")
        };
        let outer: Vec<usize> = dims
            .iter()
            .copied()
            .filter(|d| !inner.contains(d))
            .collect();
        return reduce(
            &partial,
            &Layout::contiguous(&l.dims()[..rank - trailing]),
            &outer,
            op,
        );
    }
    let leading = (0..rank).take_while(|d| dims.contains(d)).count();
    if value_op && leading == dims.len() && leading < rank {
        if let Some((start, end)) = l.contiguous_range() {
            let rows = l.dims()[leading..].iter().product::<usize>();
            return Reduced::Values(reduce_leading(&src[start..end], rows, op));
        }
    }
    let kept: Vec<usize> = (0..rank).filter(|d| !dims.contains(d)).collect();
    let perm: Vec<usize> = kept.iter().chain(dims.iter()).copied().collect();
    let pl = l.permute(&perm);
    let run: usize = dims.iter().map(|&d| l.dims()[d]).product();
    let outs: usize = kept.iter().map(|&d| l.dims()[d]).product();
    let contiguous = pl.contiguous_range();
    let parallel = outs * run >= PAR_THRESHOLD && outs > 1;
    let min_len = (PAR_CHUNK / run.max(1)).max(1);
    if let (true, Some((start, _)), true) = (value_op, contiguous, run > 0) {
        // Contiguous runs straight into the output, without index bookkeeping.
        let runs = &src[start..start + outs * run];
        let values = if parallel {
            runs.par_chunks(run)
                .with_min_len(min_len)
                .map(|r| fold_slice(r, op).0)
                .collect()
        } else {
            runs.chunks(run).map(|r| fold_slice(r, op).0).collect()
        };
        return Reduced::Values(values);
    }
    let one = |o: usize| -> (T, usize) {
        match contiguous {
            Some((start, _)) => fold_slice(&src[start + o * run..start + (o + 1) * run], op),
            None => fold_run(pl.offsets_from(o * run).take(run).map(|i| src[i]), op),
        }
    };
    let results: Vec<(T, usize)> = if parallel {
        (0..outs)
            .into_par_iter()
            .with_min_len(min_len)
            .map(one)
            .collect()
    } else {
        (0..outs).map(one).collect()
    };
    match op {
        ReduceOp::ArgMax | ReduceOp::ArgMin => {
            Reduced::Indices(results.into_iter().map(|r| r.1 as i64).collect())
        }
        _ => Reduced::Values(results.into_iter().map(|r| r.0).collect()),
    }
}

/// Folds the rows of a contiguous `[outer, row]` buffer elementwise into one row:
/// a reduction over leading dimensions (e.g. the batch) as vector operations.
fn reduce_leading<T: Arith>(data: &[T], row: usize, op: ReduceOp) -> Vec<T> {
    if row == 0 || data.is_empty() {
        let empty = if op == ReduceOp::Prod {
            T::one()
        } else {
            T::zero()
        };
        return vec![empty; row];
    }
    match op {
        ReduceOp::Sum => fold_rows(data, row, T::add),
        ReduceOp::Prod => fold_rows(data, row, T::mul),
        ReduceOp::Max => fold_rows(data, row, max_nan),
        ReduceOp::Min => fold_rows(data, row, min_nan),
        ReduceOp::ArgMax | ReduceOp::ArgMin => unreachable!("index reductions fold runs"),
    }
}

/// `combine` folded down the columns of a non-empty contiguous `[outer, row]` buffer.
fn fold_rows<T: Arith>(data: &[T], row: usize, combine: impl Fn(T, T) -> T + Sync) -> Vec<T> {
    let mut acc = data[..row].to_vec();
    let fold_columns = |first: usize, acc: &mut [T]| {
        for src_row in data.chunks_exact(row).skip(1) {
            let columns = &src_row[first..first + acc.len()];
            for (a, &x) in acc.iter_mut().zip(columns) {
                *a = combine(*a, x);
            }
        }
    };
    if data.len() < PAR_THRESHOLD {
        fold_columns(0, &mut acc);
    } else {
        let outer = data.len() / row;
        let columns_per_task = (PAR_CHUNK / outer).clamp(64, row.max(64));
        acc.par_chunks_mut(columns_per_task)
            .enumerate()
            .for_each(|(c, part)| fold_columns(c * columns_per_task, part));
    }
    acc
}

/// Softmax or log-softmax of each row of a contiguous `[rows, cols]` buffer.
fn softmax_row<T: Float>(row: &[T], out: &mut [T], log: bool) {
    let max = row.iter().copied().fold(T::of(f64::NEG_INFINITY), |a, b| {
        if b > a || b.is_nan() {
            b
        } else {
            a
        }
    });
    let shift = if max.to_f64().is_finite() {
        max
    } else {
        T::of(0.0)
    };
    let mut sum = T::of(0.0);
    for (o, &x) in out.iter_mut().zip(row) {
        *o = x.sub(shift).exp();
        sum = sum.add(*o);
    }
    finish_row(row, out, shift, sum, log);
}

fn finish_row<T: Float>(row: &[T], out: &mut [T], shift: T, sum: T, log: bool) {
    if log {
        let lse = shift.add(sum.ln());
        for (o, &x) in out.iter_mut().zip(row) {
            *o = x.sub(lse);
        }
    } else {
        let inv = T::of(1.0).div(sum);
        for o in out.iter_mut() {
            *o = o.mul(inv);
        }
    }
}

fn softmax_row_f32(row: &[f32], out: &mut [f32], log: bool) {
    // NaN is ignored here but still reaches every output through exp and the sum.
    let max = fast_math::max_f32(row);
    let shift = if max.is_finite() { max } else { 0.0 };
    let sum = fast_math::exp_sub_sum_f32(row, shift, out);
    finish_row(row, out, shift, sum, log);
}

/// Softmax over the last dimension of a view.
pub fn softmax_last_dim<T: Float>(src: &[T], l: &Layout, log: bool) -> Vec<T> {
    softmax_rows(src, l, log, softmax_row::<T>)
}

/// Softmax over the last dimension of an f32 view, with the vectorised exp.
pub fn softmax_last_dim_f32(src: &[f32], l: &Layout, log: bool) -> Vec<f32> {
    softmax_rows(src, l, log, softmax_row_f32)
}

fn softmax_rows<T: Float>(
    src: &[T],
    l: &Layout,
    log: bool,
    row_fn: impl Fn(&[T], &mut [T], bool) + Sync,
) -> Vec<T> {
    let data = contiguous_view(src, l);
    let cols = l.dims().last().copied().unwrap_or(1).max(1);
    let mut out = output_vec::<T>(data.len());
    if data.len() < PAR_THRESHOLD {
        for (o, r) in out.chunks_mut(cols).zip(data.chunks(cols)) {
            row_fn(r, o, log);
        }
    } else {
        out.par_chunks_mut(cols)
            .zip(data.par_chunks(cols))
            .with_min_len((PAR_CHUNK / cols).max(1))
            .for_each(|(o, r)| row_fn(r, o, log));
    }
    out
}

/// Inclusive cumulative sum along `dim`; output contiguous in the view's shape.
pub fn cumsum<T: Arith>(src: &[T], l: &Layout, dim: usize) -> Vec<T> {
    let rank = l.shape().rank();
    let mut perm: Vec<usize> = (0..rank).filter(|&d| d != dim).collect();
    perm.push(dim);
    let pl = l.permute(&perm);
    let mut rows = copy_view(src, &pl);
    let len = l.dims()[dim].max(1);
    for row in rows.chunks_mut(len) {
        let mut acc = T::zero();
        for x in row.iter_mut() {
            acc = acc.add(*x);
            *x = acc;
        }
    }
    let out_layout = Layout::contiguous(Shape::from(l.dims())).permute(&perm);
    let mut out = output_vec::<T>(rows.len());
    for (v, o) in rows.into_iter().zip(out_layout.offsets()) {
        out[o] = v;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<T>(r: Reduced<T>) -> Vec<T> {
        match r {
            Reduced::Values(v) => v,
            Reduced::Indices(_) => panic!("expected values"),
        }
    }

    #[test]
    fn reduce_over_middle_and_transposed() {
        let x: Vec<f64> = (0..24).map(|v| v as f64).collect();
        let l = Layout::contiguous((2, 3, 4));
        let s = values(reduce(&x, &l, &[1], ReduceOp::Sum));
        assert_eq!(s, vec![12., 15., 18., 21., 48., 51., 54., 57.]);
        let t = l.permute(&[2, 1, 0]);
        let m = values(reduce(&x, &t, &[0, 2], ReduceOp::Max));
        assert_eq!(m, vec![15., 19., 23.]);
        match reduce(&x, &l, &[2], ReduceOp::ArgMin) {
            Reduced::Indices(i) => assert_eq!(i, vec![0; 6]),
            Reduced::Values(_) => panic!("expected indices"),
        }
    }

    #[test]
    fn long_run_parallel_argmax() {
        let n = PAR_THRESHOLD * 2 + 5;
        let mut x = vec![0f32; n];
        x[n - 3] = 5.0;
        match reduce(&x, &Layout::contiguous(n), &[0], ReduceOp::ArgMax) {
            Reduced::Indices(i) => assert_eq!(i, vec![(n - 3) as i64]),
            Reduced::Values(_) => panic!("expected indices"),
        }
    }

    #[test]
    fn softmax_and_cumsum() {
        let x = [1.0f64, 2.0, 3.0, f64::NEG_INFINITY];
        let s = softmax_last_dim(&x, &Layout::contiguous((2, 2)), false);
        assert!((s[1] - 1.0 / (1.0 + (-1f64).exp())).abs() < 1e-15);
        assert_eq!(s[3], 0.0);
        let c = cumsum(&[1i64, 2, 3, 4, 5, 6], &Layout::contiguous((2, 3)), 0);
        assert_eq!(c, vec![1, 2, 3, 5, 7, 9]);
    }
}
