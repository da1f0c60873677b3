//! AVX2/FMA/F16C versions of the hot dot products (x86-64, chosen at run time).

use std::arch::x86_64::*;

use super::activation::{Q8Blocks, Q8KBlocks};
use super::blocks::{k_scale_min, BlockQ4_0, BlockQ4_K, BlockQ5_K, BlockQ6_K, BlockQ8_0, QK, QK_K};

/// True when this CPU has the features these kernels use.
pub(crate) fn available() -> bool {
    is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("f16c")
}

/// Sum of the eight lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(s)
}

/// Products of signed bytes summed in groups of four, as eight f32 lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn mul_sum_i8(x: __m256i, y: __m256i) -> __m256 {
    let ax = _mm256_sign_epi8(x, x);
    let sy = _mm256_sign_epi8(y, x);
    let pairs = _mm256_maddubs_epi16(ax, sy);
    _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
}

/// Loads 32 bytes.
#[inline]
#[target_feature(enable = "avx2")]
fn load32(bytes: &[i8]) -> __m256i {
    assert!(bytes.len() >= 32);
    // SAFETY: 32 readable bytes checked above; unaligned load.
    unsafe { _mm256_loadu_si256(bytes.as_ptr() as *const __m256i) }
}

/// Products of the f16 scales of up to eight blocks with the activation scales,
/// converted eight at a time (one scalar conversion per block would chain each
/// block's conversion to the previous block's accumulation).
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn block_scales(bits: impl Iterator<Item = u16>, a_d: &[f32]) -> [f32; 8] {
    let mut h = [0u16; 8];
    let mut ad = [0f32; 8];
    for ((slot, b), (s, &d)) in h.iter_mut().zip(bits).zip(ad.iter_mut().zip(a_d)) {
        *slot = b;
        *s = d;
    }
    // SAFETY: h is 16 bytes and ad 32 bytes; unaligned loads.
    let (hv, av) = unsafe {
        (
            _mm_loadu_si128(h.as_ptr() as *const __m128i),
            _mm256_loadu_ps(ad.as_ptr()),
        )
    };
    let mut out = [0f32; 8];
    // SAFETY: out is 32 bytes; unaligned store.
    unsafe { _mm256_storeu_ps(out.as_mut_ptr(), _mm256_mul_ps(_mm256_cvtph_ps(hv), av)) };
    out
}

/// Row of Q8_0 blocks · Q8 activations.
#[target_feature(enable = "avx2,fma,f16c")]
pub(crate) fn dot_q8_0(row: &[BlockQ8_0], a: &Q8Blocks) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for (c, chunk) in row.chunks(8).enumerate() {
        let scales = block_scales(chunk.iter().map(|w| w.d.to_bits()), &a.d[8 * c..]);
        for (i, w) in chunk.iter().enumerate() {
            let qw = load32(&w.qs);
            let qa = load32(&a.qs[(8 * c + i) * QK..]);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(scales[i]), mul_sum_i8(qw, qa), acc);
        }
    }
    hsum(acc)
}

/// Row of Q4_0 blocks · Q8 activations.
#[target_feature(enable = "avx2,fma,f16c")]
pub(crate) fn dot_q4_0(row: &[BlockQ4_0], a: &Q8Blocks) -> f32 {
    let mut acc = _mm256_setzero_ps();
    let low = _mm256_set1_epi8(0x0F);
    let eight = _mm256_set1_epi8(8);
    for (c, chunk) in row.chunks(8).enumerate() {
        let scales = block_scales(chunk.iter().map(|w| w.d.to_bits()), &a.d[8 * c..]);
        for (i, w) in chunk.iter().enumerate() {
            // SAFETY: qs is 16 bytes; unaligned load.
            let packed = unsafe { _mm_loadu_si128(w.qs.as_ptr() as *const __m128i) };
            let nibbles = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
            let qw = _mm256_sub_epi8(_mm256_and_si256(nibbles, low), eight);
            let qa = load32(&a.qs[(8 * c + i) * QK..]);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(scales[i]), mul_sum_i8(qw, qa), acc);
        }
    }
    hsum(acc)
}

