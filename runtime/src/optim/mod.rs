//! Optimizers (SGD, Adam, AdamW, RMSprop) with PyTorch's update rules, learning-rate
//! schedules and gradient clipping. Updates never record autograd graphs; optimizer state
//! exports to named tensors so checkpoints resume bit-exactly.

mod adam;
mod clip;
mod float;
mod rmsprop;
mod schedule;
mod sgd;
mod state;

pub use adam::{Adam, AdamW};
pub use clip::{clip_grad_norm, clip_grad_value};
pub use rmsprop::RmsProp;
pub use schedule::{ConstantLr, CosineLr, LinearWarmup, LrSchedule, OneCycleLr, StepLr};
pub use sgd::Sgd;

use crate::{Result, Tensor};
use std::collections::BTreeMap;

/// Updates parameters from their gradients.
pub trait Optimizer {
    /// Applies one update to every parameter that has a gradient.
    fn step(&mut self) -> Result<()>;

    /// Clears the gradients of every parameter.
    fn zero_grad(&self);

    /// The current learning rate.
    fn lr(&self) -> f64;

    /// Sets the learning rate (schedules call this each step).
    fn set_lr(&mut self, lr: f64);

    /// The number of `step` calls so far.
    fn steps_taken(&self) -> u64;

    /// The state (step count and per-parameter buffers such as `fc1.weight.exp_avg`)
    /// as named tensors, exact (f64) so a resumed run repeats bit for bit.
    fn state_dict(&self) -> Result<BTreeMap<String, Tensor>>;

    /// Restores state written by `state_dict`; names and sizes must match the parameters.
    fn load_state_dict(&mut self, state: &BTreeMap<String, Tensor>) -> Result<()>;
}

#[cfg(test)]
mod reference_tests;
