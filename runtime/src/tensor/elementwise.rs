//! Elementwise math with NumPy broadcasting, scalar variants, comparisons and selection.

use super::Tensor;
use crate::autograd::Op;
use crate::backend::{BinaryOp, CmpOp, UnaryOp};
use crate::{DType, Error, Result};

macro_rules! unary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {
        impl Tensor {
            $($(#[$doc])* pub fn $name(&self) -> Result<Tensor> {
                self.unary(UnaryOp::$op)
            })*
        }
    };
}

unary_methods! {
    /// `-x`
    neg => Neg;
    /// `|x|`
    abs => Abs;
    /// `e^x`
    exp => Exp;
    /// natural logarithm
    log => Log;
    /// square root
    sqrt => Sqrt;
    /// `1 / sqrt(x)`
    rsqrt => Rsqrt;
    /// sine
    sin => Sin;
    /// cosine
    cos => Cos;
    /// hyperbolic tangent
    tanh => Tanh;
    /// logistic sigmoid
    sigmoid => Sigmoid;
    /// `max(x, 0)`
    relu => Relu;
    /// exact GELU (`x Φ(x)`, erf form)
    gelu => Gelu;
    /// GELU, tanh approximation
    gelu_tanh => GeluTanh;
    /// `x * sigmoid(x)` (swish)
    silu => Silu;
    /// `ln(1 + e^x)`
    softplus => Softplus;
    /// `1 / x`
    recip => Recip;
    /// `x * x`
    sqr => Sqr;
    /// -1, 0 or 1 by sign
    sign => Sign;
}

macro_rules! binary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {
        impl Tensor {
            $($(#[$doc])* pub fn $name(&self, rhs: &Tensor) -> Result<Tensor> {
                self.binary(rhs, BinaryOp::$op)
            })*
        }
    };
}

binary_methods! {
    /// `a + b`, broadcasting.
    add => Add;
    /// `a - b`, broadcasting.
    sub => Sub;
    /// `a * b`, broadcasting.
    mul => Mul;
    /// `a / b`, broadcasting (integer division by zero is an error).
    div => Div;
    /// `a ^ b`, broadcasting.
    pow => Pow;
    /// elementwise maximum, broadcasting (NaN propagates).
    maximum => Maximum;
    /// elementwise minimum, broadcasting (NaN propagates).
    minimum => Minimum;
}

