//! AVX-512 VNNI versions of the hottest dot products (x86-64, chosen at run time); the
//! K-quant ones are in `dot_avx512_k`.
//!
//! Legacy blocks (Q8_0, Q4_0) are taken two at a time in one 512-bit register and
//! sixteen at a time for their scales (one gather and one f16 conversion); integer
//! products use `vpdpbusd` (unsigned × signed bytes into 32-bit lanes).

use std::arch::x86_64::*;

use super::activation::Q8Blocks;
use super::blocks::{BlockQ4_0, BlockQ8_0, QK};
pub(crate) use super::dot_avx512_k::{dot_q4_k, dot_q4_k_many, dot_q6_k, dot_q6_k_many};

/// Blocks whose scales are converted together.
const CHUNK: usize = 16;

/// Activations handled together by the `_many` kernels.
pub(crate) const MANY: usize = 4;

/// True when this CPU has the features these kernels use.
pub(crate) fn available() -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512vnni")
        && is_x86_feature_detected!("f16c")
        && is_x86_feature_detected!("fma")
}

/// Index vectors spreading two adjacent lanes `2k`, `2k + 1` of a 16-lane vector over
/// the low and high eight lanes, for `k` in `0..8`.
#[inline]
#[target_feature(enable = "avx512f")]
fn pair_indices() -> [__m512i; 8] {
    std::array::from_fn(|k| {
        let (lo, hi) = (2 * k as i32, 2 * k as i32 + 1);
        _mm512_setr_epi32(
            lo, lo, lo, lo, lo, lo, lo, lo, hi, hi, hi, hi, hi, hi, hi, hi,
        )
    })
}

/// Products of the f16 scales of sixteen blocks (`stride` bytes apart from `first`)
/// with the matching activation scales.
///
/// # Safety
/// `first` must point at sixteen readable blocks of `stride >= 4` bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,f16c")]
unsafe fn chunk_scales(first: *const u8, stride: i32, a_d: &[f32]) -> __m512 {
    // SAFETY: the caller's contract.
    let d = unsafe { weight_scales(first, stride) };
    times_activation_scales(d, a_d)
}

/// The f16 scales of sixteen blocks `stride` bytes apart from `first`, as f32.
///
/// # Safety
/// `first` must point at sixteen readable blocks of `stride >= 4` bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,f16c")]
unsafe fn weight_scales(first: *const u8, stride: i32) -> __m512 {
    let offsets = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32(stride),
    );
    // SAFETY: each lane reads 4 bytes at the start of a block (caller's contract).
    let bits = unsafe { _mm512_i32gather_epi32::<1>(offsets, first as *const i32) };
    _mm512_cvtph_ps(_mm512_cvtepi32_epi16(bits))
}

/// Sixteen weight scales times the matching activation scales.
#[inline]
#[target_feature(enable = "avx512f")]
fn times_activation_scales(d: __m512, a_d: &[f32]) -> __m512 {
    assert!(a_d.len() >= CHUNK);
    // SAFETY: sixteen readable f32 checked above; unaligned load.
    _mm512_mul_ps(d, unsafe { _mm512_loadu_ps(a_d.as_ptr()) })
}

/// Loads 64 activation bytes.
#[inline]
#[target_feature(enable = "avx512f")]
pub(super) fn load64(bytes: &[i8]) -> __m512i {
    assert!(bytes.len() >= 64);
    // SAFETY: 64 readable bytes checked above; unaligned load.
    unsafe { _mm512_loadu_si512(bytes.as_ptr() as *const __m512i) }
}

/// The 64 weights of two Q8_0 blocks as magnitudes, and the mask of the negative ones.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn q8_0_pair(w0: &BlockQ8_0, w1: &BlockQ8_0) -> (__m512i, __mmask64) {
    // SAFETY: each qs holds 32 bytes; unaligned loads.
    let w = unsafe {
        _mm512_inserti64x4::<1>(
            _mm512_castsi256_si512(_mm256_loadu_si256(w0.qs.as_ptr() as *const __m256i)),
            _mm256_loadu_si256(w1.qs.as_ptr() as *const __m256i),
        )
    };
    (_mm512_abs_epi8(w), _mm512_movepi8_mask(w))
}

/// Integer products of two Q8_0 blocks (as [`q8_0_pair`] gives them) with 64
/// activations: |w| (unsigned) times the activations with the sign of w.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn q8_0_pair_sums(w: (__m512i, __mmask64), qa: __m512i) -> __m512i {
    let zero = _mm512_setzero_si512();
    let signed_a = _mm512_mask_sub_epi8(qa, w.1, zero, qa);
    _mm512_dpbusd_epi32(zero, w.0, signed_a)
}

