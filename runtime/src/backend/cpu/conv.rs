//! Sliding-window unfolding (im2col) and its adjoint (col2im) for convolution and pooling.

use super::alloc::output_vec;
use super::map::{contiguous_view, PAR_THRESHOLD};
use crate::backend::Window2d;
use crate::Layout;
use rayon::prelude::*;

/// For each output coordinate `o` and kernel tap `k` (at `o * k_len + k`), the input
/// coordinate it reads, or `usize::MAX` where the tap falls in the padding.
pub(super) fn source_table(
    out_len: usize,
    k_len: usize,
    stride: usize,
    dil: usize,
    pad: usize,
    size: usize,
) -> Vec<usize> {
    (0..out_len)
        .flat_map(|o| {
            (0..k_len).map(move |k| {
                (o * stride + k * dil)
                    .checked_sub(pad)
                    .filter(|&i| i < size)
                    .unwrap_or(usize::MAX)
            })
        })
        .collect()
}

/// For one kernel column: the output columns `lo..hi` whose input column lies inside
/// the row, and `x0`, the input column of output column `lo`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct InsideSpan {
    pub lo: usize,
    pub hi: usize,
    pub x0: usize,
}

/// The [`InsideSpan`] of each of the `k_len` kernel taps along one axis, where output
/// `o` of tap `k` reads input `o * stride + k * dil - pad`.
pub(super) fn inside_spans(
    out_len: usize,
    k_len: usize,
    stride: usize,
    dil: usize,
    pad: usize,
    size: usize,
) -> Vec<InsideSpan> {
    (0..k_len)
        .map(|k| {
            let shift = k * dil;
            // The first output whose input is at or after 0, and the first at or after `size`.
            let lo = pad.saturating_sub(shift).div_ceil(stride).min(out_len);
            let hi = (size + pad).saturating_sub(shift).div_ceil(stride);
            let hi = hi.clamp(lo, out_len);
            // `x0` is only read for a non-empty span, where it is at least 0.
            let x0 = if hi > lo {
                lo * stride + shift - pad
            } else {
                0
            };
            InsideSpan { lo, hi, x0 }
        })
        .collect()
}

/// The index tables of one sliding window, for unfolding and folding single planes.
pub(super) struct Unfolder {
    /// Input row of each (output row, kernel row) pair, or `usize::MAX` in the padding.
    ys: Vec<usize>,
    /// The inside span of each kernel column.
    spans: Vec<InsideSpan>,
    kh: usize,
    kw: usize,
    ow: usize,
    w: usize,
    sw: usize,
    /// Output positions per plane (`oh * ow`).
    positions: usize,
    /// Input elements per plane (`h * w`).
    plane: usize,
}

impl Unfolder {
    /// The tables of `win` (its `n` and `c` are not used).
    pub(super) fn new(win: &Window2d) -> Self {
        let (oh, ow) = win.out_hw();
        let (kh, kw) = win.kernel;
        Unfolder {
            ys: source_table(oh, kh, win.stride.0, win.dilation.0, win.padding.0, win.h),
            spans: inside_spans(ow, kw, win.stride.1, win.dilation.1, win.padding.1, win.w),
            kh,
            kw,
            ow,
            w: win.w,
            sw: win.stride.1,
            positions: oh * ow,
            plane: win.h * win.w,
        }
    }

    /// Writes the `kh*kw` rows (of `oh*ow` positions each) of one input plane into
    /// `rows`, with `pad` where a tap falls outside the input.
    pub(super) fn unfold_plane<T: Copy>(&self, input: &[T], rows: &mut [T], pad: T) {
        let (ow, sw) = (self.ow, self.sw);
        for (tap, row) in rows.chunks_exact_mut(self.positions.max(1)).enumerate() {
            let (ky, kx) = (tap / self.kw, tap % self.kw);
            let span = self.spans[kx];
            for (oy, dst) in row.chunks_exact_mut(ow.max(1)).enumerate() {
                let y = self.ys[oy * self.kh + ky];
                if y == usize::MAX {
                    dst.fill(pad);
                    continue;
                }
                let line = &input[y * self.w..][..self.w];
                dst[..span.lo].fill(pad);
                dst[span.hi..].fill(pad);
                let inside = &mut dst[span.lo..span.hi];
                if sw == 1 {
                    inside.copy_from_slice(&line[span.x0..][..inside.len()]);
                } else {
                    for (d, &v) in inside.iter_mut().zip(line[span.x0..].iter().step_by(sw)) {
                        *d = v;
                    }
                }
            }
        }
    }