macro_rules! cmp_methods {
    ($($(#[$doc:meta])* $name:ident, $scalar:ident => $op:ident;)*) => {
        impl Tensor {
            $($(#[$doc])* pub fn $name(&self, rhs: &Tensor) -> Result<Tensor> {
                self.compare(rhs, CmpOp::$op)
            }
            $(#[$doc])* /// (against a scalar)
            pub fn $scalar(&self, rhs: f64) -> Result<Tensor> {
                let r = self.scalar_like(rhs, self.dtype())?;
                self.compare(&r, CmpOp::$op)
            })*
        }
    };
}

cmp_methods! {
    /// `a == b` as bool, broadcasting
    eq, eq_scalar => Eq;
    /// `a != b` as bool, broadcasting
    ne, ne_scalar => Ne;
    /// `a < b` as bool, broadcasting
    lt, lt_scalar => Lt;
    /// `a <= b` as bool, broadcasting
    le, le_scalar => Le;
    /// `a > b` as bool, broadcasting
    gt, gt_scalar => Gt;
    /// `a >= b` as bool, broadcasting
    ge, ge_scalar => Ge;
}

impl Tensor {
    /// Applies a unary op, recording its gradient.
    pub fn unary(&self, op: UnaryOp) -> Result<Tensor> {
        let storage = self.storage().unary(self.layout(), op)?;
        let tracked = Tensor::track(&[self], || Op::Unary(self.clone(), op));
        Ok(Tensor::from_storage(storage, self.shape().clone(), tracked))
    }

    /// Both operands broadcast to their common shape.
    pub fn broadcast_pair(&self, rhs: &Tensor, op: &'static str) -> Result<(Tensor, Tensor)> {
        let shape = self.shape().broadcast_with(rhs.shape(), op)?;
        Ok((self.broadcast_as(shape.clone())?, rhs.broadcast_as(shape)?))
    }

    /// Applies a binary op with broadcasting, recording its gradient.
    pub fn binary(&self, rhs: &Tensor, op: BinaryOp) -> Result<Tensor> {
        self.same_device(rhs, op.name())?;
        self.same_dtype(rhs, op.name())?;
        let (a, b) = self.broadcast_pair(rhs, op.name())?;
        if op == BinaryOp::Div && self.dtype().is_int() && b.eq_scalar(0.0)?.any()? {
            return Err(Error::invalid("div", "integer division by zero"));
        }
        let storage = a
            .storage()
            .binary(a.layout(), &b.storage(), b.layout(), op)?;
        let tracked = Tensor::track(&[&a, &b], || Op::Binary(a.clone(), b.clone(), op));
        Ok(Tensor::from_storage(storage, a.shape().clone(), tracked))
    }

    fn compare(&self, rhs: &Tensor, op: CmpOp) -> Result<Tensor> {
        self.same_device(rhs, op.name())?;
        self.same_dtype(rhs, op.name())?;
        let (a, b) = self.broadcast_pair(rhs, op.name())?;
        let storage = a.storage().cmp(a.layout(), &b.storage(), b.layout(), op)?;
        Ok(Tensor::from_storage(storage, a.shape().clone(), None))
    }

    /// `x * mul + add`.
    pub fn affine(&self, mul: f64, add: f64) -> Result<Tensor> {
        self.unary(UnaryOp::Affine { mul, add })
    }

    /// `x + s`.
    pub fn add_scalar(&self, s: f64) -> Result<Tensor> {
        self.affine(1.0, s)
    }

    /// `x - s`.
    pub fn sub_scalar(&self, s: f64) -> Result<Tensor> {
        self.affine(1.0, -s)
    }

    /// `x * s`.
    pub fn mul_scalar(&self, s: f64) -> Result<Tensor> {
        self.affine(s, 0.0)
    }

    /// `x / s`.
    pub fn div_scalar(&self, s: f64) -> Result<Tensor> {
        if s == 0.0 && !self.dtype().is_float() {
            return Err(Error::invalid("div", "integer division by zero"));
        }
        if self.dtype().is_float() {
            self.affine(1.0 / s, 0.0)
        } else {
            self.div(&self.scalar_like(s, self.dtype())?)
        }
    }

    /// `x ^ e`.
    pub fn powf(&self, e: f64) -> Result<Tensor> {
        self.unary(UnaryOp::Powf(e))
    }

    /// Values limited to `[min, max]`.
    pub fn clamp(&self, min: f64, max: f64) -> Result<Tensor> {
        if min > max {
            return Err(Error::invalid(
                "clamp",
                format!("min {min} is above max {max}"),
            ));
        }
        self.unary(UnaryOp::Clamp { min, max })
    }

    /// `max(x, s)`.
    pub fn maximum_scalar(&self, s: f64) -> Result<Tensor> {
        self.unary(UnaryOp::MaxScalar(s))
    }

    /// `min(x, s)`.
    pub fn minimum_scalar(&self, s: f64) -> Result<Tensor> {
        self.unary(UnaryOp::MinScalar(s))
    }

    /// Picks `on_true` where this bool tensor is set, else `on_false` (all broadcast).
    pub fn where_cond(&self, on_true: &Tensor, on_false: &Tensor) -> Result<Tensor> {
        if self.dtype() != DType::Bool {
            return Err(Error::invalid(
                "where_cond",
                format!("condition must be bool, got {}", self.dtype()),
            ));
        }
        on_true.same_dtype(on_false, "where_cond")?;
        self.same_device(on_true, "where_cond")?;
        on_true.same_device(on_false, "where_cond")?;
        let shape = self
            .shape()
            .broadcast_with(on_true.shape(), "where_cond")?
            .broadcast_with(on_false.shape(), "where_cond")?;
        let c = self.broadcast_as(shape.clone())?;
        let t = on_true.broadcast_as(shape.clone())?;
        let f = on_false.broadcast_as(shape.clone())?;
        let storage = c.storage().where_cond(
            c.layout(),
            &t.storage(),
            t.layout(),
            &f.storage(),
            f.layout(),
        )?;
        let tracked = Tensor::track(&[&t, &f], || Op::Where(c.clone(), t.clone(), f.clone()));
        Ok(Tensor::from_storage(storage, shape, tracked))
    }

    /// `value` where `mask` (bool, broadcast) is set, else this tensor's values.
    pub fn masked_fill(&self, mask: &Tensor, value: f64) -> Result<Tensor> {
        let fill = self.scalar_like(value, self.dtype())?;
        mask.where_cond(&fill, self)
    }

    /// Elementwise AND of two bool tensors, broadcasting.
    pub fn logical_and(&self, rhs: &Tensor) -> Result<Tensor> {
        self.bool_pair(rhs, "logical_and")?;
        self.where_cond(rhs, &self.scalar_like(0.0, DType::Bool)?)
    }

    /// Elementwise OR of two bool tensors, broadcasting.
    pub fn logical_or(&self, rhs: &Tensor) -> Result<Tensor> {
        self.bool_pair(rhs, "logical_or")?;
        self.where_cond(&self.scalar_like(1.0, DType::Bool)?, rhs)
    }

    /// Elementwise NOT of a bool tensor.
    pub fn logical_not(&self) -> Result<Tensor> {
        self.bool_pair(self, "logical_not")?;
        self.eq_scalar(0.0)
    }

    fn bool_pair(&self, rhs: &Tensor, op: &'static str) -> Result<()> {
        for t in [self, rhs] {
            if t.dtype() != DType::Bool {
                return Err(Error::UnsupportedDType {
                    op,
                    dtype: t.dtype(),
                });
            }
        }
        Ok(())
    }

    /// Whether any element is non-zero (true).
    pub fn any(&self) -> Result<bool> {
        Ok(self.to_vec_f64()?.iter().any(|&v| v != 0.0))
    }

    /// Whether every element is non-zero (true).
    pub fn all(&self) -> Result<bool> {
        Ok(self.to_vec_f64()?.iter().all(|&v| v != 0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_binary_ops() {
        let a = Tensor::from_vec(vec![1f32, 2., 3., 4., 5., 6.], (2, 3)).unwrap();
        let b = Tensor::from_vec(vec![10f32, 20., 30.], 3).unwrap();
        assert_eq!(
            a.add(&b).unwrap().to_vec::<f32>().unwrap(),
            vec![11., 22., 33., 14., 25., 36.]
        );
        let c = Tensor::from_vec(vec![1f32, 2.], (2, 1)).unwrap();
        assert_eq!(
            a.mul(&c).unwrap().to_vec::<f32>().unwrap(),
            vec![1., 2., 3., 8., 10., 12.]
        );
        let e = a.add(&Tensor::zeros((2, 2)).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "add: shape mismatch, lhs [2, 3] and rhs [2, 2]"
        );
        let e = a
            .add(&Tensor::zeros_dtype(3, DType::F64).unwrap())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "add: dtype mismatch, lhs float32 and rhs float64"
        );
    }

    #[test]
    fn comparisons_and_where() {
        let a = Tensor::from_vec(vec![1f32, 5., 3.], 3).unwrap();
        let m = a.gt_scalar(2.0).unwrap();
        assert_eq!(m.to_vec::<bool>().unwrap(), vec![false, true, true]);
        assert_eq!(
            a.masked_fill(&m, 0.0).unwrap().to_vec::<f32>().unwrap(),
            vec![1., 0., 0.]
        );
        assert!(a.where_cond(&a, &a).is_err());
        let n = m.logical_not().unwrap();
        assert_eq!(
            n.logical_or(&m).unwrap().to_vec::<bool>().unwrap(),
            vec![true; 3]
        );
        assert_eq!(
            n.logical_and(&m).unwrap().to_vec::<bool>().unwrap(),
            vec![false; 3]
        );
    }

    #[test]
    fn integer_division_by_zero_is_an_error() {
        let a = Tensor::from_vec(vec![4i64, 2], 2).unwrap();
        let z = Tensor::from_vec(vec![2i64, 0], 2).unwrap();
        assert_eq!(
            a.div(&z).unwrap_err().to_string(),
            "div: integer division by zero"
        );
        assert!(a.div_scalar(0.0).is_err());
        assert_eq!(
            a.div_scalar(2.0).unwrap().to_vec::<i64>().unwrap(),
            vec![2, 1]
        );
        assert!(a.exp().is_err());
        assert_eq!(a.neg().unwrap().to_vec::<i64>().unwrap(), vec![-4, -2]);
    }
}
