//! RMSprop with optional momentum, centering and weight decay.

use super::float::UpdateFloat;
use super::state::{ParamSlots, Slot, UpdateRule};
use super::Optimizer;
use crate::{Result, Tensor};
use std::collections::BTreeMap;

/// RMSprop as PyTorch defines it: `v = a v + (1-a) g^2`, `d = sqrt(v [- gavg^2]) + eps`,
/// `p -= lr g / d` (or through a momentum buffer `b = mu b + g / d`).
#[derive(Debug, Clone)]
pub struct RmsProp {
    slots: ParamSlots,
    lr: f64,
    alpha: f64,
    eps: f64,
    momentum: f64,
    centered: bool,
    weight_decay: f64,
}

impl RmsProp {
    /// RMSprop with PyTorch's defaults (alpha 0.99, eps 1e-8, no momentum, not centered).
    pub fn new(params: Vec<(String, Tensor)>, lr: f64) -> Result<Self> {
        Ok(RmsProp {
            slots: ParamSlots::new(
                params,
                &["square_avg", "momentum_buffer", "grad_avg"],
                "RmsProp",
            )?,
            lr,
            alpha: 0.99,
            eps: 1e-8,
            momentum: 0.0,
            centered: false,
            weight_decay: 0.0,
        })
    }

    /// With smoothing constant `alpha`.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// With denominator term `eps`.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// With momentum factor `mu`.
    pub fn momentum(mut self, mu: f64) -> Self {
        self.momentum = mu;
        self
    }

    /// Normalising by the variance estimate instead of the raw second moment.
    pub fn centered(mut self, on: bool) -> Self {
        self.centered = on;
        self
    }

    /// With L2 weight decay added to the gradient.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
}

impl Optimizer for RmsProp {
    fn step(&mut self) -> Result<()> {
        self.slots.update(&RmsPropRule {
            lr: self.lr,
            alpha: self.alpha,
            eps: self.eps,
            momentum: self.momentum,
            centered: self.centered,
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
        self.slots.import(state, "RmsProp")
    }
}

/// One RMSprop step's constants.
struct RmsPropRule {
    lr: f64,
    alpha: f64,
    eps: f64,
    momentum: f64,
    centered: bool,
    weight_decay: f64,
}

impl UpdateRule for RmsPropRule {
    fn apply<T: UpdateFloat>(&self, slot: Slot<'_, T>) {
        let Slot {
            value,
            grad,
            mut buffers,
            ..
        } = slot;
        let [sq, buf, gavg] = &mut buffers[..] else {
            unreachable!("RmsProp has three buffers by construction")
        };
        // Locals in the element type, so that the loop vectorises.
        let [lr, a, eps, mu, wd] = [
            self.lr,
            self.alpha,
            self.eps,
            self.momentum,
            self.weight_decay,
        ]
        .map(T::of);
        let (centered, momentum_on) = (self.centered, self.momentum > 0.0);
        for i in 0..value.len() {
            let g = grad[i] + wd * value[i];
            sq[i] = (a * sq[i] + (T::ONE - a) * g * g).flush_subnormal();
            let var = if centered {
                gavg[i] = (a * gavg[i] + (T::ONE - a) * g).flush_subnormal();
                sq[i] - gavg[i] * gavg[i]
            } else {
                sq[i]
            };
            let denom = var.sqrt() + eps;
            if momentum_on {
                buf[i] = (mu * buf[i] + g / denom).flush_subnormal();
                value[i] = value[i] - lr * buf[i];
            } else {
                value[i] = value[i] - lr * g / denom;
            }
        }
    }
}
