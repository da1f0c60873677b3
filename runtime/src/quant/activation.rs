//! Activations quantized to 8 bits, the right-hand side of quantized dot products
//! (as ggml does, so the inner loops multiply integers).

use super::blocks::{QK, QK_K};

/// A vector quantized in blocks of 32: one f32 scale per block.
#[derive(Debug, Clone, Default)]
pub(crate) struct Q8Blocks {
    /// Scale of each block.
    pub(crate) d: Vec<f32>,
    /// Values, `x ≈ d * q`.
    pub(crate) qs: Vec<i8>,
    /// Sum of the quantized values of each block (exact in f32).
    pub(crate) sums: Vec<f32>,
}

/// A vector quantized in super-blocks of 256 with sums of each 16 values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Q8KBlocks {
    /// Scale of each super-block.
    pub(crate) d: Vec<f32>,
    /// Values, `x ≈ d * q`.
    pub(crate) qs: Vec<i8>,
    /// Sum of each group of 16 quantized values.
    pub(crate) bsums: Vec<i16>,
}

/// Scale and quantized values of one block: `max|x| / 127`, rounded to nearest.
fn quantize_block(x: &[f32], qs: &mut [i8]) -> f32 {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    if amax == 0.0 {
        qs.fill(0);
        return 0.0;
    }
    let id = 127.0 / amax;
    for (q, v) in qs.iter_mut().zip(x) {
        *q = (v * id).round() as i8;
    }
    amax / 127.0
}

impl Q8Blocks {
    /// Quantizes `x` (length a multiple of 32).
    pub(crate) fn quantize(x: &[f32]) -> Q8Blocks {
        let mut qs = vec![0i8; x.len()];
        let d = x
            .chunks_exact(QK)
            .zip(qs.chunks_exact_mut(QK))
            .map(|(x, q)| quantize_block(x, q))
            .collect();
        let sums = qs
            .chunks_exact(QK)
            .map(|c| c.iter().map(|&q| q as i32).sum::<i32>() as f32)
            .collect();
        Q8Blocks { d, qs, sums }
    }
}

impl Q8KBlocks {
    /// `Σ mins[g] · (sum of the 32 values of sub-block g)` for super-block `block`: the
    /// term a K-quant's per-sub-block minimum contributes to a dot product.
    pub(crate) fn min_term(&self, block: usize, mins: &[u8; 8]) -> i32 {
        let bsums = &self.bsums[block * 16..(block + 1) * 16];
        mins.iter()
            .zip(bsums.chunks_exact(2))
            .map(|(&m, pair)| m as i32 * (pair[0] as i32 + pair[1] as i32))
            .sum()
    }

    /// Quantizes `x` (length a multiple of 256).
    pub(crate) fn quantize(x: &[f32]) -> Q8KBlocks {
        let mut qs = vec![0i8; x.len()];
        let d = x
            .chunks_exact(QK_K)
            .zip(qs.chunks_exact_mut(QK_K))
            .map(|(x, q)| quantize_block(x, q))
            .collect();
        let bsums = qs
            .chunks_exact(16)
            .map(|c| c.iter().map(|&q| q as i16).sum())
            .collect();
        Q8KBlocks { d, qs, bsums }
    }
}
