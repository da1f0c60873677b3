//! Strided-to-contiguous loops shared by the CPU kernels, parallel above a size threshold.

use super::alloc::written_vec;
use crate::Layout;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Below this many elements loops stay on the calling thread.
pub const PAR_THRESHOLD: usize = 1 << 15;
/// Elements per parallel task.
pub const PAR_CHUNK: usize = 1 << 14;

/// `f` applied to every element of the view, in row-major order.
pub fn unary_map<T, U, F>(src: &[T], l: &Layout, f: F) -> Vec<U>
where
    T: Copy + Send + Sync,
    U: Copy + Send + Sync + Default,
    F: Fn(T) -> U + Sync + Send,
{
    let n = l.shape().elem_count();
    if let Some((start, end)) = l.contiguous_range() {
        let src = &src[start..end];
        if n < PAR_THRESHOLD {
            return src.iter().map(|&x| f(x)).collect();
        }
        let write = |out: &mut [MaybeUninit<U>]| {
            out.par_chunks_mut(PAR_CHUNK)
                .zip(src.par_chunks(PAR_CHUNK))
                .for_each(|(o, s)| {
                    for (o, &s) in o.iter_mut().zip(s) {
                        o.write(f(s));
                    }
                });
        };
        // SAFETY: the output chunks pair with source chunks of the same lengths, `n` in all.
        return unsafe { written_vec(n, write) };
    }
    let rows = Rows::of(l);
    let write = |out: &mut [MaybeUninit<U>]| {
        rows.for_each_chunk(out, |first, o| {
            for (orow, base) in o.chunks_mut(rows.len).zip(rows.bases.offsets_from(first)) {
                for (i, o) in orow.iter_mut().enumerate() {
                    o.write(f(src[base + i * rows.stride]));
                }
            }
        });
    };
    // SAFETY: `for_each_chunk` hands out every whole row of the output once.
    unsafe { written_vec(n, write) }
}

/// A view split into rows along its last dimension: strided loops then run an inner
/// loop with one fixed stride instead of a multi-dimensional index per element.
struct Rows {
    /// Layout of the leading dimensions: its offsets are the row starts.
    bases: Layout,
    /// Elements per row (the last dimension).
    len: usize,
    /// Stride along the last dimension.
    stride: usize,
}

impl Rows {
    fn of(l: &Layout) -> Self {
        let r = l.dims().len();
        if r == 0 {
            return Rows {
                bases: l.clone(),
                len: 1,
                stride: 0,
            };
        }
        Rows {
            bases: Layout::new(
                crate::Shape::from(&l.dims()[..r - 1]),
                l.strides()[..r - 1].to_vec(),
                l.offset(),
            ),
            len: l.dims()[r - 1],
            stride: l.strides()[r - 1],
        }
    }

    /// Calls `f(first_row, rows_of_out)` over whole-row chunks of `out`, in parallel
    /// when large.
    fn for_each_chunk<U: Send>(&self, out: &mut [U], f: impl Fn(usize, &mut [U]) + Sync) {
        if out.is_empty() || self.len == 0 {
            return;
        }
        let rows_per_task = (PAR_CHUNK / self.len).max(1);
        if out.len() < PAR_THRESHOLD {
            f(0, out);
        } else {
            out.par_chunks_mut(rows_per_task * self.len)
                .enumerate()
                .for_each(|(c, o)| f(c * rows_per_task, o));
        }
    }
}

/// Contiguous copy of the view.
pub fn copy_view<T: Copy + Send + Sync + Default>(src: &[T], l: &Layout) -> Vec<T> {
    match l.contiguous_range() {
        Some((start, end)) if end - start < PAR_THRESHOLD => src[start..end].to_vec(),
        _ => unary_map(src, l, |x| x),
    }
}

