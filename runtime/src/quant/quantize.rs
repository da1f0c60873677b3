//! Quantization of f32 values to ggml types (F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1
//! bit-exact with the Python `gguf` package; Q4_K and Q6_K after ggml's reference
//! algorithms).

use half::f16;

use super::blocks::{BlockQ4_0, BlockQ4_1, BlockQ5_0, BlockQ5_1, BlockQ8_0, QK, QK_K};
use super::error::{byte_len, QuantError, Result};
use super::k_quantize::{quantize_q4_k, quantize_q6_k};
use super::GgmlType;

/// Types that [`quantize`] produces.
pub const QUANTIZE_TYPES: [GgmlType; 10] = [
    GgmlType::F32,
    GgmlType::F16,
    GgmlType::BF16,
    GgmlType::Q8_0,
    GgmlType::Q4_0,
    GgmlType::Q4_1,
    GgmlType::Q5_0,
    GgmlType::Q5_1,
    GgmlType::Q4_K,
    GgmlType::Q6_K,
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
        GgmlType::Q4_1 => values
            .chunks_exact(QK)
            .for_each(|c| out.extend_from_slice(bytemuck::bytes_of(&quantize_q4_1(c)))),
        GgmlType::Q5_0 => values
            .chunks_exact(QK)
            .for_each(|c| out.extend_from_slice(bytemuck::bytes_of(&quantize_q5_0(c)))),
        GgmlType::Q5_1 => values
            .chunks_exact(QK)
            .for_each(|c| out.extend_from_slice(bytemuck::bytes_of(&quantize_q5_1(c)))),
        GgmlType::Q4_K => values
            .chunks_exact(QK_K)
            .for_each(|c| out.extend_from_slice(bytemuck::bytes_of(&quantize_q4_k(c)))),
        GgmlType::Q6_K => values
            .chunks_exact(QK_K)
            .for_each(|c| out.extend_from_slice(bytemuck::bytes_of(&quantize_q6_k(c)))),
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
    let id = inverse(d);
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
    let d = signed_absmax(x) / -8.0;
    let id = inverse(d);
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

/// The value of largest magnitude (the first one on ties).
fn signed_absmax(x: &[f32]) -> f32 {
    let mut max = 0f32;
    for &v in x {
        if v.abs() > max.abs() {
            max = v;
        }
    }
    max
}

/// 1 / d, or 0 when d is 0.
fn inverse(d: f32) -> f32 {
    if d == 0.0 {
        0.0
    } else {
        1.0 / d
    }
}

/// (min, max) of a block.
fn min_max(x: &[f32]) -> (f32, f32) {
    x.iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Packs 32 levels: low nibbles in `qs` (value j and j + 16 share byte j) and the
/// fifth bits in the little-endian `qh`.
fn pack_5bit(levels: &[u8; QK]) -> ([u8; 4], [u8; QK / 2]) {
    let mut qs = [0u8; QK / 2];
    let mut qh = 0u32;
    for j in 0..QK / 2 {
        qs[j] = (levels[j] & 0x0F) | ((levels[j + QK / 2] & 0x0F) << 4);
    }
    for (j, &l) in levels.iter().enumerate() {
        qh |= ((l as u32 >> 4) & 1) << j;
    }
    (qh.to_le_bytes(), qs)
}

/// One Q4_1 block: 15 steps between the block's minimum and maximum.
pub fn quantize_q4_1(x: &[f32]) -> BlockQ4_1 {
    let (min, max) = min_max(x);
    let d = (max - min) / 15.0;
    let id = inverse(d);
    let q = |v: f32| (((v - min) * id + 0.5).trunc() as u8).min(15);
    let mut qs = [0u8; QK / 2];
    for (j, b) in qs.iter_mut().enumerate() {
        *b = q(x[j]) | (q(x[j + QK / 2]) << 4);
    }
    BlockQ4_1 {
        d: f16::from_f32(d),
        m: f16::from_f32(min),
        qs,
    }
}

/// One Q5_0 block: scale from the value of largest magnitude divided by -16.
pub fn quantize_q5_0(x: &[f32]) -> BlockQ5_0 {
    let d = signed_absmax(x) / -16.0;
    let id = inverse(d);
    let mut levels = [0u8; QK];
    for (l, &v) in levels.iter_mut().zip(x) {
        *l = ((v * id + 16.5).trunc() as u8).min(31);
    }
    let (qh, qs) = pack_5bit(&levels);
    BlockQ5_0 {
        d: f16::from_f32(d),
        qh,
        qs,
    }
}

/// One Q5_1 block: 31 steps between the block's minimum and maximum.
pub fn quantize_q5_1(x: &[f32]) -> BlockQ5_1 {
    let (min, max) = min_max(x);
    let d = (max - min) / 31.0;
    let id = inverse(d);
    let mut levels = [0u8; QK];
    for (l, &v) in levels.iter_mut().zip(x) {
        *l = (((v - min) * id + 0.5).trunc() as u8).min(31);
    }
    let (qh, qs) = pack_5bit(&levels);
    BlockQ5_1 {
        d: f16::from_f32(d),
        m: f16::from_f32(min),
        qh,
        qs,
    }
}
