//! Reading and writing tensors and checkpoints.

pub mod atomic;
pub(crate) mod file_error;
