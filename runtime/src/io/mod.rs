//! Reading and writing tensors and checkpoints.

pub mod atomic;
pub mod born_format;
pub(crate) mod born_header;
pub mod checkpoint;
pub(crate) mod file_error;
pub mod safetensors_format;

pub use atomic::{write_atomic, write_atomic_via_path};
pub use born_format::{load_born, save_born, BornFile};
pub use checkpoint::Checkpoint;
pub use safetensors_format::{load_safetensors, save_safetensors, SafetensorsFile};
