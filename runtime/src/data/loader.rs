//! `DataLoader`: batches of `(inputs, targets)` with seeded shuffling,
//! augmentation, and preparation on a background thread.
//!
//! ```no_run
//! # fn main() -> born::Result<()> {
//! use born::data::{DataLoader, Mnist, Transform};
//! let mnist = Mnist::from_default_location()?;
//! let loader = DataLoader::from_split(&mnist.train, 64)?
//!     .shuffle(42)
//!     .transform(Transform::Scale(1.0 / 255.0))?
//!     .flatten(true);
//! for epoch in 0..2 {
//!     for batch in loader.epoch(epoch) {
//!         let (x, y) = batch?; // x: [64, 784] f32, y: [64] i64
//!     }
//! }
//! # Ok(()) }
//! ```

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::data::host_samples::HostSamples;
use crate::data::mnist::ImageSplit;
use crate::data::rng::DataRng;
use crate::data::transform::Transform;
use crate::{DType, Error, Result, Tensor};

/// Separates the augmentation stream from the shuffling stream of a seed.
const AUGMENT_STREAM: u64 = 0xA076_1D64_78BD_642F;

/// Iterates over a dataset in batches; each [`DataLoader::epoch`] is one pass.
#[derive(Debug, Clone)]
pub struct DataLoader {
    source: Arc<Source>,
    batch_size: usize,
    seed: u64,
    shuffle: bool,
    drop_last: bool,
    prefetch: usize,
    flatten: bool,
    transforms: Vec<Transform>,
}

/// The inputs and targets, shared with the worker threads.
#[derive(Debug)]
struct Source {
    inputs: HostSamples,
    targets: HostSamples,
}

impl DataLoader {
    /// Batches of `batch_size` rows of `inputs` and `targets` (first
    /// dimension: samples). The data is copied once, here.
    pub fn new(inputs: &Tensor, targets: &Tensor, batch_size: usize) -> Result<Self> {
        let inputs = HostSamples::from_tensor(inputs, "inputs")?;
        let targets = HostSamples::from_tensor(targets, "targets")?;
        Self::from_samples(inputs, targets, batch_size)
    }

    /// Batches of an image split: inputs `[B, 1, rows, cols]` (`u8`, or `f32`
    /// once a transform is added), targets `[B]` `i64` class indices.
    pub fn from_split(split: &ImageSplit, batch_size: usize) -> Result<Self> {
        let inputs = HostSamples::new(
            split.pixels().to_vec(),
            DType::U8,
            split.len(),
            vec![1, split.rows(), split.cols()],
        )?;
        let labels: Vec<u8> = split
            .labels()
            .iter()
            .flat_map(|&l| i64::from(l).to_le_bytes())
            .collect();
        let targets = HostSamples::new(labels, DType::I64, split.len(), vec![])?;
        Self::from_samples(inputs, targets, batch_size)
    }

    fn from_samples(inputs: HostSamples, targets: HostSamples, batch_size: usize) -> Result<Self> {
        if inputs.len() != targets.len() {
            return Err(Error::invalid(
                "DataLoader",
                format!(
                    "{} input samples but {} targets",
                    inputs.len(),
                    targets.len()
                ),
            ));
        }
        if batch_size == 0 {
            return Err(Error::invalid(
                "DataLoader",
                "batch size must be at least 1",
            ));
        }
        Ok(Self {
            source: Arc::new(Source { inputs, targets }),
            batch_size,
            seed: 0,
            shuffle: false,
            drop_last: false,
            prefetch: 2,
            flatten: false,
            transforms: Vec::new(),
        })
    }

