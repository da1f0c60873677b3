//! Tensor shapes, dimension arguments (negative dims count from the end) and broadcasting.

use crate::{Error, Result};

/// The sizes of a tensor's dimensions.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(Vec<usize>);

impl Shape {
    /// The shape of a scalar (rank 0).
    pub fn scalar() -> Self {
        Shape(Vec::new())
    }

    /// The dimension sizes.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }

    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.0.len()
    }

    /// The number of elements (1 for a scalar).
    pub fn elem_count(&self) -> usize {
        self.0.iter().product()
    }

    /// Row-major strides of a contiguous tensor of this shape.
    pub fn contiguous_strides(&self) -> Vec<usize> {
        let mut strides = vec![0; self.rank()];
        let mut acc = 1;
        for (s, &d) in strides.iter_mut().zip(&self.0).rev() {
            *s = acc;
            acc *= d;
        }
        strides
    }

    /// The element count, or an error when it overflows `usize`.
    pub fn checked_elem_count(&self, op: &'static str) -> Result<usize> {
        self.0.iter().try_fold(1usize, |acc, &d| {
            acc.checked_mul(d)
                .ok_or_else(|| Error::invalid(op, format!("shape {self:?} is too large")))
        })
    }

    /// The shape both operands broadcast to, NumPy style.
    pub fn broadcast_with(&self, rhs: &Shape, op: &'static str) -> Result<Shape> {
        let rank = self.rank().max(rhs.rank());
        let mut out = vec![0; rank];
        for (i, o) in out.iter_mut().enumerate() {
            let l = dim_from_end(self, rank - i);
            let r = dim_from_end(rhs, rank - i);
            *o = match (l, r) {
                (a, b) if a == b => a,
                (1, b) => b,
                (a, 1) => a,
                _ => {
                    return Err(Error::ShapeMismatch {
                        op,
                        lhs: self.clone(),
                        rhs: rhs.clone(),
                    })
                }
            };
        }
        Ok(Shape(out))
    }
}

fn dim_from_end(shape: &Shape, from_end: usize) -> usize {
    if from_end > shape.rank() {
        1
    } else {
        shape.0[shape.rank() - from_end]
    }
}

impl std::fmt::Debug for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl From<Vec<usize>> for Shape {
    fn from(v: Vec<usize>) -> Self {
        Shape(v)
    }
}

impl From<&[usize]> for Shape {
    fn from(v: &[usize]) -> Self {
        Shape(v.to_vec())
    }
}

impl<const N: usize> From<[usize; N]> for Shape {
    fn from(v: [usize; N]) -> Self {
        Shape(v.to_vec())
    }
}

impl<const N: usize> From<&[usize; N]> for Shape {
    fn from(v: &[usize; N]) -> Self {
        Shape(v.to_vec())
    }
}

impl From<&Shape> for Shape {
    fn from(s: &Shape) -> Self {
        s.clone()
    }
}

impl From<&Vec<usize>> for Shape {
    fn from(v: &Vec<usize>) -> Self {
        Shape(v.clone())
    }
}

impl From<()> for Shape {
    fn from(_: ()) -> Self {
        Shape::scalar()
    }
}

impl From<usize> for Shape {
    fn from(d: usize) -> Self {
        Shape(vec![d])
    }
}

macro_rules! shape_from_tuple {
    ($($name:ident),+) => {
        impl From<($(shape_from_tuple!(@usize $name),)+)> for Shape {
            #[allow(non_snake_case)]
            fn from(($($name,)+): ($(shape_from_tuple!(@usize $name),)+)) -> Self {
                Shape(vec![$($name),+])
            }
        }
    };
    (@usize $name:ident) => { usize };
}

shape_from_tuple!(A);
shape_from_tuple!(A, B);
shape_from_tuple!(A, B, C);
shape_from_tuple!(A, B, C, D);
shape_from_tuple!(A, B, C, D, E);
shape_from_tuple!(A, B, C, D, E, F);

