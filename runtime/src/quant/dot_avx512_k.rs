//! AVX-512 VNNI versions of the K-quant dot products (Q4_K, Q6_K): each super-block is
//! decoded into registers once, then multiplied with one or several activation vectors.

use std::arch::x86_64::*;

use super::activation::Q8KBlocks;
use super::blocks::{BlockQ4_K, BlockQ6_K, QK_K};
use super::dot_avx512::{load64, MANY};

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

/// One Q4_K super-block decoded for multiplication: its 256 nibbles, the scales of
/// each 16-bit product lane, its eight mins and its two f16 scales.
struct Q4KBlock {
    /// Nibbles of sub-blocks (0, 2), (1, 3), (4, 6), (5, 7), 32 per half.
    nibbles: [__m512i; 4],
    /// The sub-block scale of each 16-bit lane of the matching `nibbles` products.
    scales: [__m512i; 4],
    /// The eight mins, as 16-bit values.
    mins: __m128i,
    /// `d` and `dmin` as f32 (lanes 0 and 1).
    dd: __m128,
}

/// The scale-lane index vectors of [`q4_k_decode`].
#[inline]
#[target_feature(enable = "avx512f")]
fn q4_k_lane_indices() -> [__m512i; 4] {
    // Scale of sub-blocks (g, g + 2) over the two halves of 32 16-bit lanes.
    let spread = |g: i16| {
        let mut idx = [g; 32];
        idx[16..].fill(g + 2);
        // SAFETY: 64 bytes; unaligned load.
        unsafe { _mm512_loadu_si512(idx.as_ptr() as *const __m512i) }
    };
    [spread(0), spread(1), spread(4), spread(5)]
}

/// Decodes one Q4_K super-block.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,f16c")]
fn q4_k_decode(w: &BlockQ4_K, idx: &[__m512i; 4]) -> Q4KBlock {
    let low = _mm512_set1_epi8(0x0F);
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
    let dd = u32::from(w.d.to_bits()) | (u32::from(w.dmin.to_bits()) << 16);
    Q4KBlock {
        nibbles: [
            _mm512_and_si512(q0, low),
            _mm512_and_si512(_mm512_srli_epi16(q0, 4), low),
            _mm512_and_si512(q1, low),
            _mm512_and_si512(_mm512_srli_epi16(q1, 4), low),
        ],
        scales: idx.map(|i| _mm512_permutexvar_epi16(i, sm16)),
        mins: _mm_cvtepu8_epi16(_mm_srli_si128::<8>(sm)),
        dd: _mm_cvtph_ps(_mm_cvtsi32_si128(dd as i32)),
    }
}

/// Running sums of Q4_K rows times one activation vector.
#[derive(Clone, Copy)]
struct Q4KSums {
    /// Scaled integer products.
    acc: __m512,
    /// Mins times activation sums.
    acc_min: __m128,
}

impl Q4KSums {
    /// Nothing summed yet.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn new() -> Q4KSums {
        Q4KSums {
            acc: _mm512_setzero_ps(),
            acc_min: _mm_setzero_ps(),
        }
    }

    /// Adds decoded super-block `w` (index `b`) times the activations `a`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,fma")]
    fn add(&mut self, w: &Q4KBlock, a: &Q8KBlocks, b: usize) {
        let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
        let xs = [
            load_two32(&qa[0..], &qa[64..]),
            load_two32(&qa[32..], &qa[96..]),
            load_two32(&qa[128..], &qa[192..]),
            load_two32(&qa[160..], &qa[224..]),
        ];
        let mut sumi = _mm512_setzero_si512();
        for ((q, x), s) in w.nibbles.iter().zip(xs).zip(&w.scales) {
            let pairs = _mm512_maddubs_epi16(*q, x);
            sumi = _mm512_add_epi32(sumi, _mm512_madd_epi16(pairs, *s));
        }
        // Sums of each 32 activations against the eight mins.
        // SAFETY: bsums holds 16 i16 per block; unaligned loads.
        let bsums = unsafe {
            let p = a.bsums[b * 16..(b + 1) * 16].as_ptr() as *const __m128i;
            _mm_hadd_epi16(_mm_loadu_si128(p), _mm_loadu_si128(p.add(1)))
        };
        let summ = _mm_cvtepi32_ps(_mm_madd_epi16(w.mins, bsums));
        let scales = _mm_mul_ps(w.dd, _mm_set1_ps(a.d[b]));
        self.acc = _mm512_fmadd_ps(
            _mm512_broadcastss_ps(scales),
            _mm512_cvtepi32_ps(sumi),
            self.acc,
        );
        self.acc_min = _mm_fmadd_ps(_mm_permute_ps::<0b0101_0101>(scales), summ, self.acc_min);
    }

    /// The dot product.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn total(self) -> f32 {
        let m = _mm_add_ps(self.acc_min, _mm_movehl_ps(self.acc_min, self.acc_min));
        let m = _mm_add_ss(m, _mm_movehdup_ps(m));
        _mm512_reduce_add_ps(self.acc) - _mm_cvtss_f32(m)
    }
}

/// Row of Q4_K super-blocks · Q8_K activations.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q4_k(row: &[BlockQ4_K], a: &Q8KBlocks) -> f32 {
    let idx = q4_k_lane_indices();
    let mut sums = Q4KSums::new();
    for (b, w) in row.iter().enumerate() {
        sums.add(&q4_k_decode(w, &idx), a, b);
    }
    sums.total()
}

