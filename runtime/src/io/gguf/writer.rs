//! Writing GGUF v3 files: metadata and tensors, with optional quantization.

use std::path::Path;

use super::error::{GgufError, Result};
use super::file::{ALIGNMENT_KEY, GGUF_MAGIC};
use super::limits::{DEFAULT_ALIGNMENT, MAX_ALIGNMENT, MAX_DIMS};
use super::metadata::GgufMetadata;
use super::value::{GgufArray, GgufValue};
use crate::quant::{quantize, GgmlType};

/// A tensor queued for writing.
#[derive(Debug, Clone)]
struct PendingTensor {
    name: String,
    ggml_type: GgmlType,
    dims: Vec<u64>,
    data: Vec<u8>,
}

/// Builds a GGUF v3 file in memory and writes it out.
#[derive(Debug, Clone, Default)]
pub struct GgufWriter {
    metadata: GgufMetadata,
    tensors: Vec<PendingTensor>,
}

impl GgufWriter {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a metadata entry (a later value for the same key replaces the earlier one).
    pub fn set_metadata(&mut self, key: impl Into<String>, value: GgufValue) {
        self.metadata.insert(key, value);
    }

    /// Adds a tensor whose `data` is already encoded as `ggml_type`; `dims` in ggml
    /// order (row length first).
    pub fn add_tensor(
        &mut self,
        name: impl Into<String>,
        dims: &[u64],
        ggml_type: GgmlType,
        data: Vec<u8>,
    ) -> Result<()> {
        let name = name.into();
        let bad = |problem: String| GgufError::Tensor {
            name: name.clone(),
            problem,
        };
        if dims.len() > MAX_DIMS as usize {
            return Err(bad(format!("rank {} is above {MAX_DIMS}", dims.len())));
        }
        if self.tensors.iter().any(|t| t.name == name) {
            return Err(bad("duplicate tensor name".into()));
        }
        let n = dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
        let expected = n.and_then(|n| ggml_type.bytes_for(n));
        if expected != Some(data.len() as u64) {
            return Err(bad(format!(
                "dims {dims:?} of {ggml_type} need {expected:?} bytes, got {}",
                data.len()
            )));
        }
        self.tensors.push(PendingTensor {
            name,
            ggml_type,
            dims: dims.to_vec(),
            data,
        });
        Ok(())
    }

    /// Adds an f32 tensor encoded as `ggml_type` (any of [`crate::quant::QUANTIZE_TYPES`]).
    pub fn add_f32_tensor(
        &mut self,
        name: impl Into<String>,
        dims: &[u64],
        values: &[f32],
        ggml_type: GgmlType,
    ) -> Result<()> {
        let name = name.into();
        let data = quantize(ggml_type, values).map_err(|e| GgufError::Tensor {
            name: name.clone(),
            problem: e.to_string(),
        })?;
        self.add_tensor(name, dims, ggml_type, data)
    }

    /// The complete file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let alignment = self.alignment()?;
        let mut out = Vec::new();
        out.extend_from_slice(&GGUF_MAGIC);
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.metadata.len() as u64).to_le_bytes());
        for (key, value) in self.metadata.iter() {
            write_string(&mut out, key);
            out.extend_from_slice(&value.value_type().id().to_le_bytes());
            write_value(&mut out, value);
        }
        let mut offset = 0u64;
        for t in &self.tensors {
            write_string(&mut out, &t.name);
            out.extend_from_slice(&(t.dims.len() as u32).to_le_bytes());
            for d in &t.dims {
                out.extend_from_slice(&d.to_le_bytes());
            }
            out.extend_from_slice(&t.ggml_type.id().to_le_bytes());
            out.extend_from_slice(&offset.to_le_bytes());
            offset = (offset + t.data.len() as u64).div_ceil(alignment) * alignment;
        }
        for t in &self.tensors {
            pad_to(&mut out, alignment);
            out.extend_from_slice(&t.data);
        }
        Ok(out)
    }

    /// Writes the file to `path`.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes()?).map_err(|source| GgufError::Io {
            op: "write",
            path: path.display().to_string(),
            source,
        })
    }

    /// `general.alignment` when set, else 32.
    fn alignment(&self) -> Result<u64> {
        match self.metadata.get_u64(ALIGNMENT_KEY)? {
            None => Ok(DEFAULT_ALIGNMENT),
            Some(a) if a.is_power_of_two() && a <= MAX_ALIGNMENT => Ok(a),
            Some(a) => Err(GgufError::Metadata {
                key: ALIGNMENT_KEY.into(),
                problem: format!("{a} is not a power of two up to {MAX_ALIGNMENT}"),
            }),
        }
    }
}

/// Appends zero bytes up to a multiple of `alignment`.
fn pad_to(out: &mut Vec<u8>, alignment: u64) {
    let len = out.len() as u64;
    out.resize((len.div_ceil(alignment) * alignment) as usize, 0);
}

/// Appends a GGUF string.
fn write_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Appends a value's payload (without its type tag).
fn write_value(out: &mut Vec<u8>, value: &GgufValue) {
    use GgufValue as V;
    match value {
        V::U8(v) => out.push(*v),
        V::I8(v) => out.push(*v as u8),
        V::U16(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::I16(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::F32(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::Bool(v) => out.push(u8::from(*v)),
        V::String(s) => write_string(out, s),
        V::Array(a) => write_array(out, a),
        V::U64(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::F64(v) => out.extend_from_slice(&v.to_le_bytes()),
    }
}

/// Appends an array: element type, count, elements.
fn write_array(out: &mut Vec<u8>, a: &GgufArray) {
    use GgufArray as A;
    out.extend_from_slice(&a.element_type().id().to_le_bytes());
    out.extend_from_slice(&(a.len() as u64).to_le_bytes());
    macro_rules! le {
        ($v:expr) => {
            $v.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
        };
    }
    match a {
        A::U8(v) => out.extend_from_slice(v),
        A::I8(v) => v.iter().for_each(|&x| out.push(x as u8)),
        A::U16(v) => le!(v),
        A::I16(v) => le!(v),
        A::U32(v) => le!(v),
        A::I32(v) => le!(v),
        A::F32(v) => le!(v),
        A::Bool(v) => v.iter().for_each(|&x| out.push(u8::from(x))),
        A::String(v) => v.iter().for_each(|s| write_string(out, s)),
        A::Array(v) => v.iter().for_each(|x| write_array(out, x)),
        A::U64(v) => le!(v),
        A::I64(v) => le!(v),
        A::F64(v) => le!(v),
    }
}
