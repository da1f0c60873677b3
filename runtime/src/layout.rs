//! How a tensor's elements sit in its storage: shape, strides (in elements) and offset.

use crate::{Error, Result, Shape};

/// Shape, strides and start offset of a view into a storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    shape: Shape,
    strides: Vec<usize>,
    offset: usize,
}

impl Layout {
    /// A row-major contiguous layout starting at element 0.
    pub fn contiguous(shape: impl Into<Shape>) -> Self {
        let shape = shape.into();
        let strides = shape.contiguous_strides();
        Layout {
            shape,
            strides,
            offset: 0,
        }
    }

    /// A layout from its parts.
    pub fn new(shape: Shape, strides: Vec<usize>, offset: usize) -> Self {
        Layout {
            shape,
            strides,
            offset,
        }
    }

    /// The shape of the view.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The dimension sizes of the view.
    pub fn dims(&self) -> &[usize] {
        self.shape.dims()
    }

    /// The strides, in elements.
    pub fn strides(&self) -> &[usize] {
        &self.strides
    }

    /// The index of the first element in the storage.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Whether the view is row-major contiguous (size-1 dims may have any stride).
    pub fn is_contiguous(&self) -> bool {
        let mut acc = 1;
        for (&d, &s) in self.dims().iter().zip(&self.strides).rev() {
            if d != 1 && s != acc {
                return false;
            }
            acc *= d;
        }
        true
    }

    /// The storage range `start..end` of a contiguous view.
    pub fn contiguous_range(&self) -> Option<(usize, usize)> {
        self.is_contiguous()
            .then(|| (self.offset, self.offset + self.shape.elem_count()))
    }

    /// The view of `len` elements of `dim` from `start`.
    pub fn narrow(&self, dim: usize, start: usize, len: usize) -> Result<Self> {
        let size = self.dims()[dim];
        if start.checked_add(len).is_none_or(|end| end > size) {
            return Err(Error::invalid(
                "narrow",
                format!(
                    "range {start}..{} out of bounds for dimension {dim} of size {size}",
                    start.saturating_add(len)
                ),
            ));
        }
        let mut dims = self.dims().to_vec();
        dims[dim] = len;
        Ok(Layout {
            shape: Shape::from(dims),
            strides: self.strides.clone(),
            offset: self.offset + start * self.strides[dim],
        })
    }

    /// The view with dimensions reordered; `perm` must be a permutation of `0..rank`.
    pub fn permute(&self, perm: &[usize]) -> Self {
        let dims = perm.iter().map(|&p| self.dims()[p]).collect::<Vec<_>>();
        let strides = perm.iter().map(|&p| self.strides[p]).collect();
        Layout {
            shape: Shape::from(dims),
            strides,
            offset: self.offset,
        }
    }

    /// The view broadcast to `shape` (size-1 and missing leading dims get stride 0).
    pub fn broadcast_as(&self, shape: &Shape) -> Result<Self> {
        let rank = shape.rank();
        let err = || {
            Error::invalid(
                "broadcast_as",
                format!("cannot broadcast shape {:?} to {:?}", self.shape, shape),
            )
        };
        if rank < self.shape.rank() {
            return Err(err());
        }
        let extra = rank - self.shape.rank();
        let mut strides = vec![0; rank];
        for (i, &target) in shape.dims().iter().enumerate().skip(extra) {
            let d = self.dims()[i - extra];
            strides[i] = if d == target {
                self.strides[i - extra]
            } else if d == 1 {
                0
            } else {
                return Err(err());
            };
        }
        Ok(Layout {
            shape: shape.clone(),
            strides,
            offset: self.offset,
        })
    }

    /// The same contiguous view seen with another shape of equal element count.
    pub fn reshaped_contiguous(&self, shape: Shape) -> Self {
        let strides = shape.contiguous_strides();
        Layout {
            shape,
            strides,
            offset: self.offset,
        }
    }

    /// Storage offsets of the elements in row-major order, starting at element `start`.
    pub fn offsets_from(&self, start: usize) -> StridedOffsets<'_> {
        StridedOffsets::new(self, start)
    }

    /// Storage offsets of every element in row-major order.
    pub fn offsets(&self) -> StridedOffsets<'_> {
        StridedOffsets::new(self, 0)
    }
}

/// Iterator over storage offsets of a layout, in row-major order of the view.
pub struct StridedOffsets<'a> {
    dims: &'a [usize],
    strides: &'a [usize],
    index: Vec<usize>,
    next: usize,
    remaining: usize,
}

impl<'a> StridedOffsets<'a> {
    fn new(layout: &'a Layout, start: usize) -> Self {
        let total = layout.shape.elem_count();
        let dims = layout.dims();
        let mut index = vec![0; dims.len()];
        let mut rest = start.min(total);
        let mut next = layout.offset;
        for i in (0..dims.len()).rev() {
            if dims[i] == 0 {
                break;
            }
            index[i] = rest % dims[i];
            rest /= dims[i];
            next += index[i] * layout.strides[i];
        }
        StridedOffsets {
            dims,
            strides: &layout.strides,
            index,
            next,
            remaining: total.saturating_sub(start),
        }
    }
}

impl Iterator for StridedOffsets<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let current = self.next;
        if self.remaining > 0 {
            for i in (0..self.dims.len()).rev() {
                self.index[i] += 1;
                if self.index[i] < self.dims[i] {
                    self.next += self.strides[i];
                    break;
                }
                self.next -= (self.index[i] - 1) * self.strides[i];
                self.index[i] = 0;
            }
        }
        Some(current)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for StridedOffsets<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposed_offsets() {
        let l = Layout::contiguous((2, 3)).permute(&[1, 0]);
        assert!(!l.is_contiguous());
        assert_eq!(l.offsets().collect::<Vec<_>>(), vec![0, 3, 1, 4, 2, 5]);
        assert_eq!(l.offsets_from(3).collect::<Vec<_>>(), vec![4, 2, 5]);
    }

    #[test]
    fn narrow_and_broadcast() {
        let l = Layout::contiguous((3, 4)).narrow(1, 1, 2).unwrap();
        assert_eq!(l.offsets().collect::<Vec<_>>(), vec![1, 2, 5, 6, 9, 10]);
        assert!(Layout::contiguous((3, 4)).narrow(1, 3, 2).is_err());
        let b = Layout::contiguous(3usize)
            .broadcast_as(&Shape::from((2, 3)))
            .unwrap();
        assert_eq!(b.offsets().collect::<Vec<_>>(), vec![0, 1, 2, 0, 1, 2]);
        assert!(Layout::contiguous(3usize)
            .broadcast_as(&Shape::from((2, 4)))
            .is_err());
    }
}
