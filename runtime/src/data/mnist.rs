//! MNIST and Fashion-MNIST: 28x28 grey images in ten classes, stored as IDX files.

use std::path::{Path, PathBuf};

use crate::data::idx::{read_idx, IdxArray};
use crate::io::file_error::invalid_file;
use crate::{DType, Error, Result, Tensor};

/// Class names of Fashion-MNIST, by label.
pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Where the Debian package `dataset-fashion-mnist` installs its files.
const FASHION_MNIST_SYSTEM_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// One split (train or test) of an image classification set held in memory.
#[derive(Clone, PartialEq)]
pub struct ImageSplit {
    images: Vec<u8>,
    labels: Vec<u8>,
    rows: usize,
    cols: usize,
}

impl ImageSplit {
    /// Builds a split from row-major `u8` images and one label per image.
    pub fn new(images: Vec<u8>, labels: Vec<u8>, rows: usize, cols: usize) -> Result<Self> {
        let pixels = rows.checked_mul(cols).filter(|&p| p > 0).ok_or_else(|| {
            Error::invalid("ImageSplit::new", format!("bad image size {rows}x{cols}"))
        })?;
        if images.len() != labels.len() * pixels {
            return Err(Error::invalid(
                "ImageSplit::new",
                format!(
                    "{} labels need {} pixels of {rows}x{cols} images, got {}",
                    labels.len(),
                    labels.len() * pixels,
                    images.len()
                ),
            ));
        }
        Ok(Self {
            images,
            labels,
            rows,
            cols,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split holds no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image height in pixels.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Image width in pixels.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// All pixels, image after image, row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.images
    }

    /// All labels.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The pixels of image `index`, or `None` past the end.
    pub fn image(&self, index: usize) -> Option<&[u8]> {
        let size = self.rows * self.cols;
        self.images.get(index * size..(index + 1) * size)
    }

    /// The label of image `index`, or `None` past the end.
    pub fn label(&self, index: usize) -> Option<u8> {
        self.labels.get(index).copied()
    }

    /// All images as a `u8` tensor `[len, rows, cols]`.
    pub fn images_u8(&self) -> Result<Tensor> {
        Tensor::from_bytes(&self.images, DType::U8, [self.len(), self.rows, self.cols])
    }

    /// All images as an `f32` tensor `[len, rows, cols]` scaled to `[0, 1]`.
    pub fn images_f32(&self) -> Result<Tensor> {
        let bytes: Vec<u8> = self
            .images
            .iter()
            .flat_map(|&p| (f32::from(p) / 255.0).to_le_bytes())
            .collect();
        Tensor::from_bytes(&bytes, DType::F32, [self.len(), self.rows, self.cols])
    }

    /// All labels as an `i64` tensor `[len]` (class indices for losses).
    pub fn labels_i64(&self) -> Result<Tensor> {
        let bytes: Vec<u8> = self
            .labels
            .iter()
            .flat_map(|&l| i64::from(l).to_le_bytes())
            .collect();
        Tensor::from_bytes(&bytes, DType::I64, [self.len()])
    }

    /// All labels as a `u32` tensor `[len]`.
    pub fn labels_u32(&self) -> Result<Tensor> {
        let bytes: Vec<u8> = self
            .labels
            .iter()
            .flat_map(|&l| u32::from(l).to_le_bytes())
            .collect();
        Tensor::from_bytes(&bytes, DType::U32, [self.len()])
    }
}

impl std::fmt::Debug for ImageSplit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ImageSplit({} images of {}x{})",
            self.len(),
            self.rows,
            self.cols
        )
    }
}

/// MNIST-format dataset: a train and a test split of 28x28 grey images.
#[derive(Debug, Clone, PartialEq)]
pub struct Mnist {
    /// The 60,000 training images.
    pub train: ImageSplit,
    /// The 10,000 test images.
    pub test: ImageSplit,
}

