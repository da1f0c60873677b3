//! Getting values out of a tensor, and dtype conversion.

use super::Tensor;
use crate::autograd::Op;
use crate::backend::cpu::CpuStorage;
use crate::{DType, Error, Result, WithDType};

impl Tensor {
    /// The view's elements as a contiguous host storage.
    pub(crate) fn to_cpu_contiguous(&self) -> Result<CpuStorage> {
        let s = self.storage();
        s.copy_strided(self.layout())?.to_cpu()
    }

    /// The elements flattened in row-major order; `T` must match the dtype.
    pub fn to_vec<T: WithDType>(&self) -> Result<Vec<T>> {
        if T::DTYPE != self.dtype() {
            return Err(Error::DTypeMismatch {
                op: "to_vec",
                lhs: self.dtype(),
                rhs: T::DTYPE,
            });
        }
        match T::cpu_slice(&self.to_cpu_contiguous()?) {
            Some(v) => Ok(v.to_vec()),
            None => Err(Error::UnsupportedDType {
                op: "to_vec",
                dtype: self.dtype(),
            }),
        }
    }

    /// The elements of a 2-D tensor as rows.
    pub fn to_vec2<T: WithDType>(&self) -> Result<Vec<Vec<T>>> {
        let [_, cols] = self.dims() else {
            return Err(Error::invalid(
                "to_vec2",
                format!("expected a 2-D tensor, got shape {:?}", self.shape()),
            ));
        };
        let cols = (*cols).max(1);
        Ok(self
            .to_vec::<T>()?
            .chunks(cols)
            .map(|r| r.to_vec())
            .collect())
    }

    /// The elements flattened in row-major order, converted to f64 from any dtype.
    pub fn to_vec_f64(&self) -> Result<Vec<f64>> {
        self.to_device(crate::Device::Cpu)?
            .to_dtype(DType::F64)?
            .to_vec::<f64>()
    }

    /// The single value of a one-element tensor; `T` must match the dtype.
    pub fn to_scalar<T: WithDType>(&self) -> Result<T> {
        if self.elem_count() != 1 {
            return Err(Error::invalid(
                "to_scalar",
                format!("expected one element, got shape {:?}", self.shape()),
            ));
        }
        Ok(self.to_vec::<T>()?[0])
    }

    /// The single value of a one-element tensor as f64, from any dtype.
    pub fn to_scalar_f64(&self) -> Result<f64> {
        self.to_device(crate::Device::Cpu)?
            .to_dtype(DType::F64)?
            .to_scalar::<f64>()
    }

    /// The elements as contiguous little-endian bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        fn encode<T: WithDType>(v: &[T]) -> Vec<u8> {
            let mut out = Vec::with_capacity(std::mem::size_of_val(v));
            for &x in v {
                x.write_le(&mut out);
            }
            out
        }
        Ok(match &self.to_cpu_contiguous()? {
            CpuStorage::F32(v) => encode(v),
            CpuStorage::F64(v) => encode(v),
            CpuStorage::F16(v) => encode(v),
            CpuStorage::BF16(v) => encode(v),
            CpuStorage::I64(v) => encode(v),
            CpuStorage::U32(v) => encode(v),
            CpuStorage::U8(v) => encode(v),
            CpuStorage::Bool(v) => encode(v),
        })
    }

    /// A copy converted to `dtype` (the same tensor when it already has it).
    pub fn to_dtype(&self, dtype: DType) -> Result<Tensor> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        let storage = self.storage().to_dtype(self.layout(), dtype)?;
        let op = if dtype.is_float() && self.dtype().is_float() {
            Tensor::track(&[self], || Op::ToDType(self.clone()))
        } else {
            None
        };
        Ok(Tensor::from_storage(storage, self.shape().clone(), op))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extraction_checks_dtype_and_shape() {
        let t = Tensor::from_vec(vec![1i64, 2, 3, 4], (2, 2)).unwrap();
        assert_eq!(t.to_vec2::<i64>().unwrap(), vec![vec![1, 2], vec![3, 4]]);
        let e = t.to_vec::<f32>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "to_vec: dtype mismatch, lhs int64 and rhs float32"
        );
        assert!(t.to_scalar::<i64>().is_err());
        assert_eq!(t.to_vec_f64().unwrap(), vec![1., 2., 3., 4.]);
        let b = t.to_dtype(DType::BF16).unwrap().to_bytes().unwrap();
        assert_eq!(b.len(), 8);
        let back = Tensor::from_bytes(&b, DType::BF16, (2, 2)).unwrap();
        assert_eq!(back.to_vec_f64().unwrap(), vec![1., 2., 3., 4.]);
        assert_eq!(
            Tensor::scalar(2.5f64).unwrap().to_scalar::<f64>().unwrap(),
            2.5
        );
    }

    #[test]
    fn conversions_between_all_dtypes() {
        let t = Tensor::from_vec(vec![0f32, 1.5, 3.0], 3).unwrap();
        for dt in DType::ALL {
            let v = t.to_dtype(dt).unwrap().to_vec_f64().unwrap();
            let want = match dt {
                DType::Bool => vec![0., 1., 1.],
                d if d.is_float() => vec![0., 1.5, 3.],
                _ => vec![0., 1., 3.],
            };
            assert_eq!(v, want, "{dt}");
        }
    }
}
