//! Matrix products with batch broadcasting (PyTorch's `matmul` rules).

use super::Tensor;
use crate::autograd::Op;
use crate::backend::MatmulDims;
use crate::{Error, Result, Shape};

impl Tensor {
    /// Matrix product: 1-D operands act as vectors, leading dims broadcast as batches.
    pub fn matmul(&self, rhs: &Tensor) -> Result<Tensor> {
        self.same_device(rhs, "matmul")?;
        self.same_dtype(rhs, "matmul")?;
        let mismatch = || Error::ShapeMismatch {
            op: "matmul",
            lhs: self.shape().clone(),
            rhs: rhs.shape().clone(),
        };
        if self.rank() == 0 || rhs.rank() == 0 {
            return Err(mismatch());
        }
        let a = if self.rank() == 1 {
            self.unsqueeze(0)?
        } else {
            self.clone()
        };
        let b = if rhs.rank() == 1 {
            rhs.unsqueeze(1)?
        } else {
            rhs.clone()
        };
        let (ra, rb) = (a.rank(), b.rank());
        let (m, k) = (a.dims()[ra - 2], a.dims()[ra - 1]);
        let (k2, n) = (b.dims()[rb - 2], b.dims()[rb - 1]);
        if k != k2 {
            return Err(mismatch());
        }
        let batch = Shape::from(&a.dims()[..ra - 2])
            .broadcast_with(&Shape::from(&b.dims()[..rb - 2]), "matmul")
            .map_err(|_| mismatch())?;
        let with = |x: usize, y: usize| {
            let mut d = batch.dims().to_vec();
            d.extend([x, y]);
            Shape::from(d)
        };
        let a = a.broadcast_as(with(m, k))?;
        let b = b.broadcast_as(with(k, n))?;
        let dims = MatmulDims {
            batch: batch.elem_count(),
            m,
            n,
            k,
        };
        let storage = a
            .storage()
            .matmul(a.layout(), &b.storage(), b.layout(), dims)?;
        let tracked = Tensor::track(&[&a, &b], || Op::Matmul(a.clone(), b.clone()));
        let out = Tensor::from_storage(storage, with(m, n), tracked);
        match (self.rank(), rhs.rank()) {
            (1, 1) => out.reshape(Shape::scalar()),
            (1, _) => out.squeeze(-2),
            (_, 1) => out.squeeze(-1),
            _ => Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DType;

    #[test]
    fn matmul_shapes_follow_pytorch() {
        let a = Tensor::arange(0.0, 6.0, 1.0)
            .unwrap()
            .reshape((2, 3))
            .unwrap();
        let b = Tensor::arange(0.0, 6.0, 1.0)
            .unwrap()
            .reshape((3, 2))
            .unwrap();
        assert_eq!(
            a.matmul(&b).unwrap().to_vec::<f32>().unwrap(),
            vec![10., 13., 28., 40.]
        );
        let v = Tensor::ones(3).unwrap();
        assert_eq!(
            a.matmul(&v).unwrap().to_vec::<f32>().unwrap(),
            vec![3., 12.]
        );
        assert_eq!(v.matmul(&v).unwrap().dims(), &[] as &[usize]);
        let batch = Tensor::ones((4, 1, 2, 3)).unwrap();
        let bb = Tensor::ones((5, 3, 2)).unwrap();
        assert_eq!(batch.matmul(&bb).unwrap().dims(), &[4, 5, 2, 2]);
        let e = a.matmul(&a).unwrap_err();
        assert_eq!(
            e.to_string(),
            "matmul: shape mismatch, lhs [2, 3] and rhs [2, 3]"
        );
        let h = a.to_dtype(DType::F16).unwrap();
        let hb = b.to_dtype(DType::F16).unwrap();
        assert_eq!(
            h.matmul(&hb).unwrap().to_vec_f64().unwrap(),
            vec![10., 13., 28., 40.]
        );
        let i = a.to_dtype(DType::I64).unwrap();
        assert!(i.matmul(&i.t().unwrap()).is_err());
    }
}
