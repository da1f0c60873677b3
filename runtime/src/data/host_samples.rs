//! Samples kept in host memory as little-endian bytes, for the loader's worker.

use half::{bf16, f16};

use crate::{DType, Error, Result, Tensor};

/// `len` samples of `sample_dims` elements of `dtype`, back to back.
#[derive(Clone)]
pub(crate) struct HostSamples {
    bytes: Vec<u8>,
    dtype: DType,
    sample_dims: Vec<usize>,
    sample_bytes: usize,
    len: usize,
}

impl HostSamples {
    /// Wraps raw bytes: `len` samples of `sample_dims` elements of `dtype`.
    pub(crate) fn new(
        bytes: Vec<u8>,
        dtype: DType,
        len: usize,
        sample_dims: Vec<usize>,
    ) -> Result<Self> {
        let sample_bytes = sample_dims.iter().product::<usize>() * dtype.size_in_bytes();
        if bytes.len() != len * sample_bytes {
            return Err(Error::invalid(
                "DataLoader",
                format!(
                    "{len} samples of {dtype} {sample_dims:?} need {} bytes, got {}",
                    len * sample_bytes,
                    bytes.len()
                ),
            ));
        }
        Ok(Self {
            bytes,
            dtype,
            sample_dims,
            sample_bytes,
            len,
        })
    }

    /// Copies a tensor's data; its first dimension indexes the samples.
    pub(crate) fn from_tensor(tensor: &Tensor, role: &str) -> Result<Self> {
        let dims = tensor.dims();
        let Some((&len, sample_dims)) = dims.split_first() else {
            return Err(Error::invalid(
                "DataLoader",
                format!("{role} must have a sample dimension first, got a scalar"),
            ));
        };
        Self::new(
            tensor.to_bytes()?,
            tensor.dtype(),
            len,
            sample_dims.to_vec(),
        )
    }

    /// Number of samples.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Element type.
    pub(crate) fn dtype(&self) -> DType {
        self.dtype
    }

    /// Dimensions of one sample.
    pub(crate) fn sample_dims(&self) -> &[usize] {
        &self.sample_dims
    }

    /// The bytes of the samples at `indices`, in that order.
    pub(crate) fn gather(&self, indices: &[usize]) -> Vec<u8> {
        let mut out = Vec::with_capacity(indices.len() * self.sample_bytes);
        for &i in indices {
            out.extend_from_slice(self.sample(i));
        }
        out
    }

    /// Sample `index` converted to `f32`.
    pub(crate) fn sample_f32(&self, index: usize) -> Vec<f32> {
        let bytes = self.sample(index);
        match self.dtype {
            DType::F32 => convert(bytes, f32::from_le_bytes),
            DType::F64 => convert(bytes, |b| f64::from_le_bytes(b) as f32),
            DType::F16 => convert(bytes, |b| f16::from_le_bytes(b).to_f32()),
            DType::BF16 => convert(bytes, |b| bf16::from_le_bytes(b).to_f32()),
            DType::I64 => convert(bytes, |b| i64::from_le_bytes(b) as f32),
            DType::U32 => convert(bytes, |b| u32::from_le_bytes(b) as f32),
            DType::U8 | DType::Bool => bytes.iter().map(|&b| f32::from(b)).collect(),
        }
    }

    fn sample(&self, index: usize) -> &[u8] {
        &self.bytes[index * self.sample_bytes..(index + 1) * self.sample_bytes]
    }
}

impl std::fmt::Debug for HostSamples {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} samples of {} {:?}",
            self.len, self.dtype, self.sample_dims
        )
    }
}

/// Decodes fixed-width little-endian values.
fn convert<const N: usize>(bytes: &[u8], decode: impl Fn([u8; N]) -> f32) -> Vec<f32> {
    bytes
        .chunks_exact(N)
        .map(|c| decode(c.try_into().expect("chunks_exact yields N bytes")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_samples_in_order_and_converts_to_f32() {
        let values: Vec<u8> = [1.5f32, -2.0, 3.0, 4.25, 5.0, 6.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let samples = HostSamples::new(values, DType::F32, 3, vec![2]).expect("valid");
        let gathered = samples.gather(&[2, 0]);
        let expected: Vec<u8> = [5.0f32, 6.0, 1.5, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(gathered, expected);
        assert_eq!(samples.sample_f32(1), vec![3.0, 4.25]);
    }

    #[test]
    fn converts_each_dtype_to_f32() {
        let cases: [(DType, Vec<u8>); 5] = [
            (DType::F64, (-0.5f64).to_le_bytes().to_vec()),
            (DType::F16, f16::from_f32(-0.5).to_le_bytes().to_vec()),
            (DType::BF16, bf16::from_f32(-0.5).to_le_bytes().to_vec()),
            (DType::I64, (-7i64).to_le_bytes().to_vec()),
            (DType::U32, 9u32.to_le_bytes().to_vec()),
        ];
        let want = [-0.5, -0.5, -0.5, -7.0, 9.0];
        for ((dtype, bytes), want) in cases.into_iter().zip(want) {
            let s = HostSamples::new(bytes, dtype, 1, vec![]).expect("valid");
            assert_eq!(s.sample_f32(0), vec![want], "{dtype}");
        }
    }

    #[test]
    fn wrong_byte_count_is_an_error() {
        let err = HostSamples::new(vec![0; 5], DType::U8, 2, vec![3]).expect_err("5 != 6");
        assert!(err.to_string().contains("need 6 bytes, got 5"), "{err}");
    }
}
