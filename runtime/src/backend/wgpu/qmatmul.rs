//! `GpuMatrix`: a weight matrix kept in its ggml encoding on the GPU (F32, F16, Q4_0,
//! Q8_0 and Q4_K decoded in the kernel), its matrix product and row lookup.

use super::buffer::GpuBuffer;
use super::context::context;
use super::info::word;
use super::launch::{run, run_groups, Kernel};
use super::shaders;
use crate::quant::{GgmlType, QuantizedMatrix};
use crate::{Error, Result};

const QMATMUL: Kernel = Kernel {
    family: "quant",
    source: shaders::QUANT,
    entry: "qmatmul",
};

const QUANTIZE_X: Kernel = Kernel {
    family: "quant",
    source: shaders::QUANT,
    entry: "quantize_x",
};

const EMBED: Kernel = Kernel {
    family: "quant",
    source: shaders::QUANT,
    entry: "embed",
};

/// The kernels' code of an encoding they decode (`shaders/quant.wgsl`), if any.
fn type_code(ty: GgmlType) -> Option<u32> {
    match ty {
        GgmlType::F32 => Some(0),
        GgmlType::F16 => Some(1),
        GgmlType::Q4_0 => Some(2),
        GgmlType::Q8_0 => Some(3),
        GgmlType::Q4_K => Some(4),
        _ => None,
    }
}

/// Values per 8-bit activation block for an encoding multiplied on integers (as the CPU
/// path does), `None` for plain f32 activations.
fn activation_block(ty: GgmlType) -> Option<usize> {
    match ty {
        GgmlType::Q4_0 | GgmlType::Q8_0 => Some(32),
        GgmlType::Q4_K => Some(256),
        _ => None,
    }
}

/// A `rows × cols` weight matrix on the GPU.
#[derive(Debug)]
pub struct GpuMatrix {
    words: GpuBuffer,
    ggml_type: GgmlType,
    rows: usize,
    cols: usize,
    row_bytes: usize,
}

impl GpuMatrix {
    /// Uploads a matrix. F32, F16, Q4_0, Q8_0 and Q4_K stay encoded (their bytes as
    /// words); other encodings are decoded to f32 once here.
    pub fn upload(m: &QuantizedMatrix) -> Result<GpuMatrix> {
        let op = "GpuMatrix::upload";
        let (ty, words) = match type_code(m.ggml_type()) {
            Some(_) => (m.ggml_type(), GpuBuffer::from_bytes(m.bytes(), op)?),
            None => (GgmlType::F32, GpuBuffer::from_f32(&m.dequantize()?, op)?),
        };
        let row_bytes = m.cols() / ty.block_size() * ty.type_size();
        // Byte offsets inside the kernel are 32-bit.
        word(m.rows() * row_bytes, op)?;
        Ok(GpuMatrix {
            words,
            ggml_type: ty,
            rows: m.rows(),
            cols: m.cols(),
            row_bytes,
        })
    }

    /// The encoding held on the GPU.
    pub fn ggml_type(&self) -> GgmlType {
        self.ggml_type
    }

    /// Number of rows (outputs of the product).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (inputs of the product).
    pub fn cols(&self) -> usize {
        self.cols
    }

    fn code(&self) -> u32 {
        type_code(self.ggml_type).expect("uploaded matrices hold a kernel encoding")
    }

    /// Records `out[i] = self · x[i]` for `n` row-major vectors (`x`: `n × cols`,
    /// `out`: `n × rows`); Q4_0, Q8_0 and Q4_K multiply `x` rounded to 8 bits per block,
    /// as [`QuantizedMatrix::matmul`] does.
    pub fn matmul(&self, x: &GpuBuffer, n: usize, out: &GpuBuffer) -> Result<()> {
        let op = "GpuMatrix::matmul";
        x.check(n * self.cols, op, "the input")?;
        out.check(n * self.rows, op, "the output")?;
        if n == 0 || self.rows == 0 {
            return Ok(());
        }
        let ctx = context()?;
        let max = ctx.max_groups() as usize;
        let gx = self.rows.min(max);
        let gy = self.rows.div_ceil(gx);
        if gy > max || n > max {
            return Err(Error::invalid(
                op,
                format!(
                    "{} rows times {n} vectors exceed one gpu dispatch",
                    self.rows
                ),
            ));
        }
        let values = n * self.cols;
        let (block, rounded) = match activation_block(self.ggml_type) {
            Some(b) => {
                let blocks = values / b;
                let rounded = GpuBuffer::uninit(values + blocks, op)?;
                let info = [word(blocks, op)?, word(b, op)?, word(values, op)?];
                run(
                    ctx,
                    QUANTIZE_X,
                    &info,
                    &[rounded.raw(), x.raw()],
                    blocks,
                    op,
                )?;
                (b, Some(rounded))
            }
            None => (0, None),
        };
        let info = [
            word(self.rows, op)?,
            word(self.cols, op)?,
            word(n, op)?,
            self.code(),
            word(self.row_bytes, op)?,
            word(block, op)?,
            word(values, op)?,
        ];
        let x = rounded.as_ref().unwrap_or(x);
        let buffers = [out.raw(), self.words.raw(), x.raw()];
        let groups = (gx as u32, gy as u32, n as u32);
        run_groups(ctx, QMATMUL, &info, &buffers, groups, op)
    }

    /// Records the decoding of rows `ids` (`n` u32 ids, each below `rows`) into `out`
    /// (`n × cols`): an embedding lookup.
    pub fn embed(&self, ids: &GpuBuffer, n: usize, out: &GpuBuffer) -> Result<()> {
        let op = "GpuMatrix::embed";
        ids.check(n, op, "the ids")?;
        out.check(n * self.cols, op, "the output")?;
        if self.rows == 0 {
            return Err(Error::invalid(op, "the matrix has no rows"));
        }
        let info = [
            word(self.cols, op)?,
            self.code(),
            word(self.row_bytes, op)?,
            word(n, op)?,
            word(self.rows, op)?,
        ];
        let buffers = [out.raw(), self.words.raw(), ids.raw()];
        run(context()?, EMBED, &info, &buffers, n * self.cols, op)
    }
}
