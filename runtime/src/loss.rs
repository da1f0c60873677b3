//! Loss functions with PyTorch's semantics: cross-entropy, NLL, MSE, L1, BCE-with-logits.

use crate::{DType, Error, Result, Tensor};

/// How per-element losses are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The mean over elements (the default).
    #[default]
    Mean,
    /// The sum over elements.
    Sum,
    /// One loss per element.
    None,
}

impl Reduction {
    fn apply(self, losses: Tensor) -> Result<Tensor> {
        match self {
            Reduction::Mean => losses.mean_all(),
            Reduction::Sum => losses.sum_all(),
            Reduction::None => Ok(losses),
        }
    }
}

/// Checks `[n, classes]` scores and `[n]` integer class indices within range.
fn check_class_targets(scores: &Tensor, targets: &Tensor, op: &'static str) -> Result<Tensor> {
    let &[n, classes] = scores.dims() else {
        return Err(Error::invalid(
            op,
            format!(
                "expected [batch, classes] scores, got shape {:?}",
                scores.dims()
            ),
        ));
    };
    if targets.dims() != [n] || targets.dtype().is_float() {
        return Err(Error::invalid(
            op,
            format!(
                "expected [{n}] integer class indices, got {:?} of shape {:?}",
                targets.dtype(),
                targets.dims()
            ),
        ));
    }
    let ids = targets.to_dtype(DType::I64)?;
    let values = ids.to_vec::<i64>()?;
    if let Some(bad) = values.iter().find(|&&t| t < 0 || t as usize >= classes) {
        return Err(Error::invalid(
            op,
            format!("class index {bad} is outside 0..{classes}"),
        ));
    }
    ids.reshape((n, 1))
}

/// Negative log-likelihood of `[n, classes]` log-probabilities at `[n]` class indices.
pub fn nll_loss(log_probs: &Tensor, targets: &Tensor, reduction: Reduction) -> Result<Tensor> {
    let ids = check_class_targets(log_probs, targets, "nll_loss")?;
    reduction.apply(log_probs.gather(&ids, 1)?.squeeze(1)?.neg()?)
}

/// Cross-entropy of `[n, classes]` logits at `[n]` class indices (mean over the batch),
/// computed through a stable log-softmax.
pub fn cross_entropy(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    cross_entropy_with(logits, targets, 0.0, Reduction::Mean)
}

/// Cross-entropy with label smoothing `smoothing` in `[0, 1]` (the target distribution puts
/// `1 - smoothing` on the class and spreads `smoothing` uniformly) and a reduction.
pub fn cross_entropy_with(
    logits: &Tensor,
    targets: &Tensor,
    smoothing: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    if !(0.0..=1.0).contains(&smoothing) {
        return Err(Error::invalid(
            "cross_entropy",
            format!("label smoothing must be in [0, 1], got {smoothing}"),
        ));
    }
    let ids = check_class_targets(logits, targets, "cross_entropy")?;
    let log_probs = logits.log_softmax(1)?;
    let nll = log_probs.gather(&ids, 1)?.squeeze(1)?.neg()?;
    let losses = if smoothing == 0.0 {
        nll
    } else {
        let uniform = log_probs.mean(1, false)?.neg()?;
        nll.affine(1.0 - smoothing, 0.0)?
            .add(&uniform.mul_scalar(smoothing)?)?
    };
    reduction.apply(losses)
}

fn check_same_shape(a: &Tensor, b: &Tensor, op: &'static str) -> Result<()> {
    if a.dims() != b.dims() {
        return Err(Error::ShapeMismatch {
            op,
            lhs: a.shape().clone(),
            rhs: b.shape().clone(),
        });
    }
    Ok(())
}

/// Squared error between predictions and targets of the same shape.
pub fn mse_loss(pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    check_same_shape(pred, target, "mse_loss")?;
    reduction.apply(pred.sub(target)?.sqr()?)
}

/// Absolute error between predictions and targets of the same shape.
pub fn l1_loss(pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    check_same_shape(pred, target, "l1_loss")?;
    reduction.apply(pred.sub(target)?.abs()?)
}

