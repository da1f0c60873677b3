//! Dequantization of ggml tensors to f32, bit-exact with ggml and the Python `gguf` package.

use std::borrow::Cow;

use half::f16;
use half::slice::HalfFloatSliceExt;

use super::block_trait::QuantBlock;
use super::blocks::*;
use super::error::{check_bytes, QuantError, Result};
use super::GgmlType;

/// Types that [`dequantize`] handles.
pub const DEQUANTIZE_TYPES: [GgmlType; 13] = [
    GgmlType::F32,
    GgmlType::F16,
    GgmlType::BF16,
    GgmlType::Q4_0,
    GgmlType::Q4_1,
    GgmlType::Q5_0,
    GgmlType::Q5_1,
    GgmlType::Q8_0,
    GgmlType::Q2_K,
    GgmlType::Q3_K,
    GgmlType::Q4_K,
    GgmlType::Q5_K,
    GgmlType::Q6_K,
];

/// Dequantizes `n` values of `ggml_type` stored in `bytes`.
pub fn dequantize(ggml_type: GgmlType, bytes: &[u8], n: usize) -> Result<Vec<f32>> {
    // Check before allocating, so a wrong `n` cannot ask for a huge buffer.
    check_bytes("dequantize", ggml_type, n, bytes.len())?;
    let mut out = vec![0f32; n];
    dequantize_into(ggml_type, bytes, &mut out)?;
    Ok(out)
}

/// Dequantizes `bytes` (holding `out.len()` values of `ggml_type`) into `out`.
pub fn dequantize_into(ggml_type: GgmlType, bytes: &[u8], out: &mut [f32]) -> Result<()> {
    check_bytes("dequantize", ggml_type, out.len(), bytes.len())?;
    match ggml_type {
        GgmlType::F32 => {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
        }
        GgmlType::F16 => {
            match bytemuck::try_cast_slice::<u8, f16>(bytes) {
                // Vectorised conversion (F16C) when the bytes are aligned.
                Ok(halves) => halves.convert_to_f32_slice(out),
                Err(_) => {
                    for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                        *o = f16::from_le_bytes([c[0], c[1]]).to_f32();
                    }
                }
            }
        }
        GgmlType::BF16 => {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                // Widen by bits so NaN payloads survive as in ggml.
                *o = f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16);
            }
        }
        GgmlType::Q4_0 => blocks_into::<BlockQ4_0>(bytes, out),
        GgmlType::Q4_1 => blocks_into::<BlockQ4_1>(bytes, out),
        GgmlType::Q5_0 => blocks_into::<BlockQ5_0>(bytes, out),
        GgmlType::Q5_1 => blocks_into::<BlockQ5_1>(bytes, out),
        GgmlType::Q8_0 => blocks_into::<BlockQ8_0>(bytes, out),
        GgmlType::Q2_K => blocks_into::<BlockQ2_K>(bytes, out),
        GgmlType::Q3_K => blocks_into::<BlockQ3_K>(bytes, out),
        GgmlType::Q4_K => blocks_into::<BlockQ4_K>(bytes, out),
        GgmlType::Q5_K => blocks_into::<BlockQ5_K>(bytes, out),
        GgmlType::Q6_K => blocks_into::<BlockQ6_K>(bytes, out),
        other => {
            return Err(QuantError::Unsupported {
                op: "dequantize",
                ggml_type: other,
            })
        }
    }
    Ok(())
}

/// Views `bytes` as blocks, copying only when they are not suitably aligned.
pub(crate) fn as_blocks<B: QuantBlock>(bytes: &[u8]) -> Cow<'_, [B]> {
    match bytemuck::try_cast_slice(bytes) {
        Ok(blocks) => Cow::Borrowed(blocks),
        Err(_) => Cow::Owned(bytemuck::pod_collect_to_vec(bytes)),
    }
}

/// Dequantizes whole blocks of type `B`.
fn blocks_into<B: QuantBlock>(bytes: &[u8], out: &mut [f32]) {
    for (block, o) in as_blocks::<B>(bytes)
        .iter()
        .zip(out.chunks_exact_mut(B::VALUES))
    {
        block.dequantize(o);
    }
}
