//! Convolutions (im2col + gemm) and pooling (a max-pooling kernel; average pooling
//! through im2col), differentiable.

use super::Tensor;
use crate::autograd::Op;
use crate::backend::Window2d;
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
        let (oh, ow) = win.out_hw();
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
            Some(b) => {
                if b.dims() != [o] {
                    return Err(Error::ShapeMismatch {
                        op,
                        lhs: Shape::from(o),
                        rhs: b.shape().clone(),
                    });
                }
                out.add(&b.reshape((1, o, 1, 1))?)
            }
        }
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
