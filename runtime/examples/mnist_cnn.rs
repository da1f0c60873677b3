//! Trains a LeNet-style CNN on MNIST and prints per-epoch loss, test accuracy and time.
//!
//! `BORN_DEVICE=gpu` trains on the GPU.
//!
//! `cargo run --release -p born --example mnist_cnn [epochs]` (MNIST from `$BORN_DATA/mnist`
//! or `../shared/data/mnist`).

use born::data::{DataLoader, ImageSplit, Mnist, Transform};
use born::loss::cross_entropy;
use born::metrics::correct_count;
use born::nn::{LeNet, Module};
use born::optim::{Adam, CosineLr, LrSchedule, Optimizer};
use born::{interrupt, manual_seed, no_grad, Device, Result};
use std::time::Instant;

const BATCH: usize = 64;
const MNIST_MEAN: f32 = 0.1307;
const MNIST_STD: f32 = 0.3081;

fn loader(split: &ImageSplit, batch: usize) -> Result<DataLoader> {
    DataLoader::from_split(split, batch)?
        .transform(Transform::Scale(1.0 / 255.0))?
        .transform(Transform::Normalize {
            mean: MNIST_MEAN,
            std: MNIST_STD,
        })
}

fn evaluate(model: &dyn Module, test: &DataLoader, dev: Device) -> Result<f64> {
    no_grad(|| {
        let mut correct = 0;
        for batch in test.epoch(0) {
            let (x, y) = batch?;
            correct += correct_count(&model.forward(&x.to_device(dev)?)?, &y)?;
        }
        Ok(correct as f64 / test.num_samples() as f64)
    })
}

fn main() -> Result<()> {
    let epochs: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    manual_seed(0);
    let dev = Device::from_env()?;
    let mnist = Mnist::from_default_location()?;
    let train = loader(&mnist.train, BATCH)?.shuffle(1);
    let test = loader(&mnist.test, 1000)?;
    let mut model = LeNet::new()?;
    model.to_device(dev)?;
    let mut opt = Adam::new(model.named_parameters(), 2e-3)?;
    let schedule = CosineLr {
        base: 2e-3,
        min: 0.0,
        total: epochs * train.num_batches() as u64,
    };
    println!(
        "LeNet-style CNN, {} parameters, Adam + cosine, batch {BATCH}, {epochs} epochs, on {dev}",
        model.num_parameters()
    );
    let mut step = 0;
    for epoch in 0..epochs {
        let start = Instant::now();
        model.train();
        let (mut total, mut batches) = (0.0, 0);
        for batch in train.epoch(epoch) {
            interrupt::check()?;
            let (x, y) = batch?;
            let (x, y) = (x.to_device(dev)?, y.to_device(dev)?);
            opt.set_lr(schedule.lr(step));
            let loss = cross_entropy(&model.forward(&x)?, &y)?;
            opt.zero_grad();
            loss.backward()?;
            opt.step()?;
            total += loss.to_scalar_f64()?;
            batches += 1;
            step += 1;
        }
        let train_time = start.elapsed().as_secs_f64();
        model.eval();
        let acc = evaluate(&model, &test, dev)?;
        println!(
            "epoch {:>2}  loss {:.4}  test accuracy {:.2}%  time {:.1}s",
            epoch + 1,
            total / batches as f64,
            acc * 100.0,
            train_time
        );
    }
    Ok(())
}
