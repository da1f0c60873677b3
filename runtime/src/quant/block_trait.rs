//! The trait shared by every ggml block type.

use super::GgmlType;

/// A ggml block: a fixed number of values stored in a fixed number of bytes.
pub trait QuantBlock: bytemuck::Pod + Send + Sync {
    /// The ggml type this block encodes.
    const TYPE: GgmlType;
    /// Values per block.
    const VALUES: usize;
    /// Writes the block's values to `out` (`out.len() == Self::VALUES`), with the same
    /// f32 arithmetic as ggml so results are bit-exact.
    fn dequantize(&self, out: &mut [f32]);
}