/// Row of Q4_K super-blocks · Q8_K activations.
#[target_feature(enable = "avx2,fma,f16c")]
pub(crate) fn dot_q4_k(row: &[BlockQ4_K], a: &Q8KBlocks) -> f32 {
    let mut acc = _mm256_setzero_ps();
    let mut acc_min = 0f32;
    let low = _mm256_set1_epi8(0x0F);
    for (c, chunk) in row.chunks(8).enumerate() {
        let ds = block_scales(chunk.iter().map(|w| w.d.to_bits()), &a.d[8 * c..]);
        let dmins = block_scales(chunk.iter().map(|w| w.dmin.to_bits()), &a.d[8 * c..]);
        for (i, w) in chunk.iter().enumerate() {
            let b = 8 * c + i;
            let (sc, mn) = k_scale_min(&w.scales);
            let summ = a.min_term(b, &mn);
            let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
            let mut sumi = _mm256_setzero_si256();
            for j in 0..4 {
                // SAFETY: qs has 128 bytes, j < 4; unaligned load.
                let q4 = unsafe { _mm256_loadu_si256(w.qs.as_ptr().add(32 * j) as *const __m256i) };
                let q4l = _mm256_and_si256(q4, low);
                let q4h = _mm256_and_si256(_mm256_srli_epi16(q4, 4), low);
                let pl = _mm256_maddubs_epi16(q4l, load32(&qa[64 * j..]));
                let ph = _mm256_maddubs_epi16(q4h, load32(&qa[64 * j + 32..]));
                let pl = _mm256_madd_epi16(pl, _mm256_set1_epi16(sc[2 * j] as i16));
                let ph = _mm256_madd_epi16(ph, _mm256_set1_epi16(sc[2 * j + 1] as i16));
                sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(pl, ph));
            }
            acc = _mm256_fmadd_ps(_mm256_set1_ps(ds[i]), _mm256_cvtepi32_ps(sumi), acc);
            acc_min += dmins[i] * summ as f32;
        }
    }
    hsum(acc) - acc_min
}

/// Row of Q6_K super-blocks · Q8_K activations.
#[target_feature(enable = "avx2,fma,f16c")]
pub(crate) fn dot_q6_k(row: &[BlockQ6_K], a: &Q8KBlocks) -> f32 {
    let mut acc = _mm256_setzero_ps();
    let low = _mm256_set1_epi8(0x0F);
    let two_bits = _mm256_set1_epi8(0x03);
    for (c, chunk) in row.chunks(8).enumerate() {
        let ds = block_scales(chunk.iter().map(|w| w.d.to_bits()), &a.d[8 * c..]);
        for (i, w) in chunk.iter().enumerate() {
            let b = 8 * c + i;
            let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
            let bsums = &a.bsums[b * 16..(b + 1) * 16];
            // The -32 offset of every value, applied once through the group sums.
            let offset: i32 = (0..16)
                .map(|g| w.scales[g] as i32 * bsums[g] as i32)
                .sum::<i32>()
                * 32;
            let mut sumi = _mm256_setzero_si256();
            for half in 0..2 {
                let ql = &w.ql[64 * half..];
                let (ql_lo, ql_hi) = (load32u(&ql[..32]), load32u(&ql[32..64]));
                let qh = load32u(&w.qh[32 * half..32 * half + 32]);
                let high = |shift: i32| {
                    let h = match shift {
                        0 => qh,
                        2 => _mm256_srli_epi16(qh, 2),
                        4 => _mm256_srli_epi16(qh, 4),
                        _ => _mm256_srli_epi16(qh, 6),
                    };
                    _mm256_slli_epi16(_mm256_and_si256(h, two_bits), 4)
                };
                let quads = [
                    _mm256_or_si256(_mm256_and_si256(ql_lo, low), high(0)),
                    _mm256_or_si256(_mm256_and_si256(ql_hi, low), high(2)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_lo, 4), low), high(4)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_hi, 4), low), high(6)),
                ];
                for (k, q) in quads.into_iter().enumerate() {
                    let g = 8 * half + 2 * k;
                    let p = _mm256_maddubs_epi16(q, load32(&qa[128 * half + 32 * k..]));
                    let scales = _mm256_set_m128i(
                        _mm_set1_epi16(w.scales[g + 1] as i16),
                        _mm_set1_epi16(w.scales[g] as i16),
                    );
                    sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, scales));
                }
            }
            let total = _mm256_sub_epi32(sumi, _mm256_setr_epi32(offset, 0, 0, 0, 0, 0, 0, 0));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(ds[i]), _mm256_cvtepi32_ps(total), acc);
        }
    }
    hsum(acc)
}

