//! Helpers for the GPU tests: the device (failing loudly when absent) and comparisons.

use crate::{Device, Tensor};

/// The GPU device; panics with what CI must install when no adapter exists, so GPU tests
/// are never skipped silently.
pub fn gpu() -> Device {
    Device::gpu().unwrap_or_else(|e| {
        panic!(
            "the GPU tests need a wgpu adapter; on a machine without a GPU install the \
             software one (`apt-get install mesa-vulkan-drivers`): {e}"
        )
    })
}

/// A GPU copy of a tensor.
pub fn on_gpu(t: &Tensor) -> Tensor {
    t.to_device(gpu()).expect("moving a tensor to the gpu")
}

/// Asserts equal shapes and dtypes and values within `tol` (relative to magnitude above 1).
pub fn assert_close(got: &Tensor, want: &Tensor, tol: f64) {
    assert_eq!(got.dims(), want.dims(), "shapes differ");
    assert_eq!(got.dtype(), want.dtype(), "dtypes differ");
    let g = got.to_vec_f64().expect("reading the gpu result");
    let w = want.to_vec_f64().expect("reading the cpu result");
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        let same_nan = a.is_nan() && b.is_nan();
        let ok = same_nan || a == b || (a - b).abs() <= tol * b.abs().max(1.0);
        assert!(ok, "element {i}: gpu {a} vs cpu {b} (tol {tol})");
    }
}
