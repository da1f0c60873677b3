//! A loaded language model: weights, tokenizer, chat template and end-of-sequence ids,
//! from a GGUF file or a Hugging Face directory.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::generator::{GenerationStats, TextGenerator};
use super::gpu::GpuLlama;
use super::network::Network;
use super::sampling::SamplingParams;
use super::tokenizer::{ChatTemplate, Tokenizer};
use crate::io::gguf::GgufFile;
use crate::{Device, Error, Result};

/// A model with everything needed to turn text into text.
#[derive(Debug, Clone)]
pub struct LanguageModel {
    model: Network,
    tokenizer: Tokenizer,
    chat_template: Option<ChatTemplate>,
    eos_ids: Vec<u32>,
    gpu: Option<Arc<GpuLlama>>,
}

/// Loads only the network of a GGUF file or an HF directory (no tokenizer needed).
pub fn load_network(path: impl AsRef<Path>) -> Result<Network> {
    let path = path.as_ref();
    if path.is_dir() {
        let p = path.join("config.json");
        let json =
            std::fs::read_to_string(&p).map_err(|e| Error::io(p.display().to_string(), e))?;
        Network::from_hf_dir(path, &json)
    } else {
        Network::from_gguf(&GgufFile::open(path)?)
    }
}

impl LanguageModel {
    /// Loads a GGUF file or a Hugging Face directory.
    pub fn load(path: impl AsRef<Path>) -> Result<LanguageModel> {
        let path = path.as_ref();
        if path.is_dir() {
            LanguageModel::from_hf_dir(path)
        } else {
            LanguageModel::from_gguf(path)
        }
    }

    /// Loads a GGUF file (weights stay memory-mapped and in their encoding).
    pub fn from_gguf(path: impl AsRef<Path>) -> Result<LanguageModel> {
        let file = GgufFile::open(path.as_ref())?;
        let model = Network::from_gguf(&file)?;
        let tokenizer = Tokenizer::from_gguf(&file)?;
        let chat_template = ChatTemplate::from_gguf(&file, &tokenizer)?;
        let eos_ids = tokenizer.eos_id().into_iter().collect();
        Ok(LanguageModel {
            model,
            tokenizer,
            chat_template,
            eos_ids,
            gpu: None,
        })
    }

    /// Loads a Hugging Face directory: `config.json`, `model.safetensors` (or shards
    /// with `model.safetensors.index.json`), `tokenizer.json`, and when present
    /// `generation_config.json` and `tokenizer_config.json`.
    pub fn from_hf_dir(dir: impl AsRef<Path>) -> Result<LanguageModel> {
        let dir = dir.as_ref();
        let read = |name: &str| -> Result<Option<String>> {
            let p = dir.join(name);
            if !p.exists() {
                return Ok(None);
            }
            std::fs::read_to_string(&p)
                .map(Some)
                .map_err(|e| Error::io(p.display().to_string(), e))
        };
        let config_json = read("config.json")?
            .ok_or_else(|| Error::format(dir.display().to_string(), "config.json is missing"))?;
        let model = Network::from_hf_dir(dir, &config_json)?;
        let tokenizer = Tokenizer::from_hf_file(dir.join("tokenizer.json"))?;
        let chat_template = match read("tokenizer_config.json")? {
            Some(json) => ChatTemplate::from_hf_config_json(&json)?,
            None => None,
        };
        let mut eos_ids = Vec::new();
        for json in [read("generation_config.json")?, Some(config_json)]
            .into_iter()
            .flatten()
        {
            let v: Value = serde_json::from_str(&json)
                .map_err(|e| Error::format(dir.display().to_string(), e.to_string()))?;
            match v.get("eos_token_id") {
                Some(Value::Number(n)) => eos_ids.extend(n.as_u64().map(|n| n as u32)),
                Some(Value::Array(a)) => {
                    eos_ids.extend(a.iter().filter_map(Value::as_u64).map(|n| n as u32))
                }
                _ => continue,
            }
            break;
        }
        if eos_ids.is_empty() {
            eos_ids.extend(tokenizer.eos_id());
        }
        Ok(LanguageModel {
            model,
            tokenizer,
            chat_template,
            eos_ids,
            gpu: None,
        })
    }

    /// The network.
    pub fn model(&self) -> &Network {
        &self.model
    }

    /// Runs the network on `device` from now on: `Device::Gpu` uploads the weights once
    /// (block-quantized ones stay encoded), `Device::Cpu` drops the GPU copy.
    pub fn to_device(&mut self, device: Device) -> Result<()> {
        self.gpu = match device {
            Device::Cpu => None,
            Device::Gpu => match &self.gpu {
                Some(g) => Some(g.clone()),
                None => Some(Arc::new(GpuLlama::upload(&self.model)?)),
            },
        };
        Ok(())
    }

    /// Where the network runs.
    pub fn device(&self) -> Device {
        if self.gpu.is_some() {
            Device::Gpu
        } else {
            Device::Cpu
        }
    }

    /// The GPU copy of the network, after `to_device(Device::Gpu)`.
    pub fn gpu_network(&self) -> Option<&GpuLlama> {
        self.gpu.as_deref()
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The chat template, when the model ships one.
    pub fn chat_template(&self) -> Option<&ChatTemplate> {
        self.chat_template.as_ref()
    }

    /// Tokens that end a sequence.
    pub fn eos_ids(&self) -> &[u32] {
        &self.eos_ids
    }

    /// Token ids of `prompt`, with BOS when the tokenizer adds one.
    pub fn encode(&self, prompt: &str) -> Result<Vec<u32>> {
        Ok(self.tokenizer.encode(prompt, true)?)
    }

    /// Generates from `prompt`, calling `on_piece` with each piece of text as soon as it
    /// is complete UTF-8; returns the counts and speeds.
    pub fn generate_stream(
        &self,
        prompt: &str,
        params: &SamplingParams,
        on_piece: impl FnMut(&str) -> Result<()>,
    ) -> Result<GenerationStats> {
        TextGenerator::new(self, params.clone()).generate_with(prompt, on_piece)
    }

    /// Generates from `prompt` and returns the text.
    pub fn generate(&self, prompt: &str, params: &SamplingParams) -> Result<String> {
        let mut text = String::new();
        self.generate_stream(prompt, params, |p| {
            text.push_str(p);
            Ok(())
        })?;
        Ok(text)
    }
}
