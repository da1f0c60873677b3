//! Whole 2-D convolutions (one group) on the CPU, forward and backward. Each sample is
//! unfolded into a per-thread buffer and multiplied right away, so no batch-sized column
//! tensor is built, the bias is added inside the product, and the weight gradient is
//! summed over the batch inside the products instead of through a batch of them.

use super::alloc::written_vec;
use super::binary::Arith;
use super::conv::Unfolder;
use super::map::contiguous_view;
use super::CpuStorage;
use crate::backend::Window2d;
use crate::Layout;
use gemm::Parallelism;
use rayon::iter::Either;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Per-sample products with fewer multiply-adds than this never split across threads.
const GEMM_PAR_FLOPS: usize = 1 << 18;

/// Which gradients of a convolution to compute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvNeeds {
    /// the input's
    pub input: bool,
    /// the weight's
    pub weight: bool,
    /// the bias's
    pub bias: bool,
}

/// The gradients of a convolution, each `None` when it was not asked for.
#[derive(Debug)]
pub struct ConvGrads<S> {
    /// `[n, c, h, w]`, like the input
    pub input: Option<S>,
    /// `[o, c, kh, kw]`, like the weight
    pub weight: Option<S>,
    /// `[o]`
    pub bias: Option<S>,
}

/// The sizes one convolution works with.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    /// samples
    n: usize,
    /// output channels
    o: usize,
    /// rows of a sample's unfolding: `c * kh * kw`
    taps: usize,
    /// output positions per channel: `oh * ow`
    positions: usize,
    /// input elements per sample
    sample_in: usize,
    /// output elements per sample
    sample_out: usize,
}

impl Geometry {
    fn of(win: &Window2d, o: usize) -> Self {
        let (oh, ow) = win.out_hw();
        Geometry {
            n: win.n,
            o,
            taps: win.c * win.kernel.0 * win.kernel.1,
            positions: oh * ow,
            sample_in: win.c * win.h * win.w,
            sample_out: o * oh * ow,
        }
    }

    /// Whether samples are shared out across threads, one task each; otherwise the
    /// samples run in turn and threads split each (large) product.
    fn sample_tasks(&self) -> bool {
        let threads = rayon::current_num_threads();
        self.n >= 2 * threads || self.o * self.taps * self.positions < GEMM_PAR_FLOPS
    }

    /// The parallelism inside one product.
    fn product_parallelism(&self) -> Parallelism {
        if self.sample_tasks() {
            Parallelism::None
        } else {
            Parallelism::Rayon(rayon::current_num_threads())
        }
    }

    /// Samples per task, so a batch splits into a few tasks per thread at most.
    fn min_task_len(&self) -> usize {
        (self.n / (4 * rayon::current_num_threads())).max(1)
    }
}

/// An `m×k` or `k×n` operand of a product: its elements and (row, column) strides.
#[derive(Clone, Copy)]
struct Operand<'a, T> {
    data: &'a [T],
    rs: usize,
    cs: usize,
}

impl<'a, T> Operand<'a, T> {
    fn new(data: &'a [T], rs: usize, cs: usize) -> Self {
        Operand { data, rs, cs }
    }

    /// Panics unless a `rows×cols` matrix with these strides lies inside `data`.
    fn check(&self, rows: usize, cols: usize) {
        let last = (rows - 1) * self.rs + (cols - 1) * self.cs;
        assert!(
            last < self.data.len(),
            "conv2d: a {rows}x{cols} operand with strides ({}, {}) overruns its {} elements",
            self.rs,
            self.cs,
            self.data.len()
        );
    }
}

/// `dst ← a·b` (`accumulate` false) or `dst ← dst + a·b`, for `a` `m×k`, `b` `k×n` and a
/// row-major `m×n` destination at `dst`.
///
/// # Safety
/// `dst` must be valid for `m*n` writes, and for reads too when `accumulate` is set.
unsafe fn product<T: Arith>(
    dst: *mut T,
    (m, n, k): (usize, usize, usize),
    a: Operand<T>,
    b: Operand<T>,
    accumulate: bool,
    par: Parallelism,
) {
    assert!(m > 0 && n > 0 && k > 0, "conv2d: empty product {m}x{k}x{n}");
    a.check(m, k);
    b.check(k, n);
    // SAFETY: both operands were checked to lie inside their slices; the caller vouches
    // for the destination.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            par,
        )
    }
}

