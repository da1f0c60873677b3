//! Datasets and data loading: IDX files, MNIST, batching, shuffling, augmentation.

mod host_samples;
pub mod idx;
pub mod loader;
pub mod mnist;
pub mod rng;
pub mod text;
pub mod transform;

pub use idx::{read_idx, IdxArray, IdxType};
pub use loader::{DataLoader, Epoch};
pub use mnist::{ImageSplit, Mnist, FASHION_MNIST_CLASSES};
pub use rng::DataRng;
pub use transform::Transform;