/// Blocks `full..` of a Q8_0 row · Q8 activations, one at a time.
fn q8_0_tail(row: &[BlockQ8_0], full: usize, a: &Q8Blocks) -> f32 {
    row[full..]
        .iter()
        .zip(full..)
        .map(|(w, b)| super::dot::block_dot_q8_0(w, a, b))
        .sum()
}

/// One chunk (eight block pairs) of a legacy-block dot product: `pair_sums(k, x)` gives
/// the integer products of pair `k` with its 64 activations `x` (from `qa`, the chunk's
/// 512); each is scaled by its blocks' `scales` and added to the two accumulators in turn.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,fma")]
fn chunk_fma(
    acc: [__m512; 2],
    qa: &[i8],
    pairs: &[__m512i; 8],
    scales: __m512,
    pair_sums: impl Fn(usize, __m512i) -> __m512i,
) -> [__m512; 2] {
    // The integer sums of pair `k`, scaled by its blocks' scales.
    let scaled = |k: usize| {
        let sums = pair_sums(k, load64(&qa[64 * k..]));
        (
            _mm512_permutexvar_ps(pairs[k], scales),
            _mm512_cvtepi32_ps(sums),
        )
    };
    let [mut even, mut odd] = acc;
    for k in (0..8).step_by(2) {
        let (s, v) = scaled(k);
        even = _mm512_fmadd_ps(s, v, even);
        let (s, v) = scaled(k + 1);
        odd = _mm512_fmadd_ps(s, v, odd);
    }
    [even, odd]
}

/// Row of Q8_0 blocks · Q8 activations.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q8_0(row: &[BlockQ8_0], a: &Q8Blocks) -> f32 {
    let full = row.len() / CHUNK * CHUNK;
    let pairs = pair_indices();
    // Two accumulators, so consecutive block pairs do not wait on each other's sum.
    let mut acc = [_mm512_setzero_ps(); 2];
    for (c, chunk) in row[..full].chunks_exact(CHUNK).enumerate() {
        let base = c * CHUNK;
        // SAFETY: sixteen blocks of 34 bytes, the scale first in each.
        let scales = unsafe {
            chunk_scales(
                chunk.as_ptr() as *const u8,
                size_of::<BlockQ8_0>() as i32,
                &a.d[base..],
            )
        };
        let qa = &a.qs[base * QK..];
        acc = chunk_fma(acc, qa, &pairs, scales, |k, x| {
            q8_0_pair_sums(q8_0_pair(&chunk[2 * k], &chunk[2 * k + 1]), x)
        });
    }
    _mm512_reduce_add_ps(_mm512_add_ps(acc[0], acc[1])) + q8_0_tail(row, full, a)
}

/// Row of Q8_0 blocks · [`MANY`] Q8 activations at once (prompt processing): each
/// weight block is loaded once for all of them; each result equals `dot_q8_0`'s.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q8_0_many(row: &[BlockQ8_0], acts: [&Q8Blocks; MANY]) -> [f32; MANY] {
    let full = row.len() / CHUNK * CHUNK;
    let pairs = pair_indices();
    let mut acc = [[_mm512_setzero_ps(); 2]; MANY];
    for (c, chunk) in row[..full].chunks_exact(CHUNK).enumerate() {
        let base = c * CHUNK;
        // SAFETY: sixteen blocks of 34 bytes, the scale first in each.
        let d =
            unsafe { weight_scales(chunk.as_ptr() as *const u8, size_of::<BlockQ8_0>() as i32) };
        let ws: [(__m512i, __mmask64); 8] =
            std::array::from_fn(|k| q8_0_pair(&chunk[2 * k], &chunk[2 * k + 1]));
        for (acc, a) in acc.iter_mut().zip(acts) {
            let scales = times_activation_scales(d, &a.d[base..]);
            let qa = &a.qs[base * QK..];
            *acc = chunk_fma(*acc, qa, &pairs, scales, |k, x| q8_0_pair_sums(ws[k], x));
        }
    }
    std::array::from_fn(|i| {
        _mm512_reduce_add_ps(_mm512_add_ps(acc[i][0], acc[i][1])) + q8_0_tail(row, full, acts[i])
    })
}

/// Shift counts of [`q4_0_pair`]: 128-bit lanes 1 and 3 take the high nibbles of the
/// block in lanes 0 and 2.
#[inline]
#[target_feature(enable = "avx512f")]
fn q4_0_shifts() -> __m512i {
    _mm512_setr_epi64(
        0,
        0,
        0x0004_0004_0004_0004,
        0x0004_0004_0004_0004,
        0,
        0,
        0x0004_0004_0004_0004,
        0x0004_0004_0004_0004,
    )
}

