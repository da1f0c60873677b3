//! The CPU backend: typed host vectors, rayon above a size threshold, `gemm` for matmul.
//! f16/bf16 elementwise work is computed in f32 and rounded back.

mod alloc;
mod binary;
mod conv;
mod conv2d;
mod fast_math;
mod index;
mod map;
mod matmul;
mod pool;
mod reduce;
mod relu;
mod unary;

pub use conv2d::{ConvGrads, ConvNeeds};
pub use unary::erf;

use super::{BackendStorage, BinaryOp, CmpOp, MatmulDims, ReduceOp, UnaryOp, Window2d};
use crate::{DType, Device, Error, Layout, Result, WithDType};
use half::{bf16, f16};
use map::{copy_view, ternary_map, unary_map};
use reduce::Reduced;

/// Host memory holding the elements of one dtype.
#[derive(Debug, Clone)]
pub enum CpuStorage {
    /// float32 elements
    F32(Vec<f32>),
    /// float64 elements
    F64(Vec<f64>),
    /// float16 elements
    F16(Vec<f16>),
    /// bfloat16 elements
    BF16(Vec<bf16>),
    /// int64 elements
    I64(Vec<i64>),
    /// uint32 elements
    U32(Vec<u32>),
    /// uint8 elements
    U8(Vec<u8>),
    /// bool elements
    Bool(Vec<bool>),
}

/// Runs `$body` with `$v` bound to the typed vector, whatever the dtype.
macro_rules! with_all {
    ($s:expr, $v:ident => $body:expr) => {
        match $s {
            CpuStorage::F32($v) => $body,
            CpuStorage::F64($v) => $body,
            CpuStorage::F16($v) => $body,
            CpuStorage::BF16($v) => $body,
            CpuStorage::I64($v) => $body,
            CpuStorage::U32($v) => $body,
            CpuStorage::U8($v) => $body,
            CpuStorage::Bool($v) => $body,
        }
    };
}

/// Runs `$body` with both operands bound to typed vectors of the same dtype.
macro_rules! with_pair {
    ($a:expr, $b:expr, $op:expr, $x:ident, $y:ident => $body:expr) => {
        match ($a, $b) {
            (CpuStorage::F32($x), CpuStorage::F32($y)) => $body,
            (CpuStorage::F64($x), CpuStorage::F64($y)) => $body,
            (CpuStorage::F16($x), CpuStorage::F16($y)) => $body,
            (CpuStorage::BF16($x), CpuStorage::BF16($y)) => $body,
            (CpuStorage::I64($x), CpuStorage::I64($y)) => $body,
            (CpuStorage::U32($x), CpuStorage::U32($y)) => $body,
            (CpuStorage::U8($x), CpuStorage::U8($y)) => $body,
            (CpuStorage::Bool($x), CpuStorage::Bool($y)) => $body,
            (a, b) => {
                return Err(Error::DTypeMismatch {
                    op: $op,
                    lhs: a.dtype(),
                    rhs: b.dtype(),
                })
            }
        }
    };
}

impl CpuStorage {
    /// Number of elements held.
    pub fn len(&self) -> usize {
        with_all!(self, v => v.len())
    }

    /// Whether no element is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn unsupported(&self, op: &'static str) -> Error {
        Error::UnsupportedDType {
            op,
            dtype: self.dtype(),
        }
    }

    /// For f16/bf16: the view as a contiguous f32 storage, computed on and rounded back.
    fn half_as_f32(&self, l: &Layout) -> Option<Vec<f32>> {
        match self {
            CpuStorage::F16(v) => Some(unary_map(v, l, f16::to_f32)),
            CpuStorage::BF16(v) => Some(unary_map(v, l, bf16::to_f32)),
            _ => None,
        }
    }

    /// Rounds an f32 result back to this storage's half dtype.
    fn f32_to_same_half(&self, v: Vec<f32>) -> CpuStorage {
        match self {
            CpuStorage::BF16(_) => CpuStorage::BF16(v.into_iter().map(bf16::from_f32).collect()),
            _ => CpuStorage::F16(v.into_iter().map(f16::from_f32).collect()),
        }
    }

    /// The view's values as int64 indices (integer dtypes only).
    fn indices(&self, l: &Layout, op: &'static str) -> Result<Vec<i64>> {
        match self {
            CpuStorage::I64(v) => Ok(copy_view(v, l)),
            CpuStorage::U32(v) => Ok(unary_map(v, l, |x| x as i64)),
            CpuStorage::U8(v) => Ok(unary_map(v, l, |x| x as i64)),
            _ => Err(Error::invalid(
                op,
                format!(
                    "indices must be int64, uint32 or uint8, got {}",
                    self.dtype()
                ),
            )),
        }
    }
}

