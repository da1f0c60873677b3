//! Autograd and training on the GPU: gradients and updates equal the CPU's.

use super::test_support::{assert_close, gpu, on_gpu};
use crate::loss::cross_entropy;
use crate::nn::{Conv2d, Flatten, Linear, MaxPool2d, Module, Relu, Sequential};
use crate::optim::{Optimizer, Sgd};
use crate::{manual_seed, Device, Tensor};

fn mlp() -> Sequential {
    Sequential::new()
        .add(Linear::new(20, 33, true).unwrap())
        .add(Relu)
        .add(Linear::new(33, 5, true).unwrap())
}

fn cnn() -> Sequential {
    Sequential::new()
        .add(Conv2d::new(1, 4, 3).unwrap())
        .add(Relu)
        .add(MaxPool2d::new(2))
        .add(Flatten::default())
        .add(Linear::new(4 * 4 * 4, 10, true).unwrap())
}

/// Two identical models (same seed), the second moved to the GPU.
fn twins(make: fn() -> Sequential) -> (Sequential, Sequential) {
    manual_seed(11);
    let cpu = make();
    manual_seed(11);
    let mut g = make();
    g.to_device(gpu()).unwrap();
    (cpu, g)
}

/// One SGD step of both models on the same batch; gradients and new weights must agree.
fn step_matches(make: fn() -> Sequential, x: Tensor, y: Tensor) {
    let (cpu, g) = twins(make);
    let mut opt_c = Sgd::new(cpu.named_parameters(), 0.1).unwrap();
    let mut opt_g = Sgd::new(g.named_parameters(), 0.1).unwrap();
    let loss_c = cross_entropy(&cpu.forward(&x).unwrap(), &y).unwrap();
    let loss_g = cross_entropy(&g.forward(&on_gpu(&x)).unwrap(), &on_gpu(&y)).unwrap();
    assert_close(&loss_g, &loss_c, 1e-5);
    loss_c.backward().unwrap();
    loss_g.backward().unwrap();
    for ((name, pc), (_, pg)) in cpu.named_parameters().iter().zip(g.named_parameters()) {
        let gg = pg
            .grad()
            .unwrap_or_else(|| panic!("{name} has no gpu gradient"));
        assert_eq!(gg.device(), Device::Gpu, "{name}");
        assert_close(&gg, &pc.grad().unwrap(), 1e-4);
    }
    opt_c.step().unwrap();
    opt_g.step().unwrap();
    for ((_, pc), (_, pg)) in cpu.named_parameters().iter().zip(g.named_parameters()) {
        assert_eq!(pg.device(), Device::Gpu);
        assert_close(&pg, pc, 1e-5);
    }
}

#[test]
fn mlp_step_equals_cpu() {
    gpu();
    manual_seed(12);
    let x = Tensor::randn((7, 20)).unwrap();
    let y = Tensor::from_vec(vec![0i64, 4, 2, 2, 1, 3, 0], 7).unwrap();
    step_matches(mlp, x, y);
}

#[test]
fn cnn_step_equals_cpu() {
    gpu();
    manual_seed(13);
    let x = Tensor::randn((3, 1, 10, 10)).unwrap();
    let y = Tensor::from_vec(vec![9i64, 0, 4], 3).unwrap();
    step_matches(cnn, x, y);
}
