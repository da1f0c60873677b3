//! Creating tensors: from data, constants, ranges and random draws.

use super::Tensor;
use crate::backend::cpu::CpuStorage;
use crate::rng::with_generator;
use crate::storage::Storage;
use crate::{DType, Device, Error, Result, Shape, WithDType};

/// Above this many elements a creation request is refused rather than attempted.
const MAX_ELEMENTS: usize = 1 << 36;

fn checked_count(shape: &Shape, op: &'static str) -> Result<usize> {
    let n = shape.checked_elem_count(op)?;
    if n > MAX_ELEMENTS {
        return Err(Error::invalid(
            op,
            format!("shape {shape:?} has {n} elements, more than the {MAX_ELEMENTS} allowed"),
        ));
    }
    Ok(n)
}

/// A host storage of `n` copies of `value` converted to `dtype`.
fn filled(dtype: DType, n: usize, value: f64) -> CpuStorage {
    fn vec_of<T: WithDType>(n: usize, v: f64) -> CpuStorage {
        T::into_cpu(vec![T::from_f64(v); n])
    }
    match dtype {
        DType::F32 => vec_of::<f32>(n, value),
        DType::F64 => vec_of::<f64>(n, value),
        DType::F16 => vec_of::<half::f16>(n, value),
        DType::BF16 => vec_of::<half::bf16>(n, value),
        DType::I64 => vec_of::<i64>(n, value),
        DType::U32 => vec_of::<u32>(n, value),
        DType::U8 => vec_of::<u8>(n, value),
        DType::Bool => vec_of::<bool>(n, value),
    }
}

/// A host storage of `dtype` from f64 values.
fn from_f64s(dtype: DType, v: Vec<f64>) -> CpuStorage {
    fn conv<T: WithDType>(v: Vec<f64>) -> CpuStorage {
        T::into_cpu(v.into_iter().map(T::from_f64).collect())
    }
    match dtype {
        DType::F32 => conv::<f32>(v),
        DType::F64 => CpuStorage::F64(v),
        DType::F16 => conv::<half::f16>(v),
        DType::BF16 => conv::<half::bf16>(v),
        DType::I64 => conv::<i64>(v),
        DType::U32 => conv::<u32>(v),
        DType::U8 => conv::<u8>(v),
        DType::Bool => conv::<bool>(v),
    }
}

impl Tensor {
    fn from_cpu(cpu: CpuStorage, shape: Shape) -> Result<Tensor> {
        Ok(Tensor::from_storage(
            Storage::from_cpu(cpu, Device::Cpu)?,
            shape,
            None,
        ))
    }

    /// A tensor owning `data` with `shape` (row-major); the lengths must agree.
    pub fn from_vec<T: WithDType>(data: Vec<T>, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        let expected = shape.checked_elem_count("from_vec")?;
        if data.len() != expected {
            return Err(Error::ElementCount {
                op: "from_vec",
                got: data.len(),
                expected,
                shape,
            });
        }
        Self::from_cpu(T::into_cpu(data), shape)
    }

    /// A tensor copying `data` with `shape`.
    pub fn from_slice<T: WithDType>(data: &[T], shape: impl Into<Shape>) -> Result<Tensor> {
        Self::from_vec(data.to_vec(), shape)
    }

    /// A rank-0 tensor holding `value`.
    pub fn scalar<T: WithDType>(value: T) -> Result<Tensor> {
        Self::from_vec(vec![value], Shape::scalar())
    }

    /// A tensor decoded from little-endian bytes of `dtype`.
    pub fn from_bytes(bytes: &[u8], dtype: DType, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        let n = shape.checked_elem_count("from_bytes")?;
        let size = dtype.size_in_bytes();
        if n.checked_mul(size) != Some(bytes.len()) {
            return Err(Error::invalid(
                "from_bytes",
                format!(
                    "{} bytes cannot hold shape {shape:?} of {dtype} ({n} elements of {size} bytes)",
                    bytes.len()
                ),
            ));
        }
        fn decode<T: WithDType>(bytes: &[u8]) -> CpuStorage {
            let size = std::mem::size_of::<T>();
            T::into_cpu(bytes.chunks_exact(size).map(T::read_le).collect())
        }
        let cpu = match dtype {
            DType::F32 => decode::<f32>(bytes),
            DType::F64 => decode::<f64>(bytes),
            DType::F16 => decode::<half::f16>(bytes),
            DType::BF16 => decode::<half::bf16>(bytes),
            DType::I64 => decode::<i64>(bytes),
            DType::U32 => decode::<u32>(bytes),
            DType::U8 => decode::<u8>(bytes),
            DType::Bool => decode::<bool>(bytes),
        };
        Self::from_cpu(cpu, shape)
    }