    /// Unfolds the `c` planes of one sample (`[c, h, w]`) into `[c*kh*kw, oh*ow]` rows.
    pub(super) fn unfold_sample<T: Copy>(&self, input: &[T], rows: &mut [T], pad: T) {
        let per_plane = (self.kh * self.kw * self.positions).max(1);
        for (plane, dst) in input
            .chunks_exact(self.plane.max(1))
            .zip(rows.chunks_exact_mut(per_plane))
        {
            self.unfold_plane(plane, dst, pad);
        }
    }

    /// Adds the `kh*kw` rows of one plane back into the input plane `dst` (adjoint of
    /// [`Unfolder::unfold_plane`]); padding taps are dropped.
    pub(super) fn fold_plane<T: Copy>(&self, rows: &[T], dst: &mut [T], add: impl Fn(T, T) -> T) {
        let (ow, sw) = (self.ow, self.sw);
        for (tap, row) in rows.chunks_exact(self.positions.max(1)).enumerate() {
            let (ky, kx) = (tap / self.kw, tap % self.kw);
            let span = self.spans[kx];
            for (oy, values) in row.chunks_exact(ow.max(1)).enumerate() {
                let y = self.ys[oy * self.kh + ky];
                if y == usize::MAX {
                    continue;
                }
                let line = &mut dst[y * self.w..][..self.w];
                let inside = &values[span.lo..span.hi];
                if sw == 1 {
                    for (d, &v) in line[span.x0..][..inside.len()].iter_mut().zip(inside) {
                        *d = add(*d, v);
                    }
                } else {
                    for (d, &v) in line[span.x0..].iter_mut().step_by(sw).zip(inside) {
                        *d = add(*d, v);
                    }
                }
            }
        }
    }

    /// Adds the `[c*kh*kw, oh*ow]` rows of one sample back into its `[c, h, w]` planes.
    pub(super) fn fold_sample<T: Copy>(&self, rows: &[T], dst: &mut [T], add: impl Fn(T, T) -> T) {
        let per_plane = (self.kh * self.kw * self.positions).max(1);
        for (plane, src) in dst
            .chunks_exact_mut(self.plane.max(1))
            .zip(rows.chunks_exact(per_plane))
        {
            self.fold_plane(src, plane, &add);
        }
    }
}

/// Unfolds `[n, c, h, w]` into `[n, c*kh*kw, oh*ow]` (the layout of PyTorch's `unfold`):
/// row `(ci, ky, kx)` holds, for every output position, the input value under that
/// kernel tap, or `pad` outside the input.
pub fn im2col<T: Copy + Send + Sync + Default>(
    src: &[T],
    l: &Layout,
    win: &Window2d,
    pad: T,
) -> Vec<T> {
    let x = contiguous_view(src, l);
    let unfolder = Unfolder::new(win);
    let (plane, per_plane) = (
        unfolder.plane,
        unfolder.kh * unfolder.kw * unfolder.positions,
    );
    let mut out = output_vec::<T>(win.n * win.c * per_plane);
    // One task per (batch, channel): its kh*kw rows read one input plane.
    let fill = |(bc, rows): (usize, &mut [T])| {
        unfolder.unfold_plane(&x[bc * plane..][..plane], rows, pad);
    };
    if out.len() < PAR_THRESHOLD {
        out.chunks_mut(per_plane.max(1)).enumerate().for_each(fill);
    } else {
        out.par_chunks_mut(per_plane.max(1))
            .enumerate()
            .for_each(fill);
    }
    out
}

