//! Per-parameter buffers shared by the optimizers, their update loop and their export.

use super::float::UpdateFloat;
use crate::{no_grad, DType, Device, Error, Result, Tensor};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The parameters an optimizer updates, each with its named buffers.
#[derive(Debug, Clone)]
pub(crate) struct ParamSlots {
    params: Vec<(String, Tensor)>,
    buffer_names: &'static [&'static str],
    /// Each parameter's buffers; `None` until its first update.
    buffers: Vec<Option<Buffers>>,
    steps: u64,
}

/// One parameter's buffers, in the precision its updates run in: f64 for an f64
/// parameter, f32 for every other float dtype (as in PyTorch).
#[derive(Debug, Clone)]
enum Buffers {
    F32(Vec<Vec<f32>>),
    F64(Vec<Vec<f64>>),
}

/// A run of one parameter's values, with its gradient and buffers, during an update.
pub(crate) struct Slot<'a, T> {
    /// The parameter's values, updated in place.
    pub value: &'a mut [T],
    /// The gradient.
    pub grad: &'a [T],
    /// The buffers, zero-filled at the first update (`fresh` is then true).
    pub buffers: Vec<&'a mut [T]>,
    /// Whether this is the parameter's first update.
    pub fresh: bool,
}

/// An optimizer's update of one run of elements, in either precision.
pub(crate) trait UpdateRule: Sync {
    /// Updates `slot.value` and `slot.buffers` from `slot.grad`.
    fn apply<T: UpdateFloat>(&self, slot: Slot<'_, T>);
}

/// Parameters with more elements than this are updated in parallel runs of this size.
const RUN: usize = 1 << 14;

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
            buffers: vec![None; n],
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

    /// Counts a step and applies `rule` to runs of each parameter that has a gradient.
    ///
    /// A contiguous f32 parameter in host memory is updated in place; any other goes
    /// through a host copy that is assigned back.
    pub fn update(&mut self, rule: &impl UpdateRule) -> Result<()> {
        self.steps += 1;
        let n_buffers = self.buffer_names.len();
        no_grad(|| {
            for ((_, p), buffers) in self.params.iter().zip(&mut self.buffers) {
                let Some(grad) = p.grad() else { continue };
                let fresh = buffers.is_none();
                let n = p.elem_count();
                let zeroed = || match p.dtype() {
                    DType::F64 => Buffers::F64(vec![vec![0.0; n]; n_buffers]),
                    _ => Buffers::F32(vec![vec![0.0; n]; n_buffers]),
                };
                match buffers.get_or_insert_with(zeroed) {
                    Buffers::F64(bufs) => {
                        let g = grad.to_device(Device::Cpu)?.to_dtype(DType::F64)?;
                        let mut v = p.to_vec_f64()?;
                        update_runs(&mut v, &g.to_vec::<f64>()?, bufs, fresh, rule);
                        p.assign(&Tensor::from_vec(v, p.shape().clone())?)?;
                    }
                    Buffers::F32(bufs) => update_f32(p, grad, bufs, fresh, rule)?,
                }
            }
            Ok(())
        })
    }

    /// `step` and every initialised buffer as a `name.buffer` tensor (f32, or f64 for an
    /// f64 parameter).
    pub fn export(&self) -> Result<BTreeMap<String, Tensor>> {
        let mut out = BTreeMap::new();
        out.insert("step".to_string(), Tensor::scalar(self.steps as f64)?);
        for ((name, p), buffers) in self.params.iter().zip(&self.buffers) {
            let tensors = match buffers {
                None => Vec::new(),
                Some(Buffers::F32(bufs)) => bufs
                    .iter()
                    .map(|b| Tensor::from_vec(b.clone(), p.shape().clone()))
                    .collect::<Result<_>>()?,
                Some(Buffers::F64(bufs)) => bufs
                    .iter()
                    .map(|b| Tensor::from_vec(b.clone(), p.shape().clone()))
                    .collect::<Result<_>>()?,
            };
            for (bname, t) in self.buffer_names.iter().zip(tensors) {
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
            let mut found = Vec::new();
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
                    found.push(t.to_device(Device::Cpu)?);
                }
            }
            if found.is_empty() {
                restored.push(None);
                continue;
            }
            if found.len() != self.buffer_names.len() {
                return Err(Error::invalid(
                    op,
                    format!("state of {name:?} lacks some of {:?}", self.buffer_names),
                ));
            }
            let buffers = match p.dtype() {
                DType::F64 => Buffers::F64(
                    found
                        .iter()
                        .map(|t| t.to_dtype(DType::F64)?.to_vec::<f64>())
                        .collect::<Result<_>>()?,
                ),
                _ => Buffers::F32(
                    found
                        .iter()
                        .map(|t| t.to_dtype(DType::F32)?.to_vec::<f32>())
                        .collect::<Result<_>>()?,
                ),
            };
            restored.push(Some(buffers));
        }
        self.buffers = restored;
        self.steps = step as u64;
        Ok(())
    }
}

/// Applies `rule` to an f32-precision parameter: in place when it and its gradient are
/// contiguous f32 in host memory, else through host copies assigned back.
fn update_f32(
    p: &Tensor,
    grad: Tensor,
    buffers: &mut [Vec<f32>],
    fresh: bool,
    rule: &impl UpdateRule,
) -> Result<()> {
    let grad = host_f32_contiguous(grad)?;
    let in_place = grad
        .with_host_f32(|g| p.with_host_f32_mut(|v| update_runs(v, g, buffers, fresh, rule)))
        .flatten();
    if in_place.is_none() {
        let mut v = host_f32(p)?;
        grad.with_host_f32(|g| update_runs(&mut v, g, buffers, fresh, rule))
            .expect("the gradient was made host f32 above");
        let updated = Tensor::from_vec(v, p.shape().clone())?
            .to_dtype(p.dtype())?
            .to_device(p.device())?;
        p.assign(&updated)?;
    }
    Ok(())
}

/// A tensor's elements as f32 host values, from any float dtype and device.
fn host_f32(t: &Tensor) -> Result<Vec<f32>> {
    t.to_device(Device::Cpu)?
        .to_dtype(DType::F32)?
        .to_vec::<f32>()
}

/// `t` itself when it is a contiguous f32 view in host memory, else such a copy of it.
fn host_f32_contiguous(t: Tensor) -> Result<Tensor> {
    if t.with_host_f32(|_| ()).is_some() {
        return Ok(t);
    }
    Tensor::from_vec(host_f32(&t)?, t.shape().clone())
}

/// Applies `rule` to `value`, `grad` and `buffers` whole, or in parallel runs of [`RUN`]
/// elements when they are longer.
fn update_runs<T: UpdateFloat>(
    value: &mut [T],
    grad: &[T],
    buffers: &mut [Vec<T>],
    fresh: bool,
    rule: &impl UpdateRule,
) {
    let mut buffer_runs: Vec<_> = buffers.iter_mut().map(|b| b.chunks_mut(RUN)).collect();
    let slots: Vec<Slot<'_, T>> = value
        .chunks_mut(RUN)
        .zip(grad.chunks(RUN))
        .map(|(value, grad)| Slot {
            value,
            grad,
            buffers: buffer_runs
                .iter_mut()
                .map(|runs| runs.next().expect("buffers have the parameter's length"))
                .collect(),
            fresh,
        })
        .collect();
    if slots.len() == 1 {
        slots.into_iter().for_each(|slot| rule.apply(slot));
    } else {
        slots.into_par_iter().for_each(|slot| rule.apply(slot));
    }
}