    /// A tensor of `shape` filled with `value` converted to `dtype`.
    pub fn full_dtype(shape: impl Into<Shape>, value: f64, dtype: DType) -> Result<Tensor> {
        let shape = shape.into();
        let n = checked_count(&shape, "full")?;
        Self::from_cpu(filled(dtype, n, value), shape)
    }

    /// A float32 tensor of `shape` filled with `value`.
    pub fn full(shape: impl Into<Shape>, value: f64) -> Result<Tensor> {
        Self::full_dtype(shape, value, DType::F32)
    }

    /// Zeros of `dtype`.
    pub fn zeros_dtype(shape: impl Into<Shape>, dtype: DType) -> Result<Tensor> {
        Self::full_dtype(shape, 0.0, dtype)
    }

    /// Float32 zeros.
    pub fn zeros(shape: impl Into<Shape>) -> Result<Tensor> {
        Self::full_dtype(shape, 0.0, DType::F32)
    }

    /// Ones of `dtype`.
    pub fn ones_dtype(shape: impl Into<Shape>, dtype: DType) -> Result<Tensor> {
        Self::full_dtype(shape, 1.0, dtype)
    }

    /// Float32 ones.
    pub fn ones(shape: impl Into<Shape>) -> Result<Tensor> {
        Self::full_dtype(shape, 1.0, DType::F32)
    }

    /// A rank-0 tensor of `value` as `dtype` on this tensor's device.
    pub(crate) fn scalar_like(&self, value: f64, dtype: DType) -> Result<Tensor> {
        Self::full_dtype(Shape::scalar(), value, dtype)?.to_device(self.device())
    }

    /// Zeros with this tensor's shape, dtype and device.
    pub fn zeros_like(&self) -> Result<Tensor> {
        Self::zeros_dtype(self.shape().clone(), self.dtype())?.to_device(self.device())
    }

    /// Ones with this tensor's shape, dtype and device.
    pub fn ones_like(&self) -> Result<Tensor> {
        Self::ones_dtype(self.shape().clone(), self.dtype())?.to_device(self.device())
    }

    /// `value` everywhere, with this tensor's shape, dtype and device.
    pub fn full_like(&self, value: f64) -> Result<Tensor> {
        Self::full_dtype(self.shape().clone(), value, self.dtype())?.to_device(self.device())
    }

    /// Values `start, start+step, ...` below `end` (above, for a negative step), as `dtype`.
    pub fn arange_dtype(start: f64, end: f64, step: f64, dtype: DType) -> Result<Tensor> {
        if step == 0.0 || !step.is_finite() || !start.is_finite() || !end.is_finite() {
            return Err(Error::invalid(
                "arange",
                format!("invalid range start={start}, end={end}, step={step}"),
            ));
        }
        let n = ((end - start) / step).ceil().max(0.0);
        if n > MAX_ELEMENTS as f64 {
            return Err(Error::invalid("arange", format!("{n} elements requested")));
        }
        let v: Vec<f64> = (0..n as usize).map(|i| start + i as f64 * step).collect();
        let len = v.len();
        Self::from_cpu(from_f64s(dtype, v), Shape::from(len))
    }

    /// Float32 values `start, start+step, ...` below `end`.
    pub fn arange(start: f64, end: f64, step: f64) -> Result<Tensor> {
        Self::arange_dtype(start, end, step, DType::F32)
    }

    /// `steps` evenly spaced float32 values from `start` to `end` inclusive.
    pub fn linspace(start: f64, end: f64, steps: usize) -> Result<Tensor> {
        Self::linspace_dtype(start, end, steps, DType::F32)
    }

    /// `steps` evenly spaced values of `dtype` from `start` to `end` inclusive.
    pub fn linspace_dtype(start: f64, end: f64, steps: usize, dtype: DType) -> Result<Tensor> {
        checked_count(&Shape::from(steps), "linspace")?;
        let v: Vec<f64> = match steps {
            0 => vec![],
            1 => vec![start],
            _ => {
                let step = (end - start) / (steps - 1) as f64;
                (0..steps)
                    .map(|i| {
                        if i == steps - 1 {
                            end
                        } else {
                            start + i as f64 * step
                        }
                    })
                    .collect()
            }
        };
        Self::from_cpu(from_f64s(dtype, v), Shape::from(steps))
    }

    /// The `n x n` float32 identity matrix.
    pub fn eye(n: usize) -> Result<Tensor> {
        Self::eye_dtype(n, DType::F32)
    }

    /// The `n x n` identity matrix of `dtype`.
    pub fn eye_dtype(n: usize, dtype: DType) -> Result<Tensor> {
        let shape = Shape::from((n, n));
        checked_count(&shape, "eye")?;
        let v: Vec<f64> = (0..n * n)
            .map(|i| if i / n == i % n { 1.0 } else { 0.0 })
            .collect();
        Self::from_cpu(from_f64s(dtype, v), shape)
    }

