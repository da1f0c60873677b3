//! Tokenizers: SentencePiece and byte-level BPE from GGUF metadata, tiktoken rank
//! files, special tokens, and streaming-safe decoding.

mod bpe;
pub mod byte_level;
mod chat_template;
mod codec;
mod error;
mod hf;
mod load;
mod pretokenizer;
mod special;
mod spm;
mod stream;
mod tiktoken;
mod token_type;
mod vocab;

#[cfg(test)]
pub(crate) mod test_data;
#[cfg(test)]
mod tests;

pub use chat_template::{ChatMessage, ChatTemplate};
pub use codec::{EncodeOptions, Tokenizer};
pub use error::{Result, TokenizerError};
pub use pretokenizer::PreTokenizer;
pub(crate) use pretokenizer::LLAMA3;
pub use stream::StreamDecoder;
pub use tiktoken::{TiktokenEncoding, CL100K_PATTERN, O200K_PATTERN};
pub use token_type::TokenType;
pub use vocab::{SpecialTokens, Vocab};
