//! Where a model's tensors come from: a GGUF file or Hugging Face safetensors files,
//! both addressed by GGUF tensor names and kept in their encoding (memory-mapped).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use safetensors::{Dtype, SafeTensors};

use super::names::{gguf_to_hf, gpt2_gguf_to_hf, gpt2_is_conv1d_weight};
use crate::io::gguf::GgufFile;
use crate::quant::{GgmlType, QuantizedMatrix, SharedBytes};
use crate::{Error, Result};

/// One tensor: encoding, row-major shape and bytes.
#[derive(Debug, Clone)]
pub struct RawTensor {
    /// Encoding of the bytes.
    pub ggml_type: GgmlType,
    /// Row-major shape (outermost first).
    pub shape: Vec<usize>,
    /// Encoded values.
    pub data: SharedBytes,
}

impl RawTensor {
    /// As a matrix (`[rows, cols]`; a vector is one row).
    pub fn matrix(&self, name: &str) -> Result<QuantizedMatrix> {
        let (rows, cols) = match self.shape[..] {
            [c] => (1, c),
            [r, c] => (r, c),
            _ => {
                return Err(Error::format(
                    name.to_string(),
                    format!("shape {:?} is not a matrix", self.shape),
                ))
            }
        };
        Ok(QuantizedMatrix::new(
            self.ggml_type,
            rows,
            cols,
            self.data.clone(),
        )?)
    }

    /// All values decoded to f32.
    pub fn to_f32(&self) -> Result<Vec<f32>> {
        let n = self.shape.iter().product();
        Ok(crate::quant::dequantize(self.ggml_type, &self.data, n)?)
    }
}

/// A set of named tensors addressed by GGUF names.
pub trait TensorSource {
    /// The tensor called `name` (a GGUF name), or `None` when absent.
    fn get(&self, name: &str) -> Result<Option<RawTensor>>;

    /// The tensor called `name`, or an error naming it.
    fn require(&self, name: &str) -> Result<RawTensor> {
        self.get(name)?
            .ok_or_else(|| Error::format("model weights", format!("tensor {name} is missing")))
    }
}

impl TensorSource for GgufFile {
    fn get(&self, name: &str) -> Result<Option<RawTensor>> {
        let Some(info) = self.tensor(name) else {
            return Ok(None);
        };
        Ok(Some(RawTensor {
            ggml_type: info.ggml_type,
            shape: info.shape(),
            data: self.tensor_shared_bytes(name)?,
        }))
    }
}

/// The tensors of one or more memory-mapped `.safetensors` files, by HF name.
#[derive(Debug, Clone, Default)]
pub struct SafetensorsWeights {
    tensors: HashMap<String, RawTensor>,
}

impl SafetensorsWeights {
    /// Maps the checkpoint of an HF directory: `model.safetensors`, or the shards
    /// listed in `model.safetensors.index.json`.
    pub fn open_dir(dir: &Path) -> Result<SafetensorsWeights> {
        let index = dir.join("model.safetensors.index.json");
        let files: Vec<String> = if index.exists() {
            let text = std::fs::read_to_string(&index)
                .map_err(|e| Error::io(index.display().to_string(), e))?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| Error::format(index.display().to_string(), e.to_string()))?;
            let map = v
                .get("weight_map")
                .and_then(|m| m.as_object())
                .ok_or_else(|| {
                    Error::format(index.display().to_string(), "weight_map is missing")
                })?;
            let mut shards: Vec<String> = map
                .values()
                .filter_map(|f| f.as_str().map(String::from))
                .collect();
            shards.sort();
            shards.dedup();
            shards
        } else {
            vec!["model.safetensors".to_string()]
        };
        let mut weights = SafetensorsWeights::default();
        for f in files {
            if f.contains('/') || f.contains('\\') || f.contains("..") {
                return Err(Error::format(
                    index.display().to_string(),
                    format!("shard name {f:?} leaves the directory"),
                ));
            }
            weights.add_file(&dir.join(f))?;
        }
        Ok(weights)
    }

    /// Maps one `.safetensors` file and adds its tensors.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let ctx = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| Error::io(ctx.clone(), e))?;
        // SAFETY: the mapping is read-only; the file is not expected to change while
        // the model is loaded (as with every memory-mapped model format).
        let mmap = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(ctx.clone(), e))?;
        let bytes = SharedBytes::new(Arc::new(mmap));
        let parsed = SafeTensors::deserialize(&bytes)
            .map_err(|e| Error::format(ctx.clone(), e.to_string()))?;
        let base = bytes.as_ptr() as usize;
        for (name, view) in parsed.tensors() {
            let ggml_type = match view.dtype() {
                Dtype::F32 => GgmlType::F32,
                Dtype::F16 => GgmlType::F16,
                Dtype::BF16 => GgmlType::BF16,
                other => {
                    return Err(Error::format(
                        ctx.clone(),
                        format!("tensor {name} has dtype {other:?} (F32, F16, BF16 supported)"),
                    ))
                }
            };
            let start = view.data().as_ptr() as usize - base;
            let data = bytes
                .slice(start..start + view.data().len())
                .expect("safetensors checked the tensor lies inside the file");
            let shape = view.shape().to_vec();
            self.tensors.insert(
                name,
                RawTensor {
                    ggml_type,
                    shape,
                    data,
                },
            );
        }
        Ok(())
    }

    /// Names of all tensors (HF names), sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.tensors.keys().map(String::as_str).collect();
        v.sort();
        v
    }

    /// The tensor with this HF name.
    pub fn get_hf(&self, name: &str) -> Option<&RawTensor> {
        self.tensors.get(name)
    }
}

impl TensorSource for SafetensorsWeights {
    fn get(&self, name: &str) -> Result<Option<RawTensor>> {
        Ok(gguf_to_hf(name).and_then(|hf| self.tensors.get(&hf).cloned()))
    }
}

/// An HF GPT-2 checkpoint addressed by GGUF names, its Conv1D weights (`in × out`)
/// transposed to `out × in` (as f32) on access.
#[derive(Debug, Clone, Copy)]
pub struct Gpt2SafetensorsWeights<'a>(pub &'a SafetensorsWeights);

impl TensorSource for Gpt2SafetensorsWeights<'_> {
    fn get(&self, name: &str) -> Result<Option<RawTensor>> {
        let Some(hf) = gpt2_gguf_to_hf(name) else {
            return Ok(None);
        };
        let bare = hf.strip_prefix("transformer.").unwrap_or(&hf);
        let Some(t) = self.0.get_hf(&hf).or_else(|| self.0.get_hf(bare)) else {
            return Ok(None);
        };
        if !gpt2_is_conv1d_weight(&hf) {
            return Ok(Some(t.clone()));
        }
        let [rows, cols] = t.shape[..] else {
            return Err(Error::format(
                "model weights",
                format!("{hf} has shape {:?}, expected a matrix", t.shape),
            ));
        };
        let values = transpose(&t.to_f32()?, rows, cols);
        Ok(Some(RawTensor {
            ggml_type: GgmlType::F32,
            shape: vec![cols, rows],
            data: SharedBytes::from_vec(bytemuck::cast_slice(&values).to_vec()),
        }))
    }
}

/// The `cols × rows` transpose of a row-major `rows × cols` matrix.
pub fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0f32; values.len()];
    for (r, row) in values.chunks_exact(cols).enumerate().take(rows) {
        for (c, &v) in row.iter().enumerate() {
            out[c * rows + r] = v;
        }
    }
    out
}
