//! `QuantizedMatrix`: a weight matrix that stays in its ggml encoding, with a
//! parallel matrix-vector product that decodes one block at a time.

use std::sync::OnceLock;

use rayon::prelude::*;

use super::activation::{Q8Blocks, Q8KBlocks};
use super::blocks::{BlockQ4_0, BlockQ4_K, BlockQ5_K, BlockQ6_K, BlockQ8_0};
use super::dequantize::{as_blocks, dequantize_into, DEQUANTIZE_TYPES};
use super::dot;
use super::error::{check_bytes, QuantError, Result};
use super::quantize::quantize;
use super::shared_bytes::SharedBytes;
use super::GgmlType;

/// Fewest rows handled by one parallel task.
const MIN_ROWS_PER_TASK: usize = 16;
/// Parallel tasks per thread: a few, so a thread slowed by other work is balanced.
const TASKS_PER_THREAD: usize = 4;

/// A `rows × cols` matrix stored row-major in a ggml type (each row whole blocks).
#[derive(Debug, Clone)]
pub struct QuantizedMatrix {
    ggml_type: GgmlType,
    rows: usize,
    cols: usize,
    data: SharedBytes,
}

/// The activation vector prepared for a weight type.
enum Activation<'x> {
    /// 32-value 8-bit blocks (Q4_0, Q8_0 weights).
    Q8(Q8Blocks),
    /// 256-value 8-bit super-blocks (Q4_K, Q6_K weights).
    Q8K(Q8KBlocks),
    /// Plain f32 (other weight types, decoded block by block).
    F32(&'x [f32]),
}

impl QuantizedMatrix {
    /// Wraps encoded bytes; checks the type is supported and the size matches.
    pub fn new(ggml_type: GgmlType, rows: usize, cols: usize, data: SharedBytes) -> Result<Self> {
        if !DEQUANTIZE_TYPES.contains(&ggml_type) {
            return Err(QuantError::Unsupported {
                op: "QuantizedMatrix::new",
                ggml_type,
            });
        }
        let n = rows.checked_mul(cols).ok_or_else(|| QuantError::Shape {
            op: "QuantizedMatrix::new",
            detail: format!("{rows} x {cols} overflows"),
        })?;
        if !cols.is_multiple_of(ggml_type.block_size()) {
            return Err(QuantError::PartialBlock {
                op: "QuantizedMatrix::new",
                ggml_type,
                n: cols,
                block: ggml_type.block_size(),
            });
        }
        check_bytes("QuantizedMatrix::new", ggml_type, n, data.len())?;
        Ok(QuantizedMatrix {
            ggml_type,
            rows,
            cols,
            data,
        })
    }

    /// Encodes row-major f32 values (any of [`super::QUANTIZE_TYPES`]).
    pub fn from_f32(values: &[f32], rows: usize, cols: usize, ggml_type: GgmlType) -> Result<Self> {
        if values.len() != rows.saturating_mul(cols) {
            return Err(QuantError::Shape {
                op: "QuantizedMatrix::from_f32",
                detail: format!("{} values for a {rows} x {cols} matrix", values.len()),
            });
        }
        let data = quantize(ggml_type, values)?;
        QuantizedMatrix::new(ggml_type, rows, cols, SharedBytes::from_vec(data))
    }

    /// The encoding.
    pub fn ggml_type(&self) -> GgmlType {
        self.ggml_type
    }

    /// Number of rows (outputs of `matvec`).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (length of the input of `matvec`).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The encoded bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// Encoded bytes of one row.
    fn row_bytes(&self) -> usize {
        self.cols / self.ggml_type.block_size() * self.ggml_type.type_size()
    }

