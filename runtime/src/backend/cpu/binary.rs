//! Elementwise binary kernels and comparisons.

use super::map::binary_map;
use crate::backend::{BinaryOp, CmpOp};
use crate::Layout;

/// Element types with native arithmetic (f16/bf16 are computed through f32).
pub trait Arith: Copy + Send + Sync + Default + PartialOrd + 'static {
    /// `a + b` (integers wrap)
    fn add(self, b: Self) -> Self;
    /// `a - b` (integers wrap)
    fn sub(self, b: Self) -> Self;
    /// `a * b` (integers wrap)
    fn mul(self, b: Self) -> Self;
    /// `a / b` (integer division by zero gives 0; callers reject it beforehand)
    fn div(self, b: Self) -> Self;
    /// `a ^ b`
    fn pow(self, b: Self) -> Self;
    /// whether NaN
    fn is_nan(self) -> bool;
    /// additive identity
    fn zero() -> Self;
    /// multiplicative identity
    fn one() -> Self;
}

macro_rules! impl_arith_float {
    ($t:ty) => {
        impl Arith for $t {
            #[inline(always)]
            fn add(self, b: Self) -> Self {
                self + b
            }
            #[inline(always)]
            fn sub(self, b: Self) -> Self {
                self - b
            }
            #[inline(always)]
            fn mul(self, b: Self) -> Self {
                self * b
            }
            #[inline(always)]
            fn div(self, b: Self) -> Self {
                self / b
            }
            #[inline(always)]
            fn pow(self, b: Self) -> Self {
                self.powf(b)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn zero() -> Self {
                0.0
            }
            fn one() -> Self {
                1.0
            }
        }
    };
}

macro_rules! impl_arith_int {
    ($t:ty) => {
        impl Arith for $t {
            #[inline(always)]
            fn add(self, b: Self) -> Self {
                self.wrapping_add(b)
            }
            #[inline(always)]
            fn sub(self, b: Self) -> Self {
                self.wrapping_sub(b)
            }
            #[inline(always)]
            fn mul(self, b: Self) -> Self {
                self.wrapping_mul(b)
            }
            #[inline(always)]
            fn div(self, b: Self) -> Self {
                self.checked_div(b).unwrap_or(0)
            }
            #[inline(always)]
            fn pow(self, b: Self) -> Self {
                (self as f64).powf(b as f64) as $t
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                false
            }
            fn zero() -> Self {
                0
            }
            fn one() -> Self {
                1
            }
        }
    };
}

impl_arith_float!(f32);
impl_arith_float!(f64);
impl_arith_int!(i64);
impl_arith_int!(u32);
impl_arith_int!(u8);

/// `max` that propagates NaN.
#[inline(always)]
pub fn max_nan<T: Arith>(a: T, b: T) -> T {
    if b > a || b.is_nan() {
        b
    } else {
        a
    }
}

/// `min` that propagates NaN.
#[inline(always)]
pub fn min_nan<T: Arith>(a: T, b: T) -> T {
    if b < a || b.is_nan() {
        b
    } else {
        a
    }
}

/// A binary op over two same-shape views.
pub fn binary<T: Arith>(a: &[T], al: &Layout, b: &[T], bl: &Layout, op: BinaryOp) -> Vec<T> {
    match op {
        BinaryOp::Add => binary_map(a, al, b, bl, T::add),
        BinaryOp::Sub => binary_map(a, al, b, bl, T::sub),
        BinaryOp::Mul => binary_map(a, al, b, bl, T::mul),
        BinaryOp::Div => binary_map(a, al, b, bl, T::div),
        BinaryOp::Pow => binary_map(a, al, b, bl, T::pow),
        BinaryOp::Maximum => binary_map(
            a,
            al,
            b,
            bl,
            |x, y| {
                if x.is_nan() {
                    x
                } else {
                    max_nan(x, y)
                }
            },
        ),
        BinaryOp::Minimum => binary_map(
            a,
            al,
            b,
            bl,
            |x, y| {
                if x.is_nan() {
                    x
                } else {
                    min_nan(x, y)
                }
            },
        ),
    }
}

/// A comparison over two same-shape views.
pub fn cmp<T: Copy + Send + Sync + PartialOrd>(
    a: &[T],
    al: &Layout,
    b: &[T],
    bl: &Layout,
    op: CmpOp,
) -> Vec<bool> {
    match op {
        CmpOp::Eq => binary_map(a, al, b, bl, |x, y| x == y),
        CmpOp::Ne => binary_map(a, al, b, bl, |x, y| x != y),
        CmpOp::Lt => binary_map(a, al, b, bl, |x, y| x < y),
        CmpOp::Le => binary_map(a, al, b, bl, |x, y| x <= y),
        CmpOp::Gt => binary_map(a, al, b, bl, |x, y| x > y),
        CmpOp::Ge => binary_map(a, al, b, bl, |x, y| x >= y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_ops_do_not_panic() {
        let l = Layout::contiguous(3usize);
        let a = [7i64, i64::MAX, -9];
        let b = [2i64, 1, 0];
        assert_eq!(binary(&a, &l, &b, &l, BinaryOp::Div), vec![3, i64::MAX, 0]);
        assert_eq!(binary(&a, &l, &b, &l, BinaryOp::Add)[1], i64::MIN);
        assert_eq!(cmp(&a, &l, &b, &l, CmpOp::Gt), vec![true, true, false]);
    }

    #[test]
    fn maximum_propagates_nan() {
        let l = Layout::contiguous(2usize);
        let r = binary(
            &[f32::NAN, 1.0],
            &l,
            &[0.0, f32::NAN],
            &l,
            BinaryOp::Maximum,
        );
        assert!(r[0].is_nan() && r[1].is_nan());
    }
}