fn convert<T: WithDType + Default, U: WithDType + Default>(src: &[T], l: &Layout) -> Vec<U> {
    unary_map(src, l, |x: T| U::from_f64(x.to_f64()))
}

fn to_dtype_typed<T: WithDType + Default>(src: &[T], l: &Layout, dtype: DType) -> CpuStorage {
    match dtype {
        DType::F32 => CpuStorage::F32(convert(src, l)),
        DType::F64 => CpuStorage::F64(convert(src, l)),
        DType::F16 => CpuStorage::F16(convert(src, l)),
        DType::BF16 => CpuStorage::BF16(convert(src, l)),
        DType::I64 => CpuStorage::I64(convert(src, l)),
        DType::U32 => CpuStorage::U32(convert(src, l)),
        DType::U8 => CpuStorage::U8(convert(src, l)),
        DType::Bool => CpuStorage::Bool(convert(src, l)),
    }
}

fn reduced<T: WithDType>(r: Reduced<T>) -> CpuStorage {
    match r {
        Reduced::Values(v) => T::into_cpu(v),
        Reduced::Indices(i) => CpuStorage::I64(i),
    }
}

impl BackendStorage for CpuStorage {
    fn dtype(&self) -> DType {
        match self {
            CpuStorage::F32(_) => DType::F32,
            CpuStorage::F64(_) => DType::F64,
            CpuStorage::F16(_) => DType::F16,
            CpuStorage::BF16(_) => DType::BF16,
            CpuStorage::I64(_) => DType::I64,
            CpuStorage::U32(_) => DType::U32,
            CpuStorage::U8(_) => DType::U8,
            CpuStorage::Bool(_) => DType::Bool,
        }
    }

    fn device(&self) -> Device {
        Device::Cpu
    }

    fn to_cpu(&self) -> Result<CpuStorage> {
        Ok(self.clone())
    }

    fn copy_strided(&self, l: &Layout) -> Result<Self> {
        Ok(with_all!(self, v => WithDType::into_cpu(copy_view(v, l))))
    }

    fn to_dtype(&self, l: &Layout, dtype: DType) -> Result<Self> {
        if dtype == self.dtype() {
            return self.copy_strided(l);
        }
        Ok(with_all!(self, v => to_dtype_typed(v, l, dtype)))
    }

    fn unary(&self, l: &Layout, op: UnaryOp) -> Result<Self> {
        if let Some(v) = self.half_as_f32(l) {
            let r = CpuStorage::F32(v).unary(&Layout::contiguous(l.shape()), op)?;
            return match r {
                CpuStorage::F32(r) => Ok(self.f32_to_same_half(r)),
                _ => Err(self.unsupported(op.name())),
            };
        }
        match self {
            CpuStorage::F32(v) if op == UnaryOp::Exp => Ok(CpuStorage::F32(unary::exp_f32(v, l))),
            CpuStorage::F32(v) => Ok(CpuStorage::F32(unary::unary_float(v, l, op))),
            CpuStorage::F64(v) => Ok(CpuStorage::F64(unary::unary_float(v, l, op))),
            CpuStorage::I64(v) if op.supports_int() => {
                Ok(CpuStorage::I64(unary::unary_int(v, l, op)))
            }
            CpuStorage::U32(v) if op.supports_int() => {
                Ok(CpuStorage::U32(unary::unary_int(v, l, op)))
            }
            CpuStorage::U8(v) if op.supports_int() => {
                Ok(CpuStorage::U8(unary::unary_int(v, l, op)))
            }
            _ => Err(self.unsupported(op.name())),
        }
    }

    fn binary(&self, l: &Layout, rhs: &Self, rl: &Layout, op: BinaryOp) -> Result<Self> {
        if let (Some(a), Some(b)) = (self.half_as_f32(l), rhs.half_as_f32(rl)) {
            if self.dtype() == rhs.dtype() {
                let c = Layout::contiguous(l.shape());
                return Ok(self.f32_to_same_half(binary::binary(&a, &c, &b, &c, op)));
            }
        }
        Ok(match (self, rhs) {
            (CpuStorage::F32(a), CpuStorage::F32(b)) => {
                CpuStorage::F32(binary::binary(a, l, b, rl, op))
            }
            (CpuStorage::F64(a), CpuStorage::F64(b)) => {
                CpuStorage::F64(binary::binary(a, l, b, rl, op))
            }
            (CpuStorage::I64(a), CpuStorage::I64(b)) => {
                CpuStorage::I64(binary::binary(a, l, b, rl, op))
            }
            (CpuStorage::U32(a), CpuStorage::U32(b)) => {
                CpuStorage::U32(binary::binary(a, l, b, rl, op))
            }
            (CpuStorage::U8(a), CpuStorage::U8(b)) => {
                CpuStorage::U8(binary::binary(a, l, b, rl, op))
            }
            (a, b) if a.dtype() != b.dtype() => {
                return Err(Error::DTypeMismatch {
                    op: op.name(),
                    lhs: a.dtype(),
                    rhs: b.dtype(),
                })
            }
            _ => return Err(self.unsupported(op.name())),
        })
    }

