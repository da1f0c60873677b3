//! Saving a trained model as a Hugging Face directory: `model.safetensors`,
//! `config.json`, `generation_config.json`, `tokenizer.json` and `tokenizer_config.json`
//! (with an optional chat template). `convert::hf_dir_to_gguf` turns it into GGUF.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};

use super::bpe_trainer::{TrainedBpe, END_OF_TEXT};
use super::model::TrainableLlama;
use crate::io::save_safetensors;
use crate::nn::Module;
use crate::{Error, Result};

impl TrainableLlama {
    /// Writes the model and `tokenizer` to `dir` (created if needed) as a Hugging Face
    /// `LlamaForCausalLM` checkpoint in f32; `chat_template` (Jinja) goes into
    /// `tokenizer_config.json`. `<|endoftext|>` is the BOS and EOS token; no BOS is added
    /// when encoding.
    pub fn save_hf_dir(
        &self,
        dir: impl AsRef<Path>,
        tokenizer: &TrainedBpe,
        chat_template: Option<&str>,
    ) -> Result<()> {
        let dir = dir.as_ref();
        let c = self.config();
        if tokenizer.vocab_size() != c.vocab_size {
            return Err(Error::invalid(
                "save_hf_dir",
                format!(
                    "the tokenizer has {} tokens, the model {}",
                    tokenizer.vocab_size(),
                    c.vocab_size
                ),
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        let state = self.state_dict();
        let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
        save_safetensors(dir.join("model.safetensors"), &state, Some(metadata))?;
        let eos = tokenizer.end_of_text_id();
        let config = json!({
            "architectures": ["LlamaForCausalLM"], "model_type": "llama",
            "vocab_size": c.vocab_size, "hidden_size": c.hidden_size,
            "intermediate_size": c.intermediate_size, "num_hidden_layers": c.n_layers,
            "num_attention_heads": c.n_heads, "num_key_value_heads": c.n_kv_heads,
            "head_dim": c.head_dim, "hidden_act": "silu", "rms_norm_eps": c.rms_norm_eps,
            "rope_theta": c.rope_theta, "max_position_embeddings": c.max_seq_len,
            "tie_word_embeddings": false, "attention_bias": false, "mlp_bias": false,
            "bos_token_id": eos, "eos_token_id": eos, "torch_dtype": "float32",
        });
        let mut tokenizer_config = json!({
            "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": END_OF_TEXT,
            "eos_token": END_OF_TEXT, "add_bos_token": false,
            "model_max_length": c.max_seq_len,
        });
        if let Some(t) = chat_template {
            tokenizer_config["chat_template"] = Value::String(t.to_string());
        }
        write_json(dir, "config.json", &config)?;
        write_json(
            dir,
            "generation_config.json",
            &json!({"bos_token_id": eos, "eos_token_id": eos}),
        )?;
        write_json(dir, "tokenizer_config.json", &tokenizer_config)?;
        tokenizer.save(dir.join("tokenizer.json"))
    }
}

/// Writes `value` as pretty JSON to `dir/name`.
fn write_json(dir: &Path, name: &str, value: &Value) -> Result<()> {
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    std::fs::write(&path, text).map_err(|e| Error::io(path.display().to_string(), e))
}
