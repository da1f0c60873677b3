//! Reading and writing tensors and checkpoints.

pub(crate) mod file_error;
