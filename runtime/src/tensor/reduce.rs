//! Reductions over dimensions (with keepdim), statistics, softmax and cumulative sums.

use super::Tensor;
use crate::autograd::Op;
use crate::backend::ReduceOp;
use crate::{AllDims, DType, Dim, Dims, Error, Result, Shape};

impl Tensor {
    fn reduce_op(&self, dims: Vec<usize>, op: ReduceOp, keepdim: bool) -> Result<Tensor> {
        let src = match (self.dtype(), op) {
            (DType::Bool, ReduceOp::Sum | ReduceOp::Prod) => self.to_dtype(DType::I64)?,
            (DType::Bool, _) => self.to_dtype(DType::U8)?,
            _ => self.clone(),
        };
        let arg = matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin);
        if matches!(op, ReduceOp::Max | ReduceOp::Min) || arg {
            if let Some(&d) = dims.iter().find(|&&d| src.dims()[d] == 0) {
                return Err(Error::invalid(
                    op.name(),
                    format!(
                        "cannot reduce empty dimension {d} of shape {:?}",
                        src.shape()
                    ),
                ));
            }
        }
        let storage = src.storage().reduce(src.layout(), &dims, op)?;
        let mut kept = src.dims().to_vec();
        for &d in &dims {
            kept[d] = 1;
        }
        let tracked = if arg {
            None
        } else {
            Tensor::track(&[&src], || Op::Reduce(src.clone(), op, dims.clone()))
        };
        let out = Tensor::from_storage(storage, kept, tracked);
        if keepdim {
            Ok(out)
        } else {
            let squeezed: Vec<usize> = (0..src.rank())
                .filter(|d| !dims.contains(d))
                .map(|d| src.dims()[d])
                .collect();
            out.reshape(squeezed)
        }
    }

    /// Sum over `dims`.
    pub fn sum(&self, dims: impl Dims, keepdim: bool) -> Result<Tensor> {
        let dims = dims.to_indexes(self.shape(), "sum")?;
        self.reduce_op(dims, ReduceOp::Sum, keepdim)
    }

    /// Sum over `dims`, keeping them with size 1.
    pub fn sum_keepdim(&self, dims: impl Dims) -> Result<Tensor> {
        self.sum(dims, true)
    }

    /// Sum of every element (rank-0 result).
    pub fn sum_all(&self) -> Result<Tensor> {
        self.sum(AllDims, false)
    }

    /// Product over `dims`.
    pub fn prod(&self, dims: impl Dims, keepdim: bool) -> Result<Tensor> {
        let dims = dims.to_indexes(self.shape(), "prod")?;
        self.reduce_op(dims, ReduceOp::Prod, keepdim)
    }

    /// Maximum over `dims` (NaN propagates).
    pub fn max(&self, dims: impl Dims, keepdim: bool) -> Result<Tensor> {
        let dims = dims.to_indexes(self.shape(), "max")?;
        self.reduce_op(dims, ReduceOp::Max, keepdim)
    }

    /// Minimum over `dims` (NaN propagates).
    pub fn min(&self, dims: impl Dims, keepdim: bool) -> Result<Tensor> {
        let dims = dims.to_indexes(self.shape(), "min")?;
        self.reduce_op(dims, ReduceOp::Min, keepdim)
    }

    /// Maximum of every element.
    pub fn max_all(&self) -> Result<Tensor> {
        self.max(AllDims, false)
    }

    /// Minimum of every element.
    pub fn min_all(&self) -> Result<Tensor> {
        self.min(AllDims, false)
    }

    /// Index (int64) of the first maximum along `dim`.
    pub fn argmax<D: Dim>(&self, dim: D, keepdim: bool) -> Result<Tensor> {
        let d = dim.to_index(self.shape(), "argmax")?;
        self.reduce_op(vec![d], ReduceOp::ArgMax, keepdim)
    }

    /// Index (int64) of the first minimum along `dim`.
    pub fn argmin<D: Dim>(&self, dim: D, keepdim: bool) -> Result<Tensor> {
        let d = dim.to_index(self.shape(), "argmin")?;
        self.reduce_op(vec![d], ReduceOp::ArgMin, keepdim)
    }

    fn float_only(&self, op: &'static str) -> Result<()> {
        if self.dtype().is_float() {
            Ok(())
        } else {
            Err(Error::UnsupportedDType {
                op,
                dtype: self.dtype(),
            })
        }
    }

    fn reduced_count(&self, dims: &[usize]) -> usize {
        dims.iter().map(|&d| self.dims()[d]).product()
    }

    /// Mean over `dims` (float dtypes).
    pub fn mean(&self, dims: impl Dims, keepdim: bool) -> Result<Tensor> {
        self.float_only("mean")?;
        let dims = dims.to_indexes(self.shape(), "mean")?;
        let n = self.reduced_count(&dims);
        self.reduce_op(dims, ReduceOp::Sum, keepdim)?
            .affine(1.0 / n as f64, 0.0)
    }

    /// Mean of every element.
    pub fn mean_all(&self) -> Result<Tensor> {
        self.mean(AllDims, false)
    }

    /// Variance over `dims` with `correction` (1: unbiased, PyTorch's default; 0: population).
    pub fn var_with(&self, dims: impl Dims, keepdim: bool, correction: usize) -> Result<Tensor> {
        self.float_only("var")?;
        let dims = dims.to_indexes(self.shape(), "var")?;
        let n = self.reduced_count(&dims);
        let mean = self.mean(dims.clone(), true)?;
        let dev = self.sub(&mean)?.sqr()?;
        let denom = n.saturating_sub(correction) as f64;
        dev.sum(dims, keepdim)?.affine(1.0 / denom, 0.0)
    }

    /// Unbiased variance over `dims`.
    pub fn var(&self, dims: impl Dims, keepdim: bool) -> Result<Tensor> {
        self.var_with(dims, keepdim, 1)
    }

    /// Unbiased standard deviation over `dims`.
    pub fn std(&self, dims: impl Dims, keepdim: bool) -> Result<Tensor> {
        self.var_with(dims, keepdim, 1)?.sqrt()
    }

    /// Standard deviation over `dims` with `correction`.
    pub fn std_with(&self, dims: impl Dims, keepdim: bool, correction: usize) -> Result<Tensor> {
        self.var_with(dims, keepdim, correction)?.sqrt()
    }

    /// `log(sum(exp(x)))` over `dims`, computed stably.
    pub fn logsumexp(&self, dims: impl Dims, keepdim: bool) -> Result<Tensor> {
        self.float_only("logsumexp")?;
        let dims = dims.to_indexes(self.shape(), "logsumexp")?;
        let m = self.detach().max(dims.clone(), true)?;
        // An all -inf (or inf) slice must not shift by an infinite max.
        let finite = m.abs()?.lt_scalar(f64::INFINITY)?;
        let m = finite.where_cond(&m, &m.zeros_like()?)?;
        let s = self
            .sub(&m)?
            .exp()?
            .sum(dims.clone(), true)?
            .log()?
            .add(&m)?;
        if keepdim {
            Ok(s)
        } else {
            let shape: Vec<usize> = (0..self.rank())
                .filter(|d| !dims.contains(d))
                .map(|d| self.dims()[d])
                .collect();
            s.reshape(shape)
        }
    }

    fn softmax_impl<D: Dim>(&self, dim: D, log: bool) -> Result<Tensor> {
        let name = if log { "log_softmax" } else { "softmax" };
        self.float_only(name)?;
        let d = dim.to_index(self.shape(), name)?;
        let last = self.rank() - 1;
        let x = if d == last {
            self.clone()
        } else {
            self.transpose(d, last)?
        };
        let storage = x.storage().softmax_last_dim(x.layout(), log)?;
        let tracked = Tensor::track(&[&x], || Op::Softmax(x.clone(), log));
        let out = Tensor::from_storage(storage, x.shape().clone(), tracked);
        if d == last {
            Ok(out)
        } else {
            out.transpose(d, last)
        }
    }

    /// Softmax along `dim` (max-shifted, stable).
    pub fn softmax<D: Dim>(&self, dim: D) -> Result<Tensor> {
        self.softmax_impl(dim, false)
    }

    /// Log-softmax along `dim` (stable).
    pub fn log_softmax<D: Dim>(&self, dim: D) -> Result<Tensor> {
        self.softmax_impl(dim, true)
    }

    /// Inclusive cumulative sum along `dim`.
    pub fn cumsum<D: Dim>(&self, dim: D) -> Result<Tensor> {
        let d = dim.to_index(self.shape(), "cumsum")?;
        let src = if self.dtype() == DType::Bool {
            self.to_dtype(DType::I64)?
        } else {
            self.clone()
        };
        let storage = src.storage().cumsum(src.layout(), d)?;
        let tracked = Tensor::track(&[&src], || Op::Cumsum(src.clone(), d));
        Ok(Tensor::from_storage(
            storage,
            Shape::from(src.dims()),
            tracked,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_with_keepdim() {
        let t = Tensor::arange(0.0, 6.0, 1.0)
            .unwrap()
            .reshape((2, 3))
            .unwrap();
        assert_eq!(
            t.sum(1, false).unwrap().to_vec::<f32>().unwrap(),
            vec![3., 12.]
        );
        assert_eq!(t.sum(0, true).unwrap().dims(), &[1, 3]);
        assert_eq!(t.sum_all().unwrap().to_scalar::<f32>().unwrap(), 15.);
        assert_eq!(
            t.mean(-1, false).unwrap().to_vec::<f32>().unwrap(),
            vec![1., 4.]
        );
        assert_eq!(
            t.argmax(1, false).unwrap().to_vec::<i64>().unwrap(),
            vec![2, 2]
        );
        assert_eq!(
            t.var(1, false).unwrap().to_vec::<f32>().unwrap(),
            vec![1., 1.]
        );
        let mask = t.gt_scalar(1.5).unwrap();
        assert_eq!(mask.sum_all().unwrap().to_scalar::<i64>().unwrap(), 4);
        assert!(t.sum(2, false).is_err());
        assert!(Tensor::zeros((0, 2)).unwrap().max(0, false).is_err());
        assert!(Tensor::from_vec(vec![1i64], 1)
            .unwrap()
            .mean(0, false)
            .is_err());
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let t = Tensor::from_vec(vec![1000f32, 1001., 1002., -1e30, 0., 1.], (2, 3)).unwrap();
        let s = t.softmax(1).unwrap();
        let rows = s.sum(1, false).unwrap().to_vec::<f32>().unwrap();
        assert!(rows.iter().all(|r| (r - 1.0).abs() < 1e-6));
        let l = t.log_softmax(0).unwrap().to_vec::<f32>().unwrap();
        assert!(l.iter().all(|v| v.is_finite()));
        let lse = t.logsumexp(1, false).unwrap().to_vec::<f32>().unwrap();
        assert!((lse[0] - 1002.4076).abs() < 1e-3);
    }
}
