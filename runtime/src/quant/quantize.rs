//! Quantization of f32 values to ggml types (F16, BF16, Q8_0 and Q4_0 bit-exact with
//! the Python `gguf` package; Q4_K after ggml's reference algorithm).

use half::f16;

use super::blocks::{BlockQ4_0, BlockQ8_0, QK, QK_K};
use super::error::{byte_len, QuantError, Result};
use super::k_quantize::quantize_q4_k;
use super::GgmlType;

/// Types that [`quantize`] produces.
pub const QUANTIZE_TYPES: [GgmlType; 6] = [
    GgmlType::F32,
    GgmlType::F16,
    GgmlType::BF16,
    GgmlType::Q8_0,
    GgmlType::Q4_0,
    GgmlType::Q4_K,
];

/// Encodes `values` as `ggml_type` (the count must be whole blocks).
pub fn quantize(ggml_type: GgmlType, values: &[f32]) -> Result<Vec<u8>> {
    let n_bytes = byte_len("quantize", ggml_type, values.len())?;
    let mut out = Vec::with_capacity(n_bytes);
    match ggml_type {
        GgmlType::F32 => values
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        GgmlType::F16 => values
            .iter()
            .for_each(|v| out.extend_from_slice(&f16::from_f32(*v).to_le_bytes())),
        GgmlType::BF16 => values
            .iter()
            .for_each(|v| out.extend_from_slice(&f32_to_bf16_bits(*v).to_le_bytes())),
        GgmlType::Q8_0 => values
            .chunks_exact(QK)
            .for_each(|c| out.extend_from_slice(bytemuck::bytes_of(&quantize_q8_0(c)))),
        GgmlType::Q4_0 => values
            .chunks_exact(QK)
            .for_each(|c| out.extend_from_slice(bytemuck::bytes_of(&quantize_q4_0(c)))),
        GgmlType::Q4_K => values
            .chunks_exact(QK_K)
            .for_each(|c| out.extend_from_slice(bytemuck::bytes_of(&quantize_q4_k(c)))),
        other => {
            return Err(QuantError::Unsupported {
                op: "quantize",
                ggml_type: other,
            })
        }
    }
    Ok(out)
}

/// bf16 bits of `v`: round to nearest even, NaN kept quiet.
fn f32_to_bf16_bits(v: f32) -> u16 {
    let mut n = v.to_bits();
    if n & 0x7fff_ffff > 0x7f80_0000 {
        n = (n & 0xffff_0000) | (64 << 16);
    }
    ((n as u64 + (0x7fff + ((n as u64 >> 16) & 1))) >> 16) as u16
}

/// One Q8_0 block: scale max|x|/127, values rounded half away from zero.
pub fn quantize_q8_0(x: &[f32]) -> BlockQ8_0 {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let id = if d == 0.0 { 0.0 } else { 1.0 / d };
    let mut qs = [0i8; QK];
    for (q, v) in qs.iter_mut().zip(x) {
        *q = (v * id).round() as i8;
    }
    BlockQ8_0 {
        d: f16::from_f32(d),
        qs,
    }
}

/// One Q4_0 block: scale from the value of largest magnitude divided by -8.
pub fn quantize_q4_0(x: &[f32]) -> BlockQ4_0 {
    let mut max = 0f32;
    for &v in x {
        if v.abs() > max.abs() {
            max = v;
        }
    }
    let d = max / -8.0;
    let id = if d == 0.0 { 0.0 } else { 1.0 / d };
    let q = |v: f32| ((v * id + 8.5).trunc() as u8).min(15);
    let mut qs = [0u8; QK / 2];
    for (j, b) in qs.iter_mut().enumerate() {
        *b = q(x[j]) | (q(x[j + QK / 2]) << 4);
    }
    BlockQ4_0 {
        d: f16::from_f32(d),
        qs,
    }
}