    fn cmp(&self, l: &Layout, rhs: &Self, rl: &Layout, op: CmpOp) -> Result<Self> {
        Ok(CpuStorage::Bool(
            with_pair!(self, rhs, op.name(), a, b => binary::cmp(a, l, b, rl, op)),
        ))
    }

    fn where_cond(&self, l: &Layout, t: &Self, tl: &Layout, f: &Self, fl: &Layout) -> Result<Self> {
        let CpuStorage::Bool(c) = self else {
            return Err(Error::invalid(
                "where_cond",
                format!("condition must be bool, got {}", self.dtype()),
            ));
        };
        Ok(with_pair!(t, f, "where_cond", x, y => WithDType::into_cpu(
            ternary_map(c, l, x, tl, y, fl, |c, a, b| if c { a } else { b })
        )))
    }

    fn reduce(&self, l: &Layout, dims: &[usize], op: ReduceOp) -> Result<Self> {
        if let Some(v) = self.half_as_f32(l) {
            let r = reduce::reduce(&v, &Layout::contiguous(l.shape()), dims, op);
            return Ok(match r {
                Reduced::Values(v) => self.f32_to_same_half(v),
                Reduced::Indices(i) => CpuStorage::I64(i),
            });
        }
        Ok(match self {
            CpuStorage::F32(v) => reduced(reduce::reduce(v, l, dims, op)),
            CpuStorage::F64(v) => reduced(reduce::reduce(v, l, dims, op)),
            CpuStorage::I64(v) => reduced(reduce::reduce(v, l, dims, op)),
            CpuStorage::U32(v) => reduced(reduce::reduce(v, l, dims, op)),
            CpuStorage::U8(v) => reduced(reduce::reduce(v, l, dims, op)),
            _ => return Err(self.unsupported(op.name())),
        })
    }

    fn softmax_last_dim(&self, l: &Layout, log: bool) -> Result<Self> {
        let name = if log { "log_softmax" } else { "softmax" };
        if let Some(v) = self.half_as_f32(l) {
            let c = Layout::contiguous(l.shape());
            return Ok(self.f32_to_same_half(reduce::softmax_last_dim_f32(&v, &c, log)));
        }
        match self {
            CpuStorage::F32(v) => Ok(CpuStorage::F32(reduce::softmax_last_dim_f32(v, l, log))),
            CpuStorage::F64(v) => Ok(CpuStorage::F64(reduce::softmax_last_dim(v, l, log))),
            _ => Err(self.unsupported(name)),
        }
    }

    fn cumsum(&self, l: &Layout, dim: usize) -> Result<Self> {
        if let Some(v) = self.half_as_f32(l) {
            let c = Layout::contiguous(l.shape());
            return Ok(self.f32_to_same_half(reduce::cumsum(&v, &c, dim)));
        }
        Ok(match self {
            CpuStorage::F32(v) => CpuStorage::F32(reduce::cumsum(v, l, dim)),
            CpuStorage::F64(v) => CpuStorage::F64(reduce::cumsum(v, l, dim)),
            CpuStorage::I64(v) => CpuStorage::I64(reduce::cumsum(v, l, dim)),
            CpuStorage::U32(v) => CpuStorage::U32(reduce::cumsum(v, l, dim)),
            CpuStorage::U8(v) => CpuStorage::U8(reduce::cumsum(v, l, dim)),
            _ => return Err(self.unsupported("cumsum")),
        })
    }

