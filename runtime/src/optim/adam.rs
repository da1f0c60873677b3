//! Adam (L2 weight decay in the gradient) and AdamW (decoupled weight decay).

use super::float::UpdateFloat;
use super::state::{ParamSlots, Slot, UpdateRule};
use super::Optimizer;
use crate::{Result, Tensor};
use std::collections::BTreeMap;

/// Adam with bias correction: `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`,
/// `p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)`; weight decay adds `wd p` to `g`.
#[derive(Debug, Clone)]
pub struct Adam {
    slots: ParamSlots,
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
}

/// AdamW: Adam whose weight decay shrinks the parameters directly, `p *= 1 - lr wd`.
#[derive(Debug, Clone)]
pub struct AdamW(Adam);

impl Adam {
    fn build(params: Vec<(String, Tensor)>, lr: f64, wd: f64, decoupled: bool) -> Result<Self> {
        let op = if decoupled { "AdamW" } else { "Adam" };
        Ok(Adam {
            slots: ParamSlots::new(params, &["exp_avg", "exp_avg_sq"], op)?,
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: wd,
            decoupled,
        })
    }

    /// Adam over named parameters with PyTorch's defaults (betas 0.9/0.999, eps 1e-8, no decay).
    pub fn new(params: Vec<(String, Tensor)>, lr: f64) -> Result<Self> {
        Self::build(params, lr, 0.0, false)
    }

    /// With moment decay rates `(b1, b2)`.
    pub fn betas(mut self, b1: f64, b2: f64) -> Self {
        self.betas = (b1, b2);
        self
    }

    /// With denominator term `eps`.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// With weight decay `wd`.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }

    fn adam_step(&mut self) -> Result<()> {
        let t = (self.slots.steps() + 1) as i32;
        let (lr, (b1, b2), eps, wd, decoupled) = (
            self.lr,
            self.betas,
            self.eps,
            self.weight_decay,
            self.decoupled,
        );
        // Adam adds `wd p` to the gradient; AdamW scales `p` by `1 - lr wd` instead.
        let (l2, decay) = if decoupled {
            (0.0, 1.0 - lr * wd)
        } else {
            (wd, 1.0)
        };
        self.slots.update(&AdamRule {
            b1,
            b2,
            eps,
            step_size: lr / (1.0 - b1.powi(t)),
            bc2_sqrt: (1.0 - b2.powi(t)).sqrt(),
            l2,
            decay,
        })
    }
}

/// One Adam step's constants.
struct AdamRule {
    b1: f64,
    b2: f64,
    eps: f64,
    step_size: f64,
    bc2_sqrt: f64,
    /// L2 weight decay added to the gradient (Adam).
    l2: f64,
    /// Factor applied to the parameter before the step (AdamW).
    decay: f64,
}

impl UpdateRule for AdamRule {
    fn apply<T: UpdateFloat>(&self, slot: Slot<'_, T>) {
        let Slot {
            value,
            grad,
            mut buffers,
            ..
        } = slot;
        let [m, v] = &mut buffers[..] else {
            unreachable!("Adam has two buffers by construction")
        };
        // Locals in the element type, so that the loop vectorises.
        let [b1, b2, eps, step_size, bc2_sqrt, l2, decay] = [
            self.b1,
            self.b2,
            self.eps,
            self.step_size,
            self.bc2_sqrt,
            self.l2,
            self.decay,
        ]
        .map(T::of);
        let moments = m.iter_mut().zip(v.iter_mut());
        for ((p, &g), (m, v)) in value.iter_mut().zip(grad).zip(moments) {
            let g = g + l2 * *p;
            *m = (b1 * *m + (T::ONE - b1) * g).flush_subnormal();
            *v = (b2 * *v + (T::ONE - b2) * g * g).flush_subnormal();
            *p = *p * decay - step_size * *m / (v.sqrt() / bc2_sqrt + eps);
        }
    }
}

impl AdamW {
    /// AdamW over named parameters with PyTorch's defaults (betas 0.9/0.999, eps 1e-8, decay 0.01).
    pub fn new(params: Vec<(String, Tensor)>, lr: f64) -> Result<Self> {
        Ok(AdamW(Adam::build(params, lr, 0.01, true)?))
    }

    /// With moment decay rates `(b1, b2)`.
    pub fn betas(self, b1: f64, b2: f64) -> Self {
        AdamW(self.0.betas(b1, b2))
    }

    /// With denominator term `eps`.
    pub fn eps(self, eps: f64) -> Self {
        AdamW(self.0.eps(eps))
    }

    /// With decoupled weight decay `wd`.
    pub fn weight_decay(self, wd: f64) -> Self {
        AdamW(self.0.weight_decay(wd))
    }
}

impl Optimizer for Adam {
    fn step(&mut self) -> Result<()> {
        self.adam_step()
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
        let op = if self.decoupled { "AdamW" } else { "Adam" };
        self.slots.import(state, op)
    }
}

impl Optimizer for AdamW {
    fn step(&mut self) -> Result<()> {
        self.0.step()
    }

    fn zero_grad(&self) {
        self.0.zero_grad();
    }

    fn lr(&self) -> f64 {
        self.0.lr()
    }

    fn set_lr(&mut self, lr: f64) {
        self.0.set_lr(lr);
    }

    fn steps_taken(&self) -> u64 {
        self.0.steps_taken()
    }

    fn state_dict(&self) -> Result<BTreeMap<String, Tensor>> {
        self.0.state_dict()
    }

    fn load_state_dict(&mut self, state: &BTreeMap<String, Tensor>) -> Result<()> {
        self.0.load_state_dict(state)
    }
}
