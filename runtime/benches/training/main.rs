//! One training epoch of the MNIST MLP or CNN, timed; prints one JSON line for
//! `compare_pytorch.py`. Usage: `training <mlp|cnn> [batch]`.

use born::data::{DataLoader, Mnist, Transform};
use born::loss::cross_entropy;
use born::nn::{LeNet, Linear, Module, Relu, Sequential};
use born::optim::{Adam, Optimizer};
use born::{manual_seed, Result};
use std::time::Instant;

fn model(kind: &str) -> Result<Box<dyn Module>> {
    Ok(match kind {
        "mlp" => Box::new(
            Sequential::new()
                .add(Linear::new(784, 128, true)?)
                .add(Relu)
                .add(Linear::new(128, 10, true)?),
        ),
        _ => Box::new(LeNet::new()?),
    })
}

/// CPU time (user + system, all threads) this process has used so far, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
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
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
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
    let cpu = cpu_seconds() - cpu_start;
    println!(
        "{{\"framework\": \"born\", \"model\": \"{kind}\", \"batch\": {batch}, \"epoch_s\": {secs:.3}, \"cpu_s\": {cpu:.3}, \"samples_per_s\": {:.1}, \"last_loss\": {last:.4}}}",
        train.num_samples() as f64 / secs
    );
    Ok(())
}
