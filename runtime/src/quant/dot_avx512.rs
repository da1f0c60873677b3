//! AVX-512 VNNI versions of the hottest dot products (x86-64, chosen at run time).
//!
//! Legacy blocks (Q8_0, Q4_0) are taken two at a time in one 512-bit register and
//! sixteen at a time for their scales (one gather and one f16 conversion); integer
//! products use `vpdpbusd` (unsigned × signed bytes into 32-bit lanes).

use std::arch::x86_64::*;

use super::activation::{Q8Blocks, Q8KBlocks};
use super::blocks::{BlockQ4_0, BlockQ4_K, BlockQ6_K, BlockQ8_0, QK, QK_K};

/// Blocks whose scales are converted together.
const CHUNK: usize = 16;

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
    let offsets = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32(stride),
    );
    // SAFETY: each lane reads 4 bytes at the start of a block (caller's contract).
    let bits = unsafe { _mm512_i32gather_epi32::<1>(offsets, first as *const i32) };
    let d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(bits));
    assert!(a_d.len() >= CHUNK);
    // SAFETY: sixteen readable f32 checked above; unaligned load.
    _mm512_mul_ps(d, unsafe { _mm512_loadu_ps(a_d.as_ptr()) })
}

/// Loads 64 activation bytes.
#[inline]
#[target_feature(enable = "avx512f")]
fn load64(bytes: &[i8]) -> __m512i {
    assert!(bytes.len() >= 64);
    // SAFETY: 64 readable bytes checked above; unaligned load.
    unsafe { _mm512_loadu_si512(bytes.as_ptr() as *const __m512i) }
}

/// Row of Q8_0 blocks · Q8 activations.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q8_0(row: &[BlockQ8_0], a: &Q8Blocks) -> f32 {
    let full = row.len() / CHUNK * CHUNK;
    let pairs = pair_indices();
    let zero = _mm512_setzero_si512();
    let mut acc = _mm512_setzero_ps();
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
        for (k, idx) in pairs.iter().enumerate() {
            let (w0, w1) = (&chunk[2 * k].qs, &chunk[2 * k + 1].qs);
            // SAFETY: each qs holds 32 bytes; unaligned loads.
            let w = unsafe {
                _mm512_inserti64x4::<1>(
                    _mm512_castsi256_si512(_mm256_loadu_si256(w0.as_ptr() as *const __m256i)),
                    _mm256_loadu_si256(w1.as_ptr() as *const __m256i),
                )
            };
            let qa = load64(&a.qs[(base + 2 * k) * QK..]);
            // |w| (unsigned) times a with the sign of w: the same products.
            let negative = _mm512_movepi8_mask(w);
            let signed_a = _mm512_mask_sub_epi8(qa, negative, zero, qa);
            let sums = _mm512_dpbusd_epi32(zero, _mm512_abs_epi8(w), signed_a);
            let s = _mm512_permutexvar_ps(*idx, scales);
            acc = _mm512_fmadd_ps(s, _mm512_cvtepi32_ps(sums), acc);
        }
    }
    let tail: f32 = row[full..]
        .iter()
        .zip(full..)
        .map(|(w, b)| {
            let qa = &a.qs[b * QK..(b + 1) * QK];
            let sum: i32 =
                w.qs.iter()
                    .zip(qa)
                    .map(|(&x, &y)| x as i32 * y as i32)
                    .sum();
            w.d.to_f32() * a.d[b] * sum as f32
        })
        .sum();
    _mm512_reduce_add_ps(acc) + tail
}

/// Row of Q4_0 blocks · Q8 activations: nibbles (0..16) times activations, then the
/// offset of 8 through the activation block sums.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q4_0(row: &[BlockQ4_0], a: &Q8Blocks) -> f32 {
    let full = row.len() / CHUNK * CHUNK;
    let pairs = pair_indices();
    let zero = _mm512_setzero_si512();
    let low = _mm512_set1_epi8(0x0F);
    // 128-bit lanes 1 and 3 take the high nibbles of the block in lanes 0 and 2.
    let shifts = _mm512_setr_epi64(
        0,
        0,
        0x0004_0004_0004_0004,
        0x0004_0004_0004_0004,
        0,
        0,
        0x0004_0004_0004_0004,
        0x0004_0004_0004_0004,
    );
    let mut acc = _mm512_setzero_ps();
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
        for (k, idx) in pairs.iter().enumerate() {
            let (w0, w1) = (&chunk[2 * k].qs, &chunk[2 * k + 1].qs);
            // SAFETY: each qs holds 16 bytes; unaligned loads.
            let packed = unsafe {
                _mm512_mask_broadcast_i32x4(
                    _mm512_broadcast_i32x4(_mm_loadu_si128(w0.as_ptr() as *const __m128i)),
                    0xFF00,
                    _mm_loadu_si128(w1.as_ptr() as *const __m128i),
                )
            };
            let w = _mm512_and_si512(_mm512_srlv_epi16(packed, shifts), low);
            let qa = load64(&a.qs[(base + 2 * k) * QK..]);
            let sums = _mm512_dpbusd_epi32(zero, w, qa);
            let s = _mm512_permutexvar_ps(*idx, scales);
            acc = _mm512_fmadd_ps(s, _mm512_cvtepi32_ps(sums), acc);
        }
        assert!(a.sums.len() >= base + CHUNK);
        // SAFETY: sixteen readable f32 checked above; unaligned load.
        let block_sums = unsafe { _mm512_loadu_ps(a.sums[base..].as_ptr()) };
        offset = _mm512_fmadd_ps(scales, block_sums, offset);
    }
    let tail: f32 = row[full..]
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
        .sum();
    _mm512_reduce_add_ps(acc) - 8.0 * _mm512_reduce_add_ps(offset) + tail
}