    /// Shuffles every epoch, in an order fixed by `seed` and the epoch number.
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.seed = seed;
        self.shuffle = true;
        self
    }

    /// Sets the seed of random transforms without shuffling.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Skips the last batch when it would be smaller than the batch size.
    pub fn drop_last(mut self, drop: bool) -> Self {
        self.drop_last = drop;
        self
    }

    /// How many batches the background thread prepares ahead (at least 1).
    pub fn prefetch(mut self, batches: usize) -> Self {
        self.prefetch = batches.max(1);
        self
    }

    /// Gives inputs as `[B, features]` instead of `[B, ...sample dims]`.
    pub fn flatten(mut self, flatten: bool) -> Self {
        self.flatten = flatten;
        self
    }

    /// Appends a per-sample transform; inputs become `f32` once any is set.
    pub fn transform(mut self, transform: Transform) -> Result<Self> {
        transform.output_dims(&self.sample_dims_after_transforms()?)?;
        self.transforms.push(transform);
        Ok(self)
    }

    /// Number of samples in the dataset.
    pub fn num_samples(&self) -> usize {
        self.source.inputs.len()
    }

    /// Samples per batch.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Batches in one epoch.
    pub fn num_batches(&self) -> usize {
        let n = self.num_samples();
        if self.drop_last {
            n / self.batch_size
        } else {
            n.div_ceil(self.batch_size)
        }
    }

    /// One pass over the data; the same `epoch` number gives the same
    /// batches, so a resumed run sees what an uninterrupted one would.
    pub fn epoch(&self, epoch: u64) -> Epoch {
        self.epoch_from(epoch, 0)
    }

    /// The batches of `epoch` from batch index `first_batch` on, exactly as
    /// [`DataLoader::epoch`] would give them (to resume mid-epoch).
    pub fn epoch_from(&self, epoch: u64, first_batch: usize) -> Epoch {
        let first_batch = first_batch.min(self.num_batches());
        let plan = BatchPlan {
            loader: self.clone(),
            order: self.order(epoch),
            epoch,
            first_batch,
        };
        let (sender, receiver) = sync_channel(self.prefetch);
        let total = self.num_batches() - first_batch;
        let worker = std::thread::Builder::new()
            .name("born-data-loader".into())
            .spawn(move || plan.run(&sender));
        match worker {
            Ok(handle) => Epoch {
                receiver: Some(receiver),
                worker: Some(handle),
                remaining: total,
                startup_error: None,
            },
            Err(e) => Epoch {
                receiver: None,
                worker: None,
                remaining: 0,
                startup_error: Some(Error::io("start data loader thread", e)),
            },
        }
    }

    /// The sample order of an epoch.
    fn order(&self, epoch: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.num_samples()).collect();
        if self.shuffle {
            DataRng::for_stream(self.seed, epoch).shuffle(&mut order);
        }
        order
    }

    fn sample_dims_after_transforms(&self) -> Result<Vec<usize>> {
        let mut dims = self.source.inputs.sample_dims().to_vec();
        for t in &self.transforms {
            dims = t.output_dims(&dims)?;
        }
        Ok(dims)
    }
}

/// What the worker thread needs to produce an epoch's batches.
struct BatchPlan {
    loader: DataLoader,
    order: Vec<usize>,
    epoch: u64,
    first_batch: usize,
}

impl BatchPlan {
    /// Sends each batch in turn; stops early when the receiver is gone.
    fn run(self, sender: &SyncSender<Result<HostBatch>>) {
        let loader = &self.loader;
        // One augmentation stream per batch, so any batch can be rebuilt alone.
        let epoch_seed = DataRng::for_stream(loader.seed ^ AUGMENT_STREAM, self.epoch).next_u64();
        for b in self.first_batch..loader.num_batches() {
            let end = ((b + 1) * loader.batch_size).min(self.order.len());
            let indices = &self.order[b * loader.batch_size..end];
            let mut rng = DataRng::for_stream(epoch_seed, b as u64);
            let batch = self.build(indices, &mut rng);
            let failed = batch.is_err();
            if sender.send(batch).is_err() || failed {
                return;
            }
        }
    }

