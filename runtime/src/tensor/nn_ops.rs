//! Convolutions (im2col + gemm) and pooling (a max-pooling kernel; average pooling
//! through im2col), differentiable.

use super::Tensor;
use crate::autograd::Op;
use crate::backend::cpu::{ConvNeeds, CpuStorage};
use crate::backend::Window2d;
use crate::storage::Storage;
use crate::{Error, Result, Shape};

type Pair = (usize, usize);

impl Tensor {
    /// Unfolds sliding windows of `[n, c, h, w]` into `[n, c*kh*kw, oh*ow]`.
    pub(crate) fn im2col(&self, win: &Window2d) -> Result<Tensor> {
        let storage = self.storage().im2col(self.layout(), win)?;
        let (oh, ow) = win.out_hw();
        let shape = Shape::from((win.n, win.c * win.kernel.0 * win.kernel.1, oh * ow));
        let tracked = Tensor::track(&[self], || Op::Im2Col(self.clone(), *win));
        Ok(Tensor::from_storage(storage, shape, tracked))
    }

    /// Adjoint of `im2col`: sums columns back into `[n, c, h, w]`.
    pub(crate) fn col2im(&self, win: &Window2d) -> Result<Tensor> {
        let storage = self.storage().col2im(self.layout(), win)?;
        let shape = Shape::from((win.n, win.c, win.h, win.w));
        let tracked = Tensor::track(&[self], || Op::Col2Im(self.clone(), *win));
        Ok(Tensor::from_storage(storage, shape, tracked))
    }

    /// Max pooling with the window `win`, recording the position of each maximum.
    fn max_pool2d_window(&self, win: &Window2d) -> Result<Tensor> {
        let (values, argmax) = self.storage().max_pool2d(self.layout(), win)?;
        let (oh, ow) = win.out_hw();
        let shape = Shape::from((win.n, win.c, oh, ow));
        let argmax = Tensor::from_storage(argmax, shape.clone(), None);
        let tracked = Tensor::track(&[self], || Op::MaxPool2d(self.clone(), argmax, *win));
        Ok(Tensor::from_storage(values, shape, tracked))
    }

    /// Adjoint of max pooling: `self` (`[n, c, oh, ow]`) added at the maxima's positions.
    pub(crate) fn max_pool2d_backward(&self, argmax: &Tensor, win: &Window2d) -> Result<Tensor> {
        let storage = self.storage().max_pool2d_backward(
            self.layout(),
            &argmax.storage(),
            argmax.layout(),
            win,
        )?;
        let shape = Shape::from((win.n, win.c, win.h, win.w));
        Ok(Tensor::from_storage(storage, shape, None))
    }

