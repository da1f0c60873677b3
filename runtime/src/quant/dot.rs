//! Portable dot products: one quantized weight row with quantized activations, and
//! plain f32 vectors.

use super::activation::{Q8Blocks, Q8KBlocks};
use super::blocks::{k_scale_min, BlockQ4_0, BlockQ4_K, BlockQ5_K, BlockQ6_K, BlockQ8_0, QK, QK_K};

/// Dot product with eight independent partial sums, so the compiler vectorises it.
pub(crate) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Row of Q8_0 blocks · Q8 activations.
pub(crate) fn dot_q8_0(row: &[BlockQ8_0], a: &Q8Blocks) -> f32 {
    row.iter()
        .enumerate()
        .map(|(b, w)| block_dot_q8_0(w, a, b))
        .sum()
}

/// One Q8_0 block · block `b` of the Q8 activations.
pub(crate) fn block_dot_q8_0(w: &BlockQ8_0, a: &Q8Blocks, b: usize) -> f32 {
    let qa = &a.qs[b * QK..(b + 1) * QK];
    let sum: i32 =
        w.qs.iter()
            .zip(qa)
            .map(|(&x, &y)| x as i32 * y as i32)
            .sum();
    w.d.to_f32() * a.d[b] * sum as f32
}

/// Row of Q4_0 blocks · Q8 activations.
pub(crate) fn dot_q4_0(row: &[BlockQ4_0], a: &Q8Blocks) -> f32 {
    row.iter()
        .enumerate()
        .map(|(b, w)| {
            let qa = &a.qs[b * QK..(b + 1) * QK];
            let mut sum = 0i32;
            for (j, &q) in w.qs.iter().enumerate() {
                sum += ((q & 0x0F) as i32 - 8) * qa[j] as i32;
                sum += ((q >> 4) as i32 - 8) * qa[j + QK / 2] as i32;
            }
            w.d.to_f32() * a.d[b] * sum as f32
        })
        .sum()
}

/// Row of Q4_K super-blocks · Q8_K activations.
pub(crate) fn dot_q4_k(row: &[BlockQ4_K], a: &Q8KBlocks) -> f32 {
    let mut total = 0f32;
    for (b, w) in row.iter().enumerate() {
        let (sc, mn) = k_scale_min(&w.scales);
        let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
        let mut sumi = 0i32;
        for j in 0..4 {
            let (mut lo, mut hi) = (0i32, 0i32);
            for l in 0..32 {
                let q = w.qs[32 * j + l];
                lo += (q & 0x0F) as i32 * qa[64 * j + l] as i32;
                hi += (q >> 4) as i32 * qa[64 * j + 32 + l] as i32;
            }
            sumi += sc[2 * j] as i32 * lo + sc[2 * j + 1] as i32 * hi;
        }
        let summ = a.min_term(b, &mn);
        let d = w.d.to_f32() * a.d[b];
        let dmin = w.dmin.to_f32() * a.d[b];
        total += d * sumi as f32 - dmin * summ as f32;
    }
    total
}

/// Row of Q6_K super-blocks · Q8_K activations.
pub(crate) fn dot_q6_k(row: &[BlockQ6_K], a: &Q8KBlocks) -> f32 {
    let mut total = 0f32;
    let mut q = [0i8; QK_K];
    for (b, w) in row.iter().enumerate() {
        for half in 0..2 {
            let (ql, qh) = (&w.ql[64 * half..], &w.qh[32 * half..]);
            let out = &mut q[128 * half..];
            for l in 0..32 {
                out[l] = ((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) as i8 - 32;
                out[l + 32] = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) as i8 - 32;
                out[l + 64] = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) as i8 - 32;
                out[l + 96] = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) as i8 - 32;
            }
        }
        let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
        let mut sumi = 0i32;
        for g in 0..16 {
            let s: i32 = q[16 * g..16 * g + 16]
                .iter()
                .zip(&qa[16 * g..16 * g + 16])
                .map(|(&x, &y)| x as i32 * y as i32)
                .sum();
            sumi += w.scales[g] as i32 * s;
        }
        total += w.d.to_f32() * a.d[b] * sumi as f32;
    }
    total
}

/// Row of Q5_K super-blocks · Q8_K activations.
pub(crate) fn dot_q5_k(row: &[BlockQ5_K], a: &Q8KBlocks) -> f32 {
    let mut total = 0f32;
    for (b, w) in row.iter().enumerate() {
        let (sc, mn) = k_scale_min(&w.scales);
        let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
        let mut sumi = 0i32;
        for g in 0..8 {
            let (chunk, shift) = (g / 2, 4 * (g % 2));
            let mut s = 0i32;
            for l in 0..32 {
                let low = (w.qs[32 * chunk + l] >> shift) & 0x0F;
                let high = ((w.qh[l] >> g) & 1) << 4;
                s += (low | high) as i32 * qa[32 * g + l] as i32;
            }
            sumi += sc[g] as i32 * s;
        }
        let summ = a.min_term(b, &mn);
        let d = w.d.to_f32() * a.d[b];
        let dmin = w.dmin.to_f32() * a.d[b];
        total += d * sumi as f32 - dmin * summ as f32;
    }
    total
}
