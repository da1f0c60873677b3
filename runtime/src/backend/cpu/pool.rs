//! Max pooling over sliding windows and its adjoint, without unfolding the input.

use super::alloc::{output_vec, written_vec};
use super::binary::Arith;
use super::conv::source_table;
use super::map::contiguous_view;
use crate::backend::Window2d;
use crate::Layout;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Maxima of `[n, c, h, w]` over the windows of `win`, as `[n, c, oh, ow]`, with the
/// flat position (`y * w + x`) of each maximum in its plane: the first one on ties,
/// and a NaN wins over any number, so NaN propagates as in a max reduction.
pub fn max_pool2d<T: Arith>(src: &[T], l: &Layout, win: &Window2d) -> (Vec<T>, Vec<u32>) {
    let x = contiguous_view(src, l);
    let (oh, ow) = win.out_hw();
    let (kh, kw) = win.kernel;
    let ys = source_table(oh, kh, win.stride.0, win.dilation.0, win.padding.0, win.h);
    let xs = source_table(ow, kw, win.stride.1, win.dilation.1, win.padding.1, win.w);
    let (plane, out_plane) = (win.h * win.w, oh * ow);
    let mut values = output_vec::<T>(win.n * win.c * out_plane);
    let mut argmax = output_vec::<u32>(values.len());
    // Without padding every tap is inside the input: no tables, no filtering.
    let unpadded = win.padding == (0, 0);
    // The usual 2×2 window with stride 2 gets a kernel of its own.
    let pairs = unpadded && win.kernel == (2, 2) && win.stride == (2, 2) && win.dilation == (1, 1);
    let pool_plane = |(bc, (vals, idxs)): (usize, (&mut [T], &mut [u32]))| {
        let input = &x[bc * plane..][..plane];
        for (oy, (val_row, idx_row)) in vals
            .chunks_exact_mut(ow)
            .zip(idxs.chunks_exact_mut(ow))
            .enumerate()
        {
            if pairs {
                let row = 2 * oy * win.w;
                let (r0, r1) = (&input[row..][..win.w], &input[row + win.w..][..win.w]);
                row_max_pairs(r0, r1, row, win.w, val_row, idx_row);
                continue;
            }
            if unpadded {
                row_max_inside(input, oy, win, val_row, idx_row);
                continue;
            }
            for (ox, (value, index)) in val_row.iter_mut().zip(idx_row.iter_mut()).enumerate() {
                let taps_y = &ys[oy * kh..][..kh];
                let taps_x = &xs[ox * kw..][..kw];
                let (v, at) = window_max(input, win.w, taps_y, taps_x);
                *value = v;
                *index = at as u32;
            }
        }
    };
    let chunk = out_plane.max(1);
    if stays_serial(win.n * win.c * plane) {
        values
            .chunks_mut(chunk)
            .zip(argmax.chunks_mut(chunk))
            .enumerate()
            .for_each(pool_plane);
    } else {
        values
            .par_chunks_mut(chunk)
            .zip(argmax.par_chunks_mut(chunk))
            .enumerate()
            .for_each(pool_plane);
    }
    (values, argmax)
}

/// The maximum of one window and its flat position; taps outside the input are
/// `usize::MAX` in the tables. The first maximum wins ties; a NaN wins over numbers.
/// Branch-free in the values: random data would mispredict a branch on every tap.
#[inline(always)]
fn window_max<T: Arith>(input: &[T], w: usize, taps_y: &[usize], taps_x: &[usize]) -> (T, usize) {
    // Padding is at most half the kernel, so every window overlaps the input.
    let y0 = *taps_y
        .iter()
        .find(|&&y| y != usize::MAX)
        .expect("window overlaps input");
    let x0 = *taps_x
        .iter()
        .find(|&&x| x != usize::MAX)
        .expect("window overlaps input");
    let (mut best, mut at) = (input[y0 * w + x0], y0 * w + x0);
    for &y in taps_y.iter().filter(|&&y| y != usize::MAX) {
        let line = &input[y * w..][..w];
        for &x in taps_x.iter().filter(|&&x| x != usize::MAX) {
            let v = line[x];
            let take = ((v > best) | v.is_nan()) & !best.is_nan();
            best = if take { v } else { best };
            at = if take { y * w + x } else { at };
        }
    }
    (best, at)
}

