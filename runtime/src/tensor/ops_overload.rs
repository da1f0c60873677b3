//! Arithmetic operators: `&a + &b`, `a * 2.0`, `1.0 - &a`, `-&a`; all return `Result<Tensor>`.

use super::Tensor;
use crate::Result;
use std::ops::{Add, Div, Mul, Neg, Sub};

macro_rules! tensor_ops {
    ($trait:ident, $method:ident, $scalar:expr, $rscalar:expr) => {
        impl $trait<&Tensor> for &Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: &Tensor) -> Result<Tensor> {
                Tensor::$method(self, rhs)
            }
        }
        impl $trait<Tensor> for &Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: Tensor) -> Result<Tensor> {
                Tensor::$method(self, &rhs)
            }
        }
        impl $trait<&Tensor> for Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: &Tensor) -> Result<Tensor> {
                Tensor::$method(&self, rhs)
            }
        }
        impl $trait<Tensor> for Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: Tensor) -> Result<Tensor> {
                Tensor::$method(&self, &rhs)
            }
        }
        impl $trait<f64> for &Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: f64) -> Result<Tensor> {
                let f: fn(&Tensor, f64) -> Result<Tensor> = $scalar;
                f(self, rhs)
            }
        }
        impl $trait<f64> for Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: f64) -> Result<Tensor> {
                let f: fn(&Tensor, f64) -> Result<Tensor> = $scalar;
                f(&self, rhs)
            }
        }
        impl $trait<&Tensor> for f64 {
            type Output = Result<Tensor>;
            fn $method(self, rhs: &Tensor) -> Result<Tensor> {
                let f: fn(f64, &Tensor) -> Result<Tensor> = $rscalar;
                f(self, rhs)
            }
        }
        impl $trait<Tensor> for f64 {
            type Output = Result<Tensor>;
            fn $method(self, rhs: Tensor) -> Result<Tensor> {
                let f: fn(f64, &Tensor) -> Result<Tensor> = $rscalar;
                f(self, &rhs)
            }
        }
    };
}

tensor_ops!(Add, add, |t, s| t.add_scalar(s), |s, t| t.add_scalar(s));
tensor_ops!(Sub, sub, |t, s| t.sub_scalar(s), |s, t| t.affine(-1.0, s));
tensor_ops!(Mul, mul, |t, s| t.mul_scalar(s), |s, t| t.mul_scalar(s));
tensor_ops!(Div, div, |t, s| t.div_scalar(s), |s, t| t
    .recip()?
    .mul_scalar(s));

impl Neg for &Tensor {
    type Output = Result<Tensor>;
    fn neg(self) -> Result<Tensor> {
        Tensor::neg(self)
    }
}

impl Neg for Tensor {
    type Output = Result<Tensor>;
    fn neg(self) -> Result<Tensor> {
        Tensor::neg(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_return_results() -> Result<()> {
        let a = Tensor::from_vec(vec![1f32, 2., 4.], 3)?;
        let b = Tensor::from_vec(vec![1f32, 1., 2.], 3)?;
        assert_eq!((&a + &b)?.to_vec::<f32>()?, vec![2., 3., 6.]);
        assert_eq!((&a - 1.0)?.to_vec::<f32>()?, vec![0., 1., 3.]);
        assert_eq!((1.0 - &a)?.to_vec::<f32>()?, vec![0., -1., -3.]);
        assert_eq!((a.clone() * 2.0)?.to_vec::<f32>()?, vec![2., 4., 8.]);
        assert_eq!((4.0 / &a)?.to_vec::<f32>()?, vec![4., 2., 1.]);
        assert_eq!((&a / &b)?.to_vec::<f32>()?, vec![1., 2., 2.]);
        assert_eq!((-&a)?.to_vec::<f32>()?, vec![-1., -2., -4.]);
        assert!((&a + &Tensor::zeros(2)?).is_err());
        Ok(())
    }
}
