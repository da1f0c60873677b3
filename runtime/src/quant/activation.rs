//! Activations quantized to 8 bits, the right-hand side of quantized dot products
//! (as ggml does, so the inner loops multiply integers).

use super::blocks::{QK, QK_K};
use super::GgmlType;

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

/// The activation vector prepared for a weight type.
pub(crate) enum Activation<'x> {
    /// 32-value 8-bit blocks (Q4_0, Q8_0 weights).
    Q8(Q8Blocks),
    /// 256-value 8-bit super-blocks (Q4_K, Q6_K weights).
    Q8K(Q8KBlocks),
    /// Plain f32 (other weight types, decoded block by block).
    F32(&'x [f32]),
}

#[cfg(target_arch = "x86_64")]
impl Activation<'_> {
    /// The 32-value blocks, if that is what this is.
    pub(crate) fn q8(&self) -> Option<&Q8Blocks> {
        match self {
            Activation::Q8(q) => Some(q),
            _ => None,
        }
    }

    /// The 256-value super-blocks, if that is what this is.
    pub(crate) fn q8k(&self) -> Option<&Q8KBlocks> {
        match self {
            Activation::Q8K(q) => Some(q),
            _ => None,
        }
    }
}

/// The input vectors prepared once for each weight family among a set of matrices.
pub(crate) struct Prepared<'x> {
    /// For Q4_0 and Q8_0 weights.
    q8: Vec<Activation<'x>>,
    /// For K-quant weights.
    q8k: Vec<Activation<'x>>,
    /// For every other type.
    f32: Vec<Activation<'x>>,
}

impl<'x> Prepared<'x> {
    /// Quantizes the `cols`-wide rows of `x` for the weight families of `types`.
    pub(crate) fn new(types: &[GgmlType], x: &'x [f32], cols: usize) -> Prepared<'x> {
        let needs = |family: fn(GgmlType) -> bool| types.iter().any(|&t| family(t));
        let rows = || x.chunks_exact(cols);
        Prepared {
            q8: match needs(uses_q8) {
                true => rows()
                    .map(|r| Activation::Q8(Q8Blocks::quantize(r)))
                    .collect(),
                false => Vec::new(),
            },
            q8k: match needs(uses_q8k) {
                true => rows()
                    .map(|r| Activation::Q8K(Q8KBlocks::quantize(r)))
                    .collect(),
                false => Vec::new(),
            },
            f32: rows().map(Activation::F32).collect(),
        }
    }

    /// The activations a matrix of type `ty` multiplies.
    pub(crate) fn for_type(&self, ty: GgmlType) -> &[Activation<'x>] {
        if uses_q8(ty) {
            &self.q8
        } else if uses_q8k(ty) {
            &self.q8k
        } else {
            &self.f32
        }
    }
}

/// Weight types multiplied against 32-value 8-bit activation blocks.
fn uses_q8(ty: GgmlType) -> bool {
    matches!(ty, GgmlType::Q4_0 | GgmlType::Q8_0)
}

/// Weight types multiplied against 256-value 8-bit activation super-blocks.
fn uses_q8k(ty: GgmlType) -> bool {
    matches!(ty, GgmlType::Q4_K | GgmlType::Q5_K | GgmlType::Q6_K)
}
