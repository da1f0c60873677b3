//! Evaluation metrics.

use crate::{DType, Error, Result, Tensor};

/// The number of rows of `[n, classes]` scores whose argmax equals the `[n]` target class.
pub fn correct_count(scores: &Tensor, targets: &Tensor) -> Result<usize> {
    if scores.rank() != 2 || targets.dims() != [scores.dims()[0]] {
        return Err(Error::invalid(
            "accuracy",
            format!(
                "expected [n, classes] scores and [n] targets, got {:?} and {:?}",
                scores.dims(),
                targets.dims()
            ),
        ));
    }
    let predicted = scores
        .argmax(1, false)?
        .to_dtype(DType::I64)?
        .to_vec::<i64>()?;
    let wanted = targets.to_dtype(DType::I64)?.to_vec::<i64>()?;
    Ok(predicted
        .iter()
        .zip(&wanted)
        .filter(|(p, w)| p == w)
        .count())
}

/// The fraction of rows of `[n, classes]` scores whose argmax equals the target class.
pub fn accuracy(scores: &Tensor, targets: &Tensor) -> Result<f64> {
    let n = targets.elem_count();
    if n == 0 {
        return Err(Error::invalid("accuracy", "no samples"));
    }
    Ok(correct_count(scores, targets)? as f64 / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_argmax_hits() {
        let s = Tensor::from_vec(vec![0.1f32, 0.9, 0.8, 0.2, 0.3, 0.7], (3, 2)).unwrap();
        let t = Tensor::from_vec(vec![1u8, 1, 1], 3).unwrap();
        assert!((accuracy(&s, &t).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!(accuracy(&s, &Tensor::from_vec(vec![1u8], 1).unwrap()).is_err());
    }
}
