//! Hyper-parameters of a Llama-family model, read from GGUF metadata or HF `config.json`.

use serde_json::Value;

use crate::io::gguf::GgufFile;
use crate::{Error, Result};

/// How RoPE pairs the dimensions of a head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopeLayout {
    /// Adjacent pairs `(2i, 2i+1)`: Meta's original layout, used by GGUF `llama` files
    /// (whose q/k weights were permuted on conversion).
    Interleaved,
    /// Pairs `(i, i + d/2)`: the Hugging Face layout ("rotate half", GGUF NEOX mode).
    Half,
}

/// Llama 3 frequency scaling for long contexts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Llama3RopeScaling {
    /// Overall scaling factor of low frequencies.
    pub factor: f32,
    /// Wavelengths above `original / low_freq_factor` are scaled fully.
    pub low_freq_factor: f32,
    /// Wavelengths below `original / high_freq_factor` are kept.
    pub high_freq_factor: f32,
    /// Context length the model was pre-trained with.
    pub original_max_position_embeddings: f32,
}

/// The shape and constants of a Llama-family transformer.
#[derive(Debug, Clone, PartialEq)]
pub struct LlamaConfig {
    /// Architecture name (`llama`, `mistral`, `qwen2`, ...).
    pub architecture: String,
    /// Vocabulary size (rows of the embedding).
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Number of transformer blocks.
    pub n_layers: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads (grouped-query attention when fewer than `n_heads`).
    pub n_kv_heads: usize,
    /// Width of one head.
    pub head_dim: usize,
    /// Hidden width of the SwiGLU feed-forward block.
    pub intermediate_size: usize,
    /// RMSNorm epsilon.
    pub rms_norm_eps: f32,
    /// RoPE base frequency.
    pub rope_theta: f32,
    /// Number of rotated dimensions of each head (the first ones).
    pub rope_dim: usize,
    /// Pairing of rotated dimensions.
    pub rope_layout: RopeLayout,
    /// Llama 3 frequency scaling, when the model uses it.
    pub rope_scaling: Option<Llama3RopeScaling>,
    /// Longest context the model supports.
    pub max_seq_len: usize,
}

/// Largest value accepted for any size in a model configuration.
const MAX_DIM: usize = 1 << 24;

impl LlamaConfig {
    /// Checks that sizes are positive, bounded and consistent.
    pub fn validate(&self) -> Result<()> {
        let sizes = [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("n_layers", self.n_layers),
            ("n_heads", self.n_heads),
            ("n_kv_heads", self.n_kv_heads),
            ("head_dim", self.head_dim),
            ("intermediate_size", self.intermediate_size),
            ("max_seq_len", self.max_seq_len),
        ];
        for (name, v) in sizes {
            if v == 0 || v > MAX_DIM {
                return Err(Error::invalid(
                    "LlamaConfig",
                    format!("{name} = {v} is outside 1..={MAX_DIM}"),
                ));
            }
        }
        if !self.n_heads.is_multiple_of(self.n_kv_heads) {
            return Err(Error::invalid(
                "LlamaConfig",
                format!(
                    "{} query heads are not a multiple of {} key/value heads",
                    self.n_heads, self.n_kv_heads
                ),
            ));
        }
        if self.rope_dim > self.head_dim || !self.rope_dim.is_multiple_of(2) {
            return Err(Error::invalid(
                "LlamaConfig",
                format!(
                    "rope dimension {} must be even and at most the head width {}",
                    self.rope_dim, self.head_dim
                ),
            ));
        }
        Ok(())
    }

    /// Reads `{arch}.*` metadata of a GGUF file; `vocab_size` from the embedding tensor.
    pub fn from_gguf(file: &GgufFile) -> Result<LlamaConfig> {
        let m = file.metadata();
        let arch = file
            .architecture()
            .ok_or_else(|| Error::format("GGUF model", "general.architecture is missing"))?
            .to_string();
        let int = |key: &str| -> Result<usize> {
            let full = format!("{arch}.{key}");
            m.get_u64(&full)?
                .map(|v| v as usize)
                .ok_or_else(|| Error::format("GGUF model", format!("{full} is missing")))
        };
        let float = |key: &str, default: f64| -> Result<f32> {
            Ok(m.get_f64(&format!("{arch}.{key}"))?.unwrap_or(default) as f32)
        };
        let hidden_size = int("embedding_length")?;
        let n_heads = int("attention.head_count")?;
        let n_kv_heads = int("attention.head_count_kv").unwrap_or(n_heads);
        let head_dim = match m.get_u64(&format!("{arch}.attention.key_length"))? {
            Some(v) => v as usize,
            None => hidden_size / n_heads.max(1),
        };
        let vocab_size = file
            .tensor("token_embd.weight")
            .map(|t| t.n_rows())
            .ok_or_else(|| Error::format("GGUF model", "tensor token_embd.weight is missing"))?;
        let rope_layout = match arch.as_str() {
            "llama" | "mistral" => RopeLayout::Interleaved,
            "qwen2" => RopeLayout::Half,
            other => {
                return Err(Error::format(
                    "GGUF model",
                    format!("architecture {other:?} is not supported (llama, mistral, qwen2)"),
                ))
            }
        };
        let config = LlamaConfig {
            vocab_size,
            hidden_size,
            n_layers: int("block_count")?,
            n_heads,
            n_kv_heads,
            head_dim,
            intermediate_size: int("feed_forward_length")?,
            rms_norm_eps: float("attention.layer_norm_rms_epsilon", 1e-5)?,
            rope_theta: float("rope.freq_base", 10000.0)?,
            rope_dim: int("rope.dimension_count").unwrap_or(head_dim),
            rope_layout,
            rope_scaling: None,
            max_seq_len: int("context_length").unwrap_or(4096),
            architecture: arch,
        };
        config.validate()?;
        Ok(config)
    }

