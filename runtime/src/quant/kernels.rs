//! The dot-product kernels this CPU runs, and one weight row times prepared activations.

use std::sync::OnceLock;

use super::activation::{Activation, Q8Blocks, Q8KBlocks};
use super::blocks::{BlockQ4_0, BlockQ4_K, BlockQ5_K, BlockQ6_K, BlockQ8_0};
use super::dequantize::{as_blocks, dequantize_into};
use super::dot;
#[cfg(target_arch = "x86_64")]
use super::dot_avx512::MANY;
use super::error::{QuantError, Result};
use super::GgmlType;

/// One encoded row's dot products with every prepared activation (`out[i]` for
/// `activations[i]`); `scratch` holds a decoded row for types without integer kernels.
pub(crate) fn row_times(
    ty: GgmlType,
    cols: usize,
    row: &[u8],
    activations: &[Activation<'_>],
    kernels: Kernels,
    scratch: &mut Vec<f32>,
    out: &mut [f32],
) -> Result<()> {
    if matches!(activations.first(), Some(Activation::F32(_))) {
        // Decode the row once for all vectors.
        scratch.resize(cols, 0.0);
        dequantize_into(ty, row, scratch)?;
    }
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if kernels == Kernels::Avx512 && activations.len() >= MANY {
        use super::dot_avx512::{dot_q4_0_many, dot_q4_k_many, dot_q6_k_many, dot_q8_0_many};
        done = match ty {
            GgmlType::Q8_0 => {
                let row = as_blocks::<BlockQ8_0>(row);
                // SAFETY: `Avx512` is detected only where the CPU has its features.
                in_groups(activations, out, Activation::q8, |acts| unsafe {
                    dot_q8_0_many(&row, acts)
                })
            }
            GgmlType::Q4_0 => {
                let row = as_blocks::<BlockQ4_0>(row);
                // SAFETY: `Avx512` is detected only where the CPU has its features.
                in_groups(activations, out, Activation::q8, |acts| unsafe {
                    dot_q4_0_many(&row, acts)
                })
            }
            GgmlType::Q4_K => {
                let row = as_blocks::<BlockQ4_K>(row);
                // SAFETY: as above.
                in_groups(activations, out, Activation::q8k, |acts| unsafe {
                    dot_q4_k_many(&row, acts)
                })
            }
            GgmlType::Q6_K => {
                let row = as_blocks::<BlockQ6_K>(row);
                // SAFETY: as above.
                in_groups(activations, out, Activation::q8k, |acts| unsafe {
                    dot_q6_k_many(&row, acts)
                })
            }
            _ => 0,
        };
    }
    for (o, a) in out.iter_mut().zip(activations).skip(done) {
        *o = match (ty, a) {
            (GgmlType::Q8_0, Activation::Q8(a)) => {
                dot_q8_0(&as_blocks::<BlockQ8_0>(row), a, kernels)
            }
            (GgmlType::Q4_0, Activation::Q8(a)) => {
                dot_q4_0(&as_blocks::<BlockQ4_0>(row), a, kernels)
            }
            (GgmlType::Q4_K, Activation::Q8K(a)) => {
                dot_q4_k(&as_blocks::<BlockQ4_K>(row), a, kernels)
            }
            (GgmlType::Q5_K, Activation::Q8K(a)) => {
                dot_q5_k(&as_blocks::<BlockQ5_K>(row), a, kernels)
            }
            (GgmlType::Q6_K, Activation::Q8K(a)) => {
                dot_q6_k(&as_blocks::<BlockQ6_K>(row), a, kernels)
            }
            (_, Activation::F32(x)) => dot::dot_f32(scratch, x),
            _ => {
                return Err(QuantError::Unsupported {
                    op: "QuantizedMatrix::matmul",
                    ggml_type: ty,
                })
            }
        };
    }
    Ok(())
}

/// Fills the start of `out` with a row times the activations [`MANY`] at a time (one
/// call of `dot` each) while whole groups that `pick` accepts remain; returns how many.
#[cfg(target_arch = "x86_64")]
fn in_groups<'a, 'x, A: 'a>(
    activations: &'a [Activation<'x>],
    out: &mut [f32],
    pick: impl Fn(&'a Activation<'x>) -> Option<&'a A>,
    dot: impl Fn([&'a A; MANY]) -> [f32; MANY],
) -> usize {
    let mut done = 0;
    for (group, o) in activations
        .chunks_exact(MANY)
        .zip(out.chunks_exact_mut(MANY))
    {
        let acts: [Option<&A>; MANY] = std::array::from_fn(|i| pick(&group[i]));
        if acts.iter().any(Option::is_none) {
            break;
        }
        o.copy_from_slice(&dot(acts.map(|a| a.expect("every slot checked above"))));
        done += MANY;
    }
    done
}

/// The instruction sets the dot products use on this CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernels {
    /// Plain Rust.
    Portable,
    /// AVX2, FMA and F16C.
    Avx2,
    /// AVX2 plus AVX-512 (F, BW, VL) with VNNI.
    Avx512,
}

impl Kernels {
    /// The best set this CPU runs, detected once.
    pub(crate) fn detect() -> Kernels {
        static DETECTED: OnceLock<Kernels> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            {
                if super::dot_avx2::available() {
                    if super::dot_avx512::available() {
                        return Kernels::Avx512;
                    }
                    return Kernels::Avx2;
                }
            }
            Kernels::Portable
        })
    }
}

/// Dispatches a dot product to the widest kernel `kernels` allows: the AVX-512 one
/// where it exists (`avx512`), else AVX2, else portable.
macro_rules! dispatch {
    ($name:ident, $block:ty, $act:ty, avx512) => {
        fn $name(row: &[$block], a: &$act, kernels: Kernels) -> f32 {
            #[cfg(target_arch = "x86_64")]
            match kernels {
                // SAFETY: `Avx512` is detected only where the CPU has its features.
                Kernels::Avx512 => return unsafe { super::dot_avx512::$name(row, a) },
                // SAFETY: `Avx2` is detected only where the CPU has AVX2, FMA and F16C.
                Kernels::Avx2 => return unsafe { super::dot_avx2::$name(row, a) },
                Kernels::Portable => {}
            }
            let _ = kernels;
            dot::$name(row, a)
        }
    };
    ($name:ident, $block:ty, $act:ty) => {
        fn $name(row: &[$block], a: &$act, kernels: Kernels) -> f32 {
            #[cfg(target_arch = "x86_64")]
            if kernels != Kernels::Portable {
                // SAFETY: both SIMD sets include AVX2, FMA and F16C (checked at detection).
                return unsafe { super::dot_avx2::$name(row, a) };
            }
            let _ = kernels;
            dot::$name(row, a)
        }
    };
}
dispatch!(dot_q8_0, BlockQ8_0, Q8Blocks, avx512);
dispatch!(dot_q4_0, BlockQ4_0, Q8Blocks, avx512);
dispatch!(dot_q4_k, BlockQ4_K, Q8KBlocks, avx512);
dispatch!(dot_q5_k, BlockQ5_K, Q8KBlocks);
dispatch!(dot_q6_k, BlockQ6_K, Q8KBlocks, avx512);
