//! `QuantizedMatrix`: a weight matrix that stays in its ggml encoding, with a
//! parallel matrix-vector product that decodes one block at a time.

use rayon::prelude::*;

use super::activation::Prepared;
use super::dequantize::{dequantize_into, DEQUANTIZE_TYPES};
use super::error::{check_bytes, QuantError, Result};
use super::kernels::{row_times, Kernels};
use super::quantize::quantize;
use super::shared_bytes::SharedBytes;
use super::GgmlType;

/// Fewest rows handled by one parallel task.
const MIN_ROWS_PER_TASK: usize = 16;
/// Parallel tasks per thread: a few, so a thread slowed by other work is balanced.
const TASKS_PER_THREAD: usize = 4;
/// Bytes of weights fetched into cache ahead of the row being multiplied (measured:
/// 2 KiB beats 1 KiB and 4 KiB for Q4_0 and Q8_0 decoding).
const PREFETCH_AHEAD: usize = 2048;

/// A `rows × cols` matrix stored row-major in a ggml type (each row whole blocks).
#[derive(Debug, Clone)]
pub struct QuantizedMatrix {
    ggml_type: GgmlType,
    rows: usize,
    cols: usize,
    data: SharedBytes,
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
        if out.len() != n * self.rows {
            return Err(QuantError::Shape {
                op: "QuantizedMatrix::matmul",
                detail: format!(
                    "{} x {} matrix times {n} vectors given {} outputs",
                    self.rows,
                    self.cols,
                    out.len()
                ),
            });
        }
        QuantizedMatrix::matmul_into_each(&[self], x, n, &mut [out])
    }

    /// [`QuantizedMatrix::matmul`] of several matrices with the same `cols` on the same
    /// `x`, in one parallel pass (the activations are quantized once per weight family):
    /// returns one `n × rows` output per matrix.
    pub fn matmul_each(
        matrices: &[&QuantizedMatrix],
        x: &[f32],
        n: usize,
    ) -> Result<Vec<Vec<f32>>> {
        let mut outs: Vec<Vec<f32>> = matrices.iter().map(|m| vec![0f32; n * m.rows]).collect();
        let mut views: Vec<&mut [f32]> = outs.iter_mut().map(|o| o.as_mut_slice()).collect();
        QuantizedMatrix::matmul_into_each(matrices, x, n, &mut views)?;
        Ok(outs)
    }

    /// Fills `outs[j]` (`n × rows` of matrix `j`) with `matrices[j] · x[i]`.
    fn matmul_into_each(
        matrices: &[&QuantizedMatrix],
        x: &[f32],
        n: usize,
        outs: &mut [&mut [f32]],
    ) -> Result<()> {
        let cols = matrices.first().map_or(0, |m| m.cols);
        let bad = matrices
            .iter()
            .zip(outs.iter())
            .find(|(m, o)| m.cols != cols || o.len() != n * m.rows);
        let shapes_fit = n > 0 && cols > 0 && x.len() == n * cols && matrices.len() == outs.len();
        if !shapes_fit || bad.is_some() {
            let shapes: Vec<String> = matrices
                .iter()
                .map(|m| format!("{} x {}", m.rows, m.cols))
                .collect();
            return Err(QuantError::Shape {
                op: "QuantizedMatrix::matmul",
                detail: format!(
                    "matrices [{}] times {n} vectors given {} inputs and outputs of {:?} values",
                    shapes.join(", "),
                    x.len(),
                    outs.iter().map(|o| o.len()).collect::<Vec<_>>()
                ),
            });
        }
        let types: Vec<GgmlType> = matrices.iter().map(|m| m.ggml_type).collect();
        let prepared = Prepared::new(&types, x, cols);
        // Outputs by weight row first (`[row][vector]`); for one vector that is `out`.
        let mut by_row: Vec<Vec<f32>> = if n == 1 {
            Vec::new()
        } else {
            matrices.iter().map(|m| vec![0f32; m.rows * n]).collect()
        };
        let targets: Vec<&mut [f32]> = if n == 1 {
            outs.iter_mut().map(|o| &mut **o).collect()
        } else {
            by_row.iter_mut().map(|b| b.as_mut_slice()).collect()
        };
        let total: usize = matrices.iter().map(|m| m.rows).sum();
        let tasks = rayon::current_num_threads() * TASKS_PER_THREAD;
        let rows_per_task = total
            .div_ceil(tasks)
            .next_multiple_of(MIN_ROWS_PER_TASK)
            .max(MIN_ROWS_PER_TASK);
        let mut work = Vec::with_capacity(tasks + matrices.len());
        for (m, target) in matrices.iter().zip(targets) {
            for (k, chunk) in target.chunks_mut(rows_per_task * n).enumerate() {
                work.push((*m, k * rows_per_task, chunk));
            }
        }
        let kernels = Kernels::detect();
        work.into_par_iter().try_for_each(|(m, first, chunk)| {
            let activations = prepared.for_type(m.ggml_type);
            let rb = m.row_bytes();
            let mut scratch = Vec::new();
            for (k, row_out) in chunk.chunks_mut(n).enumerate() {
                let r = first + k;
                let row = &m.data[r * rb..(r + 1) * rb];
                // The rows of a task are contiguous: fetch a little ahead of this one, so
                // memory latency (a new page every few rows) overlaps the arithmetic.
                prefetch(
                    &m.data,
                    r * rb + PREFETCH_AHEAD,
                    (r + 1) * rb + PREFETCH_AHEAD,
                );
                row_times(
                    m.ggml_type,
                    m.cols,
                    row,
                    activations,
                    kernels,
                    &mut scratch,
                    row_out,
                )?;
            }
            Ok(())
        })?;
        for ((m, values), out) in matrices.iter().zip(&by_row).zip(outs.iter_mut()) {
            for (r, row) in values.chunks_exact(n).enumerate() {
                for (i, v) in row.iter().enumerate() {
                    out[i * m.rows + r] = *v;
                }
            }
        }
        Ok(())
    }
}

/// Asks the CPU to start loading `bytes[from..to]` (clamped to `bytes`) into cache.
#[inline]
fn prefetch(bytes: &[u8], from: usize, to: usize) {
    #[cfg(target_arch = "x86_64")]
    for i in (from..to.min(bytes.len())).step_by(64) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is only a hint, and the address lies inside `bytes`.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(bytes.as_ptr().add(i).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (bytes, from, to);
}
