//! The LLM pipeline: tokenizers, Llama-family and GPT-2 models from GGUF and Hugging Face
//! files, sampling, streaming generation and speculative decoding; [`trainable`] trains
//! small ones from text and saves them in those formats.

pub mod attention;
pub mod config;
pub mod convert;
mod convert_gpt2;
mod errors;
pub mod generator;
pub mod gpt2;
pub mod gpt2_config;
pub mod gpu;
pub mod hf_info;
pub mod kv_cache;
pub mod language_model;
pub mod linear;
pub mod llama;
pub mod names;
pub mod network;
pub mod ops;
pub mod rope;
pub mod sampling;
mod speculative;
mod stop;
pub mod tokenizer;
pub mod trainable;
pub mod weights;

#[cfg(test)]
mod llamacpp_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod trained_llamacpp_tests;

pub use config::{Llama3RopeScaling, LlamaConfig, RopeLayout};
pub use generator::{Generation, GenerationStats, TextGenerator};
pub use gpt2::Gpt2Model;
pub use gpt2_config::Gpt2Config;
pub use kv_cache::KvCache;
pub use language_model::LanguageModel;
pub use llama::{LlamaModel, LogitsFor};
pub use network::{Network, NetworkShape};
pub use sampling::{Sampler, SamplingParams};
