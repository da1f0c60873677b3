//! `Tensor`: a cheap-clone handle on a view of a storage, with an optional autograd node.

mod cell_output;
mod creation;
mod display;
mod elementwise;
mod extract;
mod indexing;
mod linalg;
mod nn_ops;
mod ops_overload;
mod reduce;
mod views;

pub use cell_output::{set_cell_renderer, CellRenderer};

use crate::autograd::{self, Op};
use crate::backend::cpu::CpuStorage;
use crate::storage::Storage;
use crate::{DType, Device, Error, Layout, Result, Shape};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A unique tensor identity (used to key gradients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(u64);

impl TensorId {
    fn next() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        TensorId(COUNTER.fetch_add(1, Ordering::Relaxed))
    }
}

pub(crate) struct TensorInner {
    id: TensorId,
    storage: Arc<RwLock<Storage>>,
    layout: Layout,
    dtype: DType,
    device: Device,
    op: Option<Op>,
    requires_grad: AtomicBool,
    grad: Mutex<Option<Tensor>>,
}

/// An n-dimensional array with a dtype and a device; clones share data.
#[derive(Clone)]
pub struct Tensor(Arc<TensorInner>);

impl Tensor {
    /// A tensor over a fresh storage, contiguous with `shape`.
    pub(crate) fn from_storage(storage: Storage, shape: impl Into<Shape>, op: Option<Op>) -> Self {
        let layout = Layout::contiguous(shape);
        Self::view_of_storage(Arc::new(RwLock::new(storage)), layout, op)
    }

    fn view_of_storage(storage: Arc<RwLock<Storage>>, layout: Layout, op: Option<Op>) -> Self {
        let (dtype, device) = {
            let s = storage.read().unwrap_or_else(|e| e.into_inner());
            (s.dtype(), s.device())
        };
        Tensor(Arc::new(TensorInner {
            id: TensorId::next(),
            storage,
            layout,
            dtype,
            device,
            op,
            requires_grad: AtomicBool::new(false),
            grad: Mutex::new(None),
        }))
    }

    /// A new view sharing this tensor's storage.
    pub(crate) fn view(&self, layout: Layout, op: Option<Op>) -> Self {
        Self::view_of_storage(self.0.storage.clone(), layout, op)
    }

    /// Read access to the storage.
    pub(crate) fn storage(&self) -> RwLockReadGuard<'_, Storage> {
        // A poisoned lock only means another thread panicked mid-read; the data is intact.
        self.0.storage.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The identity of this handle's node.
    pub fn id(&self) -> TensorId {
        self.0.id
    }

    /// The view's layout (shape, strides, offset).
    pub fn layout(&self) -> &Layout {
        &self.0.layout
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        self.0.layout.shape()
    }

