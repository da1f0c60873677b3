//! Hyper-parameters of a GPT-2 model, read from GGUF metadata or HF `config.json`.

use serde_json::Value;

use crate::io::gguf::GgufFile;
use crate::{Error, Result};

/// The shape and constants of a GPT-2 transformer.
#[derive(Debug, Clone, PartialEq)]
pub struct Gpt2Config {
    /// Vocabulary size (rows of the token embedding).
    pub vocab_size: usize,
    /// Width of the residual stream (`n_embd`).
    pub hidden_size: usize,
    /// Number of transformer blocks (`n_layer`).
    pub n_layers: usize,
    /// Attention heads (`n_head`).
    pub n_heads: usize,
    /// Hidden width of the feed-forward block (`n_inner`, 4 × `n_embd` by default).
    pub intermediate_size: usize,
    /// LayerNorm epsilon.
    pub layer_norm_eps: f32,
    /// Rows of the learned position embedding (`n_positions`): the longest context.
    pub max_seq_len: usize,
}

/// Largest value accepted for any size in a model configuration.
const MAX_DIM: usize = 1 << 24;

impl Gpt2Config {
    /// Checks that sizes are positive, bounded and consistent.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("n_layers", self.n_layers),
            ("n_heads", self.n_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_seq_len", self.max_seq_len),
        ] {
            if v == 0 || v > MAX_DIM {
                return Err(Error::invalid(
                    "Gpt2Config",
                    format!("{name} = {v} is outside 1..={MAX_DIM}"),
                ));
            }
        }
        if !self.hidden_size.is_multiple_of(self.n_heads) {
            return Err(Error::invalid(
                "Gpt2Config",
                format!(
                    "width {} is not a multiple of {} heads",
                    self.hidden_size, self.n_heads
                ),
            ));
        }
        Ok(())
    }

    /// Width of one head.
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.n_heads
    }

    /// Reads `gpt2.*` metadata of a GGUF file; `vocab_size` from the embedding tensor.
    pub fn from_gguf(file: &GgufFile) -> Result<Gpt2Config> {
        let m = file.metadata();
        let int = |key: &str| -> Result<usize> {
            let full = format!("gpt2.{key}");
            m.get_u64(&full)?
                .map(|v| v as usize)
                .ok_or_else(|| Error::format("GGUF model", format!("{full} is missing")))
        };
        let hidden_size = int("embedding_length")?;
        let vocab_size = file
            .tensor("token_embd.weight")
            .map(|t| t.n_rows())
            .ok_or_else(|| Error::format("GGUF model", "tensor token_embd.weight is missing"))?;
        let config = Gpt2Config {
            vocab_size,
            hidden_size,
            n_layers: int("block_count")?,
            n_heads: int("attention.head_count")?,
            intermediate_size: int("feed_forward_length").unwrap_or(4 * hidden_size),
            layer_norm_eps: m
                .get_f64("gpt2.attention.layer_norm_epsilon")?
                .unwrap_or(1e-5) as f32,
            max_seq_len: int("context_length")?,
        };
        config.validate()?;
        Ok(config)
    }

    /// Reads a Hugging Face `config.json` with `model_type` `gpt2`.
    pub fn from_hf_json(json: &str) -> Result<Gpt2Config> {
        let v: Value =
            serde_json::from_str(json).map_err(|e| Error::format("config.json", e.to_string()))?;
        let int = |key: &str| -> Result<usize> {
            v.get(key)
                .and_then(Value::as_u64)
                .map(|x| x as usize)
                .ok_or_else(|| Error::format("config.json", format!("{key} is missing")))
        };
        if v.get("model_type").and_then(Value::as_str) != Some("gpt2") {
            return Err(Error::format("config.json", "model_type is not \"gpt2\""));
        }
        let activation = v
            .get("activation_function")
            .and_then(Value::as_str)
            .unwrap_or("gelu_new");
        if !matches!(activation, "gelu_new" | "gelu_pytorch_tanh") {
            return Err(Error::format(
                "config.json",
                format!("activation_function {activation:?} is not supported (gelu_new)"),
            ));
        }
        let hidden_size = int("n_embd")?;
        let config = Gpt2Config {
            vocab_size: int("vocab_size")?,
            hidden_size,
            n_layers: int("n_layer")?,
            n_heads: int("n_head")?,
            intermediate_size: int("n_inner").unwrap_or(4 * hidden_size),
            layer_norm_eps: v
                .get("layer_norm_epsilon")
                .and_then(Value::as_f64)
                .unwrap_or(1e-5) as f32,
            max_seq_len: int("n_positions")?,
        };
        config.validate()?;
        Ok(config)
    }

    /// The HF `config.json` describing this model.
    pub fn to_hf_json(&self) -> Value {
        serde_json::json!({
            "architectures": ["GPT2LMHeadModel"],
            "model_type": "gpt2",
            "vocab_size": self.vocab_size,
            "n_embd": self.hidden_size,
            "n_layer": self.n_layers,
            "n_head": self.n_heads,
            "n_inner": self.intermediate_size,
            "n_positions": self.max_seq_len,
            "layer_norm_epsilon": self.layer_norm_eps,
            "activation_function": "gelu_new",
            "tie_word_embeddings": true,
            "torch_dtype": "float32",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hf_config_and_defaults_the_inner_width() {
        let json = r#"{"model_type":"gpt2","n_embd":64,"n_layer":2,"n_head":4,
            "n_inner":null,"n_positions":128,"vocab_size":320,"layer_norm_epsilon":1e-5,
            "activation_function":"gelu_new"}"#;
        let c = Gpt2Config::from_hf_json(json).expect("valid config");
        assert_eq!(
            (c.intermediate_size, c.head_dim(), c.max_seq_len),
            (256, 16, 128)
        );
        let back = Gpt2Config::from_hf_json(&c.to_hf_json().to_string()).expect("round trip");
        assert_eq!(back, c);
    }

    #[test]
    fn rejects_other_activations_and_uneven_heads() {
        let base = r#""model_type":"gpt2","n_layer":2,"n_positions":8,"vocab_size":9"#;
        let relu = format!(r#"{{{base},"n_embd":64,"n_head":4,"activation_function":"relu"}}"#);
        let e = Gpt2Config::from_hf_json(&relu).expect_err("relu is not GPT-2's GELU");
        assert!(e.to_string().contains("relu"), "{e}");
        let uneven = format!(r#"{{{base},"n_embd":64,"n_head":3}}"#);
        let e = Gpt2Config::from_hf_json(&uneven).expect_err("64 over 3 heads");
        assert!(e.to_string().contains("multiple"), "{e}");
    }
}