/// Writes `a·b` into the uninitialised row-major `m×n` buffer `dst`.
fn product_into<T: Arith>(
    dst: &mut [MaybeUninit<T>],
    mnk: (usize, usize, usize),
    a: Operand<T>,
    b: Operand<T>,
    par: Parallelism,
) {
    assert!(
        dst.len() >= mnk.0 * mnk.1,
        "conv2d: product destination too small"
    );
    // SAFETY: `dst` holds m*n elements, which gemm only writes when not accumulating.
    unsafe { product(dst.as_mut_ptr().cast::<T>(), mnk, a, b, false, par) }
}

/// Adds `a·b` to the row-major `m×n` matrix `dst`.
fn product_add<T: Arith>(
    dst: &mut [T],
    mnk: (usize, usize, usize),
    a: Operand<T>,
    b: Operand<T>,
    par: Parallelism,
) {
    assert!(
        dst.len() >= mnk.0 * mnk.1,
        "conv2d: product destination too small"
    );
    // SAFETY: `dst` holds m*n initialised elements.
    unsafe { product(dst.as_mut_ptr(), mnk, a, b, true, par) }
}

/// Fills an uninitialised slice with `value` and returns it as initialised.
fn fill_uninit<T: Copy>(dst: &mut [MaybeUninit<T>], value: T) -> &mut [T] {
    dst.fill(MaybeUninit::new(value));
    // SAFETY: every element was just written; MaybeUninit<T> has T's layout.
    unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) }
}

/// The convolution of `[n, c, h, w]` with `[o, c, kh, kw]` weights (one group) and an
/// optional `[o]` bias, as contiguous `[n, o, oh, ow]`. Every size must be non-zero.
pub fn conv2d<T: Arith>(
    x: &[T],
    xl: &Layout,
    w: &[T],
    wl: &Layout,
    bias: Option<(&[T], &Layout)>,
    win: &Window2d,
    o: usize,
) -> Vec<T> {
    let geo = Geometry::of(win, o);
    let (x, w) = (contiguous_view(x, xl), contiguous_view(w, wl));
    let bias = bias.map(|(b, bl)| contiguous_view(b, bl));
    let unfolder = Unfolder::new(win);
    let par = geo.product_parallelism();
    let Geometry {
        taps, positions, ..
    } = geo;
    let one_sample = |ni: usize, dst: &mut [MaybeUninit<T>], cols: &mut [T]| {
        let input = &x[ni * geo.sample_in..][..geo.sample_in];
        unfolder.unfold_sample(input, cols, T::zero());
        let (weights, cols) = (Operand::new(&w, taps, 1), Operand::new(cols, positions, 1));
        let mnk = (o, positions, taps);
        match &bias {
            Some(b) => {
                for (row, &v) in dst.chunks_exact_mut(positions).zip(b.iter()) {
                    row.fill(MaybeUninit::new(v));
                }
                // SAFETY: every row was just filled with its channel's bias.
                let dst = unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) };
                product_add(dst, mnk, weights, cols, par);
            }
            None => product_into(dst, mnk, weights, cols, par),
        }
    };
    let scratch = || vec![T::zero(); taps * positions];
    let write = |out: &mut [MaybeUninit<T>]| {
        if geo.sample_tasks() {
            out.par_chunks_mut(geo.sample_out)
                .enumerate()
                .with_min_len(geo.min_task_len())
                .for_each_init(scratch, |cols, (ni, dst)| one_sample(ni, dst, cols));
        } else {
            let mut cols = scratch();
            for (ni, dst) in out.chunks_mut(geo.sample_out).enumerate() {
                one_sample(ni, dst, &mut cols);
            }
        }
    };
    // SAFETY: each of the n samples writes its o*oh*ow outputs.
    unsafe { written_vec(geo.n * geo.sample_out, write) }
}

/// One task's share of the weight and bias gradients, and its unfolding buffer.
struct Partial<T> {
    weight: Vec<T>,
    bias: Vec<T>,
    cols: Vec<T>,
}