    fn build(&self, indices: &[usize], rng: &mut DataRng) -> Result<HostBatch> {
        let source = &self.loader.source;
        let (input_bytes, input_dtype, sample_dims) = if self.loader.transforms.is_empty() {
            let inputs = &source.inputs;
            (
                inputs.gather(indices),
                inputs.dtype(),
                inputs.sample_dims().to_vec(),
            )
        } else {
            let (values, dims) = self.transformed(indices, rng)?;
            let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (bytes, DType::F32, dims)
        };
        let mut input_dims = vec![indices.len()];
        if self.loader.flatten {
            input_dims.push(sample_dims.iter().product());
        } else {
            input_dims.extend(sample_dims);
        }
        let mut target_dims = vec![indices.len()];
        target_dims.extend_from_slice(source.targets.sample_dims());
        Ok(HostBatch {
            inputs: (input_bytes, input_dtype, input_dims),
            targets: (
                source.targets.gather(indices),
                source.targets.dtype(),
                target_dims,
            ),
        })
    }

    /// The batch's inputs as `f32` after every transform, and the sample dims.
    fn transformed(&self, indices: &[usize], rng: &mut DataRng) -> Result<(Vec<f32>, Vec<usize>)> {
        let inputs = &self.loader.source.inputs;
        let mut out = Vec::new();
        let mut out_dims = inputs.sample_dims().to_vec();
        for &i in indices {
            let mut sample = inputs.sample_f32(i);
            let mut dims = inputs.sample_dims().to_vec();
            for t in &self.loader.transforms {
                let next = t.output_dims(&dims)?;
                sample = t.apply(sample, &dims, rng);
                dims = next;
            }
            out.extend_from_slice(&sample);
            out_dims = dims;
        }
        Ok((out, out_dims))
    }
}

/// One batch in host memory: bytes, dtype and dims of inputs and targets.
struct HostBatch {
    inputs: (Vec<u8>, DType, Vec<usize>),
    targets: (Vec<u8>, DType, Vec<usize>),
}

impl HostBatch {
    fn into_tensors(self) -> Result<(Tensor, Tensor)> {
        let (bytes, dtype, dims) = self.inputs;
        let inputs = Tensor::from_bytes(&bytes, dtype, &dims)?;
        let (bytes, dtype, dims) = self.targets;
        let targets = Tensor::from_bytes(&bytes, dtype, &dims)?;
        Ok((inputs, targets))
    }
}

/// One epoch's batches, `Result<(inputs, targets)>`, prepared in the background.
#[derive(Debug)]
pub struct Epoch {
    receiver: Option<Receiver<Result<HostBatch>>>,
    worker: Option<JoinHandle<()>>,
    remaining: usize,
    startup_error: Option<Error>,
}

