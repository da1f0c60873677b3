//! Model and tensor file formats.

pub mod gguf;
