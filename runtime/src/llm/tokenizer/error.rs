//! Errors from loading tokenizers and from encoding or decoding.

use crate::io::gguf::GgufError;

/// A tokenizer could not be built, or could not encode or decode.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// The model file could not be read.
    #[error(transparent)]
    Gguf(#[from] GgufError),
    /// A rank file or tokenizer description could not be read.
    #[error("tokenizer: cannot read {path}: {source}")]
    Io {
        /// The file concerned.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The vocabulary description is missing data or inconsistent.
    #[error("tokenizer: {0}")]
    InvalidVocab(String),
    /// The tokenizer model or pre-tokenizer is not supported.
    #[error("tokenizer: unsupported {what} {name:?} (supported: {supported})")]
    Unsupported {
        /// What kind of thing ("model", "pre-tokenizer").
        what: &'static str,
        /// Its name in the file.
        name: String,
        /// The names that are supported.
        supported: String,
    },
    /// A token id is outside the vocabulary.
    #[error("tokenizer: token id {id} is outside the vocabulary of {vocab_size}")]
    UnknownId {
        /// The id.
        id: u32,
        /// The vocabulary size.
        vocab_size: usize,
    },
    /// A byte of the input has no token (no byte-fallback token exists).
    #[error("tokenizer: no token for byte 0x{byte:02X} (the vocabulary has no byte fallback)")]
    NoTokenForByte {
        /// The byte.
        byte: u8,
    },
    /// A chat template failed to compile or render.
    #[error("chat template: {0}")]
    Template(String),
    /// A pre-tokenizer regular expression failed.
    #[error("tokenizer: pre-tokenizer regex: {0}")]
    Regex(String),
}

/// Result of tokenizer operations.
pub type Result<T> = std::result::Result<T, TokenizerError>;