impl Iterator for Epoch {
    type Item = Result<(Tensor, Tensor)>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.startup_error.take() {
            return Some(Err(e));
        }
        if self.remaining == 0 {
            return None;
        }
        match self.receiver.as_ref()?.recv() {
            Ok(Ok(batch)) => {
                self.remaining -= 1;
                Some(batch.into_tensors())
            }
            Ok(Err(e)) => {
                self.stop();
                Some(Err(e))
            }
            Err(_) => {
                // The worker ended before sending every batch: it panicked.
                let missing = self.remaining;
                self.stop();
                Some(Err(Error::invalid(
                    "DataLoader",
                    format!("the loader thread stopped with {missing} batches left"),
                )))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining + usize::from(self.startup_error.is_some());
        (n, Some(n))
    }
}

impl ExactSizeIterator for Epoch {}

impl Epoch {
    /// Ends the epoch: no more batches, the worker is released.
    fn stop(&mut self) {
        self.remaining = 0;
        self.receiver = None;
        if let Some(worker) = self.worker.take() {
            // A panicking worker already surfaced as an error batch.
            let _ = worker.join();
        }
    }
}

impl Drop for Epoch {
    fn drop(&mut self) {
        // Dropping the receiver first makes a worker blocked on a full
        // channel return at once.
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Mnist;

    fn f32_values(t: &Tensor) -> Vec<f32> {
        t.to_vec::<f32>().expect("f32 tensor")
    }

    fn i64_values(t: &Tensor) -> Vec<i64> {
        t.to_vec::<i64>().expect("i64 tensor")
    }

    /// `n` samples of 2 features `[10 i, 10 i + 1]` with target `i`.
    fn indexed_loader(n: usize, batch: usize) -> DataLoader {
        let x: Vec<u8> = (0..n)
            .flat_map(|i| [10.0 * i as f32, 10.0 * i as f32 + 1.0])
            .flat_map(f32::to_le_bytes)
            .collect();
        let y: Vec<u8> = (0..n as i64).flat_map(i64::to_le_bytes).collect();
        let x = Tensor::from_bytes(&x, DType::F32, [n, 2]).expect("x");
        let y = Tensor::from_bytes(&y, DType::I64, [n]).expect("y");
        DataLoader::new(&x, &y, batch).expect("loader")
    }

    /// Every target of an epoch, checking each input row matches its target.
    fn epoch_targets(loader: &DataLoader, epoch: u64) -> Vec<Vec<i64>> {
        loader
            .epoch(epoch)
            .map(|batch| {
                let (x, y) = batch.expect("batch");
                let (xs, ys) = (f32_values(&x), i64_values(&y));
                assert_eq!(x.dims(), &[ys.len(), 2]);
                for (row, target) in xs.chunks(2).zip(&ys) {
                    assert_eq!(row, [10.0 * *target as f32, 10.0 * *target as f32 + 1.0]);
                }
                ys
            })
            .collect()
    }

    #[test]
    fn sequential_batches_cover_data_in_order_with_partial_last() {
        let loader = indexed_loader(10, 4);
        assert_eq!(loader.num_batches(), 3);
        let batches = epoch_targets(&loader, 0);
        assert_eq!(
            batches,
            vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]
        );
    }

    #[test]
    fn drop_last_skips_the_partial_batch() {
        let loader = indexed_loader(10, 4).drop_last(true);
        assert_eq!(loader.num_batches(), 2);
        assert_eq!(loader.epoch(0).len(), 2);
        assert_eq!(
            epoch_targets(&loader, 0).concat(),
            (0..8).collect::<Vec<_>>()
        );
    }

    #[test]
    fn shuffling_is_a_permutation_fixed_by_seed_and_epoch() {
        let loader = indexed_loader(100, 16).shuffle(7);
        let first = epoch_targets(&loader, 0).concat();
        let mut sorted = first.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(first, (0..100).collect::<Vec<_>>());
        assert_eq!(epoch_targets(&loader, 0).concat(), first);
        assert_eq!(
            epoch_targets(&indexed_loader(100, 16).shuffle(7), 0).concat(),
            first
        );
        assert_ne!(epoch_targets(&loader, 1).concat(), first);
        assert_ne!(
            epoch_targets(&indexed_loader(100, 16).shuffle(8), 0).concat(),
            first
        );
    }

    #[test]
    fn resuming_mid_epoch_gives_the_remaining_batches_unchanged() {
        let mnist = Mnist::from_default_location().expect("MNIST in shared data");
        let loader = DataLoader::from_split(&mnist.test, 500)
            .expect("loader")
            .shuffle(4)
            .transform(Transform::RandomShift { max: 3 })
            .expect("shift");
        let values = |e: Epoch| -> Vec<(Vec<f32>, Vec<i64>)> {
            e.map(|b| {
                let (x, y) = b.expect("batch");
                (f32_values(&x), i64_values(&y))
            })
            .collect()
        };
        let full = values(loader.epoch(3));
        let resumed = loader.epoch_from(3, 15);
        assert_eq!(resumed.len(), 5);
        assert_eq!(values(resumed), full[15..]);
        assert_eq!(loader.epoch_from(3, 99).count(), 0);
    }

    #[test]
    fn leaving_an_epoch_early_stops_the_worker() {
        let loader = indexed_loader(1000, 1).prefetch(2);
        let mut epoch = loader.epoch(0);
        assert!(epoch.next().expect("one batch").is_ok());
        drop(epoch);
        // A second epoch right away still works.
        assert_eq!(loader.epoch(1).count(), 1000);
    }

