//! Define-by-run automatic differentiation: recorded ops, the backward walk, `no_grad`.

mod backward;
mod gradcheck;
mod op;

pub use gradcheck::{gradcheck, GradCheck};
pub(crate) use op::Op;

use std::cell::Cell;

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Whether ops on this thread currently record gradients.
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// Disables gradient recording on this thread until dropped (restores the previous state).
#[must_use = "gradients are re-enabled when the guard is dropped"]
pub struct NoGradGuard {
    previous: bool,
}

impl NoGradGuard {
    /// Starts a scope without gradient recording.
    pub fn new() -> Self {
        let previous = GRAD_ENABLED.with(|g| g.replace(false));
        NoGradGuard { previous }
    }
}

impl Default for NoGradGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for NoGradGuard {
    fn drop(&mut self) {
        GRAD_ENABLED.with(|g| g.set(self.previous));
    }
}

/// Runs `f` without recording gradients.
pub fn no_grad<R>(f: impl FnOnce() -> R) -> R {
    let _guard = NoGradGuard::new();
    f()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tensor;

    #[test]
    fn no_grad_scopes_nest_and_restore() {
        let x = Tensor::ones(3).unwrap().with_grad().unwrap();
        let y = no_grad(|| {
            assert!(!is_grad_enabled());
            x.exp().unwrap()
        });
        assert!(is_grad_enabled());
        assert!(!y.requires_grad());
        assert!(x.exp().unwrap().requires_grad());
        {
            let _g = NoGradGuard::new();
            assert!(!x.sqr().unwrap().requires_grad());
        }
        assert!(x.detach().is_leaf() && !x.detach().requires_grad());
    }
}
