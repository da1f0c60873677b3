//! Views sharing storage: reshape, permute, transpose, narrow, squeeze, expand, split.

use super::Tensor;
use crate::autograd::Op;
use crate::{Dim, Dims, Error, Layout, Result, Shape};

impl Tensor {
    /// A contiguous tensor with the same values (itself when already contiguous).
    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            return Ok(self.clone());
        }
        let storage = self.storage().copy_strided(self.layout())?;
        let op = Tensor::track(&[self], || Op::Copy(self.clone()));
        Ok(Tensor::from_storage(storage, self.shape().clone(), op))
    }

    /// The same elements with another shape of equal count (a view when contiguous).
    pub fn reshape(&self, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        if shape.checked_elem_count("reshape")? != self.elem_count() {
            return Err(Error::invalid(
                "reshape",
                format!("cannot reshape {:?} into {:?}", self.shape(), shape),
            ));
        }
        let src = self.contiguous()?;
        let layout = src.layout().reshaped_contiguous(shape);
        let op = Tensor::track(&[&src], || Op::Reshape(src.clone()));
        Ok(src.view(layout, op))
    }

    /// Reshape where one dimension may be -1 (inferred).
    pub fn view_as(&self, dims: &[i64]) -> Result<Tensor> {
        let known: i64 = dims.iter().filter(|&&d| d != -1).product();
        let holes = dims.iter().filter(|&&d| d == -1).count();
        let bad = || {
            Error::invalid(
                "view_as",
                format!("cannot view {:?} as {dims:?}", self.shape()),
            )
        };
        if holes > 1 || dims.iter().any(|&d| d < -1) {
            return Err(bad());
        }
        let n = self.elem_count() as i64;
        let fill = if holes == 1 {
            if known == 0 || n % known != 0 {
                return Err(bad());
            }
            n / known
        } else {
            0
        };
        let shape: Vec<usize> = dims
            .iter()
            .map(|&d| if d == -1 { fill as usize } else { d as usize })
            .collect();
        self.reshape(shape)
    }

    /// All elements in one dimension.
    pub fn flatten_all(&self) -> Result<Tensor> {
        self.reshape(self.elem_count())
    }

    /// Dimensions `start..=end` merged into one.
    pub fn flatten<D: Dim>(&self, start: D, end: D) -> Result<Tensor> {
        let s = start.to_index(self.shape(), "flatten")?;
        let e = end.to_index(self.shape(), "flatten")?;
        if s > e {
            return Err(Error::invalid(
                "flatten",
                format!("start {s} after end {e}"),
            ));
        }
        let d = self.dims();
        let mut shape = d[..s].to_vec();
        shape.push(d[s..=e].iter().product());
        shape.extend_from_slice(&d[e + 1..]);
        self.reshape(shape)
    }

    /// The view with dimensions reordered.
    pub fn permute(&self, dims: impl Dims) -> Result<Tensor> {
        let perm = dims.to_indexes(self.shape(), "permute")?;
        if perm.len() != self.rank() {
            return Err(Error::invalid(
                "permute",
                format!(
                    "permutation {perm:?} does not match the rank of shape {:?}",
                    self.shape()
                ),
            ));
        }
        let layout = self.layout().permute(&perm);
        let op = Tensor::track(&[self], || Op::Permute(self.clone(), perm));
        Ok(self.view(layout, op))
    }

    /// The view with two dimensions swapped.
    pub fn transpose<D: Dim>(&self, d0: D, d1: D) -> Result<Tensor> {
        let a = d0.to_index(self.shape(), "transpose")?;
        let b = d1.to_index(self.shape(), "transpose")?;
        let mut perm: Vec<usize> = (0..self.rank()).collect();
        perm.swap(a, b);
        self.permute(perm)
    }

    /// The transpose of a 2-D tensor.
    pub fn t(&self) -> Result<Tensor> {
        if self.rank() != 2 {
            return Err(Error::invalid(
                "t",
                format!("expected a 2-D tensor, got shape {:?}", self.shape()),
            ));
        }
        self.transpose(0, 1)
    }

    /// The view of `len` entries of `dim` from `start`.
    pub fn narrow<D: Dim>(&self, dim: D, start: usize, len: usize) -> Result<Tensor> {
        let d = dim.to_index(self.shape(), "narrow")?;
        let layout = self.layout().narrow(d, start, len)?;
        let op = Tensor::track(&[self], || Op::Narrow(self.clone(), d, start));
        Ok(self.view(layout, op))
    }

    /// Entry `index` of `dim`, with that dimension removed.
    pub fn select<D: Dim>(&self, dim: D, index: usize) -> Result<Tensor> {
        let d = dim.to_index(self.shape(), "select")?;
        if index >= self.dims()[d] {
            return Err(Error::IndexOutOfRange {
                op: "select",
                index: index as i64,
                dim: d,
                size: self.dims()[d],
            });
        }
        self.narrow(d, index, 1)?.squeeze(d)
    }

    /// Removes a size-1 dimension.
    pub fn squeeze<D: Dim>(&self, dim: D) -> Result<Tensor> {
        let d = dim.to_index(self.shape(), "squeeze")?;
        if self.dims()[d] != 1 {
            return Ok(self.clone());
        }
        let mut dims = self.dims().to_vec();
        dims.remove(d);
        let mut strides = self.layout().strides().to_vec();
        strides.remove(d);
        self.restride(dims, strides)
    }

    /// Inserts a size-1 dimension at `dim` (negative counts from the end of the new rank).
    pub fn unsqueeze<D: Dim>(&self, dim: D) -> Result<Tensor> {
        let d = dim.to_index_plus_one(self.shape(), "unsqueeze")?;
        let mut dims = self.dims().to_vec();
        dims.insert(d, 1);
        let mut strides = self.layout().strides().to_vec();
        let s = strides.get(d).map(|&s| s * self.dims()[d]).unwrap_or(1);
        strides.insert(d, s);
        self.restride(dims, strides)
    }

    /// A view with new dims/strides over the same elements (recorded as a reshape).
    fn restride(&self, dims: Vec<usize>, strides: Vec<usize>) -> Result<Tensor> {
        let layout = Layout::new(Shape::from(dims), strides, self.layout().offset());
        let op = Tensor::track(&[self], || Op::Reshape(self.clone()));
        Ok(self.view(layout, op))
    }

    /// The view broadcast to `shape` (NumPy rules; no copy).
    pub fn broadcast_as(&self, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        if &shape == self.shape() {
            return Ok(self.clone());
        }
        let layout = self.layout().broadcast_as(&shape)?;
        let op = Tensor::track(&[self], || Op::Broadcast(self.clone()));
        Ok(self.view(layout, op))
    }

    /// Alias of `broadcast_as`, PyTorch's name.
    pub fn expand(&self, shape: impl Into<Shape>) -> Result<Tensor> {
        self.broadcast_as(shape)
    }

    /// `n` nearly equal views along `dim` (the last may be smaller).
    pub fn chunk<D: Dim>(&self, n: usize, dim: D) -> Result<Vec<Tensor>> {
        let d = dim.to_index(self.shape(), "chunk")?;
        if n == 0 {
            return Err(Error::invalid("chunk", "number of chunks must be positive"));
        }
        let size = self.dims()[d];
        self.split(size.div_ceil(n).max(1), d)
    }

    /// Views of `size` entries along `dim` (the last may be smaller).
    pub fn split<D: Dim>(&self, size: usize, dim: D) -> Result<Vec<Tensor>> {
        let d = dim.to_index(self.shape(), "split")?;
        if size == 0 {
            return Err(Error::invalid("split", "split size must be positive"));
        }
        let total = self.dims()[d];
        (0..total)
            .step_by(size)
            .map(|start| self.narrow(d, start, size.min(total - start)))
            .collect()
    }

    /// Views with the given sizes along `dim`; the sizes must add up to the dimension.
    pub fn split_sizes<D: Dim>(&self, sizes: &[usize], dim: D) -> Result<Vec<Tensor>> {
        let d = dim.to_index(self.shape(), "split")?;
        if sizes.iter().sum::<usize>() != self.dims()[d] {
            return Err(Error::invalid(
                "split",
                format!(
                    "sizes {sizes:?} do not add up to dimension {d} of shape {:?}",
                    self.shape()
                ),
            ));
        }
        let mut start = 0;
        sizes
            .iter()
            .map(|&len| {
                let t = self.narrow(d, start, len);
                start += len;
                t
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t23() -> Tensor {
        Tensor::arange(0.0, 6.0, 1.0)
            .unwrap()
            .reshape((2, 3))
            .unwrap()
    }

    #[test]
    fn views_share_storage_and_read_right() {
        let t = t23();
        let tt = t.t().unwrap();
        assert!(!tt.is_contiguous());
        assert_eq!(tt.to_vec::<f32>().unwrap(), vec![0., 3., 1., 4., 2., 5.]);
        assert_eq!(
            tt.reshape(6).unwrap().to_vec::<f32>().unwrap(),
            vec![0., 3., 1., 4., 2., 5.]
        );
        assert_eq!(
            t.narrow(1, 1, 2).unwrap().to_vec::<f32>().unwrap(),
            vec![1., 2., 4., 5.]
        );
        assert_eq!(
            t.select(0, 1).unwrap().to_vec::<f32>().unwrap(),
            vec![3., 4., 5.]
        );
        assert_eq!(t.unsqueeze(-1).unwrap().dims(), &[2, 3, 1]);
        assert_eq!(t.unsqueeze(0).unwrap().squeeze(0).unwrap().dims(), &[2, 3]);
        assert_eq!(t.view_as(&[3, -1]).unwrap().dims(), &[3, 2]);
        assert_eq!(t.flatten(0, 1).unwrap().dims(), &[6]);
        let parts = t.chunk(2, 1).unwrap();
        assert_eq!(parts[1].to_vec::<f32>().unwrap(), vec![2., 5.]);
        let e = t.reshape((4, 2)).unwrap_err();
        assert_eq!(e.to_string(), "reshape: cannot reshape [2, 3] into [4, 2]");
        assert!(t.narrow(1, 2, 2).is_err());
        assert!(t.permute([0, 0]).is_err());
        assert!(t.transpose(0, 2).is_err());
        assert!(t.view_as(&[-1, -1]).is_err());
        let b = Tensor::ones(3).unwrap().broadcast_as((2, 3)).unwrap();
        assert_eq!(b.to_vec::<f32>().unwrap(), vec![1.; 6]);
    }
}