impl Mnist {
    /// Loads the four IDX files (raw or `.gz`) from `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        Ok(Self {
            train: load_split(dir, "train")?,
            test: load_split(dir, "t10k")?,
        })
    }

    /// Loads MNIST from `$BORN_DATA/mnist` or the repository's `../shared/data/mnist`.
    pub fn from_default_location() -> Result<Self> {
        let candidates = default_dirs("mnist", &[]);
        Self::load(first_with_files(&candidates, "MNIST")?)
    }

    /// Loads Fashion-MNIST (same format) from `dir`.
    pub fn load_fashion(dir: impl AsRef<Path>) -> Result<Self> {
        Self::load(dir)
    }

    /// Loads Fashion-MNIST from `$BORN_DATA/fashion-mnist`, the Debian package's
    /// `/usr/share/datasets/fashion-mnist`, or the repository's shared data.
    pub fn fashion_from_default_location() -> Result<Self> {
        let candidates = default_dirs("fashion-mnist", &[FASHION_MNIST_SYSTEM_DIR]);
        Self::load(first_with_files(&candidates, "Fashion-MNIST")?)
    }
}

/// The base names of a split's image and label files.
fn split_file_names(split: &str) -> [String; 2] {
    [
        format!("{split}-images-idx3-ubyte"),
        format!("{split}-labels-idx1-ubyte"),
    ]
}

/// Reads and cross-checks one split's image and label files.
fn load_split(dir: &Path, split: &str) -> Result<ImageSplit> {
    let [images_name, labels_name] = split_file_names(split);
    let images_path = find_file(dir, &images_name)?;
    let labels_path = find_file(dir, &labels_name)?;
    let images = read_idx(&images_path)?;
    let labels = read_idx(&labels_path)?;
    let (image_dims, pixels) = u8_array(images, &images_path, 3)?;
    let (label_dims, labels) = u8_array(labels, &labels_path, 1)?;
    if image_dims[0] != label_dims[0] {
        return Err(invalid_file(
            &labels_path,
            format!(
                "{} labels for {} images in {}",
                label_dims[0],
                image_dims[0],
                images_path.display()
            ),
        ));
    }
    if let Some(pos) = labels.iter().position(|&l| l > 9) {
        return Err(invalid_file(
            &labels_path,
            format!(
                "label {} at index {pos} is not a class in 0..10",
                labels[pos]
            ),
        ));
    }
    ImageSplit::new(pixels, labels, image_dims[1], image_dims[2])
}

/// Checks that an IDX array holds `u8` values with `rank` dimensions.
fn u8_array(array: IdxArray, path: &Path, rank: usize) -> Result<(Vec<usize>, Vec<u8>)> {
    let elem = array.elem_type();
    let (dims, values) = array
        .into_u8()
        .ok_or_else(|| invalid_file(path, format!("expected u8 values, file holds {elem:?}")))?;
    if dims.len() != rank {
        return Err(invalid_file(
            path,
            format!("expected {rank} dimensions, file has {dims:?}"),
        ));
    }
    Ok((dims, values))
}

/// `dir/name.gz` or `dir/name`, whichever exists (gzip first).
fn find_file(dir: &Path, name: &str) -> Result<PathBuf> {
    let gz = dir.join(format!("{name}.gz"));
    if gz.is_file() {
        return Ok(gz);
    }
    let raw = dir.join(name);
    if raw.is_file() {
        return Ok(raw);
    }
    Err(Error::msg(format!(
        "{} has neither {name}.gz nor {name}",
        dir.display()
    )))
}

/// Candidate folders for a dataset, most specific first.
fn default_dirs(dataset: &str, system_dirs: &[&str]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(root) = std::env::var_os("BORN_DATA") {
        dirs.push(PathBuf::from(root).join(dataset));
    }
    dirs.extend(system_dirs.iter().map(PathBuf::from));
    // The shared data folder beside the repository this crate was built from.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    dirs.push(repo.join("..").join("shared").join("data").join(dataset));
    dirs
}

