//! Finite-difference gradient checking, for tests of ops and layers.

use super::no_grad;
use crate::{DType, Error, Result, Tensor};

/// Tolerances of a finite-difference gradient check.
#[derive(Debug, Clone, Copy)]
pub struct GradCheck {
    /// Central-difference step.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance.
    pub rtol: f64,
}

impl Default for GradCheck {
    fn default() -> Self {
        GradCheck {
            eps: 1e-6,
            atol: 1e-6,
            rtol: 1e-5,
        }
    }
}

/// Checks the analytic gradients of `f` at `inputs` against central differences in f64,
/// with default tolerances. `f` receives fresh f64 leaves; the scalar checked is
/// `sum(f(x) * w)` for fixed non-uniform weights `w`.
pub fn gradcheck(f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor]) -> Result<()> {
    GradCheck::default().check(f, inputs)
}

/// Fixed, non-uniform weights so every output element matters differently.
fn weights(like: &Tensor) -> Result<Tensor> {
    let n = like.elem_count();
    let w: Vec<f64> = (0..n)
        .map(|i| 1.0 + 0.5 * ((i as f64) * 0.7).sin())
        .collect();
    Tensor::from_vec(w, like.shape().clone())
}

impl GradCheck {
    /// Runs the check with these tolerances.
    pub fn check(&self, f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor]) -> Result<()> {
        let values: Vec<Vec<f64>> = inputs
            .iter()
            .map(|x| x.to_vec_f64())
            .collect::<Result<_>>()?;
        let leaves: Vec<Tensor> = inputs
            .iter()
            .map(|x| x.to_dtype(DType::F64)?.detach().with_grad())
            .collect::<Result<_>>()?;
        let out = f(&leaves)?;
        let w = weights(&out)?;
        out.mul(&w)?.sum_all()?.backward()?;
        let loss_at = |which: usize, data: Vec<f64>| -> Result<f64> {
            no_grad(|| {
                let mut xs = leaves.clone();
                xs[which] = Tensor::from_vec(data, inputs[which].shape().clone())?;
                f(&xs)?.mul(&w)?.sum_all()?.to_scalar::<f64>()
            })
        };
        for (which, (leaf, base)) in leaves.iter().zip(&values).enumerate() {
            let analytic = match leaf.grad() {
                Some(g) => g.to_vec_f64()?,
                None => vec![0.0; base.len()],
            };
            for i in 0..base.len() {
                let mut plus = base.clone();
                plus[i] += self.eps;
                let mut minus = base.clone();
                minus[i] -= self.eps;
                let numeric = (loss_at(which, plus)? - loss_at(which, minus)?) / (2.0 * self.eps);
                let a = analytic[i];
                let within = (a - numeric).abs() <= self.atol + self.rtol * numeric.abs();
                if !within {
                    return Err(Error::msg(format!(
                        "gradcheck: input {which} element {i}: analytic {a}, numeric {numeric}"
                    )));
                }
            }
        }
        Ok(())
    }
}
