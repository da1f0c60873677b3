//! Causal multi-head / grouped-query attention over a KV cache, tiled over keys with
//! an online softmax so memory stays constant in the context length.

use rayon::prelude::*;

use crate::quant::dot_f32;

/// Keys processed per tile.
const TILE: usize = 64;

/// Shapes of one attention call.
#[derive(Debug, Clone, Copy)]
pub struct AttentionShape {
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads (each serves `n_heads / n_kv_heads` query heads).
    pub n_kv_heads: usize,
    /// Width of one head.
    pub head_dim: usize,
}

/// Attends `n` queries (`q`: `[n][n_heads][head_dim]`, the last `n` positions of the
/// cache) to the cached `keys`/`values` (`[len][n_kv_heads][head_dim]`), causally: query
/// `i` sees positions `0..=len-n+i`. `alibi` adds `slope[h] * (j - i)` to scores. Writes
/// `out` (`[n][n_heads][head_dim]`).
pub fn causal_attention(
    shape: AttentionShape,
    q: &[f32],
    keys: &[f32],
    values: &[f32],
    alibi: Option<&[f32]>,
    out: &mut [f32],
) {
    let AttentionShape {
        n_heads,
        n_kv_heads,
        head_dim,
    } = shape;
    let kv_dim = n_kv_heads * head_dim;
    let len = keys.len() / kv_dim;
    let n = q.len() / (n_heads * head_dim);
    let group = n_heads / n_kv_heads;
    let scale = 1.0 / (head_dim as f32).sqrt();
    out.par_chunks_mut(head_dim)
        .enumerate()
        .for_each(|(task, o)| {
            let (i, h) = (task / n_heads, task % n_heads);
            let pos = len - n + i;
            let qh = &q[task * head_dim..(task + 1) * head_dim];
            let kv_off = (h / group) * head_dim;
            let slope = alibi.map(|s| s[h]);
            let mut max = f32::NEG_INFINITY;
            let mut sum = 0f32;
            o.fill(0.0);
            let mut scores = [0f32; TILE];
            for start in (0..=pos).step_by(TILE) {
                let end = (start + TILE).min(pos + 1);
                let tile = &mut scores[..end - start];
                let mut tile_max = f32::NEG_INFINITY;
                for (s, j) in tile.iter_mut().zip(start..end) {
                    let k = &keys[j * kv_dim + kv_off..j * kv_dim + kv_off + head_dim];
                    let mut v = dot_f32(qh, k) * scale;
                    if let Some(slope) = slope {
                        v += slope * (j as f32 - pos as f32);
                    }
                    *s = v;
                    tile_max = tile_max.max(v);
                }
                let new_max = max.max(tile_max);
                let correction = (max - new_max).exp();
                sum *= correction;
                o.iter_mut().for_each(|v| *v *= correction);
                for (s, j) in tile.iter().zip(start..end) {
                    let w = (s - new_max).exp();
                    sum += w;
                    let v = &values[j * kv_dim + kv_off..j * kv_dim + kv_off + head_dim];
                    for (a, b) in o.iter_mut().zip(v) {
                        *a += w * b;
                    }
                }
                max = new_max;
            }
            let inv = 1.0 / sum;
            o.iter_mut().for_each(|v| *v *= inv);
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::ops::softmax;

    /// Plain softmax attention, one query at a time, as the reference.
    fn naive(shape: AttentionShape, q: &[f32], k: &[f32], v: &[f32]) -> Vec<f32> {
        let (hd, kvd) = (shape.head_dim, shape.n_kv_heads * shape.head_dim);
        let len = k.len() / kvd;
        let n = q.len() / (shape.n_heads * hd);
        let mut out = vec![0f32; q.len()];
        for i in 0..n {
            let pos = len - n + i;
            for h in 0..shape.n_heads {
                let kh = h / (shape.n_heads / shape.n_kv_heads);
                let qh = &q[(i * shape.n_heads + h) * hd..][..hd];
                let mut s: Vec<f32> = (0..=pos)
                    .map(|j| {
                        let kj = &k[j * kvd + kh * hd..][..hd];
                        qh.iter().zip(kj).map(|(a, b)| a * b).sum::<f32>() / (hd as f32).sqrt()
                    })
                    .collect();
                softmax(&mut s);
                for (j, w) in s.iter().enumerate() {
                    for d in 0..hd {
                        out[(i * shape.n_heads + h) * hd + d] += w * v[j * kvd + kh * hd + d];
                    }
                }
            }
        }
        out
    }

    #[test]
    fn tiled_matches_naive_over_several_tiles() {
        let shape = AttentionShape {
            n_heads: 4,
            n_kv_heads: 2,
            head_dim: 16,
        };
        let (len, n) = (200, 5);
        let val = |i: usize, m: f32| ((i as f32) * m).sin() * 2.0;
        let k: Vec<f32> = (0..len * 32).map(|i| val(i, 0.71)).collect();
        let v: Vec<f32> = (0..len * 32).map(|i| val(i, 1.37)).collect();
        let q: Vec<f32> = (0..n * 64).map(|i| val(i, 0.29)).collect();
        let mut out = vec![0f32; q.len()];
        causal_attention(shape, &q, &k, &v, None, &mut out);
        for (a, b) in out.iter().zip(naive(shape, &q, &k, &v)) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn first_position_returns_its_value() {
        let shape = AttentionShape {
            n_heads: 1,
            n_kv_heads: 1,
            head_dim: 2,
        };
        let mut out = vec![0f32; 2];
        causal_attention(
            shape,
            &[1.0, 1.0],
            &[3.0, 4.0],
            &[5.0, 6.0],
            Some(&[0.5]),
            &mut out,
        );
        assert_eq!(out, vec![5.0, 6.0]);
    }
}