/// The view as a slice when contiguous, else a contiguous copy.
pub fn contiguous_view<'a, T: Copy + Send + Sync + Default>(
    src: &'a [T],
    l: &Layout,
) -> std::borrow::Cow<'a, [T]> {
    match l.contiguous_range() {
        Some((start, end)) => std::borrow::Cow::Borrowed(&src[start..end]),
        None => std::borrow::Cow::Owned(unary_map(src, l, |x| x)),
    }
}

/// How one operand of a same-shape binary op is read.
enum Access<'a, T> {
    /// contiguous slice
    Slice(&'a [T]),
    /// one value broadcast everywhere
    Scalar(T),
    /// a contiguous block repeated over leading dimensions (e.g. a bias row)
    Repeated(&'a [T]),
    /// anything else
    Strided,
}

fn access<'a, T: Copy>(src: &'a [T], l: &Layout) -> Access<'a, T> {
    if let Some((s, e)) = l.contiguous_range() {
        return Access::Slice(&src[s..e]);
    }
    if l.strides().iter().all(|&s| s == 0) {
        return Access::Scalar(src[l.offset()]);
    }
    // Longest contiguous suffix; every dim before it must be a broadcast (stride 0).
    let dims = l.dims();
    let mut block = 1;
    let mut split = dims.len();
    while split > 0 && (l.strides()[split - 1] == block || dims[split - 1] == 1) {
        block *= dims[split - 1];
        split -= 1;
    }
    if block > 1 && l.strides()[..split].iter().all(|&s| s == 0) {
        return Access::Repeated(&src[l.offset()..l.offset() + block]);
    }
    Access::Strided
}

/// The block repeated forever, starting at flat position `start` of the repetition.
fn cycle_from<T>(block: &[T], start: usize) -> impl Iterator<Item = &T> {
    block[start % block.len()..]
        .iter()
        .chain(block.iter().cycle())
}

/// `f` applied pairwise to two views of the same shape, in row-major order.
pub fn binary_map<T, U, F>(a: &[T], al: &Layout, b: &[T], bl: &Layout, f: F) -> Vec<U>
where
    T: Copy + Send + Sync,
    U: Copy + Send + Sync + Default,
    F: Fn(T, T) -> U + Sync + Send,
{
    let n = al.shape().elem_count();
    let chunk = if n < PAR_THRESHOLD {
        n.max(1)
    } else {
        PAR_CHUNK
    };
    let run = |c: usize, o: &mut [MaybeUninit<U>]| {
        let base = c * chunk;
        let end = base + o.len();
        match (access(a, al), access(b, bl)) {
            (Access::Slice(x), Access::Slice(y)) => {
                let (x, y) = (&x[base..end], &y[base..end]);
                for ((o, &x), &y) in o.iter_mut().zip(x).zip(y) {
                    o.write(f(x, y));
                }
            }
            (Access::Slice(x), Access::Scalar(y)) => {
                for (o, &x) in o.iter_mut().zip(&x[base..end]) {
                    o.write(f(x, y));
                }
            }
            (Access::Scalar(x), Access::Slice(y)) => {
                for (o, &y) in o.iter_mut().zip(&y[base..end]) {
                    o.write(f(x, y));
                }
            }
            (Access::Slice(x), Access::Repeated(y)) => {
                for ((o, &x), &y) in o.iter_mut().zip(&x[base..end]).zip(cycle_from(y, base)) {
                    o.write(f(x, y));
                }
            }
            (Access::Repeated(x), Access::Slice(y)) => {
                for ((o, &y), &x) in o.iter_mut().zip(&y[base..end]).zip(cycle_from(x, base)) {
                    o.write(f(x, y));
                }
            }
            _ => unreachable!("strided operands are handled row by row"),
        }
    };
    let strided = matches!(access(a, al), Access::Strided)
        || matches!(access(b, bl), Access::Strided)
        || matches!(
            (access(a, al), access(b, bl)),
            (Access::Repeated(_), Access::Repeated(_) | Access::Scalar(_))
                | (Access::Scalar(_), Access::Repeated(_) | Access::Scalar(_))
        );
    let write = |out: &mut [MaybeUninit<U>]| {
        if strided {
            let (ra, rb) = (Rows::of(al), Rows::of(bl));
            ra.for_each_chunk(out, |first, o| {
                let bases = ra
                    .bases
                    .offsets_from(first)
                    .zip(rb.bases.offsets_from(first));
                for (orow, (ba, bb)) in o.chunks_mut(ra.len).zip(bases) {
                    for (i, o) in orow.iter_mut().enumerate() {
                        o.write(f(a[ba + i * ra.stride], b[bb + i * rb.stride]));
                    }
                }
            });
        } else if n < PAR_THRESHOLD {
            run(0, out);
        } else {
            out.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(c, o)| run(c, o));
        }
    };
    // SAFETY: every branch writes each output element once: whole rows, or chunks that
    // `run` fills element by element from operands of the same length.
    unsafe { written_vec(n, write) }
}