/// The first folder holding all four files, or an error saying where to put them.
fn first_with_files(candidates: &[PathBuf], dataset: &str) -> Result<PathBuf> {
    let complete = |dir: &PathBuf| {
        ["train", "t10k"]
            .iter()
            .flat_map(|split| split_file_names(split))
            .all(|name| find_file(dir, &name).is_ok())
    };
    if let Some(dir) = candidates.iter().find(|d| complete(d)) {
        return Ok(dir.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
    Err(Error::msg(format!(
        "{dataset} not found: looked in {}. Put train-images-idx3-ubyte.gz, \
         train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz \
         (gzipped or not) in one of them, or set BORN_DATA to a folder with a {} subfolder",
        looked.join(", "),
        candidates
            .first()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_dataset_error_says_where_to_put_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = first_with_files(&[dir.path().join("mnist")], "MNIST")
            .expect_err("empty folder")
            .to_string();
        assert!(err.contains("MNIST not found"), "{err}");
        assert!(err.contains("train-images-idx3-ubyte.gz"), "{err}");
        assert!(err.contains("BORN_DATA"), "{err}");
    }

    #[test]
    fn mismatched_image_and_label_counts_are_rejected() {
        let err = ImageSplit::new(vec![0; 8], vec![1, 2, 3], 2, 2).expect_err("8 != 3*4");
        assert!(err.to_string().contains("3 labels need 12 pixels"), "{err}");
    }

    #[test]
    fn split_accessors_index_images() {
        let split = ImageSplit::new((0..8).collect(), vec![4, 7], 2, 2).expect("valid");
        assert_eq!(split.image(1), Some(&[4u8, 5, 6, 7][..]));
        assert_eq!(split.label(1), Some(7));
        assert_eq!(split.image(2), None);
    }

    #[test]
    fn split_tensors_have_expected_dtypes_shapes_and_values() {
        let split =
            ImageSplit::new(vec![0, 51, 255, 102, 1, 2, 3, 4], vec![4, 7], 2, 2).expect("valid");
        let u8s = split.images_u8().expect("u8 images");
        assert_eq!((u8s.dtype(), u8s.dims()), (DType::U8, &[2, 2, 2][..]));
        assert_eq!(u8s.to_bytes().expect("bytes"), split.pixels());
        let f32s = split.images_f32().expect("f32 images");
        assert_eq!((f32s.dtype(), f32s.dims()), (DType::F32, &[2, 2, 2][..]));
        let first: Vec<f32> = f32s.to_bytes().expect("bytes")[..16]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        assert_eq!(first, vec![0.0, 0.2, 1.0, 0.4]);
        let labels = split.labels_i64().expect("i64 labels");
        assert_eq!((labels.dtype(), labels.dims()), (DType::I64, &[2][..]));
        let mut want = 4i64.to_le_bytes().to_vec();
        want.extend_from_slice(&7i64.to_le_bytes());
        assert_eq!(labels.to_bytes().expect("bytes"), want);
        let labels = split.labels_u32().expect("u32 labels");
        assert_eq!(
            labels.to_bytes().expect("bytes"),
            vec![4, 0, 0, 0, 7, 0, 0, 0]
        );
    }

    #[test]
    fn real_mnist_loads_with_known_counts_and_pixels() {
        let mnist = Mnist::from_default_location().expect("MNIST in shared data");
        assert_eq!((mnist.train.len(), mnist.test.len()), (60_000, 10_000));
        assert_eq!((mnist.train.rows(), mnist.train.cols()), (28, 28));
        assert_eq!(&mnist.train.labels()[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
        assert_eq!(&mnist.test.labels()[..5], &[7, 2, 1, 0, 4]);
        let first = mnist.train.image(0).expect("first image");
        assert_eq!(first.iter().map(|&p| u32::from(p)).sum::<u32>(), 27_525);
        assert_eq!(first[14 * 28 + 14], 240);
        // Checksums of every pixel, computed with numpy from the same files.
        let total = |s: &ImageSplit| s.pixels().iter().map(|&p| u64::from(p)).sum::<u64>();
        assert_eq!(total(&mnist.train), 1_567_298_545);
        assert_eq!(total(&mnist.test), 264_923_200);
        let mut counts = [0usize; 10];
        mnist
            .train
            .labels()
            .iter()
            .for_each(|&l| counts[usize::from(l)] += 1);
        assert_eq!(
            counts,
            [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
        );
    }

    #[test]
    #[ignore = "needs the Debian package dataset-fashion-mnist (or BORN_DATA/fashion-mnist)"]
    fn fashion_mnist_loads_from_default_location() {
        let fashion = Mnist::fashion_from_default_location().expect("Fashion-MNIST installed");
        assert_eq!((fashion.train.len(), fashion.test.len()), (60_000, 10_000));
        assert_eq!(&fashion.train.labels()[..5], &[9, 0, 0, 3, 0]);
        assert_eq!(FASHION_MNIST_CLASSES[9], "Ankle boot");
        let total: u64 = fashion.train.pixels().iter().map(|&p| u64::from(p)).sum();
        assert_eq!(total, 3_431_114_169);
    }
}
