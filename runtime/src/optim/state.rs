//! Per-parameter buffers shared by the optimizers, their update loop and their export.

use crate::{no_grad, DType, Error, Result, Tensor};
use std::collections::BTreeMap;

/// The parameters an optimizer updates, each with its named f64 buffers.
#[derive(Debug, Clone)]
pub(crate) struct ParamSlots {
    params: Vec<(String, Tensor)>,
    buffer_names: &'static [&'static str],
    /// `buffers[i][b]`: buffer `b` of parameter `i`; empty until the first update.
    buffers: Vec<Vec<Vec<f64>>>,
    steps: u64,
}

/// One parameter's values, gradient and buffers during an update.
pub(crate) struct Slot<'a> {
    /// The parameter's values (written back after the update).
    pub value: &'a mut [f64],
    /// The gradient.
    pub grad: &'a [f64],
    /// The buffers, zero-filled at the first update (`fresh` is then true).
    pub buffers: &'a mut [Vec<f64>],
    /// Whether this is the parameter's first update.
    pub fresh: bool,
}

impl ParamSlots {
    /// Slots for `params` with buffers named `buffer_names` (e.g. `["exp_avg", "exp_avg_sq"]`).
    pub fn new(
        params: Vec<(String, Tensor)>,
        buffer_names: &'static [&'static str],
        op: &'static str,
    ) -> Result<Self> {
        if let Some((name, _)) = params.iter().find(|(_, p)| !p.dtype().is_float()) {
            return Err(Error::invalid(
                op,
                format!("parameter {name:?} is not a float tensor"),
            ));
        }
        let n = params.len();
        Ok(ParamSlots {
            params,
            buffer_names,
            buffers: vec![Vec::new(); n],
            steps: 0,
        })
    }

    /// The step count so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Clears every parameter's gradient.
    pub fn zero_grad(&self) {
        for (_, p) in &self.params {
            p.zero_grad();
        }
    }

    /// Counts a step and calls `update` for each parameter with a gradient, writing the
    /// new values back in place without recording autograd history.
    pub fn update(&mut self, mut update: impl FnMut(Slot<'_>)) -> Result<()> {
        self.steps += 1;
        no_grad(|| {
            for ((_, p), buffers) in self.params.iter().zip(&mut self.buffers) {
                let Some(grad) = p.grad() else { continue };
                let mut value = p.to_vec_f64()?;
                let grad = grad.to_vec_f64()?;
                let fresh = buffers.is_empty();
                if fresh {
                    *buffers = vec![vec![0.0; value.len()]; self.buffer_names.len()];
                }
                update(Slot {
                    value: &mut value,
                    grad: &grad,
                    buffers,
                    fresh,
                });
                let updated = Tensor::from_vec(value, p.shape().clone())?
                    .to_dtype(p.dtype())?
                    .to_device(p.device())?;
                p.assign(&updated)?;
            }
            Ok(())
        })
    }

    /// `step` and every initialised buffer as `name.buffer` f64 tensors.
    pub fn export(&self) -> Result<BTreeMap<String, Tensor>> {
        let mut out = BTreeMap::new();
        out.insert("step".to_string(), Tensor::scalar(self.steps as f64)?);
        for ((name, p), buffers) in self.params.iter().zip(&self.buffers) {
            for (bname, values) in self.buffer_names.iter().zip(buffers) {
                let t = Tensor::from_vec(values.clone(), p.shape().clone())?;
                out.insert(format!("{name}.{bname}"), t);
            }
        }
        Ok(out)
    }

    /// Restores what `export` wrote; a parameter's buffers are all present or all absent.
    pub fn import(&mut self, state: &BTreeMap<String, Tensor>, op: &'static str) -> Result<()> {
        let step = state
            .get("step")
            .ok_or_else(|| Error::invalid(op, "state has no \"step\" entry"))?
            .to_scalar_f64()?;
        let mut restored = Vec::with_capacity(self.params.len());
        for (name, p) in &self.params {
            let mut bufs = Vec::new();
            for bname in self.buffer_names {
                let key = format!("{name}.{bname}");
                if let Some(t) = state.get(&key) {
                    if t.dims() != p.dims() {
                        return Err(Error::invalid(
                            op,
                            format!(
                                "{key} has shape {:?}, the parameter {:?}",
                                t.dims(),
                                p.dims()
                            ),
                        ));
                    }
                    bufs.push(t.to_dtype(DType::F64)?.to_vec::<f64>()?);
                }
            }
            if !bufs.is_empty() && bufs.len() != self.buffer_names.len() {
                return Err(Error::invalid(
                    op,
                    format!("state of {name:?} lacks some of {:?}", self.buffer_names),
                ));
            }
            restored.push(bufs);
        }
        self.buffers = restored;
        self.steps = step as u64;
        Ok(())
    }
}