    fn matmul(&self, l: &Layout, rhs: &Self, rl: &Layout, d: MatmulDims) -> Result<Self> {
        Ok(match (self, rhs) {
            (CpuStorage::F32(a), CpuStorage::F32(b)) => {
                CpuStorage::F32(matmul::matmul(a, l, b, rl, d, 0.0, 1.0))
            }
            (CpuStorage::F64(a), CpuStorage::F64(b)) => {
                CpuStorage::F64(matmul::matmul(a, l, b, rl, d, 0.0, 1.0))
            }
            (CpuStorage::F16(a), CpuStorage::F16(b)) => {
                CpuStorage::F16(matmul::matmul(a, l, b, rl, d, f16::ZERO, f16::ONE))
            }
            (CpuStorage::BF16(_), CpuStorage::BF16(_)) => {
                let (a, b) = (self.half_as_f32(l), rhs.half_as_f32(rl));
                let (Some(a), Some(b)) = (a, b) else {
                    return Err(self.unsupported("matmul"));
                };
                let (ca, cb) = (
                    Layout::contiguous(l.shape()),
                    Layout::contiguous(rl.shape()),
                );
                self.f32_to_same_half(matmul::matmul(&a, &ca, &b, &cb, d, 0.0, 1.0))
            }
            (a, b) if a.dtype() != b.dtype() => {
                return Err(Error::DTypeMismatch {
                    op: "matmul",
                    lhs: a.dtype(),
                    rhs: b.dtype(),
                })
            }
            _ => return Err(self.unsupported("matmul")),
        })
    }

    fn index_select(&self, l: &Layout, ids: &Self, il: &Layout, dim: usize) -> Result<Self> {
        let ids = ids.indices(il, "index_select")?;
        let ids = index::checked_indices(&ids, l.dims()[dim], dim, "index_select")?;
        Ok(with_all!(self, v => WithDType::into_cpu(index::index_select(v, l, &ids, dim))))
    }

    fn gather(&self, l: &Layout, ids: &Self, il: &Layout, dim: usize) -> Result<Self> {
        let raw = ids.indices(il, "gather")?;
        let ids = index::checked_indices(&raw, l.dims()[dim], dim, "gather")?;
        Ok(with_all!(self, v => WithDType::into_cpu(index::gather(v, l, il.dims(), &ids, dim))))
    }

    fn scatter_add(
        &self,
        l: &Layout,
        ids: &Self,
        il: &Layout,
        src: &Self,
        sl: &Layout,
        dim: usize,
    ) -> Result<Self> {
        let raw = ids.indices(il, "scatter_add")?;
        let ids = index::checked_indices(&raw, l.dims()[dim], dim, "scatter_add")?;
        let ishape = il.dims();
        Ok(match (self, src) {
            (CpuStorage::F32(d), CpuStorage::F32(s)) => CpuStorage::F32(index::scatter_add(
                d,
                l,
                ishape,
                &ids,
                s,
                sl,
                dim,
                |a, b| a + b,
            )),
            (CpuStorage::F64(d), CpuStorage::F64(s)) => CpuStorage::F64(index::scatter_add(
                d,
                l,
                ishape,
                &ids,
                s,
                sl,
                dim,
                |a, b| a + b,
            )),
            (CpuStorage::F16(d), CpuStorage::F16(s)) => CpuStorage::F16(index::scatter_add(
                d,
                l,
                ishape,
                &ids,
                s,
                sl,
                dim,
                |a, b| a + b,
            )),
            (CpuStorage::BF16(d), CpuStorage::BF16(s)) => CpuStorage::BF16(index::scatter_add(
                d,
                l,
                ishape,
                &ids,
                s,
                sl,
                dim,
                |a, b| a + b,
            )),
            (CpuStorage::I64(d), CpuStorage::I64(s)) => CpuStorage::I64(index::scatter_add(
                d,
                l,
                ishape,
                &ids,
                s,
                sl,
                dim,
                i64::wrapping_add,
            )),
            (CpuStorage::U32(d), CpuStorage::U32(s)) => CpuStorage::U32(index::scatter_add(
                d,
                l,
                ishape,
                &ids,
                s,
                sl,
                dim,
                u32::wrapping_add,
            )),
            (CpuStorage::U8(d), CpuStorage::U8(s)) => CpuStorage::U8(index::scatter_add(
                d,
                l,
                ishape,
                &ids,
                s,
                sl,
                dim,
                u8::wrapping_add,
            )),
            (a, b) if a.dtype() != b.dtype() => {
                return Err(Error::DTypeMismatch {
                    op: "scatter_add",
                    lhs: a.dtype(),
                    rhs: b.dtype(),
                })
            }
            _ => return Err(self.unsupported("scatter_add")),
        })
    }