/// The eight 6-bit scales (bytes 0..8) and mins (bytes 8..16) of a Q4_K/Q5_K block,
/// unpacked with 32-bit word operations.
#[inline]
fn k_scales_and_mins(scales: &[u8; 12]) -> [u32; 4] {
    let word = |i: usize| {
        u32::from_le_bytes([
            scales[4 * i],
            scales[4 * i + 1],
            scales[4 * i + 2],
            scales[4 * i + 3],
        ])
    };
    let (w0, w1, w2) = (word(0), word(1), word(2));
    const SIX: u32 = 0x3F3F_3F3F;
    const FOUR: u32 = 0x0F0F_0F0F;
    const TWO: u32 = 0x0303_0303;
    [
        w0 & SIX,
        (w2 & FOUR) | (((w0 >> 6) & TWO) << 4),
        w1 & SIX,
        ((w2 >> 4) & FOUR) | (((w1 >> 6) & TWO) << 4),
    ]
}

/// Loads two 32-byte activation runs into one register.
#[inline]
#[target_feature(enable = "avx512f")]
fn load_two32(lo: &[i8], hi: &[i8]) -> __m512i {
    assert!(lo.len() >= 32 && hi.len() >= 32);
    // SAFETY: 32 readable bytes each, checked above; unaligned loads.
    unsafe {
        _mm512_inserti64x4::<1>(
            _mm512_castsi256_si512(_mm256_loadu_si256(lo.as_ptr() as *const __m256i)),
            _mm256_loadu_si256(hi.as_ptr() as *const __m256i),
        )
    }
}

/// Row of Q4_K super-blocks · Q8_K activations.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q4_k(row: &[BlockQ4_K], a: &Q8KBlocks) -> f32 {
    let low = _mm512_set1_epi8(0x0F);
    // Scale of sub-blocks (g, g + 2) over the two halves of 32 16-bit lanes.
    let spread = |g: i16| {
        let mut idx = [g; 32];
        idx[16..].fill(g + 2);
        // SAFETY: 64 bytes; unaligned load.
        unsafe { _mm512_loadu_si512(idx.as_ptr() as *const __m512i) }
    };
    let idx = [spread(0), spread(1), spread(4), spread(5)];
    let mut acc = _mm512_setzero_ps();
    let mut acc_min = _mm_setzero_ps();
    for (b, w) in row.iter().enumerate() {
        let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
        let sm = k_scales_and_mins(&w.scales);
        // SAFETY: 16 bytes; unaligned load.
        let sm = unsafe { _mm_loadu_si128(sm.as_ptr() as *const __m128i) };
        let sm16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(sm));
        // SAFETY: qs holds 128 bytes; unaligned loads.
        let (q0, q1) = unsafe {
            (
                _mm512_loadu_si512(w.qs.as_ptr() as *const __m512i),
                _mm512_loadu_si512(w.qs.as_ptr().add(64) as *const __m512i),
            )
        };
        let nibbles = [
            (_mm512_and_si512(q0, low), load_two32(&qa[0..], &qa[64..])),
            (
                _mm512_and_si512(_mm512_srli_epi16(q0, 4), low),
                load_two32(&qa[32..], &qa[96..]),
            ),
            (
                _mm512_and_si512(q1, low),
                load_two32(&qa[128..], &qa[192..]),
            ),
            (
                _mm512_and_si512(_mm512_srli_epi16(q1, 4), low),
                load_two32(&qa[160..], &qa[224..]),
            ),
        ];
        let mut sumi = _mm512_setzero_si512();
        for ((q, x), i) in nibbles.into_iter().zip(idx) {
            let pairs = _mm512_maddubs_epi16(q, x);
            let scaled = _mm512_madd_epi16(pairs, _mm512_permutexvar_epi16(i, sm16));
            sumi = _mm512_add_epi32(sumi, scaled);
        }
        // Sums of each 32 activations against the eight mins.
        // SAFETY: bsums holds 16 i16 per block; unaligned loads.
        let bsums = unsafe {
            let p = a.bsums[b * 16..(b + 1) * 16].as_ptr() as *const __m128i;
            _mm_hadd_epi16(_mm_loadu_si128(p), _mm_loadu_si128(p.add(1)))
        };
        let mins = _mm_cvtepu8_epi16(_mm_srli_si128::<8>(sm));
        let summ = _mm_cvtepi32_ps(_mm_madd_epi16(mins, bsums));
        let dd = u32::from(w.d.to_bits()) | (u32::from(w.dmin.to_bits()) << 16);
        let scales = _mm_mul_ps(
            _mm_cvtph_ps(_mm_cvtsi32_si128(dd as i32)),
            _mm_set1_ps(a.d[b]),
        );
        acc = _mm512_fmadd_ps(_mm512_broadcastss_ps(scales), _mm512_cvtepi32_ps(sumi), acc);
        acc_min = _mm_fmadd_ps(_mm_permute_ps::<0b0101_0101>(scales), summ, acc_min);
    }
    let m = _mm_add_ps(acc_min, _mm_movehl_ps(acc_min, acc_min));
    let m = _mm_add_ss(m, _mm_movehdup_ps(m));
    _mm512_reduce_add_ps(acc) - _mm_cvtss_f32(m)
}

