//! K-quant quantization following ggml's reference algorithms: Q4_K (per 32-value group a
//! weighted least-squares search for scale and minimum, then 6-bit scales and mins) and
//! Q6_K (per 16-value group a symmetric scale search, then 8-bit scales).

use half::f16;

use super::blocks::{k_scale_min, BlockQ4_K, BlockQ6_K, K_SCALE_SIZE, QK_K};

/// Rounds half to even, as ggml's `nearest_int` does for the magnitudes used here.
fn nearest_int(v: f32) -> i32 {
    v.round_ties_even() as i32
}

/// Best scale and (negated) minimum for `x` with levels `0..=nmax`, minimising the
/// weighted squared error over a small sweep of candidate scales; writes the levels to `levels`.
fn scale_and_min(x: &[f32], weights: &[f32], nmax: i32, levels: &mut [u8]) -> (f32, f32) {
    const RMIN: f32 = -1.0;
    const RDELTA: f32 = 0.1;
    const NSTEP: i32 = 20;
    let mut min = x[0];
    let mut max = x[0];
    let mut sum_w = weights[0];
    let mut sum_x = sum_w * x[0];
    for i in 1..x.len() {
        min = min.min(x[i]);
        max = max.max(x[i]);
        sum_w += weights[i];
        sum_x += weights[i] * x[i];
    }
    if min > 0.0 {
        min = 0.0;
    }
    if max == min {
        levels.fill(0);
        return (0.0, -min);
    }
    let mut iscale = nmax as f32 / (max - min);
    let mut scale = 1.0 / iscale;
    let mut best_error = 0f32;
    for i in 0..x.len() {
        let l = nearest_int(iscale * (x[i] - min)).clamp(0, nmax);
        levels[i] = l as u8;
        let diff = scale * l as f32 + min - x[i];
        best_error += weights[i] * diff * diff;
    }
    let mut trial = [0u8; 32];
    for step in 0..=NSTEP {
        iscale = (RMIN + RDELTA * step as f32 + nmax as f32) / (max - min);
        let (mut sum_l, mut sum_l2, mut sum_xl) = (0f32, 0f32, 0f32);
        for i in 0..x.len() {
            let l = nearest_int(iscale * (x[i] - min)).clamp(0, nmax);
            trial[i] = l as u8;
            let (w, l) = (weights[i], l as f32);
            sum_l += w * l;
            sum_l2 += w * l * l;
            sum_xl += w * l * x[i];
        }
        let det = sum_w * sum_l2 - sum_l * sum_l;
        if det > 0.0 {
            let mut this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
            let mut this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
            if this_min > 0.0 {
                this_min = 0.0;
                this_scale = sum_xl / sum_l2;
            }
            let mut error = 0f32;
            for i in 0..x.len() {
                let diff = this_scale * trial[i] as f32 + this_min - x[i];
                error += weights[i] * diff * diff;
            }
            if error < best_error {
                levels[..x.len()].copy_from_slice(&trial[..x.len()]);
                best_error = error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    (scale, -min)
}

/// One Q4_K super-block from 256 values.
pub fn quantize_q4_k(x: &[f32]) -> BlockQ4_K {
    let mut levels = [0u8; QK_K];
    let mut scales = [0f32; 8];
    let mut mins = [0f32; 8];
    for j in 0..8 {
        let group = &x[32 * j..32 * j + 32];
        let av_x = (group.iter().map(|v| v * v).sum::<f32>() / 32.0).sqrt();
        let weights: Vec<f32> = group.iter().map(|v| av_x + v.abs()).collect();
        let (s, m) = scale_and_min(group, &weights, 15, &mut levels[32 * j..32 * j + 32]);
        scales[j] = s;
        mins[j] = m;
    }
    // Strict comparisons keep +0 when every group is zero (f32::max may pick -0).
    let largest = |v: &[f32]| v.iter().fold(0f32, |a, &b| if b > a { b } else { a });
    let (max_scale, max_min) = (largest(&scales), largest(&mins));
    let inv_scale = if max_scale > 0.0 {
        63.0 / max_scale
    } else {
        0.0
    };
    let inv_min = if max_min > 0.0 { 63.0 / max_min } else { 0.0 };
    let mut packed = [0u8; K_SCALE_SIZE];
    for j in 0..8 {
        let ls = nearest_int(inv_scale * scales[j]).clamp(0, 63) as u8;
        let lm = nearest_int(inv_min * mins[j]).clamp(0, 63) as u8;
        if j < 4 {
            packed[j] = ls;
            packed[j + 4] = lm;
        } else {
            packed[j + 4] = (ls & 0x0F) | ((lm & 0x0F) << 4);
            packed[j - 4] |= (ls >> 4) << 6;
            packed[j] |= (lm >> 4) << 6;
        }
    }
    let d = f16::from_f32(max_scale / 63.0);
    let dmin = f16::from_f32(max_min / 63.0);
    let (sc, mn) = k_scale_min(&packed);
    for j in 0..8 {
        let dj = d.to_f32() * sc[j] as f32;
        if dj == 0.0 {
            continue;
        }
        let mj = dmin.to_f32() * mn[j] as f32;
        for i in 0..32 {
            levels[32 * j + i] = nearest_int((x[32 * j + i] + mj) / dj).clamp(0, 15) as u8;
        }
    }
    let mut qs = [0u8; QK_K / 2];
    for (chunk, out) in qs.chunks_exact_mut(32).enumerate() {
        for (l, q) in out.iter_mut().enumerate() {
            *q = levels[64 * chunk + l] | (levels[64 * chunk + 32 + l] << 4);
        }
    }
    BlockQ4_K {
        d,
        dmin,
        scales: packed,
        qs,
    }
}

/// Groups whose largest magnitude is below this are all zero (ggml's `GROUP_MAX_EPS`).
const GROUP_MAX_EPS: f32 = 1e-15;

/// Symmetric levels `-nmax..nmax` for `x` (written offset by `nmax` to `levels`) and the
/// scale minimising the `x²`-weighted squared error over a sweep of 19 candidate scales.
fn symmetric_scale(x: &[f32], nmax: i32, levels: &mut [u8]) -> f32 {
    let (mut max, mut amax) = (0f32, 0f32);
    for &v in x {
        if v.abs() > amax {
            amax = v.abs();
            max = v;
        }
    }
    if amax < GROUP_MAX_EPS {
        levels.fill(0);
        return 0.0;
    }
    let level = |iscale: f32, v: f32| nearest_int(iscale * v).clamp(-nmax, nmax - 1);
    let sums = |iscale: f32| {
        x.iter().fold((0f32, 0f32), |(lx, l2), &v| {
            let (l, w) = (level(iscale, v) as f32, v * v);
            (lx + w * v * l, l2 + w * l * l)
        })
    };
    let write = |iscale: f32, levels: &mut [u8]| {
        for (q, &v) in levels.iter_mut().zip(x) {
            *q = (level(iscale, v) + nmax) as u8;
        }
    };
    let iscale = -(nmax as f32) / max;
    write(iscale, levels);
    let (sum_lx, sum_l2) = sums(iscale);
    let mut scale = if sum_l2 != 0.0 { sum_lx / sum_l2 } else { 0.0 };
    let mut best = scale * sum_lx;
    for step in (-9..=9).filter(|&s| s != 0) {
        let iscale = -(nmax as f32 + 0.1 * step as f32) / max;
        let (sum_lx, sum_l2) = sums(iscale);
        if sum_l2 > 0.0 && sum_lx * sum_lx > best * sum_l2 {
            write(iscale, levels);
            scale = sum_lx / sum_l2;
            best = scale * sum_lx;
        }
    }
    scale
}

/// One Q6_K super-block from 256 values.
pub fn quantize_q6_k(x: &[f32]) -> BlockQ6_K {
    let mut levels = [0u8; QK_K];
    let mut scales = [0f32; QK_K / 16];
    let (mut max_scale, mut max_abs_scale) = (0f32, 0f32);
    for (ib, s) in scales.iter_mut().enumerate() {
        let r = 16 * ib..16 * ib + 16;
        *s = symmetric_scale(&x[r.clone()], 32, &mut levels[r]);
        if s.abs() > max_abs_scale {
            max_abs_scale = s.abs();
            max_scale = *s;
        }
    }
    if max_abs_scale < GROUP_MAX_EPS {
        return BlockQ6_K {
            ql: [0; QK_K / 2],
            qh: [0; QK_K / 4],
            scales: [0; QK_K / 16],
            d: f16::ZERO,
        };
    }
    let iscale = -128.0 / max_scale;
    let d = f16::from_f32(1.0 / iscale);
    let mut packed = [0i8; QK_K / 16];
    for (p, &s) in packed.iter_mut().zip(&scales) {
        *p = nearest_int(iscale * s).min(127) as i8;
    }
    for (j, &sc) in packed.iter().enumerate() {
        let dj = d.to_f32() * sc as f32;
        if dj == 0.0 {
            continue;
        }
        for i in 16 * j..16 * j + 16 {
            levels[i] = (nearest_int(x[i] / dj).clamp(-32, 31) + 32) as u8;
        }
    }
    let mut ql = [0u8; QK_K / 2];
    let mut qh = [0u8; QK_K / 4];
    for half in 0..2 {
        let (l, ql, qh) = (
            &levels[128 * half..128 * half + 128],
            &mut ql[64 * half..64 * half + 64],
            &mut qh[32 * half..32 * half + 32],
        );
        for i in 0..32 {
            ql[i] = (l[i] & 0xF) | ((l[i + 64] & 0xF) << 4);
            ql[i + 32] = (l[i + 32] & 0xF) | ((l[i + 96] & 0xF) << 4);
            qh[i] = (l[i] >> 4)
                | ((l[i + 32] >> 4) << 2)
                | ((l[i + 64] >> 4) << 4)
                | ((l[i + 96] >> 4) << 6);
        }
    }
    BlockQ6_K {
        ql,
        qh,
        scales: packed,
        d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::{dequantize, GgmlType};

    /// Reproducible values with a few outliers, as weights have.
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let u = (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                if i % 97 == 0 {
                    u * 8.0
                } else {
                    u
                }
            })
            .collect()
    }

    #[test]
    fn q6_k_levels_are_the_nearest_of_each_group_scale() {
        let x = values(4 * QK_K, 0x2545_f491_4f6c_dd1d);
        for chunk in x.chunks_exact(QK_K) {
            let block = quantize_q6_k(chunk);
            let back = dequantize(GgmlType::Q6_K, bytemuck::bytes_of(&block), QK_K)
                .expect("one whole block");
            let d = block.d.to_f32();
            for (j, &sc) in block.scales.iter().enumerate() {
                let step = (d * sc as f32).abs();
                for i in 16 * j..16 * j + 16 {
                    // Within half a step, unless the value lies past the clamped range.
                    let outside = (chunk[i] / (d * sc as f32)).round().abs() > 31.0;
                    let err = (back[i] - chunk[i]).abs();
                    assert!(
                        outside || err <= 0.5 * step * 1.0001,
                        "value {i}: error {err}"
                    );
                }
            }
        }
        let sse: f64 = {
            let q = crate::quant::quantize(GgmlType::Q6_K, &x).expect("whole blocks");
            let back = dequantize(GgmlType::Q6_K, &q, x.len()).expect("whole blocks");
            back.iter()
                .zip(&x)
                .map(|(a, b)| f64::from(a - b).powi(2))
                .sum()
        };
        let energy: f64 = x.iter().map(|v| f64::from(*v).powi(2)).sum();
        assert!(
            sse / energy < 1e-3,
            "relative squared error {}",
            sse / energy
        );
    }

    #[test]
    fn q6_k_of_zeros_is_zero() {
        let block = quantize_q6_k(&[0.0; QK_K]);
        assert_eq!(block.d.to_f32(), 0.0);
        assert!(block.scales.iter().all(|&s| s == 0));
        let back = dequantize(GgmlType::Q6_K, bytemuck::bytes_of(&block), QK_K).expect("block");
        assert!(back.iter().all(|&v| v == 0.0));
    }
}
