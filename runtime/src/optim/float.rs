//! The element types optimizer updates run in: f32 (every float parameter but f64, as in
//! PyTorch) and f64.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// Arithmetic an update rule needs from its element type.
pub(crate) trait UpdateFloat:
    Copy
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// The smallest positive normal value.
    const MIN_NORMAL: Self;
    /// A hyperparameter in this type.
    fn of(x: f64) -> Self;
    /// The square root.
    fn sqrt(self) -> Self;
    /// The absolute value.
    fn abs(self) -> Self;

    /// `self`, or zero when it is subnormal. Moments of a gradient that stays zero (a dead
    /// unit's weights) decay into subnormals within an epoch, and arithmetic on subnormals
    /// is about a hundred times slower on x86: the rules flush their buffers with this.
    #[inline(always)]
    fn flush_subnormal(self) -> Self {
        if self.abs() < Self::MIN_NORMAL {
            Self::ZERO
        } else {
            self
        }
    }
}

macro_rules! update_float {
    ($t:ty) => {
        impl UpdateFloat for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const MIN_NORMAL: Self = <$t>::MIN_POSITIVE;
            #[inline(always)]
            fn of(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
        }
    };
}

update_float!(f32);
update_float!(f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnormals_flush_and_normals_stay() {
        assert_eq!(1e-40f32.flush_subnormal(), 0.0);
        assert_eq!((-1e-40f32).flush_subnormal(), 0.0);
        assert_eq!(1e-37f32.flush_subnormal(), 1e-37);
        assert_eq!(1e-310f64.flush_subnormal(), 0.0);
        assert_eq!(1e-300f64.flush_subnormal(), 1e-300);
    }
}