    fn window(
        &self,
        op: &'static str,
        kernel: Pair,
        stride: Pair,
        padding: Pair,
        dilation: Pair,
        pad_value: f64,
    ) -> Result<Window2d> {
        let &[n, c, h, w] = self.dims() else {
            return Err(Error::invalid(
                op,
                format!(
                    "expected a 4-D [n, c, h, w] input, got shape {:?}",
                    self.shape()
                ),
            ));
        };
        if stride.0 == 0
            || stride.1 == 0
            || dilation.0 == 0
            || dilation.1 == 0
            || kernel.0 == 0
            || kernel.1 == 0
        {
            return Err(Error::invalid(
                op,
                format!("kernel {kernel:?}, stride {stride:?} and dilation {dilation:?} must be positive"),
            ));
        }
        let span = |k: usize, d: usize| d * (k - 1) + 1;
        if span(kernel.0, dilation.0) > h + 2 * padding.0
            || span(kernel.1, dilation.1) > w + 2 * padding.1
        {
            return Err(Error::invalid(
                op,
                format!(
                    "kernel {kernel:?} with dilation {dilation:?} is larger than the padded input {:?}",
                    (h + 2 * padding.0, w + 2 * padding.1)
                ),
            ));
        }
        Ok(Window2d {
            n,
            c,
            h,
            w,
            kernel,
            stride,
            padding,
            dilation,
            pad_value,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn conv2d_impl(
        &self,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: Pair,
        padding: Pair,
        dilation: Pair,
        groups: usize,
        op: &'static str,
    ) -> Result<Tensor> {
        self.same_dtype(weight, op)?;
        self.same_device(weight, op)?;
        let &[o, cg, kh, kw] = weight.dims() else {
            return Err(Error::invalid(
                op,
                format!(
                    "expected a 4-D weight [out, in/groups, kh, kw], got shape {:?}",
                    weight.shape()
                ),
            ));
        };
        let win = self.window(op, (kh, kw), stride, padding, dilation, 0.0)?;
        if groups == 0 || win.c != cg * groups || o % groups != 0 {
            return Err(Error::invalid(
                op,
                format!(
                    "input {:?} and weight {:?} do not fit groups={groups}",
                    self.shape(),
                    weight.shape()
                ),
            ));
        }
        if let Some(b) = bias {
            if b.dims() != [o] {
                return Err(Error::ShapeMismatch {
                    op,
                    lhs: Shape::from(o),
                    rhs: b.shape().clone(),
                });
            }
        }
        let (oh, ow) = win.out_hw();
        if groups == 1 && win.n * win.c * o * oh * ow > 0 {
            if let Some(out) = self.conv2d_on_host(weight, bias, &win, o) {
                return Ok(out);
            }
        }
        let og = o / groups;
        // [og, c*kh*kw] weights times [n, c*kh*kw, oh*ow] columns: NCHW output directly.
        let group_out = |g: usize| -> Result<Tensor> {
            let xg = if groups == 1 {
                self.clone()
            } else {
                self.narrow(1, g * cg, cg)?
            };
            let cols = xg.im2col(&Window2d { c: cg, ..win })?;
            let wg = weight.narrow(0, g * og, og)?.reshape((og, cg * kh * kw))?;
            wg.matmul(&cols)
        };
        let out = if groups == 1 {
            group_out(0)?
        } else {
            let outs = (0..groups).map(group_out).collect::<Result<Vec<_>>>()?;
            Tensor::cat(&outs, 1)?
        };
        let out = out.reshape((win.n, o, oh, ow))?;
        match bias {
            None => Ok(out),
            Some(b) => out.add(&b.reshape((1, o, 1, 1))?),
        }
    }

    /// A one-group convolution as one host kernel and one recorded op, when input,
    /// weight and bias are f32 or f64 tensors of one dtype on the CPU; `None` otherwise
    /// (the caller then composes unfolding and a matrix product).
    fn conv2d_on_host(
        &self,
        weight: &Tensor,
        bias: Option<&Tensor>,
        win: &Window2d,
        o: usize,
    ) -> Option<Tensor> {
        let storage = {
            let (xs, ws) = (self.storage(), weight.storage());
            let bs = bias.map(|b| b.storage());
            let (Storage::Cpu(x), Storage::Cpu(w)) = (&*xs, &*ws) else {
                return None;
            };
            let b = match (&bs, bias) {
                (Some(s), Some(b)) => match &**s {
                    Storage::Cpu(s) => Some((s, b.layout())),
                    Storage::Gpu(_) => return None,
                },
                _ => None,
            };
            x.conv2d(self.layout(), w, weight.layout(), b, win, o)?
        };
        let (oh, ow) = win.out_hw();
        let inputs: Vec<&Tensor> = [self, weight].into_iter().chain(bias).collect();
        let tracked = Tensor::track(&inputs, || {
            Op::Conv2d(self.clone(), weight.clone(), bias.cloned(), *win)
        });
        Some(Tensor::from_storage(
            Storage::Cpu(storage),
            (win.n, o, oh, ow),
            tracked,
        ))
    }

    /// The gradients of a convolution recorded by `conv2d_on_host` (this tensor is its
    /// input) for the output gradient `g`: input, weight and, with `has_bias`, bias, each
    /// computed only where `needs` says so.
    pub(crate) fn conv2d_grads(
        &self,
        weight: &Tensor,
        has_bias: bool,
        win: &Window2d,
        g: &Tensor,
        needs: &[bool],
    ) -> Result<Vec<Option<Tensor>>> {
        let need = |i: usize| needs.get(i).copied().unwrap_or(false);
        let o = weight.dims()[0];
        let wanted = ConvNeeds {
            input: need(0),
            weight: need(1),
            bias: has_bias && need(2),
        };
        let grads = {
            let (xs, ws, gs) = (self.storage(), weight.storage(), g.storage());
            let (Storage::Cpu(x), Storage::Cpu(w), Storage::Cpu(gc)) = (&*xs, &*ws, &*gs) else {
                return Err(Error::Backward(
                    "conv2d: the host kernel's gradient needs host tensors".into(),
                ));
            };
            x.conv2d_backward(
                self.layout(),
                w,
                weight.layout(),
                gc,
                g.layout(),
                win,
                o,
                wanted,
            )
            .ok_or_else(|| {
                Error::Backward(format!(
                    "conv2d: no host gradient kernel for {} input, {} weight and {} gradient",
                    self.dtype(),
                    weight.dtype(),
                    g.dtype()
                ))
            })?
        };
        let wrap = |s: Option<CpuStorage>, shape: &Shape| {
            s.map(|s| Tensor::from_storage(Storage::Cpu(s), shape.clone(), None))
        };
        let mut out = vec![
            wrap(grads.input, self.shape()),
            wrap(grads.weight, weight.shape()),
        ];
        if has_bias {
            out.push(wrap(grads.bias, &Shape::from(o)));
        }
        Ok(out)
    }

    /// 2-D convolution of `[n, c, h, w]` with `[out, c/groups, kh, kw]` weights.
    pub fn conv2d(
        &self,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: usize,
        padding: usize,
        dilation: usize,
        groups: usize,
    ) -> Result<Tensor> {
        self.conv2d_impl(
            weight,
            bias,
            (stride, stride),
            (padding, padding),
            (dilation, dilation),
            groups,
            "conv2d",
        )
    }

    /// 1-D convolution of `[n, c, l]` with `[out, c/groups, k]` weights.
    pub fn conv1d(
        &self,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: usize,
        padding: usize,
        dilation: usize,
        groups: usize,
    ) -> Result<Tensor> {
        if self.rank() != 3 || weight.rank() != 3 {
            return Err(Error::invalid(
                "conv1d",
                format!(
                    "expected 3-D input [n, c, l] and weight [out, c/groups, k], got {:?} and {:?}",
                    self.shape(),
                    weight.shape()
                ),
            ));
        }
        self.unsqueeze(2)?
            .conv2d_impl(
                &weight.unsqueeze(2)?,
                bias,
                (1, stride),
                (0, padding),
                (1, dilation),
                groups,
                "conv1d",
            )?
            .squeeze(2)
    }

    fn pool2d(&self, kernel: usize, stride: usize, padding: usize, max: bool) -> Result<Tensor> {
        let op = if max { "max_pool2d" } else { "avg_pool2d" };
        let pad_value = if max { f64::NEG_INFINITY } else { 0.0 };
        let win = self.window(
            op,
            (kernel, kernel),
            (stride, stride),
            (padding, padding),
            (1, 1),
            pad_value,
        )?;
        if 2 * padding > kernel {
            return Err(Error::invalid(
                op,
                format!("padding {padding} must be at most half the kernel size {kernel}"),
            ));
        }
        if max {
            return self.max_pool2d_window(&win);
        }
        let (oh, ow) = win.out_hw();
        let planes = self.reshape((win.n * win.c, 1, win.h, win.w))?;
        let cols = planes.im2col(&Window2d {
            n: win.n * win.c,
            c: 1,
            ..win
        })?;
        cols.mean(1, false)?.reshape((win.n, win.c, oh, ow))
    }

    /// Max pooling over `kernel x kernel` windows of `[n, c, h, w]` (padding reads -inf).
    pub fn max_pool2d(&self, kernel: usize, stride: usize, padding: usize) -> Result<Tensor> {
        self.pool2d(kernel, stride, padding, true)
    }

    /// Average pooling over `kernel x kernel` windows of `[n, c, h, w]` (padding counts as 0).
    pub fn avg_pool2d(&self, kernel: usize, stride: usize, padding: usize) -> Result<Tensor> {
        self.pool2d(kernel, stride, padding, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv2d_identity_kernel_and_bias() {
        let x = Tensor::arange(0.0, 16.0, 1.0)
            .unwrap()
            .reshape((1, 1, 4, 4))
            .unwrap();
        let mut w = vec![0f32; 9];
        w[4] = 1.0;
        let w = Tensor::from_vec(w, (1, 1, 3, 3)).unwrap();
        let b = Tensor::from_vec(vec![0.5f32], 1).unwrap();
        let y = x.conv2d(&w, Some(&b), 1, 1, 1, 1).unwrap();
        let want: Vec<f32> = (0..16).map(|v| v as f32 + 0.5).collect();
        assert_eq!(y.to_vec::<f32>().unwrap(), want);
        let p = x.max_pool2d(2, 2, 0).unwrap();
        assert_eq!(p.to_vec::<f32>().unwrap(), vec![5., 7., 13., 15.]);
        let a = x.avg_pool2d(2, 2, 0).unwrap();
        assert_eq!(a.to_vec::<f32>().unwrap(), vec![2.5, 4.5, 10.5, 12.5]);
    }

    /// The composition the host kernel replaces: unfold, one product per sample, bias.
    fn composed_conv(x: &Tensor, w: &Tensor, b: &Tensor, s: usize, p: usize, d: usize) -> Tensor {
        let &[n, c, h, wd] = x.dims() else {
            panic!("4-D input")
        };
        let &[o, _, kh, kw] = w.dims() else {
            panic!("4-D weight")
        };
        let win = Window2d {
            n,
            c,
            h,
            w: wd,
            kernel: (kh, kw),
            stride: (s, s),
            padding: (p, p),
            dilation: (d, d),
            pad_value: 0.0,
        };
        let (oh, ow) = win.out_hw();
        let cols = x.im2col(&win).unwrap();
        let y = w.reshape((o, c * kh * kw)).unwrap().matmul(&cols).unwrap();
        let y = y.reshape((n, o, oh, ow)).unwrap();
        y.add(&b.reshape((1, o, 1, 1)).unwrap()).unwrap()
    }

    #[test]
    fn host_convolution_matches_the_composition_and_finite_differences() {
        crate::manual_seed(5);
        // (n, c, h, w, o, k, stride, padding, dilation)
        for (n, c, h, wd, o, k, s, p, d) in [
            (1, 1, 6, 5, 2, 3, 1, 1, 1),
            (3, 2, 7, 7, 3, 3, 2, 1, 1),
            (2, 3, 8, 6, 2, 2, 1, 2, 2),
            (9, 4, 9, 9, 5, 5, 1, 2, 1),
        ] {
            let x = Tensor::randn((n, c, h, wd)).unwrap().with_grad().unwrap();
            let w = Tensor::randn((o, c, k, k)).unwrap().with_grad().unwrap();
            let b = Tensor::randn(o).unwrap().with_grad().unwrap();
            let y = x.conv2d(&w, Some(&b), s, p, d, 1).unwrap();
            assert!(matches!(y.op(), Some(Op::Conv2d(..))));
            let want = composed_conv(&x, &w, &b, s, p, d);
            let g = Tensor::randn(y.shape().clone()).unwrap();
            y.backward_with(&g).unwrap();
            let fused: Vec<Vec<f32>> = [&x, &w, &b]
                .iter()
                .map(|t| t.grad().unwrap().to_vec::<f32>().unwrap())
                .collect();
            [&x, &w, &b].iter().for_each(|t| t.zero_grad());
            want.backward_with(&g).unwrap();
            let close = |a: &[f32], b: &[f32]| {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(a, b)| (a - b).abs() <= 1e-4 * (1.0 + b.abs()))
            };
            let shape = format!("{:?}", (n, c, h, wd, o, k, s, p, d));
            let (yv, wv) = (y.to_vec::<f32>().unwrap(), want.to_vec::<f32>().unwrap());
            assert!(close(&yv, &wv), "forward {shape}");
            for (t, got) in [&x, &w, &b].iter().zip(&fused) {
                let reference = t.grad().unwrap().to_vec::<f32>().unwrap();
                assert!(close(got, &reference), "gradient {shape}");
            }
            crate::autograd::gradcheck(
                |t| t[0].conv2d(&t[1], Some(&t[2]), s, p, d, 1),
                &[x.detach(), w.detach(), b.detach()],
            )
            .unwrap();
        }
    }

    #[test]
    fn half_precision_convolution_takes_the_composed_path() {
        crate::manual_seed(6);
        let x = Tensor::randn((2, 3, 6, 6)).unwrap();
        let w = Tensor::randn((4, 3, 3, 3)).unwrap();
        let want = x
            .conv2d(&w, None, 1, 1, 1, 1)
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        let half = |t: &Tensor| t.to_dtype(crate::DType::F16).unwrap();
        let got = half(&x)
            .conv2d(&half(&w), None, 1, 1, 1, 1)
            .unwrap()
            .to_dtype(crate::DType::F32)
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() <= 0.05 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn conv_shape_errors() {
        let x = Tensor::zeros((1, 3, 4, 4)).unwrap();
        let w = Tensor::zeros((2, 2, 3, 3)).unwrap();
        assert!(x.conv2d(&w, None, 1, 0, 1, 1).is_err());
        let w = Tensor::zeros((2, 3, 5, 5)).unwrap();
        let e = x.conv2d(&w, None, 1, 0, 1, 1).unwrap_err();
        assert!(e.to_string().starts_with("conv2d: kernel (5, 5)"), "{e}");
        assert!(x
            .conv2d(&Tensor::zeros((2, 3, 3, 3)).unwrap(), None, 0, 0, 1, 1)
            .is_err());
        assert!(x.max_pool2d(2, 2, 2).is_err());
        assert!(Tensor::zeros((3, 4))
            .unwrap()
            .conv1d(&w, None, 1, 0, 1, 1)
            .is_err());
    }
}