impl<T: Arith> Partial<T> {
    fn new(geo: &Geometry, needs: ConvNeeds) -> Self {
        let zeros = |on: bool, len: usize| if on { vec![T::zero(); len] } else { Vec::new() };
        Partial {
            weight: zeros(needs.weight, geo.o * geo.taps),
            bias: zeros(needs.bias, geo.o),
            cols: zeros(needs.weight || needs.input, geo.taps * geo.positions),
        }
    }

    /// Adds another task's sums into this one's.
    fn merge(mut self, other: Self) -> Self {
        for (a, &b) in self.weight.iter_mut().zip(&other.weight) {
            *a = a.add(b);
        }
        for (a, &b) in self.bias.iter_mut().zip(&other.bias) {
            *a = a.add(b);
        }
        self
    }
}

/// The gradients of [`conv2d`] for the output gradient `g` (`[n, o, oh, ow]`), those
/// `needs` asks for. Every size must be non-zero.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward<T: Arith>(
    x: &[T],
    xl: &Layout,
    w: &[T],
    wl: &Layout,
    g: &[T],
    gl: &Layout,
    win: &Window2d,
    o: usize,
    needs: ConvNeeds,
) -> ConvGrads<Vec<T>> {
    let geo = Geometry::of(win, o);
    let (x, w, g) = (
        contiguous_view(x, xl),
        contiguous_view(w, wl),
        contiguous_view(g, gl),
    );
    let unfolder = Unfolder::new(win);
    let par = geo.product_parallelism();
    let Geometry {
        taps, positions, ..
    } = geo;
    let one_sample = |p: &mut Partial<T>, ni: usize, gx: Option<&mut [MaybeUninit<T>]>| {
        let gn = &g[ni * geo.sample_out..][..geo.sample_out];
        for (sum, row) in p.bias.iter_mut().zip(gn.chunks_exact(positions)) {
            *sum = row.iter().fold(*sum, |s, &v| s.add(v));
        }
        let grad_out = Operand::new(gn, positions, 1);
        if needs.weight {
            let input = &x[ni * geo.sample_in..][..geo.sample_in];
            unfolder.unfold_sample(input, &mut p.cols, T::zero());
            // [o, positions] · [positions, taps]: the unfolding read transposed.
            let cols_t = Operand::new(&p.cols, 1, positions);
            product_add(&mut p.weight, (o, taps, positions), grad_out, cols_t, par);
        }
        if let Some(gx) = gx {
            // [taps, o] · [o, positions]: the weight read transposed.
            let w_t = Operand::new(&w, 1, taps);
            // SAFETY: MaybeUninit<T> has T's layout, and gemm only writes this buffer.
            let cols = unsafe { &mut *(&mut p.cols[..] as *mut [T] as *mut [MaybeUninit<T>]) };
            product_into(cols, (taps, positions, o), w_t, grad_out, par);
            let gx = fill_uninit(gx, T::zero());
            unfolder.fold_sample(&p.cols, gx, |a, b| a.add(b));
        }
    };
    let run = |gx: Option<&mut [MaybeUninit<T>]>| -> Partial<T> {
        if geo.sample_tasks() {
            let samples = match gx {
                Some(parts) => Either::Left(parts.par_chunks_mut(geo.sample_in).map(Some)),
                None => Either::Right((0..geo.n).into_par_iter().map(|_| None)),
            };
            return samples
                .enumerate()
                .with_min_len(geo.min_task_len())
                .fold(
                    || Partial::new(&geo, needs),
                    |mut p, (ni, gx)| {
                        one_sample(&mut p, ni, gx);
                        p
                    },
                )
                .reduce_with(Partial::merge)
                .expect("conv2d: a non-empty batch");
        }
        let mut p = Partial::new(&geo, needs);
        match gx {
            Some(parts) => {
                for (ni, part) in parts.chunks_mut(geo.sample_in).enumerate() {
                    one_sample(&mut p, ni, Some(part));
                }
            }
            None => (0..geo.n).for_each(|ni| one_sample(&mut p, ni, None)),
        }
        p
    };
    let (input, sums) = if needs.input {
        let mut sums = None;
        let write = |parts: &mut [MaybeUninit<T>]| sums = Some(run(Some(parts)));
        // SAFETY: each of the n samples fills (then folds into) its c*h*w elements.
        let input = unsafe { written_vec(geo.n * geo.sample_in, write) };
        (Some(input), sums.expect("the gradient pass ran"))
    } else {
        (None, run(None))
    };
    ConvGrads {
        input,
        weight: needs.weight.then_some(sums.weight),
        bias: needs.bias.then_some(sums.bias),
    }
}

