//! Normalisation layers: `BatchNorm` (1-D and 2-D), `LayerNorm`, `RmsNorm`.

use super::module::{parameter, Module, TensorRole};
use crate::{no_grad, DType, Error, Result, Tensor};

/// Batch normalisation over the channel dim 1 of `[n, c]`, `[n, c, l]` or `[n, c, h, w]`;
/// tracks running statistics while training and uses them in evaluation mode.
#[derive(Debug, Clone)]
pub struct BatchNorm {
    /// Per-channel scale `[c]`.
    pub weight: Tensor,
    /// Per-channel shift `[c]`.
    pub bias: Tensor,
    /// Running mean `[c]` (buffer).
    pub running_mean: Tensor,
    /// Running unbiased variance `[c]` (buffer).
    pub running_var: Tensor,
    /// Number of training batches seen (buffer, i64 scalar).
    pub num_batches_tracked: Tensor,
    /// Added to the variance before the square root.
    pub eps: f64,
    /// Weight of the newest batch in the running statistics.
    pub momentum: f64,
    ranks: &'static [usize],
    training: bool,
}

impl BatchNorm {
    fn with_ranks(channels: usize, ranks: &'static [usize]) -> Result<Self> {
        Ok(BatchNorm {
            weight: parameter(Tensor::ones(channels)?)?,
            bias: parameter(Tensor::zeros(channels)?)?,
            running_mean: Tensor::zeros(channels)?,
            running_var: Tensor::ones(channels)?,
            num_batches_tracked: Tensor::zeros_dtype((), DType::I64)?,
            eps: 1e-5,
            momentum: 0.1,
            ranks,
            training: true,
        })
    }

    /// For `[n, c]` or `[n, c, l]` inputs (PyTorch's `BatchNorm1d`; eps 1e-5, momentum 0.1).
    pub fn new_1d(channels: usize) -> Result<Self> {
        Self::with_ranks(channels, &[2, 3])
    }

    /// For `[n, c, h, w]` inputs (PyTorch's `BatchNorm2d`; eps 1e-5, momentum 0.1).
    pub fn new_2d(channels: usize) -> Result<Self> {
        Self::with_ranks(channels, &[4])
    }

    fn update_running(&self, mean: &Tensor, var: &Tensor, count: usize) -> Result<()> {
        no_grad(|| {
            let m = self.momentum;
            let mean = mean.flatten_all()?.to_dtype(self.running_mean.dtype())?;
            let unbiased = count as f64 / (count.max(2) - 1) as f64;
            let var = var.flatten_all()?.to_dtype(self.running_var.dtype())?;
            self.running_mean.assign(
                &self
                    .running_mean
                    .affine(1.0 - m, 0.0)?
                    .add(&mean.mul_scalar(m)?)?,
            )?;
            self.running_var.assign(
                &self
                    .running_var
                    .affine(1.0 - m, 0.0)?
                    .add(&var.mul_scalar(m * unbiased)?)?,
            )?;
            let seen = self.num_batches_tracked.to_scalar::<i64>()? + 1;
            let seen = Tensor::scalar(seen)?.to_device(self.num_batches_tracked.device())?;
            self.num_batches_tracked.assign(&seen)
        })
    }
}

impl Module for BatchNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let c = self.weight.elem_count();
        if !self.ranks.contains(&x.rank()) || x.dims()[1] != c {
            return Err(Error::invalid(
                "BatchNorm",
                format!(
                    "expected a rank {:?} input with {c} channels in dim 1, got shape {:?}",
                    self.ranks,
                    x.dims()
                ),
            ));
        }
        let mut bshape = vec![1usize; x.rank()];
        bshape[1] = c;
        let as_channels = |t: &Tensor| t.to_dtype(x.dtype())?.reshape(bshape.clone());
        let (mean, var) = if self.training {
            let dims: Vec<usize> = (0..x.rank()).filter(|&d| d != 1).collect();
            let count = x.elem_count() / c;
            if count < 2 {
                return Err(Error::invalid(
                    "BatchNorm",
                    format!(
                        "training needs more than one value per channel, got shape {:?}",
                        x.dims()
                    ),
                ));
            }
            let mean = x.mean(dims.as_slice(), true)?;
            let var = x.var_with(dims.as_slice(), true, 0)?;
            self.update_running(&mean.detach(), &var.detach(), count)?;
            (mean, var)
        } else {
            (
                as_channels(&self.running_mean)?,
                as_channels(&self.running_var)?,
            )
        };
        let scale = var
            .add_scalar(self.eps)?
            .rsqrt()?
            .mul(&as_channels(&self.weight)?)?;
        x.sub(&mean)?.mul(&scale)?.add(&as_channels(&self.bias)?)
    }

    fn visit_own(&self, f: &mut dyn FnMut(&str, &Tensor, TensorRole)) {
        f("weight", &self.weight, TensorRole::Parameter);
        f("bias", &self.bias, TensorRole::Parameter);
        f("running_mean", &self.running_mean, TensorRole::Buffer);
        f("running_var", &self.running_var, TensorRole::Buffer);
        f(
            "num_batches_tracked",
            &self.num_batches_tracked,
            TensorRole::Buffer,
        );
    }

    fn visit_own_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor, TensorRole)) {
        f("weight", &mut self.weight, TensorRole::Parameter);
        f("bias", &mut self.bias, TensorRole::Parameter);
        f("running_mean", &mut self.running_mean, TensorRole::Buffer);
        f("running_var", &mut self.running_var, TensorRole::Buffer);
        f(
            "num_batches_tracked",
            &mut self.num_batches_tracked,
            TensorRole::Buffer,
        );
    }

    fn set_own_training(&mut self, training: bool) {
        self.training = training;
    }
}

