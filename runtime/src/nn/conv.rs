//! `Conv2d`: 2-D convolution over `[n, c, h, w]`.

use super::init;
use super::module::{parameter, Module, TensorRole};
use crate::{Error, Result, Tensor};

/// A 2-D convolution with weight `[out, in/groups, k, k]` and optional bias `[out]`.
#[derive(Debug, Clone)]
pub struct Conv2d {
    /// `[out_channels, in_channels / groups, kernel, kernel]`.
    pub weight: Tensor,
    /// `[out_channels]`, if the layer has a bias.
    pub bias: Option<Tensor>,
    /// Step between windows.
    pub stride: usize,
    /// Zero padding on each side.
    pub padding: usize,
    /// Spacing of kernel taps.
    pub dilation: usize,
    /// Channel groups.
    pub groups: usize,
}

impl Conv2d {
    /// A `kernel x kernel` convolution with stride 1, no padding, bias, PyTorch's default init.
    pub fn new(in_channels: usize, out_channels: usize, kernel: usize) -> Result<Self> {
        Self::with_options(in_channels, out_channels, kernel, 1, 0, 1, 1, true)
    }

    /// A convolution with every option, initialised like PyTorch (Kaiming-uniform `a = sqrt(5)`).
    #[allow(clippy::too_many_arguments)]
    pub fn with_options(
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        dilation: usize,
        groups: usize,
        bias: bool,
    ) -> Result<Self> {
        if groups == 0
            || !in_channels.is_multiple_of(groups)
            || !out_channels.is_multiple_of(groups)
        {
            return Err(Error::invalid(
                "Conv2d",
                format!(
                    "channels {in_channels} -> {out_channels} do not divide into {groups} groups"
                ),
            ));
        }
        let shape = (out_channels, in_channels / groups, kernel, kernel);
        let weight = init::kaiming_uniform(shape, 5f64.sqrt())?;
        let fan_in = in_channels / groups * kernel * kernel;
        let bias = if bias {
            Some(init::default_bias(out_channels, fan_in)?)
        } else {
            None
        };
        Ok(Conv2d {
            weight: parameter(weight)?,
            bias: bias.map(parameter).transpose()?,
            stride,
            padding,
            dilation,
            groups,
        })
    }
}

impl Module for Conv2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.conv2d(
            &self.weight,
            self.bias.as_ref(),
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
        )
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