/// A dimension argument: a `usize`, or a signed integer where negatives count from the end.
pub trait Dim: Copy {
    /// Resolves the dimension against a shape, naming `op` on error.
    fn to_index(self, shape: &Shape, op: &'static str) -> Result<usize>;
    /// Resolves a dimension for inserting a new axis (range `0..=rank`).
    fn to_index_plus_one(self, shape: &Shape, op: &'static str) -> Result<usize>;
}

fn resolve(dim: i64, bound: usize, shape: &Shape, op: &'static str) -> Result<usize> {
    let idx = if dim < 0 { dim + bound as i64 } else { dim };
    if idx < 0 || idx >= bound as i64 {
        return Err(Error::DimOutOfRange {
            op,
            dim,
            shape: shape.clone(),
        });
    }
    Ok(idx as usize)
}

macro_rules! dim_int {
    ($($t:ty),*) => {$(
        impl Dim for $t {
            fn to_index(self, shape: &Shape, op: &'static str) -> Result<usize> {
                resolve(self as i64, shape.rank(), shape, op)
            }
            fn to_index_plus_one(self, shape: &Shape, op: &'static str) -> Result<usize> {
                resolve(self as i64, shape.rank() + 1, shape, op)
            }
        }
    )*};
}

dim_int!(usize, isize, i64, i32, u32);

/// A set of dimension arguments: one `Dim`, an array, slice or vector of them.
pub trait Dims {
    /// Resolves every dimension, rejecting duplicates.
    fn to_indexes(&self, shape: &Shape, op: &'static str) -> Result<Vec<usize>>;
}

fn resolve_all<D: Dim>(dims: &[D], shape: &Shape, op: &'static str) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(dims.len());
    for &d in dims {
        let i = d.to_index(shape, op)?;
        if out.contains(&i) {
            return Err(Error::invalid(op, format!("dimension {i} repeated")));
        }
        out.push(i);
    }
    Ok(out)
}

impl<D: Dim> Dims for [D] {
    fn to_indexes(&self, shape: &Shape, op: &'static str) -> Result<Vec<usize>> {
        resolve_all(self, shape, op)
    }
}

impl<D: Dim, const N: usize> Dims for [D; N] {
    fn to_indexes(&self, shape: &Shape, op: &'static str) -> Result<Vec<usize>> {
        resolve_all(self, shape, op)
    }
}

impl<D: Dim> Dims for Vec<D> {
    fn to_indexes(&self, shape: &Shape, op: &'static str) -> Result<Vec<usize>> {
        resolve_all(self, shape, op)
    }
}

impl<T: Dims + ?Sized> Dims for &T {
    fn to_indexes(&self, shape: &Shape, op: &'static str) -> Result<Vec<usize>> {
        (**self).to_indexes(shape, op)
    }
}

macro_rules! dims_int {
    ($($t:ty),*) => {$(
        impl Dims for $t {
            fn to_indexes(&self, shape: &Shape, op: &'static str) -> Result<Vec<usize>> {
                Ok(vec![self.to_index(shape, op)?])
            }
        }
    )*};
}

dims_int!(usize, isize, i64, i32, u32);

/// All dimensions of a tensor (reduce everything).
#[derive(Debug, Clone, Copy)]
pub struct AllDims;

impl Dims for AllDims {
    fn to_indexes(&self, shape: &Shape, _op: &'static str) -> Result<Vec<usize>> {
        Ok((0..shape.rank()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        let a = Shape::from((3, 1, 5));
        let b = Shape::from((4, 1));
        assert_eq!(a.broadcast_with(&b, "add").unwrap(), Shape::from((3, 4, 5)));
        let c = Shape::from((3, 4, 5));
        let err = c.broadcast_with(&Shape::from((2, 5)), "add").unwrap_err();
        assert_eq!(
            err.to_string(),
            "add: shape mismatch, lhs [3, 4, 5] and rhs [2, 5]"
        );
    }

    #[test]
    fn dims_resolve_negative_and_reject_out_of_range() {
        let s = Shape::from((2, 3, 4));
        assert_eq!((-1).to_index(&s, "sum").unwrap(), 2);
        assert_eq!([0, -1].to_indexes(&s, "sum").unwrap(), vec![0, 2]);
        let err = 3usize.to_index(&s, "sum").unwrap_err();
        assert_eq!(
            err.to_string(),
            "sum: dimension 3 out of range for a tensor of shape [2, 3, 4]"
        );
        assert!([1, 1].to_indexes(&s, "sum").is_err());
        assert_eq!(s.contiguous_strides(), vec![12, 4, 1]);
    }
}
