//! The GPU buffer pool keeps memory flat over many training steps (its own process, so no
//! other test's buffers are counted).

use born::backend::wgpu::memory;
use born::loss::cross_entropy;
use born::nn::{Linear, Module, Relu, Sequential};
use born::optim::{Optimizer, Sgd};
use born::{manual_seed, Device, Tensor};

#[test]
fn memory_stays_flat_over_training_steps() {
    let dev = Device::gpu().unwrap_or_else(|e| {
        panic!("needs a wgpu adapter (apt-get install mesa-vulkan-drivers): {e}")
    });
    manual_seed(14);
    let mut model = Sequential::new()
        .add(Linear::new(20, 33, true).unwrap())
        .add(Relu)
        .add(Linear::new(33, 5, true).unwrap());
    model.to_device(dev).unwrap();
    let mut opt = Sgd::new(model.named_parameters(), 0.05).unwrap();
    let x = Tensor::randn((16, 20)).unwrap().to_device(dev).unwrap();
    let labels: Vec<i64> = (0..16).map(|i| i % 5).collect();
    let y = Tensor::from_vec(labels, 16)
        .unwrap()
        .to_device(dev)
        .unwrap();
    let mut train = |steps: usize| -> f64 {
        let mut last = 0.0;
        for _ in 0..steps {
            let loss = cross_entropy(&model.forward(&x).unwrap(), &y).unwrap();
            opt.zero_grad();
            loss.backward().unwrap();
            opt.step().unwrap();
            last = loss.to_scalar_f64().unwrap();
        }
        last
    };
    let first = train(20);
    let warm = memory();
    let last = train(1000);
    let after = memory();
    assert!(last < first, "loss did not fall: {first} -> {last}");
    assert_eq!(
        after.in_use + after.pooled,
        warm.in_use + warm.pooled,
        "gpu memory grew over 1000 steps: {warm:?} -> {after:?}"
    );
    assert_eq!(
        after.created, warm.created,
        "new buffers were created: {warm:?} -> {after:?}"
    );
}
