//! Stochastic gradient descent with momentum, Nesterov momentum and weight decay.

use super::float::UpdateFloat;
use super::state::{ParamSlots, Slot, UpdateRule};
use super::Optimizer;
use crate::{Error, Result, Tensor};
use std::collections::BTreeMap;

/// SGD as PyTorch defines it: `g += wd p; b = mu b + (1 - dampening) g` (b = g at first);
/// `p -= lr (nesterov ? g + mu b : b)`.
#[derive(Debug, Clone)]
pub struct Sgd {
    slots: ParamSlots,
    lr: f64,
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    weight_decay: f64,
}

impl Sgd {
    /// Plain SGD over named parameters (e.g. `model.named_parameters()`).
    pub fn new(params: Vec<(String, Tensor)>, lr: f64) -> Result<Self> {
        Ok(Sgd {
            slots: ParamSlots::new(params, &["momentum_buffer"], "Sgd")?,
            lr,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        })
    }

    /// With momentum factor `mu`.
    pub fn momentum(mut self, mu: f64) -> Self {
        self.momentum = mu;
        self
    }

    /// With dampening of the momentum's new gradient term.
    pub fn dampening(mut self, dampening: f64) -> Self {
        self.dampening = dampening;
        self
    }

    /// With Nesterov momentum (needs momentum > 0 and no dampening).
    pub fn nesterov(mut self, on: bool) -> Self {
        self.nesterov = on;
        self
    }

    /// With L2 weight decay added to the gradient.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
}

impl Optimizer for Sgd {
    fn step(&mut self) -> Result<()> {
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(Error::invalid(
                "Sgd",
                "Nesterov momentum needs momentum > 0 and zero dampening",
            ));
        }
        self.slots.update(&SgdRule {
            lr: self.lr,
            momentum: self.momentum,
            dampening: self.dampening,
            nesterov: self.nesterov,
            weight_decay: self.weight_decay,
        })
    }

    fn zero_grad(&self) {
        self.slots.zero_grad();
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn steps_taken(&self) -> u64 {
        self.slots.steps()
    }

    fn state_dict(&self) -> Result<BTreeMap<String, Tensor>> {
        self.slots.export()
    }

    fn load_state_dict(&mut self, state: &BTreeMap<String, Tensor>) -> Result<()> {
        self.slots.import(state, "Sgd")
    }
}

/// One SGD step's constants.
struct SgdRule {
    lr: f64,
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    weight_decay: f64,
}

impl UpdateRule for SgdRule {
    fn apply<T: UpdateFloat>(&self, slot: Slot<'_, T>) {
        let Slot {
            value,
            grad,
            mut buffers,
            fresh,
        } = slot;
        // Locals in the element type, so that the loop vectorises.
        let [lr, mu, damp, wd] =
            [self.lr, self.momentum, self.dampening, self.weight_decay].map(T::of);
        let nesterov = self.nesterov;
        let momentum_on = self.momentum != 0.0;
        for ((p, &grad), b) in value.iter_mut().zip(grad).zip(buffers[0].iter_mut()) {
            let mut g = grad + wd * *p;
            if momentum_on {
                *b = if fresh {
                    g
                } else {
                    (mu * *b + (T::ONE - damp) * g).flush_subnormal()
                };
                g = if nesterov { g + mu * *b } else { *b };
            }
            *p = *p - lr * g;
        }
    }
}