/// Runs `$body` with typed slices of the same float dtype, or returns `None`.
macro_rules! with_floats {
    (($($s:expr),+), ($($v:ident),+) => $body:expr) => {
        match ($($s),+) {
            ($(CpuStorage::F32($v)),+) => {
                #[allow(unused_imports)]
                use CpuStorage::F32 as Wrap;
                Some($body)
            }
            ($(CpuStorage::F64($v)),+) => {
                #[allow(unused_imports)]
                use CpuStorage::F64 as Wrap;
                Some($body)
            }
            _ => None,
        }
    };
}

impl CpuStorage {
    /// [`conv2d`] of this input with `w` and an optional bias, for f32 and f64 operands
    /// of one dtype; `None` otherwise (the caller composes unfolding and a product).
    pub fn conv2d(
        &self,
        l: &Layout,
        w: &CpuStorage,
        wl: &Layout,
        bias: Option<(&CpuStorage, &Layout)>,
        win: &Window2d,
        o: usize,
    ) -> Option<CpuStorage> {
        match bias {
            None => with_floats!((self, w), (x, w) => Wrap(conv2d(x, l, w, wl, None, win, o))),
            Some((b, bl)) => with_floats!((self, w, b), (x, w, b) =>
                Wrap(conv2d(x, l, w, wl, Some((b.as_slice(), bl)), win, o))),
        }
    }

