//! Joining and indexing: cat, stack, gather, scatter_add, index_select, one_hot, triu/tril.

use super::Tensor;
use crate::autograd::Op;
use crate::storage::Storage;
use crate::{DType, Dim, Error, Result, Shape};

impl AsRef<Tensor> for Tensor {
    fn as_ref(&self) -> &Tensor {
        self
    }
}

impl Tensor {
    /// Concatenation along `dim`; every other dimension must agree.
    pub fn cat<A: AsRef<Tensor>, D: Dim>(tensors: &[A], dim: D) -> Result<Tensor> {
        let Some(first) = tensors.first().map(|t| t.as_ref()) else {
            return Err(Error::invalid("cat", "no tensors to concatenate"));
        };
        let d = dim.to_index(first.shape(), "cat")?;
        let mut size = 0;
        for t in tensors.iter().map(|t| t.as_ref()) {
            first.same_dtype(t, "cat")?;
            first.same_device(t, "cat")?;
            let agree = t.rank() == first.rank()
                && (0..t.rank()).all(|i| i == d || t.dims()[i] == first.dims()[i]);
            if !agree {
                return Err(Error::ShapeMismatch {
                    op: "cat",
                    lhs: first.shape().clone(),
                    rhs: t.shape().clone(),
                });
            }
            size += t.dims()[d];
        }
        if tensors.len() == 1 {
            return Ok(first.clone());
        }
        let guards: Vec<_> = tensors.iter().map(|t| t.as_ref().storage()).collect();
        let parts: Vec<(&Storage, &crate::Layout)> = guards
            .iter()
            .zip(tensors)
            .map(|(g, t)| (&**g, t.as_ref().layout()))
            .collect();
        let storage = Storage::cat(&parts, d)?;
        drop(parts);
        drop(guards);
        let mut dims = first.dims().to_vec();
        dims[d] = size;
        let inputs: Vec<&Tensor> = tensors.iter().map(|t| t.as_ref()).collect();
        let tracked = Tensor::track(&inputs, || {
            Op::Cat(inputs.iter().map(|&t| t.clone()).collect(), d)
        });
        Ok(Tensor::from_storage(storage, dims, tracked))
    }

    /// Stacks same-shape tensors along a new dimension `dim`.
    pub fn stack<A: AsRef<Tensor>, D: Dim>(tensors: &[A], dim: D) -> Result<Tensor> {
        let Some(first) = tensors.first().map(|t| t.as_ref()) else {
            return Err(Error::invalid("stack", "no tensors to stack"));
        };
        let d = dim.to_index_plus_one(first.shape(), "stack")?;
        let parts = tensors
            .iter()
            .map(|t| {
                let t = t.as_ref();
                if t.shape() != first.shape() {
                    return Err(Error::ShapeMismatch {
                        op: "stack",
                        lhs: first.shape().clone(),
                        rhs: t.shape().clone(),
                    });
                }
                t.unsqueeze(d)
            })
            .collect::<Result<Vec<_>>>()?;
        Tensor::cat(&parts, d)
    }

    fn check_index_tensor(ids: &Tensor, op: &'static str) -> Result<()> {
        if !ids.dtype().is_int() {
            return Err(Error::invalid(
                op,
                format!(
                    "indices must be int64, uint32 or uint8, got {}",
                    ids.dtype()
                ),
            ));
        }
        Ok(())
    }

    /// Entries of `dim` listed by the 1-D integer tensor `ids`.
    pub fn index_select<D: Dim>(&self, ids: &Tensor, dim: D) -> Result<Tensor> {
        let d = dim.to_index(self.shape(), "index_select")?;
        Self::check_index_tensor(ids, "index_select")?;
        if ids.rank() != 1 {
            return Err(Error::invalid(
                "index_select",
                format!("indices must be 1-D, got shape {:?}", ids.shape()),
            ));
        }
        self.same_device(ids, "index_select")?;
        let storage =
            self.storage()
                .index_select(self.layout(), &ids.storage(), ids.layout(), d)?;
        let mut dims = self.dims().to_vec();
        dims[d] = ids.elem_count();
        let tracked = Tensor::track(&[self], || Op::IndexSelect(self.clone(), ids.clone(), d));
        Ok(Tensor::from_storage(storage, dims, tracked))
    }

    fn check_same_rank_indices(&self, ids: &Tensor, dim: usize, op: &'static str) -> Result<()> {
        Self::check_index_tensor(ids, op)?;
        self.same_device(ids, op)?;
        let fits = ids.rank() == self.rank()
            && (0..self.rank()).all(|i| i == dim || ids.dims()[i] <= self.dims()[i]);
        if !fits {
            return Err(Error::ShapeMismatch {
                op,
                lhs: self.shape().clone(),
                rhs: ids.shape().clone(),
            });
        }
        Ok(())
    }

    /// `out[i][j] = self[i][ids[i][j]]` for `dim = 1` (generally: along `dim`).
    pub fn gather<D: Dim>(&self, ids: &Tensor, dim: D) -> Result<Tensor> {
        let d = dim.to_index(self.shape(), "gather")?;
        self.check_same_rank_indices(ids, d, "gather")?;
        let storage = self
            .storage()
            .gather(self.layout(), &ids.storage(), ids.layout(), d)?;
        let tracked = Tensor::track(&[self], || Op::Gather(self.clone(), ids.clone(), d));
        Ok(Tensor::from_storage(storage, ids.shape().clone(), tracked))
    }