/// Row of Q6_K super-blocks · Q8_K activations: 6-bit values (0..64) times activations
/// with the group scales, then the offset of 32 through the activation group sums.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q6_k(row: &[BlockQ6_K], a: &Q8KBlocks) -> f32 {
    let low = _mm512_set1_epi8(0x0F);
    let bits45 = _mm512_set1_epi8(0x30);
    // Scales of the four groups of 16 values starting at group `first`, each over eight
    // 16-bit lanes.
    let spread = |first: i16| {
        let idx: [i16; 32] = std::array::from_fn(|j| first + j as i16 / 8);
        // SAFETY: 64 bytes; unaligned load.
        unsafe { _mm512_loadu_si512(idx.as_ptr() as *const __m512i) }
    };
    let idx = [spread(0), spread(4), spread(8), spread(12)];
    let mut acc = _mm512_setzero_ps();
    for (b, w) in row.iter().enumerate() {
        let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
        // SAFETY: 16 scale bytes and 16 group sums; unaligned loads.
        let (scales, bsums) = unsafe {
            (
                _mm256_cvtepi8_epi16(_mm_loadu_si128(w.scales.as_ptr() as *const __m128i)),
                _mm256_loadu_si256(a.bsums[b * 16..(b + 1) * 16].as_ptr() as *const __m256i),
            )
        };
        let scales512 = _mm512_castsi256_si512(scales);
        let offset =
            _mm512_slli_epi32::<5>(_mm512_zextsi256_si512(_mm256_madd_epi16(scales, bsums)));
        let mut sumi = _mm512_setzero_si512();
        for half in 0..2 {
            // SAFETY: ql holds 128 bytes and qh 64; unaligned loads.
            let (ql, qh) = unsafe {
                (
                    _mm512_loadu_si512(w.ql.as_ptr().add(64 * half) as *const __m512i),
                    _mm256_loadu_si256(w.qh.as_ptr().add(32 * half) as *const __m256i),
                )
            };
            let qh2 =
                _mm512_inserti64x4::<1>(_mm512_castsi256_si512(qh), _mm256_srli_epi16::<2>(qh));
            let first = _mm512_or_si512(
                _mm512_and_si512(ql, low),
                _mm512_and_si512(_mm512_slli_epi16::<4>(qh2), bits45),
            );
            let second = _mm512_or_si512(
                _mm512_and_si512(_mm512_srli_epi16::<4>(ql), low),
                _mm512_and_si512(qh2, bits45),
            );
            for (k, q) in [first, second].into_iter().enumerate() {
                let x = load64(&qa[128 * half + 64 * k..]);
                let s = _mm512_permutexvar_epi16(idx[2 * half + k], scales512);
                let scaled = _mm512_madd_epi16(_mm512_maddubs_epi16(q, x), s);
                sumi = _mm512_add_epi32(sumi, scaled);
            }
        }
        let d = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(i32::from(w.d.to_bits()))));
        let total = _mm512_sub_epi32(sumi, offset);
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d * a.d[b]), _mm512_cvtepi32_ps(total), acc);
    }
    _mm512_reduce_add_ps(acc)
}