    /// Uniform `[0, 1)` values of a float `dtype`, from the process-wide generator.
    pub fn rand_dtype(shape: impl Into<Shape>, dtype: DType) -> Result<Tensor> {
        let shape = shape.into();
        let n = checked_count(&shape, "rand")?;
        float_only("rand", dtype)?;
        let v = with_generator(|g| (0..n).map(|_| g.uniform()).collect());
        Self::from_cpu(from_f64s(dtype, v), shape)
    }

    /// Uniform `[0, 1)` float32 values.
    pub fn rand(shape: impl Into<Shape>) -> Result<Tensor> {
        Self::rand_dtype(shape, DType::F32)
    }

    /// Standard normal values of a float `dtype`, from the process-wide generator.
    pub fn randn_dtype(shape: impl Into<Shape>, dtype: DType) -> Result<Tensor> {
        let shape = shape.into();
        let n = checked_count(&shape, "randn")?;
        float_only("randn", dtype)?;
        let v = with_generator(|g| {
            let mut v = Vec::with_capacity(n + 1);
            while v.len() < n {
                let (a, b) = g.normal_pair();
                v.push(a);
                v.push(b);
            }
            v.truncate(n);
            v
        });
        Self::from_cpu(from_f64s(dtype, v), shape)
    }

    /// Standard normal float32 values.
    pub fn randn(shape: impl Into<Shape>) -> Result<Tensor> {
        Self::randn_dtype(shape, DType::F32)
    }

    /// Uniform random int64 values in `[low, high)`.
    pub fn randint(low: i64, high: i64, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        let n = checked_count(&shape, "randint")?;
        if high <= low {
            return Err(Error::invalid(
                "randint",
                format!("empty range low={low}, high={high}"),
            ));
        }
        let v: Vec<i64> = with_generator(|g| (0..n).map(|_| g.int_in(low, high)).collect());
        Self::from_vec(v, shape)
    }

    /// Uniform `[0, 1)` values with this tensor's shape, (float) dtype and device.
    pub fn rand_like(&self) -> Result<Tensor> {
        Self::rand_dtype(self.shape().clone(), self.dtype())?.to_device(self.device())
    }

    /// Standard normal values with this tensor's shape, (float) dtype and device.
    pub fn randn_like(&self) -> Result<Tensor> {
        Self::randn_dtype(self.shape().clone(), self.dtype())?.to_device(self.device())
    }
}

fn float_only(op: &'static str, dtype: DType) -> Result<()> {
    if dtype.is_float() {
        Ok(())
    } else {
        Err(Error::UnsupportedDType { op, dtype })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manual_seed;

    #[test]
    fn constants_and_ranges() {
        assert_eq!(Tensor::zeros((2, 3)).unwrap().dims(), &[2, 3]);
        assert_eq!(
            Tensor::arange(0.0, 5.0, 2.0)
                .unwrap()
                .to_vec::<f32>()
                .unwrap(),
            vec![0., 2., 4.]
        );
        assert_eq!(
            Tensor::arange_dtype(5.0, 0.0, -2.0, DType::I64)
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            vec![5, 3, 1]
        );
        assert_eq!(
            Tensor::linspace(0.0, 1.0, 5)
                .unwrap()
                .to_vec::<f32>()
                .unwrap(),
            vec![0., 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(
            Tensor::eye_dtype(2, DType::U8)
                .unwrap()
                .to_vec::<u8>()
                .unwrap(),
            vec![1, 0, 0, 1]
        );
        assert!(Tensor::arange(0.0, 1.0, 0.0).is_err());
    }

    #[test]
    fn seeded_random_repeats() {
        manual_seed(42);
        let a = Tensor::randn((3, 4)).unwrap().to_vec::<f32>().unwrap();
        let r = Tensor::randint(0, 10, 100)
            .unwrap()
            .to_vec::<i64>()
            .unwrap();
        manual_seed(42);
        assert_eq!(Tensor::randn((3, 4)).unwrap().to_vec::<f32>().unwrap(), a);
        assert_eq!(
            Tensor::randint(0, 10, 100)
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            r
        );
        assert!(r.iter().all(|v| (0..10).contains(v)));
        assert!(Tensor::randn_dtype(3, DType::I64).is_err());
        assert!(Tensor::randint(3, 3, 2).is_err());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let e = Tensor::from_vec(vec![1f32, 2., 3.], (2, 2)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "from_vec: 3 elements cannot fill shape [2, 2] (4 elements)"
        );
        assert!(Tensor::zeros((1 << 40, 1 << 40)).is_err());
        assert!(Tensor::from_bytes(&[0u8; 7], DType::F32, 2).is_err());
        let t = Tensor::from_bytes(&[0, 0, 128, 63, 0, 0, 0, 64], DType::F32, 2).unwrap();
        assert_eq!(t.to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
    }
}
