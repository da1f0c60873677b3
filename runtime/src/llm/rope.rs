//! Rotary position embeddings in both layouts, with Llama 3 frequency scaling.

use super::config::{Llama3RopeScaling, RopeLayout};

/// Precomputed inverse frequencies of a rotary embedding.
#[derive(Debug, Clone)]
pub struct Rope {
    inv_freq: Vec<f32>,
    layout: RopeLayout,
}

impl Rope {
    /// Rotates the first `dim` dimensions of each head with base `theta`.
    pub fn new(dim: usize, theta: f32, layout: RopeLayout) -> Rope {
        let inv_freq = (0..dim / 2)
            .map(|i| 1.0 / theta.powf(2.0 * i as f32 / dim as f32))
            .collect();
        Rope { inv_freq, layout }
    }

    /// Applies Llama 3 scaling to the frequencies.
    pub fn with_llama3_scaling(mut self, s: &Llama3RopeScaling) -> Rope {
        let low_wavelen = s.original_max_position_embeddings / s.low_freq_factor;
        let high_wavelen = s.original_max_position_embeddings / s.high_freq_factor;
        for f in &mut self.inv_freq {
            let wavelen = 2.0 * std::f32::consts::PI / *f;
            if wavelen > low_wavelen {
                *f /= s.factor;
            } else if wavelen >= high_wavelen {
                let smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor)
                    / (s.high_freq_factor - s.low_freq_factor);
                *f = (1.0 - smooth) * *f / s.factor + smooth * *f;
            }
        }
        self
    }

    /// Divides each frequency by a factor (GGUF `rope_freqs.weight`); `factors` has one
    /// entry per rotated pair.
    pub fn with_freq_factors(mut self, factors: &[f32]) -> Rope {
        for (f, d) in self.inv_freq.iter_mut().zip(factors) {
            *f /= d;
        }
        self
    }

    /// Inverse frequency of each rotated pair.
    pub fn inv_freq(&self) -> &[f32] {
        &self.inv_freq
    }

    /// Which dimensions form the rotated pairs.
    pub fn layout(&self) -> RopeLayout {
        self.layout
    }

    /// Number of rotated dimensions.
    pub fn dim(&self) -> usize {
        self.inv_freq.len() * 2
    }

    /// Rotates every `head_dim`-wide head of `x` (one position's heads) for `pos`.
    pub fn apply(&self, x: &mut [f32], head_dim: usize, pos: usize) {
        let half = self.inv_freq.len();
        let cos_sin: Vec<(f32, f32)> = self
            .inv_freq
            .iter()
            .map(|f| {
                let angle = pos as f32 * f;
                (angle.cos(), angle.sin())
            })
            .collect();
        for head in x.chunks_exact_mut(head_dim) {
            for (i, &(c, s)) in cos_sin.iter().enumerate() {
                let (a, b) = match self.layout {
                    RopeLayout::Interleaved => (2 * i, 2 * i + 1),
                    RopeLayout::Half => (i, i + half),
                };
                let (x0, x1) = (head[a], head[b]);
                head[a] = x0 * c - x1 * s;
                head[b] = x0 * s + x1 * c;
            }
        }
    }
}

/// Reorders the rows of a q or k projection (`n_heads` heads of `head_dim` rows, each
/// `cols` wide) from the half-rotated layout to the interleaved one, as GGUF stores them.
pub fn permute_half_to_interleaved<T: Copy>(w: &[T], n_heads: usize, cols: usize) -> Vec<T> {
    permute_rows(w, n_heads, cols, true)
}

/// The inverse of [`permute_half_to_interleaved`].
pub fn permute_interleaved_to_half<T: Copy>(w: &[T], n_heads: usize, cols: usize) -> Vec<T> {
    permute_rows(w, n_heads, cols, false)
}

/// Row `2i + j` of an interleaved head is row `j * half + i` of a half-rotated one.
fn permute_rows<T: Copy>(w: &[T], n_heads: usize, cols: usize, to_interleaved: bool) -> Vec<T> {
    let head_dim = w.len() / cols / n_heads;
    let half = head_dim / 2;
    let mut out = w.to_vec();
    for h in 0..n_heads {
        for i in 0..half {
            for j in 0..2 {
                let inter = h * head_dim + 2 * i + j;
                let halfr = h * head_dim + j * half + i;
                let (dst, src) = if to_interleaved {
                    (inter, halfr)
                } else {
                    (halfr, inter)
                };
                out[dst * cols..(dst + 1) * cols].copy_from_slice(&w[src * cols..(src + 1) * cols]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_agree_after_permutation() {
        // One head of width 8 projected from 3 inputs: rotating the permuted rows in the
        // interleaved layout equals permuting the half-layout rotation.
        let w: Vec<f32> = (0..24).map(|i| (i as f32 * 0.37).sin()).collect();
        let x = [0.3f32, -1.2, 0.8];
        let project = |w: &[f32]| -> Vec<f32> {
            w.chunks(3)
                .map(|r| r.iter().zip(&x).map(|(a, b)| a * b).sum())
                .collect()
        };
        let mut half = project(&w);
        Rope::new(8, 10000.0, RopeLayout::Half).apply(&mut half, 8, 5);
        let mut inter = project(&permute_half_to_interleaved(&w, 1, 3));
        Rope::new(8, 10000.0, RopeLayout::Interleaved).apply(&mut inter, 8, 5);
        let back = permute_interleaved_to_half(&inter, 1, 1);
        for (a, b) in back.iter().zip(&half) {
            assert!((a - b).abs() < 1e-6, "{back:?} vs {half:?}");
        }
    }

    #[test]
    fn rotation_keeps_norm_and_position_zero_is_identity() {
        let rope = Rope::new(4, 10000.0, RopeLayout::Interleaved);
        let mut x = vec![1.0, 2.0, 3.0, 4.0];
        rope.apply(&mut x, 4, 0);
        assert_eq!(x, vec![1.0, 2.0, 3.0, 4.0]);
        rope.apply(&mut x, 4, 7);
        let norm: f32 = x.iter().map(|v| v * v).sum();
        assert!((norm - 30.0).abs() < 1e-4);
    }

    #[test]
    fn llama3_scaling_keeps_high_and_divides_low_frequencies() {
        let s = Llama3RopeScaling {
            factor: 8.0,
            low_freq_factor: 1.0,
            high_freq_factor: 4.0,
            original_max_position_embeddings: 8192.0,
        };
        let plain = Rope::new(128, 500000.0, RopeLayout::Half);
        let scaled = plain.clone().with_llama3_scaling(&s);
        assert_eq!(scaled.inv_freq[0], plain.inv_freq[0]);
        let last = plain.inv_freq.len() - 1;
        assert!((scaled.inv_freq[last] - plain.inv_freq[last] / 8.0).abs() < 1e-12);
    }
}