    fn cat(parts: &[(&Self, &Layout)], dim: usize) -> Result<Self> {
        let Some((first, _)) = parts.first() else {
            return Err(Error::invalid("cat", "no tensors to concatenate"));
        };
        macro_rules! typed {
            ($variant:ident) => {{
                let mut typed = Vec::with_capacity(parts.len());
                for (s, l) in parts {
                    match s {
                        CpuStorage::$variant(v) => typed.push((&v[..], *l)),
                        other => {
                            return Err(Error::DTypeMismatch {
                                op: "cat",
                                lhs: first.dtype(),
                                rhs: other.dtype(),
                            })
                        }
                    }
                }
                CpuStorage::$variant(index::cat(&typed, dim))
            }};
        }
        Ok(match first {
            CpuStorage::F32(_) => typed!(F32),
            CpuStorage::F64(_) => typed!(F64),
            CpuStorage::F16(_) => typed!(F16),
            CpuStorage::BF16(_) => typed!(BF16),
            CpuStorage::I64(_) => typed!(I64),
            CpuStorage::U32(_) => typed!(U32),
            CpuStorage::U8(_) => typed!(U8),
            CpuStorage::Bool(_) => typed!(Bool),
        })
    }

    fn im2col(&self, l: &Layout, win: &Window2d) -> Result<Self> {
        let p = win.pad_value;
        Ok(match self {
            CpuStorage::F32(v) => CpuStorage::F32(conv::im2col(v, l, win, p as f32)),
            CpuStorage::F64(v) => CpuStorage::F64(conv::im2col(v, l, win, p)),
            CpuStorage::F16(v) => CpuStorage::F16(conv::im2col(v, l, win, f16::from_f64(p))),
            CpuStorage::BF16(v) => CpuStorage::BF16(conv::im2col(v, l, win, bf16::from_f64(p))),
            _ => return Err(self.unsupported("im2col")),
        })
    }

    fn col2im(&self, l: &Layout, win: &Window2d) -> Result<Self> {
        Ok(match self {
            CpuStorage::F32(v) => CpuStorage::F32(conv::col2im(v, l, win, |a, b| a + b)),
            CpuStorage::F64(v) => CpuStorage::F64(conv::col2im(v, l, win, |a, b| a + b)),
            CpuStorage::F16(v) => CpuStorage::F16(conv::col2im(v, l, win, |a, b| a + b)),
            CpuStorage::BF16(v) => CpuStorage::BF16(conv::col2im(v, l, win, |a, b| a + b)),
            _ => return Err(self.unsupported("col2im")),
        })
    }

    fn max_pool2d(&self, l: &Layout, win: &Window2d) -> Result<(Self, Self)> {
        if let Some(v) = self.half_as_f32(l) {
            let (values, argmax) = pool::max_pool2d(&v, &Layout::contiguous(l.shape()), win);
            return Ok((self.f32_to_same_half(values), CpuStorage::U32(argmax)));
        }
        let (values, argmax) = match self {
            CpuStorage::F32(v) => {
                let (values, argmax) = pool::max_pool2d(v, l, win);
                (CpuStorage::F32(values), argmax)
            }
            CpuStorage::F64(v) => {
                let (values, argmax) = pool::max_pool2d(v, l, win);
                (CpuStorage::F64(values), argmax)
            }
            _ => return Err(self.unsupported("max_pool2d")),
        };
        Ok((values, CpuStorage::U32(argmax)))
    }

    fn max_pool2d_backward(
        &self,
        l: &Layout,
        argmax: &Self,
        al: &Layout,
        win: &Window2d,
    ) -> Result<Self> {
        let CpuStorage::U32(at) = argmax else {
            return Err(Error::invalid(
                "max_pool2d_backward",
                format!("argmax must be u32, got {}", argmax.dtype()),
            ));
        };
        if let Some(g) = self.half_as_f32(l) {
            let c = Layout::contiguous(l.shape());
            return Ok(self.f32_to_same_half(pool::max_pool2d_backward(&g, &c, at, al, win)));
        }
        Ok(match self {
            CpuStorage::F32(g) => CpuStorage::F32(pool::max_pool2d_backward(g, l, at, al, win)),
            CpuStorage::F64(g) => CpuStorage::F64(pool::max_pool2d_backward(g, l, at, al, win)),
            _ => return Err(self.unsupported("max_pool2d_backward")),
        })
    }

    fn assign(&mut self, l: &Layout, src: &Self, sl: &Layout) -> Result<()> {
        let dst_dtype = self.dtype();
        macro_rules! go {
            ($($variant:ident),*) => {
                match (self, src) {
                    $((CpuStorage::$variant(d), CpuStorage::$variant(s)) => index::assign(d, l, s, sl),)*
                    (_, s) => {
                        return Err(Error::DTypeMismatch {
                            op: "assign",
                            lhs: dst_dtype,
                            rhs: s.dtype(),
                        })
                    }
                }
            };
        }
        go!(F32, F64, F16, BF16, I64, U32, U8, Bool);
        Ok(())
    }
}
