//! The decoder network of a language model, whichever architecture it is: one
//! `forward` and one cache type for generation, speculative decoding and benchmarks.

use std::path::Path;

use super::config::LlamaConfig;
use super::gpt2::Gpt2Model;
use super::gpt2_config::Gpt2Config;
use super::kv_cache::KvCache;
use super::llama::{LlamaModel, LogitsFor};
use super::weights::{Gpt2SafetensorsWeights, SafetensorsWeights};
use crate::io::gguf::GgufFile;
use crate::{Error, Result};

/// A loaded decoder network.
#[derive(Debug, Clone)]
pub enum Network {
    /// A Llama-family model (LLaMA, Mistral, Qwen2).
    Llama(LlamaModel),
    /// A GPT-2 model.
    Gpt2(Gpt2Model),
}

/// The sizes every architecture shares, for display and bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkShape {
    /// Architecture name (`llama`, `qwen2`, `gpt2`, ...).
    pub architecture: String,
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Number of transformer blocks.
    pub n_layers: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads.
    pub n_kv_heads: usize,
    /// Longest context.
    pub max_seq_len: usize,
}

impl Network {
    /// Loads the network of a GGUF file (by `general.architecture`).
    pub fn from_gguf(file: &GgufFile) -> Result<Network> {
        match file.architecture() {
            Some("gpt2") => Ok(Network::Gpt2(Gpt2Model::load(
                Gpt2Config::from_gguf(file)?,
                file,
            )?)),
            _ => Ok(Network::Llama(LlamaModel::load(
                LlamaConfig::from_gguf(file)?,
                file,
            )?)),
        }
    }

    /// Loads the network of an HF directory whose `config.json` text is `config_json`
    /// (by `model_type`).
    pub fn from_hf_dir(dir: &Path, config_json: &str) -> Result<Network> {
        let weights = SafetensorsWeights::open_dir(dir)?;
        if is_gpt2_config(config_json)? {
            let config = Gpt2Config::from_hf_json(config_json)?;
            let model = Gpt2Model::load(config, &Gpt2SafetensorsWeights(&weights))?;
            return Ok(Network::Gpt2(model));
        }
        let config = LlamaConfig::from_hf_json(config_json)?;
        Ok(Network::Llama(LlamaModel::load(config, &weights)?))
    }

    /// The shared sizes.
    pub fn config(&self) -> NetworkShape {
        match self {
            Network::Llama(m) => {
                let c = m.config();
                NetworkShape {
                    architecture: c.architecture.clone(),
                    vocab_size: c.vocab_size,
                    hidden_size: c.hidden_size,
                    n_layers: c.n_layers,
                    n_heads: c.n_heads,
                    n_kv_heads: c.n_kv_heads,
                    max_seq_len: c.max_seq_len,
                }
            }
            Network::Gpt2(m) => {
                let c = m.config();
                NetworkShape {
                    architecture: "gpt2".into(),
                    vocab_size: c.vocab_size,
                    hidden_size: c.hidden_size,
                    n_layers: c.n_layers,
                    n_heads: c.n_heads,
                    n_kv_heads: c.n_heads,
                    max_seq_len: c.max_seq_len,
                }
            }
        }
    }

    /// Vocabulary size (logits per position).
    pub fn vocab_size(&self) -> usize {
        match self {
            Network::Llama(m) => m.config().vocab_size,
            Network::Gpt2(m) => m.config().vocab_size,
        }
    }

    /// The Llama-family model, when it is one.
    pub fn as_llama(&self) -> Option<&LlamaModel> {
        match self {
            Network::Llama(m) => Some(m),
            Network::Gpt2(_) => None,
        }
    }

    /// The GPT-2 model, when it is one.
    pub fn as_gpt2(&self) -> Option<&Gpt2Model> {
        match self {
            Network::Gpt2(m) => Some(m),
            Network::Llama(_) => None,
        }
    }

    /// An empty KV cache for up to `max_len` positions (capped at the model's context).
    pub fn new_cache(&self, max_len: usize) -> KvCache {
        match self {
            Network::Llama(m) => m.new_cache(max_len),
            Network::Gpt2(m) => m.new_cache(max_len),
        }
    }

    /// Runs `tokens` after the positions already in `cache` and returns logits
    /// (`vocab_size` per returned position); on error the cache is left as it was.
    pub fn forward(
        &self,
        tokens: &[u32],
        cache: &mut KvCache,
        which: LogitsFor,
    ) -> Result<Vec<f32>> {
        match self {
            Network::Llama(m) => m.forward(tokens, cache, which),
            Network::Gpt2(m) => m.forward(tokens, cache, which),
        }
    }
}

/// Whether an HF `config.json` describes a GPT-2 model.
pub fn is_gpt2_config(config_json: &str) -> Result<bool> {
    let v: serde_json::Value = serde_json::from_str(config_json)
        .map_err(|e| Error::format("config.json", e.to_string()))?;
    Ok(v.get("model_type").and_then(serde_json::Value::as_str) == Some("gpt2"))
}

impl From<LlamaModel> for Network {
    fn from(m: LlamaModel) -> Network {
        Network::Llama(m)
    }
}

impl From<Gpt2Model> for Network {
    fn from(m: Gpt2Model) -> Network {
        Network::Gpt2(m)
    }
}
