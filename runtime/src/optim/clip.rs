//! Gradient clipping by global norm and by value.

use crate::{no_grad, Error, Result, Tensor};

/// Replaces a parameter's gradient (a new tensor, so shared gradient storage stays intact).
fn replace_grad(p: &Tensor, g: Tensor) -> Result<()> {
    p.zero_grad();
    p.accumulate_grad(g)
}

/// Scales all gradients so their joint L2 norm is at most `max_norm`; returns the norm
/// before clipping (PyTorch's `clip_grad_norm_`, factor `max_norm / (norm + 1e-6)`).
pub fn clip_grad_norm(params: &[Tensor], max_norm: f64) -> Result<f64> {
    if max_norm.is_nan() || max_norm < 0.0 {
        return Err(Error::invalid(
            "clip_grad_norm",
            format!("max_norm must be non-negative, got {max_norm}"),
        ));
    }
    no_grad(|| {
        let mut total = 0.0;
        for g in params.iter().filter_map(Tensor::grad) {
            total += g.to_vec_f64()?.iter().map(|v| v * v).sum::<f64>();
        }
        let norm = total.sqrt();
        let factor = max_norm / (norm + 1e-6);
        if factor < 1.0 {
            for p in params {
                if let Some(g) = p.grad() {
                    replace_grad(p, g.mul_scalar(factor)?)?;
                }
            }
        }
        Ok(norm)
    })
}

/// Clamps every gradient element into `[-clip, clip]`.
pub fn clip_grad_value(params: &[Tensor], clip: f64) -> Result<()> {
    if clip.is_nan() || clip < 0.0 {
        return Err(Error::invalid(
            "clip_grad_value",
            format!("clip must be non-negative, got {clip}"),
        ));
    }
    no_grad(|| {
        for p in params {
            if let Some(g) = p.grad() {
                replace_grad(p, g.clamp(-clip, clip)?)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_scales_and_clamps() {
        let a = Tensor::from_vec(vec![1.0f64, 2.0], 2)
            .unwrap()
            .with_grad()
            .unwrap();
        let b = Tensor::from_vec(vec![3.0f64], 1)
            .unwrap()
            .with_grad()
            .unwrap();
        // grads: 2a = [2, 4], 2b = [6]; norm sqrt(56)
        a.sqr()
            .unwrap()
            .sum_all()
            .unwrap()
            .add(&b.sqr().unwrap().sum_all().unwrap())
            .unwrap()
            .backward()
            .unwrap();
        let norm = clip_grad_norm(&[a.clone(), b.clone()], 1.0).unwrap();
        assert!((norm - 56f64.sqrt()).abs() < 1e-12);
        let f = 1.0 / (56f64.sqrt() + 1e-6);
        let ga = a.grad().unwrap().to_vec_f64().unwrap();
        assert!((ga[1] - 4.0 * f).abs() < 1e-12);
        clip_grad_value(&[a.clone(), b.clone()], 0.3).unwrap();
        assert_eq!(b.grad().unwrap().to_vec_f64().unwrap(), vec![0.3]);
        assert!(clip_grad_norm(&[a], f64::NAN).is_err());
    }
}