/// Loads 32 unsigned bytes.
#[inline]
#[target_feature(enable = "avx2")]
fn load32u(bytes: &[u8]) -> __m256i {
    assert!(bytes.len() >= 32);
    // SAFETY: 32 readable bytes checked above; unaligned load.
    unsafe { _mm256_loadu_si256(bytes.as_ptr() as *const __m256i) }
}

/// Row of Q5_K super-blocks · Q8_K activations.
#[target_feature(enable = "avx2,fma,f16c")]
pub(crate) fn dot_q5_k(row: &[BlockQ5_K], a: &Q8KBlocks) -> f32 {
    let mut acc = _mm256_setzero_ps();
    let mut acc_min = 0f32;
    let low = _mm256_set1_epi8(0x0F);
    let one = _mm256_set1_epi8(1);
    for (c, chunk) in row.chunks(8).enumerate() {
        let ds = block_scales(chunk.iter().map(|w| w.d.to_bits()), &a.d[8 * c..]);
        let dmins = block_scales(chunk.iter().map(|w| w.dmin.to_bits()), &a.d[8 * c..]);
        for (i, w) in chunk.iter().enumerate() {
            let b = 8 * c + i;
            let (sc, mn) = k_scale_min(&w.scales);
            let summ = a.min_term(b, &mn);
            let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
            let qh = load32u(&w.qh);
            // Fifth bit of group g, moved to bit 4 of each byte.
            let high = |g: i32| {
                let shifted = match g {
                    0 => qh,
                    1 => _mm256_srli_epi16(qh, 1),
                    2 => _mm256_srli_epi16(qh, 2),
                    3 => _mm256_srli_epi16(qh, 3),
                    4 => _mm256_srli_epi16(qh, 4),
                    5 => _mm256_srli_epi16(qh, 5),
                    6 => _mm256_srli_epi16(qh, 6),
                    _ => _mm256_srli_epi16(qh, 7),
                };
                _mm256_slli_epi16(_mm256_and_si256(shifted, one), 4)
            };
            let mut sumi = _mm256_setzero_si256();
            for j in 0..4 {
                let q4 = load32u(&w.qs[32 * j..32 * j + 32]);
                let ql = _mm256_or_si256(_mm256_and_si256(q4, low), high(2 * j as i32));
                let qh4 = _mm256_and_si256(_mm256_srli_epi16(q4, 4), low);
                let qhi = _mm256_or_si256(qh4, high(2 * j as i32 + 1));
                let pl = _mm256_maddubs_epi16(ql, load32(&qa[64 * j..]));
                let ph = _mm256_maddubs_epi16(qhi, load32(&qa[64 * j + 32..]));
                let pl = _mm256_madd_epi16(pl, _mm256_set1_epi16(sc[2 * j] as i16));
                let ph = _mm256_madd_epi16(ph, _mm256_set1_epi16(sc[2 * j + 1] as i16));
                sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(pl, ph));
            }
            acc = _mm256_fmadd_ps(_mm256_set1_ps(ds[i]), _mm256_cvtepi32_ps(sumi), acc);
            acc_min += dmins[i] * summ as f32;
        }
    }
    hsum(acc) - acc_min
}
