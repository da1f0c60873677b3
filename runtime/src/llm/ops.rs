//! Row-wise building blocks on plain f32 slices: normalisations, activations, gated
//! feed-forward products and position encodings.

/// RMSNorm of each `weight.len()`-wide row of `x`, in place: `x / rms(x) * weight`.
pub fn rms_norm(x: &mut [f32], weight: &[f32], eps: f32) {
    for row in x.chunks_exact_mut(weight.len()) {
        let mean_sq = row.iter().map(|v| v * v).sum::<f32>() / row.len() as f32;
        let inv = 1.0 / (mean_sq + eps).sqrt();
        for (v, w) in row.iter_mut().zip(weight) {
            *v = *v * inv * w;
        }
    }
}

/// LayerNorm of each `weight.len()`-wide row of `x`, in place (GPT-2 style).
pub fn layer_norm(x: &mut [f32], weight: &[f32], bias: &[f32], eps: f32) {
    for row in x.chunks_exact_mut(weight.len()) {
        let n = row.len() as f32;
        let mean = row.iter().sum::<f32>() / n;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, w), b) in row.iter_mut().zip(weight).zip(bias) {
            *v = (*v - mean) * inv * w + b;
        }
    }
}

/// SiLU, `x * sigmoid(x)`.
pub fn silu(x: f32) -> f32 {
    x / (1.0 + (-x).exp())
}

/// GELU with the tanh approximation (GPT-2, Gemma).
pub fn gelu_tanh(x: f32) -> f32 {
    const C: f32 = 0.797_884_6; // sqrt(2 / pi)
    0.5 * x * (1.0 + (C * (x + 0.044715 * x * x * x)).tanh())
}

/// SwiGLU: `gate = silu(gate) * up`, in place.
pub fn swiglu(gate: &mut [f32], up: &[f32]) {
    for (g, u) in gate.iter_mut().zip(up) {
        *g = silu(*g) * u;
    }
}

/// GeGLU: `gate = gelu(gate) * up`, in place.
pub fn geglu(gate: &mut [f32], up: &[f32]) {
    for (g, u) in gate.iter_mut().zip(up) {
        *g = gelu_tanh(*g) * u;
    }
}

/// ALiBi slopes for `n_heads` heads (geometric, as in the ALiBi paper, with the
/// interleaved extension when `n_heads` is not a power of two).
pub fn alibi_slopes(n_heads: usize) -> Vec<f32> {
    let closest = 1usize << (usize::BITS - 1 - n_heads.max(1).leading_zeros());
    let base = |n: usize| 2f32.powf(-8.0 / n as f32);
    let mut slopes: Vec<f32> = (1..=closest)
        .map(|i| base(closest).powi(i as i32))
        .collect();
    let extra = 2 * closest;
    slopes.extend(
        (1..=extra)
            .step_by(2)
            .take(n_heads - closest)
            .map(|i| base(extra).powi(i as i32)),
    );
    slopes
}

/// Sinusoidal position encoding of `pos` into `out` (sin on even, cos on odd dims).
pub fn sinusoidal_position(pos: usize, out: &mut [f32]) {
    let d = out.len() as f32;
    for (i, pair) in out.chunks_mut(2).enumerate() {
        let angle = pos as f32 / 10000f32.powf(2.0 * i as f32 / d);
        pair[0] = angle.sin();
        if let Some(c) = pair.get_mut(1) {
            *c = angle.cos();
        }
    }
}

/// Softmax of `x` in place (numerically stable).
pub fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in x.iter_mut() {
        *v /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rms_norm_matches_formula() {
        let mut x = vec![1.0, 2.0, 3.0, 4.0];
        rms_norm(&mut x, &[1.0, 1.0, 2.0, 2.0], 0.0);
        let rms = (30f32 / 4.0).sqrt();
        let want = [1.0 / rms, 2.0 / rms, 6.0 / rms, 8.0 / rms];
        for (a, b) in x.iter().zip(want) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let mut x = vec![1.0, 3.0];
        layer_norm(&mut x, &[1.0, 1.0], &[0.5, 0.5], 0.0);
        assert!(
            (x[0] + 0.5).abs() < 1e-6 && (x[1] - 1.5).abs() < 1e-6,
            "{x:?}"
        );
    }

    #[test]
    fn activations_match_reference_values() {
        assert!((silu(1.0) - 0.731_058_6).abs() < 1e-6);
        // torch.nn.functional.gelu(torch.tensor(1.0), approximate="tanh")
        assert!((gelu_tanh(1.0) - 0.841_192).abs() < 1e-5);
        let mut g = vec![1.0, -1.0];
        swiglu(&mut g, &[2.0, 3.0]);
        assert!((g[0] - 1.462_117_2).abs() < 1e-6 && (g[1] + 0.806_824_3).abs() < 1e-6);
        let mut g = vec![1.0];
        geglu(&mut g, &[2.0]);
        assert!((g[0] - 1.682_384).abs() < 1e-5);
    }

    #[test]
    fn alibi_slopes_follow_the_paper() {
        let s = alibi_slopes(8);
        assert_eq!(s.len(), 8);
        assert!((s[0] - 0.5).abs() < 1e-7 && (s[7] - 1.0 / 256.0).abs() < 1e-9);
        let s = alibi_slopes(12);
        assert_eq!(s.len(), 12);
        assert!((s[8] - 2f32.powf(-0.5)).abs() < 1e-6, "{s:?}");
    }

    #[test]
    fn sinusoidal_position_at_zero_and_one() {
        let mut p = vec![0.0; 4];
        sinusoidal_position(0, &mut p);
        assert_eq!(p, vec![0.0, 1.0, 0.0, 1.0]);
        sinusoidal_position(1, &mut p);
        assert!((p[0] - 1f32.sin()).abs() < 1e-6 && (p[2] - 0.01f32.sin()).abs() < 1e-6);
    }

    #[test]
    fn softmax_sums_to_one() {
        let mut x = vec![1000.0, 1000.0, f32::NEG_INFINITY];
        softmax(&mut x);
        assert_eq!(x, vec![0.5, 0.5, 0.0]);
    }
}