    #[test]
    fn invalid_loaders_are_errors() {
        let x = Tensor::from_bytes(&[0; 6], DType::U8, [3, 2]).expect("x");
        let y = Tensor::from_bytes(&[0; 2], DType::U8, [2]).expect("y");
        let err = DataLoader::new(&x, &y, 2).expect_err("3 vs 2");
        assert!(
            err.to_string().contains("3 input samples but 2 targets"),
            "{err}"
        );
        let y = Tensor::from_bytes(&[0; 3], DType::U8, [3]).expect("y");
        assert!(DataLoader::new(&x, &y, 0).is_err());
        let scalar = Tensor::from_bytes(&[0], DType::U8, ()).expect("scalar");
        assert!(DataLoader::new(&scalar, &y, 1).is_err());
        let flat = DataLoader::new(&x, &y, 1).expect("loader");
        let err = flat
            .transform(Transform::RandomShift { max: 1 })
            .expect_err("[2] is no image");
        assert!(err.to_string().contains("[2]"), "{err}");
    }

    #[test]
    fn mnist_batches_scale_flatten_and_keep_labels() {
        let mnist = Mnist::from_default_location().expect("MNIST in shared data");
        let loader = DataLoader::from_split(&mnist.train, 64)
            .expect("loader")
            .transform(Transform::Scale(1.0 / 255.0))
            .expect("scale")
            .flatten(true);
        assert_eq!(loader.num_batches(), 938);
        let (x, y) = loader
            .epoch(0)
            .next()
            .expect("a batch")
            .expect("valid batch");
        assert_eq!((x.dims(), y.dims()), (&[64, 784][..], &[64][..]));
        let labels = i64_values(&y);
        assert_eq!(&labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
        let pixels = f32_values(&x);
        let first: f32 = pixels[..784].iter().sum();
        assert!((first - 27_525.0 / 255.0).abs() < 1e-3, "{first}");
        assert!(pixels.iter().all(|p| (0.0..=1.0).contains(p)));
        // Raw batches stay u8 images with a channel dimension.
        let raw = DataLoader::from_split(&mnist.test, 100).expect("loader");
        let (x, _) = raw.epoch(0).next().expect("a batch").expect("valid batch");
        assert_eq!((x.dtype(), x.dims()), (DType::U8, &[100, 1, 28, 28][..]));
    }

    #[test]
    fn augmentation_is_seeded_and_preserves_shape() {
        let mnist = Mnist::from_default_location().expect("MNIST in shared data");
        let make = |seed| {
            DataLoader::from_split(&mnist.test, 32)
                .expect("loader")
                .seed(seed)
                .transform(Transform::RandomShift { max: 2 })
                .expect("shift")
                .transform(Transform::Normalize {
                    mean: 33.3,
                    std: 78.6,
                })
                .expect("normalize")
        };
        let batch = |l: &DataLoader, epoch| {
            let (x, _) = l.epoch(epoch).next().expect("batch").expect("valid");
            assert_eq!(x.dims(), &[32, 1, 28, 28]);
            f32_values(&x)
        };
        let a = batch(&make(1), 0);
        assert_eq!(a, batch(&make(1), 0));
        assert_ne!(a, batch(&make(1), 1));
        assert_ne!(a, batch(&make(2), 0));
    }

    #[test]
    fn prefetching_loader_keeps_up_with_a_full_mnist_epoch() {
        let mnist = Mnist::from_default_location().expect("MNIST in shared data");
        let loader = DataLoader::from_split(&mnist.train, 128)
            .expect("loader")
            .shuffle(3)
            .transform(Transform::Scale(1.0 / 255.0))
            .expect("scale");
        let mut seen = 0;
        let mut label_sum = 0;
        for batch in loader.epoch(0) {
            let (x, y) = batch.expect("batch");
            seen += x.dims()[0];
            label_sum += i64_values(&y).iter().sum::<i64>();
        }
        assert_eq!(seen, 60_000);
        let expected: i64 = mnist.train.labels().iter().map(|&l| i64::from(l)).sum();
        assert_eq!(label_sum, expected);
    }
}