    /// The dimension sizes.
    pub fn dims(&self) -> &[usize] {
        self.shape().dims()
    }

    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.shape().rank()
    }

    /// The number of elements.
    pub fn elem_count(&self) -> usize {
        self.shape().elem_count()
    }

    /// The size of one dimension (negative counts from the end).
    pub fn dim<D: crate::Dim>(&self, dim: D) -> Result<usize> {
        Ok(self.dims()[dim.to_index(self.shape(), "dim")?])
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.0.dtype
    }

    /// The device holding the data.
    pub fn device(&self) -> Device {
        self.0.device
    }

    /// Whether the view is row-major contiguous.
    pub fn is_contiguous(&self) -> bool {
        self.layout().is_contiguous()
    }

    pub(crate) fn op(&self) -> Option<&Op> {
        self.0.op.as_ref()
    }

    /// Whether gradients flow through this tensor (a marked leaf, or computed from one).
    pub fn requires_grad(&self) -> bool {
        self.0.op.is_some() || self.0.requires_grad.load(Ordering::Relaxed)
    }

    /// Whether this tensor is a leaf (not computed by a recorded op).
    pub fn is_leaf(&self) -> bool {
        self.0.op.is_none()
    }

    /// Marks (or unmarks) this leaf as needing gradients; returns the same tensor.
    pub fn requires_grad_(&self, requires: bool) -> Result<Tensor> {
        if requires && !self.dtype().is_float() {
            return Err(Error::UnsupportedDType {
                op: "requires_grad",
                dtype: self.dtype(),
            });
        }
        self.0.requires_grad.store(requires, Ordering::Relaxed);
        Ok(self.clone())
    }

    /// Marks this leaf as needing gradients (float tensors only; panics never).
    pub fn with_grad(self) -> Result<Tensor> {
        self.requires_grad_(true)
    }

    /// The accumulated gradient of a leaf, if any backward pass reached it.
    pub fn grad(&self) -> Option<Tensor> {
        self.0
            .grad
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Clears the accumulated gradient.
    pub fn zero_grad(&self) {
        *self.0.grad.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub(crate) fn accumulate_grad(&self, g: Tensor) -> Result<()> {
        let mut slot = self.0.grad.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(match slot.take() {
            Some(prev) => prev.add(&g)?,
            None => g,
        });
        Ok(())
    }

    /// The same data without autograd history (shares storage).
    pub fn detach(&self) -> Tensor {
        self.view(self.layout().clone(), None)
    }

    /// Records `op` only when gradients are enabled and an input needs them.
    pub(crate) fn track(inputs: &[&Tensor], op: impl FnOnce() -> Op) -> Option<Op> {
        (autograd::is_grad_enabled() && inputs.iter().any(|t| t.requires_grad())).then(op)
    }

    /// Checks that `other` lives on the same device, naming `op`.
    pub(crate) fn same_device(&self, other: &Tensor, op: &'static str) -> Result<()> {
        if self.device() != other.device() {
            return Err(Error::DeviceMismatch {
                op,
                lhs: self.device(),
                rhs: other.device(),
            });
        }
        Ok(())
    }

    /// Checks that `other` has the same dtype, naming `op`.
    pub(crate) fn same_dtype(&self, other: &Tensor, op: &'static str) -> Result<()> {
        if self.dtype() != other.dtype() {
            return Err(Error::DTypeMismatch {
                op,
                lhs: self.dtype(),
                rhs: other.dtype(),
            });
        }
        Ok(())
    }

    /// Copies the values of `src` (same shape and dtype) into this tensor's storage, in
    /// place and without recording a gradient (e.g. an optimizer's parameter update).
    pub fn assign(&self, src: &Tensor) -> Result<()> {
        if self.shape() != src.shape() {
            return Err(Error::ShapeMismatch {
                op: "assign",
                lhs: self.shape().clone(),
                rhs: src.shape().clone(),
            });
        }
        self.same_dtype(src, "assign")?;
        self.same_device(src, "assign")?;
        // Copy first so a source sharing this storage is read before the write lock.
        let values = src.storage().copy_strided(src.layout())?;
        let mut dst = self.storage_mut();
        dst.assign(self.layout(), &values, &Layout::contiguous(src.shape()))
    }

    /// Write access to the storage.
    fn storage_mut(&self) -> RwLockWriteGuard<'_, Storage> {
        // Ops may hold two read guards on one storage (e.g. `x.add(&x)`); a queued writer
        // would block the second one, so this writer never queues: it retries instead.
        loop {
            match self.0.storage.try_write() {
                Ok(guard) => break guard,
                Err(std::sync::TryLockError::Poisoned(e)) => break e.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => std::thread::yield_now(),
            }
        }
    }

    /// Runs `f` on the view's elements in place when it is a contiguous f32 view in host
    /// memory; `None` (and `f` not run) otherwise. Records no gradient.
    pub(crate) fn with_host_f32_mut<R>(&self, f: impl FnOnce(&mut [f32]) -> R) -> Option<R> {
        let (start, end) = self.layout().contiguous_range()?;
        let mut storage = self.storage_mut();
        match &mut *storage {
            Storage::Cpu(CpuStorage::F32(values)) => Some(f(&mut values[start..end])),
            _ => None,
        }
    }

    /// Runs `f` on the view's elements when it is a contiguous f32 view in host memory;
    /// `None` (and `f` not run) otherwise.
    pub(crate) fn with_host_f32<R>(&self, f: impl FnOnce(&[f32]) -> R) -> Option<R> {
        let (start, end) = self.layout().contiguous_range()?;
        let storage = self.storage();
        match &*storage {
            Storage::Cpu(CpuStorage::F32(values)) => Some(f(&values[start..end])),
            _ => None,
        }
    }

    /// Moves (copies) the tensor to `device`.
    pub fn to_device(&self, device: Device) -> Result<Tensor> {
        if device == self.device() {
            return Ok(self.clone());
        }
        let cpu = self.storage().copy_strided(self.layout())?.to_cpu()?;
        Ok(Tensor::from_storage(
            Storage::from_cpu(cpu, device)?,
            self.shape().clone(),
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Tensor>();
        let t = Tensor::from_vec(vec![1f32, 2., 3.], 3).unwrap();
        let c = t.clone();
        assert_eq!(t.id(), c.id());
    }

    #[test]
    fn assign_updates_in_place() {
        let t = Tensor::zeros((2, 2)).unwrap();
        let view = t.transpose(0, 1).unwrap();
        t.assign(&Tensor::from_vec(vec![1f32, 2., 3., 4.], (2, 2)).unwrap())
            .unwrap();
        assert_eq!(view.to_vec::<f32>().unwrap(), vec![1., 3., 2., 4.]);
        assert!(t.assign(&Tensor::zeros(3).unwrap()).is_err());
        // assigning a view of itself reads before writing
        t.assign(&view).unwrap();
        assert_eq!(t.to_vec::<f32>().unwrap(), vec![1., 3., 2., 4.]);
    }
}