/// [`window_max`] for a row of 2×2 windows with stride 2 over input rows `r0` and `r1`,
/// where `r0` starts at flat position `at0` and the input is `w` wide.
fn row_max_pairs<T: Arith>(
    r0: &[T],
    r1: &[T],
    at0: usize,
    w: usize,
    values: &mut [T],
    argmax: &mut [u32],
) {
    let outputs = values.iter_mut().zip(argmax.iter_mut());
    let windows = r0.chunks_exact(2).zip(r1.chunks_exact(2));
    for (ox, ((best, at), (top, bottom))) in outputs.zip(windows).enumerate() {
        let first = at0 + 2 * ox;
        let (mut b, mut i) = (top[0], first);
        for (v, j) in [
            (top[1], first + 1),
            (bottom[0], first + w),
            (bottom[1], first + w + 1),
        ] {
            let take = ((v > b) | v.is_nan()) & !b.is_nan();
            b = if take { v } else { b };
            i = if take { j } else { i };
        }
        *best = b;
        *at = i as u32;
    }
}

/// [`window_max`] for output row `oy` of an unpadded window (every tap inside the
/// input). Tap by tap over the whole row, so the outputs are independent chains.
fn row_max_inside<T: Arith>(
    input: &[T],
    oy: usize,
    win: &Window2d,
    values: &mut [T],
    argmax: &mut [u32],
) {
    let (w, sw) = (win.w, win.stride.1);
    for ky in 0..win.kernel.0 {
        let row = (oy * win.stride.0 + ky * win.dilation.0) * w;
        for kx in 0..win.kernel.1 {
            let start = row + kx * win.dilation.1;
            let taps = input[start..].iter().step_by(sw);
            let outputs = values.iter_mut().zip(argmax.iter_mut());
            if ky == 0 && kx == 0 {
                for (i, ((best, at), &v)) in outputs.zip(taps).enumerate() {
                    *best = v;
                    *at = (start + i * sw) as u32;
                }
                continue;
            }
            for (i, ((best, at), &v)) in outputs.zip(taps).enumerate() {
                let take = ((v > *best) | v.is_nan()) & !best.is_nan();
                *best = if take { v } else { *best };
                *at = if take { (start + i * sw) as u32 } else { *at };
            }
        }
    }
}

/// Adjoint of [`max_pool2d`]: adds each gradient of `[n, c, oh, ow]` at the input
/// position its `argmax` names, giving `[n, c, h, w]`.
pub fn max_pool2d_backward<T: Arith>(
    grad: &[T],
    l: &Layout,
    argmax: &[u32],
    al: &Layout,
    win: &Window2d,
) -> Vec<T> {
    let g = contiguous_view(grad, l);
    let at = contiguous_view(argmax, al);
    let (oh, ow) = win.out_hw();
    let (plane, out_plane) = (win.h * win.w, oh * ow);
    // Each task zeroes its own plane before adding into it: the planes are written
    // while in cache, by all threads, instead of zero-filled up front by one.
    let scatter = |(bc, dst): (usize, &mut [MaybeUninit<T>])| {
        dst.fill(MaybeUninit::new(T::zero()));
        // SAFETY: every element was just written; MaybeUninit<T> has T's layout.
        let dst = unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) };
        let grads = &g[bc * out_plane..][..out_plane];
        for (&v, &i) in grads.iter().zip(&at[bc * out_plane..][..out_plane]) {
            let d = &mut dst[i as usize];
            *d = d.add(v);
        }
    };
    let len = win.n * win.c * plane;
    let write = |out: &mut [MaybeUninit<T>]| {
        if stays_serial(len) {
            out.chunks_mut(plane.max(1)).enumerate().for_each(scatter);
        } else {
            out.par_chunks_mut(plane.max(1))
                .enumerate()
                .for_each(scatter);
        }
    };
    // SAFETY: the planes tile the output, and each task fills its whole plane.
    unsafe { written_vec(len, write) }
}