    /// A copy with `src[i][j]` added at `[i][ids[i][j]]` for `dim = 1` (generally: along `dim`);
    /// `ids` and `src` have the same shape.
    pub fn scatter_add<D: Dim>(&self, ids: &Tensor, src: &Tensor, dim: D) -> Result<Tensor> {
        let d = dim.to_index(self.shape(), "scatter_add")?;
        self.check_same_rank_indices(ids, d, "scatter_add")?;
        self.same_dtype(src, "scatter_add")?;
        self.same_device(src, "scatter_add")?;
        if ids.shape() != src.shape() {
            return Err(Error::ShapeMismatch {
                op: "scatter_add",
                lhs: ids.shape().clone(),
                rhs: src.shape().clone(),
            });
        }
        let storage = self.storage().scatter_add(
            self.layout(),
            &ids.storage(),
            ids.layout(),
            &src.storage(),
            src.layout(),
            d,
        )?;
        let tracked = Tensor::track(&[self, src], || {
            Op::ScatterAdd(self.clone(), ids.clone(), src.clone(), d)
        });
        Ok(Tensor::from_storage(storage, self.shape().clone(), tracked))
    }

    /// One-hot int64 encoding of an integer tensor: shape `dims + [num_classes]`.
    pub fn one_hot(&self, num_classes: usize) -> Result<Tensor> {
        Self::check_index_tensor(self, "one_hot")?;
        let ids = self.to_dtype(DType::I64)?.to_vec::<i64>()?;
        let mut out = vec![0i64; ids.len() * num_classes];
        for (row, &i) in ids.iter().enumerate() {
            if i < 0 || i as u64 >= num_classes as u64 {
                return Err(Error::IndexOutOfRange {
                    op: "one_hot",
                    index: i,
                    dim: self.rank(),
                    size: num_classes,
                });
            }
            out[row * num_classes + i as usize] = 1;
        }
        let mut dims = self.dims().to_vec();
        dims.push(num_classes);
        Tensor::from_vec(out, dims)?.to_device(self.device())
    }

    fn triangle(&self, k: i64, upper: bool, op: &'static str) -> Result<Tensor> {
        if self.rank() < 2 {
            return Err(Error::invalid(
                op,
                format!(
                    "expected at least 2 dimensions, got shape {:?}",
                    self.shape()
                ),
            ));
        }
        let (rows, cols) = (self.dims()[self.rank() - 2], self.dims()[self.rank() - 1]);
        let keep: Vec<bool> = (0..rows * cols)
            .map(|p| {
                let diag = (p % cols) as i64 - (p / cols) as i64;
                if upper {
                    diag >= k
                } else {
                    diag <= k
                }
            })
            .collect();
        let mask = Tensor::from_vec(keep, Shape::from((rows, cols)))?.to_device(self.device())?;
        mask.where_cond(self, &self.scalar_like(0.0, self.dtype())?)
    }

    /// Upper triangle of the last two dims (entries with `col - row >= k`), zeros elsewhere.
    pub fn triu(&self, k: i64) -> Result<Tensor> {
        self.triangle(k, true, "triu")
    }

    /// Lower triangle of the last two dims (entries with `col - row <= k`), zeros elsewhere.
    pub fn tril(&self, k: i64) -> Result<Tensor> {
        self.triangle(k, false, "tril")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joining_and_indexing() {
        let a = Tensor::arange(0.0, 6.0, 1.0)
            .unwrap()
            .reshape((2, 3))
            .unwrap();
        let c = Tensor::cat(&[&a, &a], 1).unwrap();
        assert_eq!(c.dims(), &[2, 6]);
        assert_eq!(c.to_vec2::<f32>().unwrap()[1], vec![3., 4., 5., 3., 4., 5.]);
        let s = Tensor::stack(&[&a, &a], 0).unwrap();
        assert_eq!(s.dims(), &[2, 2, 3]);
        let ids = Tensor::from_vec(vec![2i64, 0], 2).unwrap();
        assert_eq!(
            a.index_select(&ids, 1).unwrap().to_vec::<f32>().unwrap(),
            vec![2., 0., 5., 3.]
        );
        let g = Tensor::from_vec(vec![1i64, 1, 0, 2], (2, 2)).unwrap();
        assert_eq!(
            a.gather(&g, 1).unwrap().to_vec::<f32>().unwrap(),
            vec![1., 1., 3., 5.]
        );
        let oh = Tensor::from_vec(vec![0u32, 2], 2)
            .unwrap()
            .one_hot(3)
            .unwrap();
        assert_eq!(oh.to_vec::<i64>().unwrap(), vec![1, 0, 0, 0, 0, 1]);
        assert_eq!(
            a.triu(1).unwrap().to_vec::<f32>().unwrap(),
            vec![0., 1., 2., 0., 0., 5.]
        );
        assert_eq!(
            a.tril(0).unwrap().to_vec::<f32>().unwrap(),
            vec![0., 0., 0., 3., 4., 0.]
        );
    }

    #[test]
    fn bad_indices_are_errors() {
        let a = Tensor::zeros((2, 3)).unwrap();
        let ids = Tensor::from_vec(vec![3i64], 1).unwrap();
        let e = a.index_select(&ids, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "index_select: index 3 out of range for dimension 1 of size 3"
        );
        let f = Tensor::from_vec(vec![0f32], 1).unwrap();
        assert!(a.index_select(&f, 0).is_err());
        assert!(Tensor::cat(&[&a, &Tensor::zeros((2, 2)).unwrap()], 0).is_err());
        assert!(Tensor::cat::<Tensor, usize>(&[], 0).is_err());
        assert!(Tensor::from_vec(vec![5i64], 1).unwrap().one_hot(3).is_err());
        let neg = Tensor::from_vec(vec![-1i64, 0], (1, 2)).unwrap();
        assert!(a.gather(&neg, 1).is_err());
    }
}