/// `f` applied to three views of the same shape, in row-major order.
pub fn ternary_map<A, B, U, F>(
    a: &[A],
    al: &Layout,
    b: &[B],
    bl: &Layout,
    c: &[B],
    cl: &Layout,
    f: F,
) -> Vec<U>
where
    A: Copy + Send + Sync,
    B: Copy + Send + Sync,
    U: Copy + Send + Sync + Default,
    F: Fn(A, B, B) -> U + Sync + Send,
{
    let n = al.shape().elem_count();
    let (ra, rb, rc) = (Rows::of(al), Rows::of(bl), Rows::of(cl));
    let write = |out: &mut [MaybeUninit<U>]| {
        ra.for_each_chunk(out, |first, o| {
            let bases = ra
                .bases
                .offsets_from(first)
                .zip(rb.bases.offsets_from(first))
                .zip(rc.bases.offsets_from(first));
            for (orow, ((ba, bb), bc)) in o.chunks_mut(ra.len).zip(bases) {
                for (i, o) in orow.iter_mut().enumerate() {
                    o.write(f(
                        a[ba + i * ra.stride],
                        b[bb + i * rb.stride],
                        c[bc + i * rc.stride],
                    ));
                }
            }
        });
    };
    // SAFETY: `for_each_chunk` hands out every whole row of the output once.
    unsafe { written_vec(n, write) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Shape;

    #[test]
    fn binary_map_handles_every_access_pattern() {
        let a: Vec<f32> = (0..6).map(|x| x as f32).collect();
        let al = Layout::contiguous((2, 3));
        let row = vec![10f32, 20., 30.];
        let rl = Layout::contiguous(3usize)
            .broadcast_as(&Shape::from((2, 3)))
            .unwrap();
        assert_eq!(
            binary_map(&a, &al, &row, &rl, |x, y| x + y),
            vec![10., 21., 32., 13., 24., 35.]
        );
        let col = vec![1f32, 2.];
        let cl = Layout::new(Shape::from((2, 3)), vec![1, 0], 0);
        assert_eq!(
            binary_map(&a, &al, &col, &cl, |x, y| x * y),
            vec![0., 1., 2., 6., 8., 10.]
        );
        let t = Layout::contiguous((3, 2)).permute(&[1, 0]);
        assert_eq!(
            binary_map(&a, &al, &a, &t, |x, y| x - y),
            vec![0., -1., -2., 2., 1., 0.]
        );
    }

    #[test]
    fn parallel_path_matches_sequential() {
        let n = PAR_THRESHOLD * 3 + 7;
        let a: Vec<f64> = (0..n).map(|x| x as f64).collect();
        let l = Layout::contiguous((n / 7, 7)).permute(&[1, 0]);
        let got = unary_map(&a, &l, |x| x * 2.0);
        let want: Vec<f64> = l.offsets().map(|i| a[i] * 2.0).collect();
        assert_eq!(got, want);
    }
}