/// Checks that `x` ends with `trailing` dims, naming the layer.
fn check_trailing(x: &Tensor, trailing: &[usize], op: &'static str) -> Result<()> {
    if x.rank() < trailing.len() || &x.dims()[x.rank() - trailing.len()..] != trailing {
        return Err(Error::invalid(
            op,
            format!("input shape {:?} must end with {trailing:?}", x.dims()),
        ));
    }
    Ok(())
}

/// Layer normalisation over the trailing `normalized_shape` dims, with optional affine.
#[derive(Debug, Clone)]
pub struct LayerNorm {
    /// Scale of `normalized_shape` (if affine).
    pub weight: Option<Tensor>,
    /// Shift of `normalized_shape` (if affine).
    pub bias: Option<Tensor>,
    /// Added to the variance before the square root (default 1e-5).
    pub eps: f64,
    shape: Vec<usize>,
}

impl LayerNorm {
    /// Normalises the trailing dims `shape`, with learnable weight (ones) and bias (zeros).
    pub fn new(shape: &[usize]) -> Result<Self> {
        Ok(LayerNorm {
            weight: Some(parameter(Tensor::ones(shape)?)?),
            bias: Some(parameter(Tensor::zeros(shape)?)?),
            eps: 1e-5,
            shape: shape.to_vec(),
        })
    }

    /// Normalises without a learnable scale and shift.
    pub fn without_affine(shape: &[usize]) -> Self {
        LayerNorm {
            weight: None,
            bias: None,
            eps: 1e-5,
            shape: shape.to_vec(),
        }
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        check_trailing(x, &self.shape, "LayerNorm")?;
        let dims: Vec<usize> = (x.rank() - self.shape.len()..x.rank()).collect();
        let centered = x.sub(&x.mean(dims.as_slice(), true)?)?;
        let var = centered.sqr()?.mean(dims.as_slice(), true)?;
        let mut y = centered.mul(&var.add_scalar(self.eps)?.rsqrt()?)?;
        if let Some(w) = &self.weight {
            y = y.mul(w)?;
        }
        if let Some(b) = &self.bias {
            y = y.add(b)?;
        }
        Ok(y)
    }

    fn visit_own(&self, f: &mut dyn FnMut(&str, &Tensor, TensorRole)) {
        if let Some(w) = &self.weight {
            f("weight", w, TensorRole::Parameter);
        }
        if let Some(b) = &self.bias {
            f("bias", b, TensorRole::Parameter);
        }
    }

    fn visit_own_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor, TensorRole)) {
        if let Some(w) = &mut self.weight {
            f("weight", w, TensorRole::Parameter);
        }
        if let Some(b) = &mut self.bias {
            f("bias", b, TensorRole::Parameter);
        }
    }
}

/// Root-mean-square normalisation over the last dim: `x / sqrt(mean(x^2) + eps) * weight`.
#[derive(Debug, Clone)]
pub struct RmsNorm {
    /// Scale `[dim]`.
    pub weight: Tensor,
    /// Added to the mean square (default: f32 machine epsilon, as PyTorch).
    pub eps: f64,
}

impl RmsNorm {
    /// Normalises a last dim of size `dim`, weight initialised to ones.
    pub fn new(dim: usize) -> Result<Self> {
        Ok(RmsNorm {
            weight: parameter(Tensor::ones(dim)?)?,
            eps: f32::EPSILON as f64,
        })
    }
}

impl Module for RmsNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        check_trailing(x, self.weight.dims(), "RmsNorm")?;
        let ms = x.sqr()?.mean(-1i64, true)?;
        x.mul(&ms.add_scalar(self.eps)?.rsqrt()?)?.mul(&self.weight)
    }

    fn visit_own(&self, f: &mut dyn FnMut(&str, &Tensor, TensorRole)) {
        f("weight", &self.weight, TensorRole::Parameter);
    }

    fn visit_own_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor, TensorRole)) {
        f("weight", &mut self.weight, TensorRole::Parameter);
    }
}
