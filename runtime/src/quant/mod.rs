//! ggml block formats: layouts, bit-exact dequantization, quantization, and quantized
//! matrix-vector products that never dequantize a whole matrix.

mod block_trait;
pub mod blocks;
mod dequantize;
mod error;
mod ggml_type;
mod k_quants;
mod legacy;
mod quantize;

pub use block_trait::QuantBlock;
pub use dequantize::{dequantize, dequantize_into, DEQUANTIZE_TYPES};
pub use error::{QuantError, Result};
pub use ggml_type::GgmlType;
pub use quantize::{quantize, quantize_q4_0, quantize_q8_0, QUANTIZE_TYPES};

#[cfg(test)]
mod tests;