    /// Reads a Hugging Face `config.json`.
    pub fn from_hf_json(json: &str) -> Result<LlamaConfig> {
        let v: Value =
            serde_json::from_str(json).map_err(|e| Error::format("config.json", e.to_string()))?;
        let int = |key: &str| -> Result<usize> {
            v.get(key)
                .and_then(Value::as_u64)
                .map(|x| x as usize)
                .ok_or_else(|| Error::format("config.json", format!("{key} is missing")))
        };
        let float = |key: &str, default: f64| v.get(key).and_then(Value::as_f64).unwrap_or(default);
        let model_type = v
            .get("model_type")
            .and_then(Value::as_str)
            .unwrap_or("llama")
            .to_string();
        if !matches!(model_type.as_str(), "llama" | "mistral" | "qwen2") {
            return Err(Error::format(
                "config.json",
                format!("model_type {model_type:?} is not supported (llama, mistral, qwen2)"),
            ));
        }
        let hidden_size = int("hidden_size")?;
        let n_heads = int("num_attention_heads")?;
        let head_dim = match v.get("head_dim").and_then(Value::as_u64) {
            Some(d) => d as usize,
            None => hidden_size / n_heads.max(1),
        };
        let rope_scaling = match v.get("rope_scaling") {
            Some(s) if s.get("rope_type").and_then(Value::as_str) == Some("llama3") => {
                let f = |k: &str, d: f64| s.get(k).and_then(Value::as_f64).unwrap_or(d) as f32;
                Some(Llama3RopeScaling {
                    factor: f("factor", 8.0),
                    low_freq_factor: f("low_freq_factor", 1.0),
                    high_freq_factor: f("high_freq_factor", 4.0),
                    original_max_position_embeddings: f("original_max_position_embeddings", 8192.0),
                })
            }
            Some(Value::Null) | None => None,
            Some(other) => {
                return Err(Error::format(
                    "config.json",
                    format!("rope_scaling {other} is not supported (llama3 only)"),
                ))
            }
        };
        let config = LlamaConfig {
            vocab_size: int("vocab_size")?,
            hidden_size,
            n_layers: int("num_hidden_layers")?,
            n_heads,
            n_kv_heads: int("num_key_value_heads").unwrap_or(n_heads),
            head_dim,
            intermediate_size: int("intermediate_size")?,
            rms_norm_eps: float("rms_norm_eps", 1e-6) as f32,
            rope_theta: float("rope_theta", 10000.0) as f32,
            rope_dim: head_dim,
            rope_layout: RopeLayout::Half,
            rope_scaling,
            max_seq_len: int("max_position_embeddings").unwrap_or(4096),
            architecture: model_type,
        };
        config.validate()?;
        Ok(config)
    }

    /// Width of the concatenated key (or value) heads.
    pub fn kv_dim(&self) -> usize {
        self.n_kv_heads * self.head_dim
    }

    /// Width of the concatenated query heads.
    pub fn q_dim(&self) -> usize {
        self.n_heads * self.head_dim
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hf_config_with_llama3_scaling() {
        let json = r#"{"model_type":"llama","hidden_size":64,"num_attention_heads":4,
            "num_key_value_heads":2,"num_hidden_layers":2,"intermediate_size":128,
            "vocab_size":300,"rope_theta":500000.0,"rms_norm_eps":1e-5,
            "max_position_embeddings":256,
            "rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,
            "high_freq_factor":4.0,"original_max_position_embeddings":64}}"#;
        let c = LlamaConfig::from_hf_json(json).expect("valid config");
        assert_eq!((c.head_dim, c.kv_dim(), c.q_dim()), (16, 32, 64));
        assert_eq!(c.rope_layout, RopeLayout::Half);
        assert_eq!(c.rope_scaling.expect("llama3 scaling").factor, 8.0);
    }

    #[test]
    fn rejects_inconsistent_heads() {
        let json = r#"{"hidden_size":64,"num_attention_heads":4,"num_key_value_heads":3,
            "num_hidden_layers":2,"intermediate_size":128,"vocab_size":300}"#;
        let e = LlamaConfig::from_hf_json(json).expect_err("4 heads over 3 kv heads");
        assert!(e.to_string().contains("not a multiple"), "{e}");
    }
}
