//! Batched matrix products with the `gemm` crate, reading strided views directly.

use super::alloc::output_vec;
use crate::backend::MatmulDims;
use crate::{Layout, Shape};
use gemm::Parallelism;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Products smaller than this many multiply-adds run single-threaded inside gemm.
const GEMM_PAR_FLOPS: usize = 1 << 18;

/// Storage offsets of each matrix of a `[batch.., rows, cols]` view.
fn batch_offsets(l: &Layout) -> Vec<usize> {
    let r = l.dims().len();
    let batch = Layout::new(
        Shape::from(&l.dims()[..r - 2]),
        l.strides()[..r - 2].to_vec(),
        l.offset(),
    );
    batch.offsets().collect()
}

/// `[batch.., m, k] x [batch.., k, n]` into a contiguous `[batch.., m, n]` buffer.
pub fn matmul<T: Copy + Default + Send + Sync + 'static>(
    a: &[T],
    al: &Layout,
    b: &[T],
    bl: &Layout,
    d: MatmulDims,
    zero: T,
    one: T,
) -> Vec<T> {
    let MatmulDims { m, n, k, .. } = d;
    let total = d.batch * m * n;
    if m * n == 0 || k == 0 {
        // Empty products: nothing to multiply, the result is all zeros.
        return output_vec::<T>(total);
    }
    // gemm overwrites every element (it is told not to read the destination), so the
    // buffer is not zero-filled first.
    let mut out = Vec::<T>::with_capacity(total);
    let ra = al.dims().len();
    let rb = bl.dims().len();
    let (a_rs, a_cs) = (al.strides()[ra - 2] as isize, al.strides()[ra - 1] as isize);
    let (b_rs, b_cs) = (bl.strides()[rb - 2] as isize, bl.strides()[rb - 1] as isize);
    let a_offs = batch_offsets(al);
    let b_offs = batch_offsets(bl);
    assert!(
        a_offs.len() == d.batch && b_offs.len() == d.batch,
        "matmul: operand batches {} and {} for {} products",
        a_offs.len(),
        b_offs.len(),
        d.batch
    );
    let big = m * n * k >= GEMM_PAR_FLOPS;
    let one_product = |dst: &mut [MaybeUninit<T>], ao: usize, bo: usize, par: Parallelism| {
        // SAFETY: the layouts were checked against the storages by the caller: every
        // index `off + i*rs + j*cs` for i < rows, j < cols lies inside `a` and `b`, and
        // `dst` holds exactly m*n row-major elements, which gemm only writes.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                dst.as_mut_ptr().cast::<T>(),
                1,
                n as isize,
                false,
                a.as_ptr().add(ao),
                a_cs,
                a_rs,
                b.as_ptr().add(bo),
                b_cs,
                b_rs,
                zero,
                one,
                false,
                false,
                false,
                par,
            )
        }
    };
    // Threads split one product only when there are too few products to share out:
    // a convolution's 64 small per-image products run best one per thread.
    let threads = rayon::current_num_threads();
    if d.batch == 1 || (big && d.batch < 2 * threads) {
        let par = if big {
            Parallelism::Rayon(threads)
        } else {
            Parallelism::None
        };
        let products = out.spare_capacity_mut()[..total].chunks_mut(m * n);
        for ((dst, &ao), &bo) in products.zip(&a_offs).zip(&b_offs) {
            one_product(dst, ao, bo, par);
        }
    } else {
        out.spare_capacity_mut()[..total]
            .par_chunks_mut(m * n)
            .zip(a_offs.par_iter().zip(b_offs.par_iter()))
            .for_each(|(dst, (&ao, &bo))| one_product(dst, ao, bo, Parallelism::None));
    }
    // SAFETY: the loops above ran one product per batch entry, and each wrote all of
    // its m*n elements.
    unsafe { out.set_len(total) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_batched_product() {
        // a: [2, 2, 3], b: [3, 2] transposed view of [2, 3], broadcast over batch.
        let a: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let al = Layout::contiguous((2, 2, 3));
        let b: Vec<f32> = vec![1., 0., 2., 0., 1., 1.];
        let bl = Layout::contiguous((2, 3))
            .permute(&[1, 0])
            .broadcast_as(&Shape::from((2, 3, 2)))
            .unwrap();
        let d = MatmulDims {
            batch: 2,
            m: 2,
            n: 2,
            k: 3,
        };
        let out = matmul(&a, &al, &b, &bl, d, 0.0, 1.0);
        assert_eq!(out, vec![4., 3., 13., 9., 22., 15., 31., 21.]);
    }
}
