//! ggml block formats: layouts, bit-exact dequantization, quantization, and quantized
//! matrix-vector products that never dequantize a whole matrix.

mod activation;
mod block_trait;
pub mod blocks;
mod dequantize;
mod dot;
#[cfg(target_arch = "x86_64")]
mod dot_avx2;
#[cfg(target_arch = "x86_64")]
mod dot_avx512;
#[cfg(target_arch = "x86_64")]
mod dot_avx512_k;
mod error;
mod ggml_type;
mod k_quantize;
mod k_quants;
mod kernels;
mod legacy;
mod matrix;
mod quantize;
mod shared_bytes;

pub use block_trait::QuantBlock;
pub use dequantize::{dequantize, dequantize_into, DEQUANTIZE_TYPES};
pub(crate) use dot::dot_f32;
pub use error::{QuantError, Result};
pub use ggml_type::GgmlType;
pub use k_quantize::{quantize_q4_k, quantize_q6_k};
pub use matrix::QuantizedMatrix;
pub use quantize::{
    quantize, quantize_q4_0, quantize_q4_1, quantize_q5_0, quantize_q5_1, quantize_q8_0,
    QUANTIZE_TYPES,
};
pub use shared_bytes::{ByteSource, SharedBytes};

#[cfg(test)]
mod tests;
