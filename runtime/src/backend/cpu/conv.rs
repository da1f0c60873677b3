//! Sliding-window unfolding (im2col) and its adjoint (col2im) for convolution and pooling.

use super::alloc::output_vec;
use super::map::{copy_view, PAR_THRESHOLD};
use crate::backend::Window2d;
use crate::Layout;
use rayon::prelude::*;

/// Input coordinate read by output position `o` and kernel tap `k`, if inside the input.
#[inline(always)]
fn source(o: usize, k: usize, stride: usize, dil: usize, pad: usize, size: usize) -> Option<usize> {
    (o * stride + k * dil)
        .checked_sub(pad)
        .filter(|&i| i < size)
}

/// The kernel taps `lo..hi` of an undilated window at output `o` that fall inside the input.
#[inline(always)]
fn tap_range(o: usize, k: usize, stride: usize, pad: usize, size: usize) -> (usize, usize) {
    let start = o * stride;
    let lo = pad.saturating_sub(start).min(k);
    let hi = (size + pad).saturating_sub(start).min(k).max(lo);
    (lo, hi)
}

/// Unfolds `[n, c, h, w]` into `[n, oh*ow, c*kh*kw]`, reading `pad` outside the input.
pub fn im2col<T: Copy + Send + Sync + Default>(
    src: &[T],
    l: &Layout,
    win: &Window2d,
    pad: T,
) -> Vec<T> {
    let x = copy_view(src, l);
    let (oh, ow) = win.out_hw();
    let (kh, kw) = win.kernel;
    let cols = win.c * kh * kw;
    let mut out = output_vec::<T>(win.n * oh * ow * cols);
    let row_len = ow * cols;
    let fill = |r: usize, dst: &mut [T]| {
        let (b, oy) = (r / oh, r % oh);
        for ox in 0..ow {
            let cell = &mut dst[ox * cols..(ox + 1) * cols];
            let (lo, hi) = tap_range(ox, kw, win.stride.1, win.padding.1, win.w);
            for ci in 0..win.c {
                let plane = &x[(b * win.c + ci) * win.h * win.w..];
                for ky in 0..kh {
                    let iy = source(oy, ky, win.stride.0, win.dilation.0, win.padding.0, win.h);
                    let taps = &mut cell[(ci * kh + ky) * kw..(ci * kh + ky + 1) * kw];
                    match iy {
                        Some(y) if win.dilation.1 == 1 => {
                            // Undilated taps read one contiguous run of the input row.
                            taps[..lo].fill(pad);
                            taps[hi..].fill(pad);
                            if lo < hi {
                                let x0 = y * win.w + ox * win.stride.1 + lo - win.padding.1;
                                taps[lo..hi].copy_from_slice(&plane[x0..x0 + hi - lo]);
                            }
                        }
                        Some(y) => {
                            for (kx, t) in taps.iter_mut().enumerate() {
                                let ix = source(
                                    ox,
                                    kx,
                                    win.stride.1,
                                    win.dilation.1,
                                    win.padding.1,
                                    win.w,
                                );
                                *t = ix.map_or(pad, |xx| plane[y * win.w + xx]);
                            }
                        }
                        None => taps.fill(pad),
                    }
                }
            }
        }
    };
    if out.len() < PAR_THRESHOLD {
        for (r, dst) in out.chunks_mut(row_len.max(1)).enumerate() {
            fill(r, dst);
        }
    } else {
        out.par_chunks_mut(row_len.max(1))
            .enumerate()
            .for_each(|(r, dst)| fill(r, dst));
    }
    out
}

/// Sums `[n, oh*ow, c*kh*kw]` columns back into `[n, c, h, w]` (adjoint of `im2col`).
pub fn col2im<T: Copy + Send + Sync + Default>(
    src: &[T],
    l: &Layout,
    win: &Window2d,
    add: impl Fn(T, T) -> T + Sync,
) -> Vec<T> {
    let cols_data = copy_view(src, l);
    let (oh, ow) = win.out_hw();
    let (kh, kw) = win.kernel;
    let cols = win.c * kh * kw;
    let plane = win.h * win.w;
    let mut out = output_vec::<T>(win.n * win.c * plane);
    // Each (batch, channel) plane is written by one task only.
    out.par_chunks_mut(plane.max(1))
        .enumerate()
        .for_each(|(bc, dst)| {
            let (b, ci) = (bc / win.c, bc % win.c);
            for oy in 0..oh {
                for ox in 0..ow {
                    let cell = &cols_data[((b * oh + oy) * ow + ox) * cols + ci * kh * kw..];
                    let (lo, hi) = tap_range(ox, kw, win.stride.1, win.padding.1, win.w);
                    for ky in 0..kh {
                        let Some(y) =
                            source(oy, ky, win.stride.0, win.dilation.0, win.padding.0, win.h)
                        else {
                            continue;
                        };
                        let taps = &cell[ky * kw..(ky + 1) * kw];
                        if win.dilation.1 == 1 {
                            // Undilated taps write one contiguous run of the output row.
                            if lo < hi {
                                let x0 = y * win.w + ox * win.stride.1 + lo - win.padding.1;
                                for (d, &t) in dst[x0..x0 + hi - lo].iter_mut().zip(&taps[lo..hi]) {
                                    *d = add(*d, t);
                                }
                            }
                            continue;
                        }
                        for (kx, &t) in taps.iter().enumerate() {
                            if let Some(xx) =
                                source(ox, kx, win.stride.1, win.dilation.1, win.padding.1, win.w)
                            {
                                let d = &mut dst[y * win.w + xx];
                                *d = add(*d, t);
                            }
                        }
                    }
                }
            }
        });
    out
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
            pad_value: 0.0,
        }
    }

    #[test]
    fn unfold_3x3_with_2x2_kernel() {
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let win = window(3, 3, 2, 1, 0);
        let cols = im2col(&x, &Layout::contiguous((1, 1, 3, 3)), &win, 0.0);
        assert_eq!(
            cols,
            vec![1., 2., 4., 5., 2., 3., 5., 6., 4., 5., 7., 8., 5., 6., 8., 9.]
        );
        let back = col2im(&cols, &Layout::contiguous((1, 4, 4)), &win, |a, b| a + b);
        assert_eq!(back, vec![1., 4., 3., 8., 20., 12., 7., 16., 9.]);
    }

    #[test]
    fn padding_reads_the_pad_value() {
        let x = [1.0f32];
        let win = window(1, 1, 3, 1, 1);
        let cols = im2col(&x, &Layout::contiguous((1, 1, 1, 1)), &win, -1.0);
        assert_eq!(cols, vec![-1., -1., -1., -1., 1., -1., -1., -1., -1.]);
    }
}
