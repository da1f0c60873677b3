//! One training epoch of the MNIST MLP or CNN, timed; prints one JSON line for
//! `compare_pytorch.py`. Usage: `training <mlp|cnn> [batch]`.

use born::data::{DataLoader, Mnist, Transform};
use born::loss::cross_entropy;
use born::nn::{Conv2d, Linear, MaxPool2d, Module, Relu, Sequential};
use born::optim::{Adam, Optimizer};
use born::{manual_seed, Result, Tensor};
use std::time::Instant;

/// The benchmark's LeNet-style CNN (same layers as `examples/mnist_cnn.rs`).
struct LeNet {
    conv1: Conv2d,
    conv2: Conv2d,
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
}

impl Module for LeNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let pool = MaxPool2d::new(2);
        let x = pool.forward(&self.conv1.forward(x)?.relu()?)?;
        let x = pool.forward(&self.conv2.forward(&x)?.relu()?)?;
        let x = self.fc1.forward(&x.flatten(1, 3)?)?.relu()?;
        self.fc3.forward(&self.fc2.forward(&x)?.relu()?)
    }

    born::module_children!(conv1, conv2, fc1, fc2, fc3);
}

fn model(kind: &str) -> Result<Box<dyn Module>> {
    Ok(match kind {
        "mlp" => Box::new(
            Sequential::new()
                .add(Linear::new(784, 128, true)?)
                .add(Relu)
                .add(Linear::new(128, 10, true)?),
        ),
        _ => Box::new(LeNet {
            conv1: Conv2d::with_options(1, 16, 5, 1, 2, 1, 1, true)?,
            conv2: Conv2d::new(16, 32, 5)?,
            fc1: Linear::new(32 * 5 * 5, 120, true)?,
            fc2: Linear::new(120, 84, true)?,
            fc3: Linear::new(84, 10, true)?,
        }),
    })
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let kind = args.get(1).map(String::as_str).unwrap_or("mlp");
    let batch: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(64);
    manual_seed(0);
    let mnist = Mnist::from_default_location()?;
    let train = DataLoader::from_split(&mnist.train, batch)?
        .flatten(kind == "mlp")
        .transform(Transform::Scale(1.0 / 255.0))?
        .transform(Transform::Normalize {
            mean: 0.1307,
            std: 0.3081,
        })?
        .shuffle(1);
    let net = model(kind)?;
    let mut opt = Adam::new(net.named_parameters(), 1e-3)?;
    let start = Instant::now();
    let mut last = 0.0;
    for batch in train.epoch(0) {
        born::interrupt::check()?;
        let (x, y) = batch?;
        let loss = cross_entropy(&net.forward(&x)?, &y)?;
        opt.zero_grad();
        loss.backward()?;
        opt.step()?;
        last = loss.to_scalar_f64()?;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"framework\": \"born\", \"model\": \"{kind}\", \"batch\": {batch}, \"epoch_s\": {secs:.3}, \"samples_per_s\": {:.1}, \"last_loss\": {last:.4}}}",
        train.num_samples() as f64 / secs
    );
    Ok(())
}