/// Binary cross-entropy of logits against targets in `[0, 1]`, in the stable form
/// `(1 - t) x + softplus(-x)` (smooth everywhere, gradient `sigmoid(x) - t`).
pub fn bce_with_logits(logits: &Tensor, targets: &Tensor, reduction: Reduction) -> Result<Tensor> {
    check_same_shape(logits, targets, "bce_with_logits")?;
    let losses = logits
        .sub(&logits.mul(targets)?)?
        .add(&logits.neg()?.softplus()?)?;
    reduction.apply(losses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autograd::gradcheck;

    fn logits() -> Tensor {
        Tensor::from_vec(vec![1.0f64, 2.0, 0.5, -1.0, 0.0, 3.0], (2, 3)).unwrap()
    }

    #[test]
    fn cross_entropy_matches_the_formula() {
        let t = Tensor::from_vec(vec![1i64, 2], 2).unwrap();
        // -log softmax by hand
        let row = |v: [f64; 3], k: usize| {
            let lse = v.iter().map(|x| x.exp()).sum::<f64>().ln();
            (lse - v[k], lse * 3.0 - v.iter().sum::<f64>())
        };
        let (a, sa) = row([1.0, 2.0, 0.5], 1);
        let (b, sb) = row([-1.0, 0.0, 3.0], 2);
        let got = cross_entropy(&logits(), &t)
            .unwrap()
            .to_scalar_f64()
            .unwrap();
        assert!((got - (a + b) / 2.0).abs() < 1e-12);
        let sum = cross_entropy_with(&logits(), &t, 0.0, Reduction::Sum).unwrap();
        assert!((sum.to_scalar_f64().unwrap() - (a + b)).abs() < 1e-12);
        let eps = 0.1;
        let smooth = cross_entropy_with(&logits(), &t, eps, Reduction::None).unwrap();
        let want = [
            (1.0 - eps) * a + eps * sa / 3.0,
            (1.0 - eps) * b + eps * sb / 3.0,
        ];
        for (g, w) in smooth.to_vec_f64().unwrap().iter().zip(want) {
            assert!((g - w).abs() < 1e-12);
        }
        // huge logits stay finite
        let big = Tensor::from_vec(vec![1000.0f32, 0.0], (1, 2)).unwrap();
        let l = cross_entropy(&big, &Tensor::from_vec(vec![1i64], 1).unwrap()).unwrap();
        assert!((l.to_scalar_f64().unwrap() - 1000.0).abs() < 1e-3);
    }

    #[test]
    fn cross_entropy_rejects_bad_targets() {
        let e = cross_entropy(&logits(), &Tensor::from_vec(vec![1i64, 3], 2).unwrap()).unwrap_err();
        assert!(e.to_string().contains("class index 3"), "{e}");
        assert!(cross_entropy(&logits(), &Tensor::from_vec(vec![1i64], 1).unwrap()).is_err());
        assert!(cross_entropy(&logits(), &Tensor::zeros(2).unwrap()).is_err());
    }

    #[test]
    fn loss_gradients_match_finite_differences() {
        let t = Tensor::from_vec(vec![0u32, 2], 2).unwrap();
        gradcheck(
            |x| cross_entropy_with(&x[0], &t, 0.2, Reduction::Mean),
            &[logits()],
        )
        .unwrap();
        let y = Tensor::from_vec(vec![0.0f64, 1.0, 1.0, 0.0, 0.3, 1.0], (2, 3)).unwrap();
        gradcheck(|x| bce_with_logits(&x[0], &y, Reduction::None), &[logits()]).unwrap();
        gradcheck(|x| mse_loss(&x[0], &y, Reduction::Mean), &[logits()]).unwrap();
    }

    #[test]
    fn regression_losses_by_hand() {
        let p = Tensor::from_vec(vec![1.0f32, 2.0, 4.0], 3).unwrap();
        let t = Tensor::from_vec(vec![0.0f32, 2.0, 1.0], 3).unwrap();
        let mse = mse_loss(&p, &t, Reduction::Mean)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!((mse - 10.0 / 3.0).abs() < 1e-6);
        let l1 = l1_loss(&p, &t, Reduction::Sum)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert_eq!(l1, 4.0);
        let x = Tensor::from_vec(vec![0.5f64, -2.0], 2).unwrap();
        let y = Tensor::from_vec(vec![1.0f64, 0.0], 2).unwrap();
        let got = bce_with_logits(&x, &y, Reduction::None)
            .unwrap()
            .to_vec_f64()
            .unwrap();
        let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
        assert!((got[0] + sig(0.5).ln()).abs() < 1e-12);
        assert!((got[1] + (1.0 - sig(-2.0)).ln()).abs() < 1e-12);
        assert!(mse_loss(&p, &Tensor::zeros(2).unwrap(), Reduction::Mean).is_err());
    }
}