/// Sums `[n, c*kh*kw, oh*ow]` columns back into `[n, c, h, w]` (adjoint of `im2col`).
pub fn col2im<T: Copy + Send + Sync + Default>(
    src: &[T],
    l: &Layout,
    win: &Window2d,
    add: impl Fn(T, T) -> T + Sync,
) -> Vec<T> {
    let cols = contiguous_view(src, l);
    let unfolder = Unfolder::new(win);
    let (plane, per_plane) = (
        unfolder.plane,
        unfolder.kh * unfolder.kw * unfolder.positions,
    );
    let mut out = output_vec::<T>(win.n * win.c * plane);
    // Each (batch, channel) plane is written by one task only.
    let gather = |(bc, dst): (usize, &mut [T])| {
        unfolder.fold_plane(&cols[bc * per_plane..][..per_plane], dst, &add);
    };
    if out.len() < PAR_THRESHOLD {
        out.chunks_mut(plane.max(1)).enumerate().for_each(gather);
    } else {
        out.par_chunks_mut(plane.max(1))
            .enumerate()
            .for_each(gather);
    }
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
    fn inside_spans_agree_with_the_source_table() {
        for (size, k_len, stride, dil, pad) in [
            (28, 5, 1, 1, 2),
            (7, 3, 2, 1, 1),
            (9, 3, 3, 2, 2),
            (4, 5, 1, 1, 2),
            (1, 3, 1, 1, 1),
            (10, 2, 2, 1, 0),
        ] {
            let out_len = (size + 2 * pad - dil * (k_len - 1) - 1) / stride + 1;
            let table = source_table(out_len, k_len, stride, dil, pad, size);
            let spans = inside_spans(out_len, k_len, stride, dil, pad, size);
            for (k, span) in spans.iter().enumerate() {
                for o in 0..out_len {
                    let source = table[o * k_len + k];
                    let inside = (span.lo..span.hi).contains(&o);
                    assert_eq!(
                        inside,
                        source != usize::MAX,
                        "{size} {k_len} {stride} {dil} {pad} k{k} o{o}"
                    );
                    if inside {
                        assert_eq!(source, span.x0 + (o - span.lo) * stride);
                    }
                }
            }
        }
    }

    #[test]
    fn unfold_3x3_with_2x2_kernel() {
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let win = window(3, 3, 2, 1, 0);
        let cols = im2col(&x, &Layout::contiguous((1, 1, 3, 3)), &win, 0.0);
        // rows are the taps (0,0), (0,1), (1,0), (1,1); columns the 4 output positions
        assert_eq!(
            cols,
            vec![1., 2., 4., 5., 2., 3., 5., 6., 4., 5., 7., 8., 5., 6., 8., 9.]
        );
        let back = col2im(&cols, &Layout::contiguous((1, 4, 4)), &win, |a, b| a + b);
        assert_eq!(back, vec![1., 4., 3., 8., 20., 12., 7., 16., 9.]);
    }

    #[test]
    fn unfold_rows_are_taps_and_columns_positions() {
        let x = [1.0f32, 2., 3., 4., 5., 6.];
        let win = window(2, 3, 2, 1, 0);
        let cols = im2col(&x, &Layout::contiguous((1, 1, 2, 3)), &win, 0.0);
        assert_eq!(cols, vec![1., 2., 2., 3., 4., 5., 5., 6.]);
        let back = col2im(&cols, &Layout::contiguous((1, 4, 2)), &win, |a, b| a + b);
        assert_eq!(back, vec![1., 4., 3., 4., 10., 6.]);
    }

    #[test]
    fn padding_reads_the_pad_value() {
        let x = [1.0f32];
        let win = window(1, 1, 3, 1, 1);
        let cols = im2col(&x, &Layout::contiguous((1, 1, 1, 1)), &win, -1.0);
        assert_eq!(cols, vec![-1., -1., -1., -1., 1., -1., -1., -1., -1.]);
    }
}
