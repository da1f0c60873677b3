//! `Linear`: `y = x W^T + b` over the last dimension.

use super::init;
use super::module::{parameter, Module, TensorRole};
use crate::{Error, Result, Tensor};

/// A fully connected layer with weight `[out, in]` and optional bias `[out]`.
#[derive(Debug, Clone)]
pub struct Linear {
    /// `[out_features, in_features]`.
    pub weight: Tensor,
    /// `[out_features]`, if the layer has a bias.
    pub bias: Option<Tensor>,
}

impl Linear {
    /// A layer with PyTorch's default initialisation (Kaiming-uniform, `a = sqrt(5)`).
    pub fn new(in_features: usize, out_features: usize, bias: bool) -> Result<Self> {
        let weight = init::kaiming_uniform((out_features, in_features), 5f64.sqrt())?;
        let bias = if bias {
            Some(init::default_bias(out_features, in_features)?)
        } else {
            None
        };
        Self::from_tensors(weight, bias)
    }

    /// A layer over given tensors (made trainable).
    pub fn from_tensors(weight: Tensor, bias: Option<Tensor>) -> Result<Self> {
        let &[out, _] = weight.dims() else {
            return Err(Error::invalid(
                "Linear",
                format!("weight must be [out, in], got shape {:?}", weight.dims()),
            ));
        };
        if let Some(b) = &bias {
            if b.dims() != [out] {
                return Err(Error::invalid(
                    "Linear",
                    format!("bias must be [{out}], got shape {:?}", b.dims()),
                ));
            }
        }
        Ok(Linear {
            weight: parameter(weight)?,
            bias: bias.map(parameter).transpose()?,
        })
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let &[out, inp] = self.weight.dims() else {
            return Err(Error::invalid(
                "Linear",
                format!(
                    "weight must be [out, in], got shape {:?}",
                    self.weight.dims()
                ),
            ));
        };
        if x.rank() == 0 || x.dims()[x.rank() - 1] != inp {
            return Err(Error::invalid(
                "Linear",
                format!("input's last dim must be {inp}, got shape {:?}", x.dims()),
            ));
        }
        // Fold leading dims into rows so one 2-D product serves any batch shape.
        let lead = &x.dims()[..x.rank() - 1];
        let rows: usize = lead.iter().product();
        let y = x.reshape((rows, inp))?.matmul(&self.weight.t()?)?;
        let y = match &self.bias {
            Some(b) => y.add(b)?,
            None => y,
        };
        let mut dims = lead.to_vec();
        dims.push(out);
        y.reshape(dims)
    }

    fn visit_own(&self, f: &mut dyn FnMut(&str, &Tensor, TensorRole)) {
        f("weight", &self.weight, TensorRole::Parameter);
        if let Some(b) = &self.bias {
            f("bias", b, TensorRole::Parameter);
        }
    }

    fn visit_own_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor, TensorRole)) {
        f("weight", &mut self.weight, TensorRole::Parameter);
        if let Some(b) = &mut self.bias {
            f("bias", b, TensorRole::Parameter);
        }
    }
}
