//! Training a small Llama-shaped language model from text: a byte-level BPE tokenizer
//! learned from the corpus, a decoder built from autograd tensor ops with Hugging Face
//! parameter names, batches of token windows, an interruptible training step, and export
//! to a Hugging Face directory and GGUF that the inference loaders read back.

mod bpe_trainer;
mod dataset;
mod export;
mod layers;
mod model;
mod trainer;

#[cfg(test)]
mod tests;

pub use bpe_trainer::TrainedBpe;
pub use bpe_trainer::END_OF_TEXT;
pub use dataset::TokenDataset;
pub use model::TrainableLlama;
pub use trainer::{LmTrainer, TrainerOptions};
