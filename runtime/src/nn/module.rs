//! The `Module` trait: a forward pass plus named parameters, buffers and a training mode.

use crate::{Device, Error, Result, Tensor};
use std::collections::BTreeMap;

/// What a module's tensor is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorRole {
    /// Trained by the optimizer (has gradients).
    Parameter,
    /// State saved with the model but not trained (e.g. BatchNorm running statistics).
    Buffer,
}

/// A layer or model. Implement `forward`; leaf layers report their own tensors with
/// `visit_own`/`visit_own_mut`, composite ones their children (see
/// [`module_children!`](crate::module_children)); names, modes and devices then compose.
pub trait Module {
    /// Applies the module to `x`.
    fn forward(&self, x: &Tensor) -> Result<Tensor>;

    /// Calls `f` with each tensor this module holds itself (not its children's).
    fn visit_own(&self, _f: &mut dyn FnMut(&str, &Tensor, TensorRole)) {}

    /// Calls `f` with a mutable slot for each tensor this module holds itself.
    fn visit_own_mut(&mut self, _f: &mut dyn FnMut(&str, &mut Tensor, TensorRole)) {}

    /// The direct sub-modules with their names.
    fn children(&self) -> Vec<(String, &dyn Module)> {
        Vec::new()
    }

    /// The direct sub-modules, mutably, with their names.
    fn children_mut(&mut self) -> Vec<(String, &mut dyn Module)> {
        Vec::new()
    }

    /// Switches this module's own behaviour (not its children's) between training and evaluation.
    fn set_own_training(&mut self, _training: bool) {}

    /// Every tensor of the module tree with its dotted name and role, children after own.
    fn named_tensors(&self) -> Vec<(String, Tensor, TensorRole)> {
        let mut out = Vec::new();
        self.visit_own(&mut |name, t, role| out.push((name.to_string(), t.clone(), role)));
        for (child, module) in self.children() {
            for (name, t, role) in module.named_tensors() {
                out.push((format!("{child}.{name}"), t, role));
            }
        }
        out
    }

    /// Trainable tensors with PyTorch state-dict names (`fc1.weight`, `0.bias`).
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.named_tensors()
            .into_iter()
            .filter(|(_, _, role)| *role == TensorRole::Parameter)
            .map(|(n, t, _)| (n, t))
            .collect()
    }

    /// Trainable tensors, in `named_parameters` order.
    fn parameters(&self) -> Vec<Tensor> {
        self.named_parameters()
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    /// Number of trainable scalars.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(Tensor::elem_count).sum()
    }

    /// Parameters and buffers by name: what a checkpoint or safetensors file stores.
    fn state_dict(&self) -> BTreeMap<String, Tensor> {
        self.named_tensors()
            .into_iter()
            .map(|(n, t, _)| (n, t))
            .collect()
    }

    /// Copies values from `state` into this module's tensors in place; every tensor must be
    /// present with the same shape (extra entries are an error too, naming them).
    fn load_state_dict(&self, state: &BTreeMap<String, Tensor>) -> Result<()> {
        let own = self.named_tensors();
        for (name, t, _) in &own {
            let src = state.get(name).ok_or_else(|| {
                Error::invalid("load_state_dict", format!("missing tensor {name:?}"))
            })?;
            if src.dims() != t.dims() {
                return Err(Error::invalid(
                    "load_state_dict",
                    format!(
                        "tensor {name:?} has shape {:?}, the module expects {:?}",
                        src.dims(),
                        t.dims()
                    ),
                ));
            }
            t.assign(&src.to_dtype(t.dtype())?.to_device(t.device())?)?;
        }
        let unexpected: Vec<&String> = state
            .keys()
            .filter(|k| !own.iter().any(|(n, _, _)| n == *k))
            .collect();
        if !unexpected.is_empty() {
            return Err(Error::invalid(
                "load_state_dict",
                format!("unexpected tensors {unexpected:?}"),
            ));
        }
        Ok(())
    }

    /// Sets training (`true`) or evaluation mode on the whole tree.
    fn set_training(&mut self, training: bool) {
        self.set_own_training(training);
        for (_, child) in self.children_mut() {
            child.set_training(training);
        }
    }

    /// Training mode: dropout active, batch statistics used and tracked.
    fn train(&mut self) {
        self.set_training(true);
    }

    /// Evaluation mode: dropout off, running statistics used.
    fn eval(&mut self) {
        self.set_training(false);
    }

    /// Moves every tensor of the tree to `device` (parameters stay trainable).
    fn to_device(&mut self, device: Device) -> Result<()> {
        let mut result = Ok(());
        self.visit_own_mut(&mut |_, t, role| {
            if result.is_err() || t.device() == device {
                return;
            }
            result = t.to_device(device).and_then(|moved| {
                let moved = moved.detach();
                if role == TensorRole::Parameter {
                    moved.requires_grad_(true)?;
                }
                *t = moved;
                Ok(())
            });
        });
        result?;
        for (_, child) in self.children_mut() {
            child.to_device(device)?;
        }
        Ok(())
    }

    /// Clears the gradients of every parameter.
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.zero_grad();
        }
    }
}

/// A trainable leaf holding `value`.
pub(crate) fn parameter(value: Tensor) -> Result<Tensor> {
    value.detach().requires_grad_(true)
}
