//! `Embedding`: a lookup table of `num` vectors of size `dim`.

use super::init;
use super::module::{parameter, Module, TensorRole};
use crate::{Error, Result, Tensor};

/// Maps integer ids of any shape to rows of a `[num, dim]` weight (initialised `N(0, 1)`).
#[derive(Debug, Clone)]
pub struct Embedding {
    /// `[num_embeddings, embedding_dim]`.
    pub weight: Tensor,
}

impl Embedding {
    /// A table of `num` vectors of size `dim`.
    pub fn new(num: usize, dim: usize) -> Result<Self> {
        Self::from_weight(init::normal((num, dim), 0.0, 1.0)?)
    }

    /// A table over a given `[num, dim]` weight (made trainable).
    pub fn from_weight(weight: Tensor) -> Result<Self> {
        if weight.rank() != 2 {
            return Err(Error::invalid(
                "Embedding",
                format!("weight must be [num, dim], got shape {:?}", weight.dims()),
            ));
        }
        Ok(Embedding {
            weight: parameter(weight)?,
        })
    }
}

impl Module for Embedding {
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let rows = self.weight.index_select(&ids.flatten_all()?, 0)?;
        let mut dims = ids.dims().to_vec();
        dims.push(self.weight.dims()[1]);
        rows.reshape(dims)
    }

    fn visit_own(&self, f: &mut dyn FnMut(&str, &Tensor, TensorRole)) {
        f("weight", &self.weight, TensorRole::Parameter);
    }

    fn visit_own_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor, TensorRole)) {
        f("weight", &mut self.weight, TensorRole::Parameter);
    }
}
