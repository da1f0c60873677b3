//! `Dropout`: zeroes elements with probability `p` while training, seeded by Born's RNG.

use super::module::Module;
use crate::{DType, Error, Result, Tensor};

/// Inverted dropout: kept elements are scaled by `1 / (1 - p)`; identity in evaluation mode.
#[derive(Debug, Clone, Copy)]
pub struct Dropout {
    p: f64,
    training: bool,
}

impl Dropout {
    /// Dropout with drop probability `p` in `[0, 1)`, starting in training mode.
    pub fn new(p: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::invalid(
                "Dropout",
                format!("drop probability must be in [0, 1), got {p}"),
            ));
        }
        Ok(Dropout { p, training: true })
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }
}

impl Module for Dropout {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if !self.training || self.p == 0.0 {
            return Ok(x.clone());
        }
        let dtype = if x.dtype() == DType::F64 {
            DType::F64
        } else {
            DType::F32
        };
        let keep = Tensor::rand_dtype(x.shape().clone(), dtype)?
            .to_device(x.device())?
            .ge_scalar(self.p)?
            .to_dtype(x.dtype())?;
        x.mul(&keep.mul_scalar(1.0 / (1.0 - self.p))?)
    }

    fn set_own_training(&mut self, training: bool) {
        self.training = training;
    }
}