    /// Decodes row `r` into `out` (`out.len() == cols`).
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) -> Result<()> {
        if r >= self.rows || out.len() != self.cols {
            return Err(QuantError::Shape {
                op: "QuantizedMatrix::dequantize_row",
                detail: format!(
                    "row {r} into {} values of a {} x {} matrix",
                    out.len(),
                    self.rows,
                    self.cols
                ),
            });
        }
        let rb = self.row_bytes();
        dequantize_into(self.ggml_type, &self.data[r * rb..(r + 1) * rb], out)
    }

    /// Decodes the whole matrix, row-major.
    pub fn dequantize(&self) -> Result<Vec<f32>> {
        let mut out = vec![0f32; self.rows * self.cols];
        dequantize_into(self.ggml_type, &self.data, &mut out)?;
        Ok(out)
    }

    /// `out = self · x`, parallel over rows; Q4_0/Q8_0/Q4_K/Q5_K/Q6_K multiply integers
    /// against `x` quantized to 8 bits (as ggml does), other types decode block by block.
    pub fn matvec(&self, x: &[f32], out: &mut [f32]) -> Result<()> {
        self.matmul(x, 1, out)
    }

    /// `out[i] = self · x[i]` for `n` vectors stored row-major in `x` (`n × cols`), into
    /// `out` (`n × rows`). Each weight row is read once for all `n` vectors, which makes
    /// batched prompt processing cheaper than `n` calls to `matvec`.
    pub fn matmul(&self, x: &[f32], n: usize, out: &mut [f32]) -> Result<()> {
        if n == 0 || x.len() != n * self.cols || out.len() != n * self.rows {
            return Err(QuantError::Shape {
                op: "QuantizedMatrix::matmul",
                detail: format!(
                    "{} x {} matrix times {n} vectors given {} inputs and {} outputs",
                    self.rows,
                    self.cols,
                    x.len(),
                    out.len()
                ),
            });
        }
        let activations: Vec<Activation<'_>> = x
            .chunks_exact(self.cols)
            .map(|xi| match self.ggml_type {
                GgmlType::Q4_0 | GgmlType::Q8_0 => Activation::Q8(Q8Blocks::quantize(xi)),
                GgmlType::Q4_K | GgmlType::Q5_K | GgmlType::Q6_K => {
                    Activation::Q8K(Q8KBlocks::quantize(xi))
                }
                _ => Activation::F32(xi),
            })
            .collect();
        if n == 1 {
            return self.rows_times(&activations, out);
        }
        // Row-major by weight row first, then transposed into `out`.
        let mut by_row = vec![0f32; self.rows * n];
        self.rows_times(&activations, &mut by_row)?;
        for (r, values) in by_row.chunks_exact(n).enumerate() {
            for (i, v) in values.iter().enumerate() {
                out[i * self.rows + r] = *v;
            }
        }
        Ok(())
    }

    /// Fills `out[r * n + i]` with row `r` times activation `i`, parallel over rows.
    fn rows_times(&self, activations: &[Activation<'_>], out: &mut [f32]) -> Result<()> {
        let n = activations.len();
        let rb = self.row_bytes();
        let kernels = Kernels::detect();
        let tasks = rayon::current_num_threads() * TASKS_PER_THREAD;
        let rows_per_task = self
            .rows
            .div_ceil(tasks)
            .next_multiple_of(MIN_ROWS_PER_TASK)
            .max(MIN_ROWS_PER_TASK);
        out.par_chunks_mut(rows_per_task * n)
            .enumerate()
            .try_for_each(|(task, chunk)| {
                let mut scratch = Vec::new();
                for (k, row_out) in chunk.chunks_mut(n).enumerate() {
                    let r = task * rows_per_task + k;
                    let row = &self.data[r * rb..(r + 1) * rb];
                    self.row_times(row, activations, kernels, &mut scratch, row_out)?;
                }
                Ok(())
            })
    }

    /// One row's dot products with every prepared activation.
    fn row_times(
        &self,
        row: &[u8],
        activations: &[Activation<'_>],
        kernels: Kernels,
        scratch: &mut Vec<f32>,
        out: &mut [f32],
    ) -> Result<()> {
        let ty = self.ggml_type;
        if matches!(activations.first(), Some(Activation::F32(_))) {
            // Decode the row once for all vectors.
            scratch.resize(self.cols, 0.0);
            dequantize_into(ty, row, scratch)?;
        }
        for (o, a) in out.iter_mut().zip(activations) {
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
                (_, Activation::F32(x)) => dot_f32(scratch, x),
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
}

/// Dot product with eight independent partial sums, so the compiler vectorises it.
fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
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