/// Row of Q4_K super-blocks · [`MANY`] Q8_K activations at once (prompt processing):
/// each super-block is decoded once for all of them; each result equals `dot_q4_k`'s.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q4_k_many(row: &[BlockQ4_K], acts: [&Q8KBlocks; MANY]) -> [f32; MANY] {
    let idx = q4_k_lane_indices();
    let mut sums = [Q4KSums::new(); MANY];
    for (b, w) in row.iter().enumerate() {
        let block = q4_k_decode(w, &idx);
        for (s, a) in sums.iter_mut().zip(acts) {
            s.add(&block, a, b);
        }
    }
    sums.map(|s| s.total())
}

/// One Q6_K super-block decoded for multiplication.
struct Q6KBlock {
    /// The 256 6-bit values (0..64), 64 per register in value order.
    values: [__m512i; 4],
    /// The group scale of each 16-bit product lane of the matching `values` products.
    lane_scales: [__m512i; 4],
    /// The sixteen group scales as 16-bit values.
    scales: __m256i,
    /// The super-block scale.
    d: f32,
}

/// The scale-lane index vectors of [`q6_k_decode`].
#[inline]
#[target_feature(enable = "avx512f")]
fn q6_k_lane_indices() -> [__m512i; 4] {
    // Scales of the four groups of 16 values starting at group `first`, each over eight
    // 16-bit lanes.
    let spread = |first: i16| {
        let idx: [i16; 32] = std::array::from_fn(|j| first + j as i16 / 8);
        // SAFETY: 64 bytes; unaligned load.
        unsafe { _mm512_loadu_si512(idx.as_ptr() as *const __m512i) }
    };
    [spread(0), spread(4), spread(8), spread(12)]
}

/// Decodes one Q6_K super-block.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,f16c")]
fn q6_k_decode(w: &BlockQ6_K, idx: &[__m512i; 4]) -> Q6KBlock {
    let low = _mm512_set1_epi8(0x0F);
    let bits45 = _mm512_set1_epi8(0x30);
    // SAFETY: 16 scale bytes; unaligned load.
    let scales =
        unsafe { _mm256_cvtepi8_epi16(_mm_loadu_si128(w.scales.as_ptr() as *const __m128i)) };
    let scales512 = _mm512_castsi256_si512(scales);
    let halves = [0, 1].map(|half| {
        // SAFETY: ql holds 128 bytes and qh 64; unaligned loads.
        let (ql, qh) = unsafe {
            (
                _mm512_loadu_si512(w.ql.as_ptr().add(64 * half) as *const __m512i),
                _mm256_loadu_si256(w.qh.as_ptr().add(32 * half) as *const __m256i),
            )
        };
        let qh2 = _mm512_inserti64x4::<1>(_mm512_castsi256_si512(qh), _mm256_srli_epi16::<2>(qh));
        let first = _mm512_or_si512(
            _mm512_and_si512(ql, low),
            _mm512_and_si512(_mm512_slli_epi16::<4>(qh2), bits45),
        );
        let second = _mm512_or_si512(
            _mm512_and_si512(_mm512_srli_epi16::<4>(ql), low),
            _mm512_and_si512(qh2, bits45),
        );
        [first, second]
    });
    Q6KBlock {
        values: [halves[0][0], halves[0][1], halves[1][0], halves[1][1]],
        lane_scales: idx.map(|i| _mm512_permutexvar_epi16(i, scales512)),
        scales,
        d: _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(i32::from(w.d.to_bits())))),
    }
}

/// Adds decoded Q6_K super-block `w` (index `b`) times the activations `a` to `acc`.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,fma")]
fn q6_k_add(acc: __m512, w: &Q6KBlock, a: &Q8KBlocks, b: usize) -> __m512 {
    let qa = &a.qs[b * QK_K..(b + 1) * QK_K];
    // SAFETY: 16 group sums; unaligned load.
    let bsums =
        unsafe { _mm256_loadu_si256(a.bsums[b * 16..(b + 1) * 16].as_ptr() as *const __m256i) };
    let offset = _mm512_slli_epi32::<5>(_mm512_zextsi256_si512(_mm256_madd_epi16(w.scales, bsums)));
    let mut sumi = _mm512_setzero_si512();
    for (k, (q, s)) in w.values.iter().zip(&w.lane_scales).enumerate() {
        let x = load64(&qa[64 * k..]);
        let scaled = _mm512_madd_epi16(_mm512_maddubs_epi16(*q, x), *s);
        sumi = _mm512_add_epi32(sumi, scaled);
    }
    let total = _mm512_sub_epi32(sumi, offset);
    _mm512_fmadd_ps(_mm512_set1_ps(w.d * a.d[b]), _mm512_cvtepi32_ps(total), acc)
}

/// Row of Q6_K super-blocks · Q8_K activations: 6-bit values (0..64) times activations
/// with the group scales, then the offset of 32 through the activation group sums.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q6_k(row: &[BlockQ6_K], a: &Q8KBlocks) -> f32 {
    let idx = q6_k_lane_indices();
    let mut acc = _mm512_setzero_ps();
    for (b, w) in row.iter().enumerate() {
        acc = q6_k_add(acc, &q6_k_decode(w, &idx), a, b);
    }
    _mm512_reduce_add_ps(acc)
}

/// Row of Q6_K super-blocks · [`MANY`] Q8_K activations at once (prompt processing):
/// each super-block is decoded once for all of them; each result equals `dot_q6_k`'s.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,f16c,fma")]
pub(crate) fn dot_q6_k_many(row: &[BlockQ6_K], acts: [&Q8KBlocks; MANY]) -> [f32; MANY] {
    let idx = q6_k_lane_indices();
    let mut acc = [_mm512_setzero_ps(); MANY];
    for (b, w) in row.iter().enumerate() {
        let block = q6_k_decode(w, &idx);
        for (acc, a) in acc.iter_mut().zip(acts) {
            *acc = q6_k_add(*acc, &block, a, b);
        }
    }
    acc.map(|acc| _mm512_reduce_add_ps(acc))
}
