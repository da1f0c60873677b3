//! Optimizer updates against the NumPy reference, bit-exact resume from exported state,
//! and a small training run that must learn.

use super::*;
use crate::loss::cross_entropy;
use crate::nn::reference_tests::{assert_close, reference, tensor};
use crate::nn::{Linear, Module, Relu, Sequential};
use crate::{DType, Tensor};

/// Builds an optimizer over named parameters.
type MakeOptimizer = dyn Fn(Vec<(String, Tensor)>) -> Box<dyn Optimizer>;

/// Runs `opt` over the fixture's gradient sequence from the fixture's start point.
fn run(make: impl Fn(Vec<(String, Tensor)>) -> Box<dyn Optimizer>) -> (Tensor, Vec<Tensor>) {
    let r = &reference()["optimizers"];
    let p = tensor(&r["p"]).requires_grad_(true).unwrap();
    let grads: Vec<Tensor> = r["grads"].as_array().unwrap().iter().map(tensor).collect();
    let mut opt = make(vec![("w".to_string(), p.clone())]);
    for g in &grads {
        opt.zero_grad();
        p.accumulate_grad(g.clone()).unwrap();
        opt.step().unwrap();
    }
    (p, grads)
}

#[test]
fn updates_match_numpy() {
    let r = &reference()["optimizers"];
    let cases: Vec<(&str, Box<MakeOptimizer>)> = vec![
        (
            "sgd_momentum_nesterov_wd",
            Box::new(|p| {
                Box::new(
                    Sgd::new(p, 0.1)
                        .unwrap()
                        .momentum(0.9)
                        .nesterov(true)
                        .weight_decay(0.01),
                )
            }),
        ),
        (
            "sgd_momentum_dampening",
            Box::new(|p| Box::new(Sgd::new(p, 0.1).unwrap().momentum(0.8).dampening(0.3))),
        ),
        (
            "adam_wd",
            Box::new(|p| Box::new(Adam::new(p, 0.01).unwrap().weight_decay(0.05))),
        ),
        (
            "adamw",
            Box::new(|p| {
                Box::new(
                    AdamW::new(p, 0.01)
                        .unwrap()
                        .betas(0.8, 0.99)
                        .weight_decay(0.1),
                )
            }),
        ),
        (
            "rmsprop_centered_momentum",
            Box::new(|p| {
                Box::new(
                    RmsProp::new(p, 0.01)
                        .unwrap()
                        .alpha(0.9)
                        .momentum(0.5)
                        .centered(true)
                        .weight_decay(0.02),
                )
            }),
        ),
    ];
    for (name, make) in cases {
        let (p, _) = run(make);
        assert!(
            p.grad().is_some() && p.is_leaf(),
            "{name}: no graph recorded"
        );
        assert_close(&p, &tensor(&r[name]), 1e-12);
    }
}

#[test]
fn nesterov_without_momentum_is_an_error() {
    let p = Tensor::zeros(2).unwrap().with_grad().unwrap();
    let mut opt = Sgd::new(vec![("p".into(), p.clone())], 0.1)
        .unwrap()
        .nesterov(true);
    p.accumulate_grad(Tensor::ones(2).unwrap()).unwrap();
    assert!(opt.step().is_err());
    assert!(Sgd::new(
        vec![("i".into(), Tensor::zeros_dtype(2, DType::I64).unwrap())],
        0.1
    )
    .is_err());
}

fn model() -> Sequential {
    Sequential::new()
        .add(Linear::new(2, 16, true).unwrap())
        .add(Relu)
        .add(Linear::new(16, 2, true).unwrap())
}

/// Two interleaved half-moons-like clusters: class = sign of x * y.
fn data() -> (Tensor, Tensor) {
    crate::manual_seed(21);
    let x = Tensor::randn((128, 2)).unwrap();
    let v = x.to_vec2::<f32>().unwrap();
    let y: Vec<i64> = v.iter().map(|r| i64::from(r[0] * r[1] > 0.0)).collect();
    (x, Tensor::from_vec(y, 128).unwrap())
}

fn train_steps(m: &Sequential, opt: &mut dyn Optimizer, steps: usize) -> Vec<f32> {
    let (x, y) = data();
    (0..steps)
        .map(|_| {
            let loss = cross_entropy(&m.forward(&x).unwrap(), &y).unwrap();
            opt.zero_grad();
            loss.backward().unwrap();
            opt.step().unwrap();
            loss.to_scalar::<f32>().unwrap()
        })
        .collect()
}

#[test]
fn training_reduces_loss_and_resumes_bit_exactly() {
    crate::manual_seed(1);
    let m = model();
    let mut opt = AdamW::new(m.named_parameters(), 0.02).unwrap();
    let losses = train_steps(&m, &mut opt, 150);
    assert!(
        losses[149] < 0.3 * losses[0],
        "loss {} -> {}",
        losses[0],
        losses[149]
    );

    // resume: copy model and optimizer state after 20 steps, continue both for 10 more
    crate::manual_seed(1);
    let a = model();
    let mut opt_a = Adam::new(a.named_parameters(), 0.01).unwrap();
    train_steps(&a, &mut opt_a, 20);
    let model_state = a.state_dict();
    let saved_model: std::collections::BTreeMap<String, Tensor> = model_state
        .iter()
        .map(|(k, v)| (k.clone(), v.affine(1.0, 0.0).unwrap()))
        .collect();
    let saved_opt = opt_a.state_dict().unwrap();
    assert!(saved_opt.contains_key("0.weight.exp_avg_sq"));
    let tail_a = train_steps(&a, &mut opt_a, 10);

    let b = model();
    b.load_state_dict(&saved_model).unwrap();
    let mut opt_b = Adam::new(b.named_parameters(), 0.01).unwrap();
    opt_b.load_state_dict(&saved_opt).unwrap();
    assert_eq!(opt_b.steps_taken(), 20);
    let tail_b = train_steps(&b, &mut opt_b, 10);
    assert_eq!(tail_a, tail_b);

    // the same resume through a checkpoint file on disk
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.born");
    let mut ckpt = crate::io::checkpoint::Checkpoint::new(opt_b.steps_taken());
    ckpt.insert_with_prefix("model.", b.state_dict().iter());
    let optim_state = opt_b.state_dict().unwrap();
    ckpt.insert_with_prefix("optim.", optim_state.iter());
    ckpt.save(&path).unwrap();
    let tail_b2 = train_steps(&b, &mut opt_b, 5);
    let loaded = crate::io::checkpoint::Checkpoint::load(&path).unwrap();
    let c = model();
    c.load_state_dict(&loaded.with_prefix("model.")).unwrap();
    let mut opt_c = Adam::new(c.named_parameters(), 0.01).unwrap();
    opt_c
        .load_state_dict(&loaded.with_prefix("optim."))
        .unwrap();
    assert_eq!(loaded.step, 30);
    assert_eq!(train_steps(&c, &mut opt_c, 5), tail_b2);
}