    /// [`conv2d_backward`] for this input, the weight `w` and the output gradient `g`,
    /// for f32 and f64 operands of one dtype; `None` otherwise.
    #[allow(clippy::too_many_arguments)]
    pub fn conv2d_backward(
        &self,
        l: &Layout,
        w: &CpuStorage,
        wl: &Layout,
        g: &CpuStorage,
        gl: &Layout,
        win: &Window2d,
        o: usize,
        needs: ConvNeeds,
    ) -> Option<ConvGrads<CpuStorage>> {
        with_floats!((self, w, g), (x, w, g) => {
            let grads = conv2d_backward(x, l, w, wl, g, gl, win, o, needs);
            ConvGrads {
                input: grads.input.map(Wrap),
                weight: grads.weight.map(Wrap),
                bias: grads.bias.map(Wrap),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::{conv, matmul};
    use crate::backend::MatmulDims;

    /// A deterministic, irregular sequence of values in [-1, 1).
    fn values(len: usize, seed: u64) -> Vec<f64> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..len)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    fn window(
        n: usize,
        c: usize,
        hw: (usize, usize),
        k: (usize, usize),
        s: usize,
        p: usize,
        d: usize,
    ) -> Window2d {
        Window2d {
            n,
            c,
            h: hw.0,
            w: hw.1,
            kernel: k,
            stride: (s, s),
            padding: (p, p),
            dilation: (d, d),
            pad_value: 0.0,
        }
    }

    /// The general path: unfold the batch, one product per sample, plus the bias.
    fn reference_forward(x: &[f64], w: &[f64], b: &[f64], win: &Window2d, o: usize) -> Vec<f64> {
        let geo = Geometry::of(win, o);
        let cols = conv::im2col(
            x,
            &Layout::contiguous((win.n, win.c, win.h, win.w)),
            win,
            0.0,
        );
        let d = MatmulDims {
            batch: win.n,
            m: o,
            n: geo.positions,
            k: geo.taps,
        };
        let wl = Layout::contiguous((o, geo.taps))
            .broadcast_as(&crate::Shape::from((win.n, o, geo.taps)))
            .expect("broadcast");
        let cl = Layout::contiguous((win.n, geo.taps, geo.positions));
        let mut y = matmul::matmul(w, &wl, &cols, &cl, d, 0.0, 1.0);
        for (i, v) in y.iter_mut().enumerate() {
            *v += b[(i / geo.positions) % o];
        }
        y
    }

    fn assert_close(got: &[f64], want: &[f64], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: lengths");
        for (i, (a, b)) in got.iter().zip(want).enumerate() {
            assert!(
                (a - b).abs() <= 1e-10 * (1.0 + b.abs()),
                "{what} [{i}]: {a} vs {b}"
            );
        }
    }

    /// Forward against the general path, and each gradient against the adjoint identity
    /// `<g, conv(x)> = <grad_x, x>`-style sums computed from the forward itself.
    fn check(win: Window2d, o: usize) {
        let geo = Geometry::of(&win, o);
        let x = values(geo.n * geo.sample_in, 1);
        let w = values(o * geo.taps, 2);
        let b = values(o, 3);
        let xl = Layout::contiguous((win.n, win.c, win.h, win.w));
        let wl = Layout::contiguous((o, geo.taps));
        let bl = Layout::contiguous(o);
        let y = conv2d(&x, &xl, &w, &wl, Some((&b, &bl)), &win, o);
        let label = format!("{win:?} o={o}");
        assert_close(&y, &reference_forward(&x, &w, &b, &win, o), &label);
        let plain = conv2d(&x, &xl, &w, &wl, None, &win, o);
        let zero_bias = vec![0.0; o];
        assert_close(
            &plain,
            &reference_forward(&x, &w, &zero_bias, &win, o),
            &label,
        );

        // The output is linear in x, in w and in b: the gradient of <g, y> with respect
        // to each is the unique one whose inner product with any direction d equals
        // <g, y(direction)>.
        let g = values(y.len(), 4);
        let gl = Layout::contiguous((win.n, o, geo.positions));
        let all = ConvNeeds {
            input: true,
            weight: true,
            bias: true,
        };
        let grads = conv2d_backward(&x, &xl, &w, &wl, &g, &gl, &win, o, all);
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
        let dx = values(x.len(), 5);
        let dw = values(w.len(), 6);
        let db = values(b.len(), 7);
        let along_x = dot(&g, &conv2d(&dx, &xl, &w, &wl, None, &win, o));
        let along_w = dot(&g, &conv2d(&x, &xl, &dw, &wl, None, &win, o));
        let along_b = dot(
            &g,
            &reference_forward(&vec![0.0; x.len()], &w, &db, &win, o),
        );
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + b.abs());
        let gx = grads.input.expect("input grad");
        let gw = grads.weight.expect("weight grad");
        let gb = grads.bias.expect("bias grad");
        assert!(close(dot(&gx, &dx), along_x), "{label}: input grad");
        assert!(close(dot(&gw, &dw), along_w), "{label}: weight grad");
        assert!(close(dot(&gb, &db), along_b), "{label}: bias grad");

        // Asking for fewer gradients gives the same ones.
        let only_w = ConvNeeds {
            input: false,
            weight: true,
            bias: false,
        };
        let some = conv2d_backward(&x, &xl, &w, &wl, &g, &gl, &win, o, only_w);
        assert!(some.input.is_none() && some.bias.is_none());
        assert_close(&some.weight.expect("weight grad"), &gw, &label);
    }

    #[test]
    fn matches_the_general_path_and_its_adjoint() {
        // batch 1, odd sizes, padding, stride, dilation, rectangular kernels, large
        // batches (one task per sample) and a large product (threads split it)
        check(window(1, 1, (5, 7), (3, 3), 1, 1, 1), 2);
        check(window(3, 2, (7, 6), (3, 2), 2, 1, 1), 3);
        check(window(2, 3, (9, 9), (3, 3), 1, 2, 2), 4);
        check(window(17, 3, (8, 8), (5, 5), 1, 2, 1), 5);
        check(window(2, 16, (14, 14), (5, 5), 1, 0, 1), 32);
    }

    #[test]
    fn strided_views_are_read_as_views() {
        let win = window(2, 2, (4, 4), (3, 3), 1, 1, 1);
        let o = 3;
        let geo = Geometry::of(&win, o);
        // The input as a [n, c, w, h] buffer read through a transposing view.
        let raw = values(geo.n * geo.sample_in, 8);
        let xl = Layout::contiguous((2, 2, 4, 4)).permute(&[0, 1, 3, 2]);
        let x: Vec<f64> = xl.offsets().map(|i| raw[i]).collect();
        let w = values(o * geo.taps, 9);
        let wl = Layout::contiguous((o, geo.taps));
        let got = conv2d(&raw, &xl, &w, &wl, None, &win, o);
        let want = conv2d(
            &x,
            &Layout::contiguous((2, 2, 4, 4)),
            &w,
            &wl,
            None,
            &win,
            o,
        );
        assert_eq!(got, want);
    }
}
