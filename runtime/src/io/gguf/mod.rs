//! GGUF, llama.cpp's model file format (versions 2 and 3): a hardened reader that
//! memory-maps tensor data, and a writer.

mod cursor;
mod error;
mod file;
pub mod limits;
mod metadata;
mod tensor_info;
mod value;
mod writer;

#[cfg(test)]
mod tests;

pub use error::{GgufError, Result};
pub use file::{GgufFile, ALIGNMENT_KEY, GGUF_MAGIC};
pub use metadata::GgufMetadata;
pub use tensor_info::GgufTensorInfo;
pub use value::{GgufArray, GgufValue, GgufValueType};
pub use writer::GgufWriter;