/// The 64 nibbles (0..16) of two Q4_0 blocks, in value order.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn q4_0_pair(w0: &BlockQ4_0, w1: &BlockQ4_0, shifts: __m512i) -> __m512i {
    // SAFETY: each qs holds 16 bytes; unaligned loads.
    let packed = unsafe {
        _mm512_mask_broadcast_i32x4(
            _mm512_broadcast_i32x4(_mm_loadu_si128(w0.qs.as_ptr() as *const __m128i)),
            0xFF00,
            _mm_loadu_si128(w1.qs.as_ptr() as *const __m128i),
        )
    };
    _mm512_and_si512(_mm512_srlv_epi16(packed, shifts), _mm512_set1_epi8(0x0F))
}

/// Row of Q4_0 blocks · [`MANY`] Q8 activations at once (prompt processing): each
/// weight block is decoded once for all of them; each result equals `dot_q4_0`'s.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q4_0_many(row: &[BlockQ4_0], acts: [&Q8Blocks; MANY]) -> [f32; MANY] {
    let full = row.len() / CHUNK * CHUNK;
    let pairs = pair_indices();
    let zero = _mm512_setzero_si512();
    let shifts = q4_0_shifts();
    let mut acc = [[_mm512_setzero_ps(); 2]; MANY];
    let mut offset = [_mm512_setzero_ps(); MANY];
    for (c, chunk) in row[..full].chunks_exact(CHUNK).enumerate() {
        let base = c * CHUNK;
        // SAFETY: sixteen blocks of 18 bytes, the scale first in each.
        let d =
            unsafe { weight_scales(chunk.as_ptr() as *const u8, size_of::<BlockQ4_0>() as i32) };
        let ws: [__m512i; 8] =
            std::array::from_fn(|k| q4_0_pair(&chunk[2 * k], &chunk[2 * k + 1], shifts));
        for ((acc, offset), a) in acc.iter_mut().zip(&mut offset).zip(acts) {
            let scales = times_activation_scales(d, &a.d[base..]);
            let qa = &a.qs[base * QK..];
            *acc = chunk_fma(*acc, qa, &pairs, scales, |k, x| {
                _mm512_dpbusd_epi32(zero, ws[k], x)
            });
            *offset = q4_0_offset(*offset, scales, &a.sums[base..]);
        }
    }
    std::array::from_fn(|i| {
        _mm512_reduce_add_ps(_mm512_add_ps(acc[i][0], acc[i][1]))
            - 8.0 * _mm512_reduce_add_ps(offset[i])
            + q4_0_tail(row, full, acts[i])
    })
}

/// Adds sixteen block scales times the sums of their activations to `offset` (the term
/// that takes Q4_0's 8 away from its nibbles).
#[inline]
#[target_feature(enable = "avx512f,fma")]
fn q4_0_offset(offset: __m512, scales: __m512, block_sums: &[f32]) -> __m512 {
    assert!(block_sums.len() >= CHUNK);
    // SAFETY: sixteen readable f32 checked above; unaligned load.
    let sums = unsafe { _mm512_loadu_ps(block_sums.as_ptr()) };
    _mm512_fmadd_ps(scales, sums, offset)
}

/// Blocks `full..` of a Q4_0 row · Q8 activations, one at a time.
fn q4_0_tail(row: &[BlockQ4_0], full: usize, a: &Q8Blocks) -> f32 {
    row[full..]
        .iter()
        .zip(full..)
        .map(|(w, b)| {
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

/// Row of Q4_0 blocks · Q8 activations: nibbles (0..16) times activations, then the
/// offset of 8 through the activation block sums.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q4_0(row: &[BlockQ4_0], a: &Q8Blocks) -> f32 {
    let full = row.len() / CHUNK * CHUNK;
    let pairs = pair_indices();
    let zero = _mm512_setzero_si512();
    let shifts = q4_0_shifts();
    // Two accumulators, so consecutive block pairs do not wait on each other's sum.
    let mut acc = [_mm512_setzero_ps(); 2];
    let mut offset = _mm512_setzero_ps();
    for (c, chunk) in row[..full].chunks_exact(CHUNK).enumerate() {
        let base = c * CHUNK;
        // SAFETY: sixteen blocks of 18 bytes, the scale first in each.
        let scales = unsafe {
            chunk_scales(
                chunk.as_ptr() as *const u8,
                size_of::<BlockQ4_0>() as i32,
                &a.d[base..],
            )
        };
        let qa = &a.qs[base * QK..];
        acc = chunk_fma(acc, qa, &pairs, scales, |k, x| {
            _mm512_dpbusd_epi32(zero, q4_0_pair(&chunk[2 * k], &chunk[2 * k + 1], shifts), x)
        });
        offset = q4_0_offset(offset, scales, &a.sums[base..]);
    }
    _mm512_reduce_add_ps(_mm512_add_ps(acc[0], acc[1])) - 8.0 * _mm512_reduce_add_ps(offset)
        + q4_0_tail(row, full, a)
}
