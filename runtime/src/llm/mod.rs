//! The LLM pipeline: tokenizers (and later models, sampling and generation).

pub mod tokenizer;
