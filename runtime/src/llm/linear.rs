//! A linear layer whose weight stays in its file encoding (f32, f16, bf16 or a ggml
//! block type), with an optional f32 bias.

use crate::quant::QuantizedMatrix;
use crate::{Error, Result};

/// `y = W x + b` with `W` an `out × in` [`QuantizedMatrix`].
#[derive(Debug, Clone)]
pub struct Linear {
    weight: QuantizedMatrix,
    bias: Option<Vec<f32>>,
}

impl Linear {
    /// Wraps a weight matrix and an optional bias of `weight.rows()` values.
    pub fn new(weight: QuantizedMatrix, bias: Option<Vec<f32>>) -> Result<Linear> {
        if let Some(b) = &bias {
            if b.len() != weight.rows() {
                return Err(Error::invalid(
                    "Linear::new",
                    format!("bias of {} values for {} outputs", b.len(), weight.rows()),
                ));
            }
        }
        Ok(Linear { weight, bias })
    }

    /// Input width.
    pub fn in_features(&self) -> usize {
        self.weight.cols()
    }

    /// Output width.
    pub fn out_features(&self) -> usize {
        self.weight.rows()
    }

    /// The weight matrix.
    pub fn weight(&self) -> &QuantizedMatrix {
        &self.weight
    }

    /// The bias, if any.
    pub fn bias(&self) -> Option<&[f32]> {
        self.bias.as_deref()
    }

    /// Applies the layer to `n` row-major input vectors.
    pub fn forward(&self, x: &[f32], n: usize) -> Result<Vec<f32>> {
        let mut out = vec![0f32; n * self.out_features()];
        self.weight.matmul(x, n, &mut out)?;
        self.add_bias(&mut out);
        Ok(out)
    }

    /// Applies several layers of the same input width to the same `n` vectors in one
    /// parallel pass (as the query/key/value or gate/up projections are): one output per
    /// layer, each as [`Linear::forward`] returns it.
    pub fn forward_each(layers: &[&Linear], x: &[f32], n: usize) -> Result<Vec<Vec<f32>>> {
        let weights: Vec<&QuantizedMatrix> = layers.iter().map(|l| &l.weight).collect();
        let mut outs = QuantizedMatrix::matmul_each(&weights, x, n)?;
        for (layer, out) in layers.iter().zip(&mut outs) {
            layer.add_bias(out);
        }
        Ok(outs)
    }

    /// Adds the bias (if any) to each output row.
    fn add_bias(&self, out: &mut [f32]) {
        if let Some(b) = &self.bias {
            for row in out.chunks_exact_mut(b.len()) {
                row.iter_mut().zip(b).for_each(|(o, b)| *o += b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::GgmlType;

    #[test]
    fn forward_adds_bias_per_row() {
        let w = QuantizedMatrix::from_f32(&[1.0, 2.0, 3.0, 4.0], 2, 2, GgmlType::F32)
            .expect("2x2 f32 matrix");
        let lin = Linear::new(w, Some(vec![10.0, 20.0])).expect("matching bias");
        let y = lin.forward(&[1.0, 1.0, 0.0, 1.0], 2).expect("shapes match");
        assert_eq!(y, vec![13.0, 27.0, 12.0, 24.0]);
        let w = QuantizedMatrix::from_f32(&[1.0; 4], 2, 2, GgmlType::F32).expect("matrix");
        assert!(Linear::new(w, Some(vec![1.0])).is_err());
    }

    #[test]
    fn forward_each_equals_one_forward_per_layer() {
        let values: Vec<f32> = (0..64 * 96)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let x: Vec<f32> = (0..3 * 64)
            .map(|i| ((i * 11 % 23) as f32 - 11.0) / 7.0)
            .collect();
        let layers = [
            (GgmlType::Q4_0, 96, Some(vec![0.5; 96])),
            (GgmlType::Q8_0, 48, None),
            (GgmlType::F16, 32, Some(vec![-1.0; 32])),
        ]
        .map(|(ty, rows, bias)| {
            let w = QuantizedMatrix::from_f32(&values[..rows * 64], rows, 64, ty)
                .expect("matrix of whole blocks");
            Linear::new(w, bias).expect("matching bias")
        });
        let refs: Vec<&Linear> = layers.iter().collect();
        let outs = Linear::forward_each(&refs, &x, 3).expect("same input width");
        for (layer, out) in layers.iter().zip(&outs) {
            assert_eq!(out, &layer.forward(&x, 3).expect("shapes match"));
        }
        let narrow = Linear::new(
            QuantizedMatrix::from_f32(&values[..32 * 32], 32, 32, GgmlType::F32).expect("matrix"),
            None,
        )
        .expect("no bias");
        assert!(Linear::forward_each(&[&layers[0], &narrow], &x, 3).is_err());
    }
}