/// Whether a pooling of this many input elements stays on the calling thread.
fn stays_serial(elements: usize) -> bool {
    elements < super::map::PAR_THRESHOLD
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(h: usize, w: usize, k: usize, stride: usize, pad: usize) -> Window2d {
        Window2d {
            n: 1,
            c: 1,
            h,
            w,
            kernel: (k, k),
            stride: (stride, stride),
            padding: (pad, pad),
            dilation: (1, 1),
            pad_value: f64::NEG_INFINITY,
        }
    }

    #[test]
    fn maxima_and_their_positions() {
        let x = [1.0f32, 5.0, 2.0, 3.0, 4.0, 0.0, 7.0, 7.0, 6.0];
        let win = window(3, 3, 2, 1, 0);
        let (values, at) = max_pool2d(&x, &Layout::contiguous((1, 1, 3, 3)), &win);
        assert_eq!(values, vec![5.0, 5.0, 7.0, 7.0]);
        // window (1, 0) holds both 7s: the tie goes to the first
        assert_eq!(at, vec![1, 1, 6, 7]);
        let grad = [1.0f32, 2.0, 3.0, 4.0];
        let back = max_pool2d_backward(
            &grad,
            &Layout::contiguous((1, 1, 2, 2)),
            &at,
            &Layout::contiguous((1, 1, 2, 2)),
            &win,
        );
        assert_eq!(back, vec![0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 3.0, 4.0, 0.0]);
    }

    #[test]
    fn padding_never_wins_and_nan_propagates() {
        let x = [-3.0f32, f32::NAN, -1.0, -2.0];
        let win = window(2, 2, 2, 2, 1);
        let (values, at) = max_pool2d(&x, &Layout::contiguous((1, 1, 2, 2)), &win);
        assert_eq!(at, vec![0, 1, 2, 3]);
        assert_eq!(values[0], -3.0);
        assert!(values[1].is_nan());
        assert_eq!(&values[2..], &[-1.0, -2.0]);
    }

    #[test]
    fn pair_rows_agree_with_the_general_rows() {
        let (h, w) = (4, 7);
        let x: Vec<f32> = [3., 1., 3., 3., 0., 2., 5., 4., 4., 1., 9., 2., 2., 5.]
            .repeat(2)
            .into_iter()
            .enumerate()
            .map(|(i, v)| if i == 17 { f32::NAN } else { v })
            .collect();
        let win = window(h, w, 2, 2, 0);
        let (oh, ow) = win.out_hw();
        for oy in 0..oh {
            let (mut general, mut general_at) = (vec![0.0; ow], vec![0; ow]);
            row_max_inside(&x, oy, &win, &mut general, &mut general_at);
            let (mut pairs, mut pairs_at) = (vec![0.0; ow], vec![0; ow]);
            let row = 2 * oy * w;
            row_max_pairs(
                &x[row..][..w],
                &x[row + w..][..w],
                row,
                w,
                &mut pairs,
                &mut pairs_at,
            );
            assert_eq!(general_at, pairs_at);
            let same = |a: f32, b: f32| a == b || (a.is_nan() && b.is_nan());
            assert!(general.iter().zip(&pairs).all(|(&a, &b)| same(a, b)));
        }
    }

    #[test]
    fn inside_rows_agree_with_the_tap_tables() {
        let (h, w) = (9, 11);
        let x: Vec<f32> = (0..h * w).map(|i| ((i * 37) % 23) as f32).collect();
        let mut win = window(h, w, 3, 2, 0);
        win.kernel = (3, 2);
        win.stride = (2, 3);
        win.dilation = (2, 1);
        let (oh, ow) = win.out_hw();
        let ys = source_table(oh, 3, 2, 2, 0, h);
        let xs = source_table(ow, 2, 3, 1, 0, w);
        for oy in 0..oh {
            let (mut values, mut at) = (vec![0.0; ow], vec![0; ow]);
            row_max_inside(&x, oy, &win, &mut values, &mut at);
            for ox in 0..ow {
                let (v, i) = window_max(&x, w, &ys[oy * 3..][..3], &xs[ox * 2..][..2]);
                assert_eq!((values[ox], at[ox]), (v, i as u32));
            }
        }
    }
}
