//! Dequantization and quantization against the Python `gguf` package's outputs.

use super::*;

/// Bytes of `tests/fixtures/gguf/quant/<name>`.
fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/gguf/quant/{}"
        ),
        name
    );
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {path} (run make_quant_fixtures.py): {e}"))
}

/// Little-endian f32 values of a fixture.
fn f32s(name: &str) -> Vec<f32> {
    fixture(name)
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

#[test]
fn dequantize_is_bit_exact_with_gguf_py() {
    for ty in DEQUANTIZE_TYPES {
        let blocks = fixture(&format!("{}.blocks", ty.name()));
        let expected = f32s(&format!("{}.f32", ty.name()));
        let got = dequantize(ty, &blocks, expected.len()).unwrap();
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g.to_bits(), e.to_bits(), "{ty} value {i}: {g} vs {e}");
        }
    }
}

#[test]
fn dequantize_works_on_unaligned_bytes() {
    let blocks = fixture("Q4_K.blocks");
    let mut shifted = vec![0u8; blocks.len() + 1];
    shifted[1..].copy_from_slice(&blocks);
    let expected = f32s("Q4_K.f32");
    assert_eq!(
        dequantize(GgmlType::Q4_K, &shifted[1..], expected.len()).unwrap(),
        expected
    );
}

#[test]
fn quantize_is_bit_exact_with_gguf_py() {
    let x = f32s("quantize-input.f32");
    for ty in [
        GgmlType::F16,
        GgmlType::BF16,
        GgmlType::Q8_0,
        GgmlType::Q4_0,
        GgmlType::Q4_1,
        GgmlType::Q5_0,
        GgmlType::Q5_1,
    ] {
        let expected = fixture(&format!("quantize-{}.bin", ty.name()));
        assert_eq!(quantize(ty, &x).unwrap(), expected, "{ty}");
    }
}

#[test]
fn sizes_and_types_are_checked() {
    let err = dequantize(GgmlType::Q4_0, &[0; 18], 31).unwrap_err();
    assert!(err.to_string().contains("whole number"), "{err}");
    let err = dequantize(GgmlType::Q4_0, &[0; 17], 32).unwrap_err();
    assert!(err.to_string().contains("take 18 bytes, got 17"), "{err}");
    assert!(dequantize(GgmlType::IQ2_XXS, &[0; 66], 256).is_err());
    assert!(quantize(GgmlType::Q2_K, &[0.0; 256]).is_err());
}

/// xorshift64 random numbers for reproducible test data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [-1, 1).
    fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// Byte offsets of the f16 scales in each block type (kept finite and small).
fn scale_offsets(ty: GgmlType) -> &'static [usize] {
    match ty {
        GgmlType::Q4_1 | GgmlType::Q5_1 | GgmlType::Q4_K | GgmlType::Q5_K => &[0, 2],
        GgmlType::Q5_0 => &[0],
        GgmlType::Q2_K => &[80, 82],
        GgmlType::Q3_K => &[108],
        GgmlType::Q6_K => &[208],
        _ => &[],
    }
}

/// A random `rows × cols` matrix of `ty`.
fn random_matrix(ty: GgmlType, rows: usize, cols: usize, rng: &mut Rng) -> QuantizedMatrix {
    if QUANTIZE_TYPES.contains(&ty) {
        let values: Vec<f32> = (0..rows * cols).map(|_| rng.uniform()).collect();
        return QuantizedMatrix::from_f32(&values, rows, cols, ty).unwrap();
    }
    let n_blocks = rows * cols / ty.block_size();
    let mut bytes: Vec<u8> = (0..n_blocks * ty.type_size())
        .map(|_| rng.next_u64() as u8)
        .collect();
    for block in bytes.chunks_exact_mut(ty.type_size()) {
        for &off in scale_offsets(ty) {
            let scale = half::f16::from_f32(rng.uniform() * 0.05);
            block[off..off + 2].copy_from_slice(&scale.to_le_bytes());
        }
    }
    QuantizedMatrix::new(ty, rows, cols, SharedBytes::from_vec(bytes)).unwrap()
}

#[test]
fn matvec_matches_dequantize_then_dot() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (rows, cols) = (37, 512);
    for ty in DEQUANTIZE_TYPES {
        let m = random_matrix(ty, rows, cols, &mut rng);
        let x: Vec<f32> = (0..cols).map(|_| rng.uniform() * 2.0).collect();
        let mut out = vec![0f32; rows];
        m.matvec(&x, &mut out).unwrap();
        let w = m.dequantize().unwrap();
        let int_path = matches!(
            ty,
            GgmlType::Q4_0 | GgmlType::Q8_0 | GgmlType::Q4_K | GgmlType::Q5_K | GgmlType::Q6_K
        );
        let block = if ty.block_size() == 256 { 256 } else { 32 };
        for r in 0..rows {
            let row = &w[r * cols..(r + 1) * cols];
            let exact: f64 = row.iter().zip(&x).map(|(&a, &b)| a as f64 * b as f64).sum();
            // Quantizing x to 8 bits moves each x_i by at most max|x| over its block / 254.
            let bound: f64 = if int_path {
                row.chunks(block)
                    .zip(x.chunks(block))
                    .map(|(wc, xc)| {
                        let amax = xc.iter().fold(0f32, |m, v| m.max(v.abs())) as f64;
                        wc.iter().map(|v| v.abs() as f64).sum::<f64>() * amax / 254.0
                    })
                    .sum()
            } else {
                row.iter()
                    .zip(&x)
                    .map(|(&a, &b)| (a as f64 * b as f64).abs())
                    .sum::<f64>()
                    * 1e-5
            };
            let err = (out[r] as f64 - exact).abs();
            assert!(
                err <= bound * 1.001 + 1e-5,
                "{ty} row {r}: {} vs {exact} (bound {bound})",
                out[r]
            );
        }
    }
}

#[test]
fn matvec_rejects_bad_shapes() {
    let m = QuantizedMatrix::from_f32(&[0.5; 64], 2, 32, GgmlType::Q8_0).unwrap();
    let mut out = [0f32; 2];
    assert!(m.matvec(&[1.0; 31], &mut out).is_err());
    assert!(m.matvec(&[1.0; 32], &mut [0f32; 3]).is_err());
    m.matvec(&[1.0; 32], &mut out).unwrap();
    assert!((out[0] - 16.0).abs() < 1e-3, "{out:?}");
    assert!(QuantizedMatrix::from_f32(&[0.5; 60], 2, 30, GgmlType::Q8_0).is_err());
    let err = QuantizedMatrix::new(GgmlType::Q4_0, 2, 32, SharedBytes::from_vec(vec![0; 35]))
        .unwrap_err();
    assert!(err.to_string().contains("take 36 bytes"), "{err}");
}

#[cfg(target_arch = "x86_64")]
#[test]
fn simd_kernels_agree_with_portable_ones() {
    use super::activation::{Q8Blocks, Q8KBlocks};
    use super::blocks::{BlockQ4_0, BlockQ4_K, BlockQ5_K, BlockQ6_K, BlockQ8_0};
    use super::dequantize::as_blocks;
    if !super::dot_avx2::available() {
        eprintln!("no AVX2 on this CPU: only the portable kernels are in use");
        return;
    }
    let mut rng = Rng(42);
    let x: Vec<f32> = (0..1024).map(|_| rng.uniform()).collect();
    let (q8, q8k) = (Q8Blocks::quantize(&x), Q8KBlocks::quantize(&x));
    let close = |a: f32, b: f32| (a - b).abs() <= 1e-4 * (1.0 + a.abs());
    for _ in 0..4 {
        let m = random_matrix(GgmlType::Q8_0, 1, 1024, &mut rng);
        let row = as_blocks::<BlockQ8_0>(m.bytes());
        // SAFETY: AVX2, FMA and F16C checked above.
        let simd = unsafe { super::dot_avx2::dot_q8_0(&row, &q8) };
        assert!(close(simd, super::dot::dot_q8_0(&row, &q8)));
        let m = random_matrix(GgmlType::Q4_0, 1, 1024, &mut rng);
        let row = as_blocks::<BlockQ4_0>(m.bytes());
        // SAFETY: as above.
        let simd = unsafe { super::dot_avx2::dot_q4_0(&row, &q8) };
        assert!(close(simd, super::dot::dot_q4_0(&row, &q8)));
        let m = random_matrix(GgmlType::Q4_K, 1, 1024, &mut rng);
        let row = as_blocks::<BlockQ4_K>(m.bytes());
        // SAFETY: as above.
        let simd = unsafe { super::dot_avx2::dot_q4_k(&row, &q8k) };
        assert!(close(simd, super::dot::dot_q4_k(&row, &q8k)), "{simd}");
        let m = random_matrix(GgmlType::Q5_K, 1, 1024, &mut rng);
        let row = as_blocks::<BlockQ5_K>(m.bytes());
        // SAFETY: as above.
        let simd = unsafe { super::dot_avx2::dot_q5_k(&row, &q8k) };
        assert!(close(simd, super::dot::dot_q5_k(&row, &q8k)), "{simd}");
        let m = random_matrix(GgmlType::Q6_K, 1, 1024, &mut rng);
        let row = as_blocks::<BlockQ6_K>(m.bytes());
        // SAFETY: as above.
        let simd = unsafe { super::dot_avx2::dot_q6_k(&row, &q8k) };
        assert!(close(simd, super::dot::dot_q6_k(&row, &q8k)), "{simd}");
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn avx512_kernels_agree_with_portable_ones() {
    use super::activation::{Q8Blocks, Q8KBlocks};
    use super::blocks::{BlockQ4_0, BlockQ4_K, BlockQ6_K, BlockQ8_0};
    use super::dequantize::as_blocks;
    if !super::dot_avx512::available() {
        eprintln!("no AVX-512 VNNI on this CPU: the AVX2 or portable kernels are in use");
        return;
    }
    let mut rng = Rng(4242);
    let close = |a: f32, b: f32| (a - b).abs() <= 1e-4 * (1.0 + a.abs());
    // 37 legacy blocks: two chunks of sixteen and a tail of five.
    for cols in [1184, 512, 96] {
        let x: Vec<f32> = (0..cols).map(|_| rng.uniform() * 3.0).collect();
        let q8 = Q8Blocks::quantize(&x);
        for _ in 0..4 {
            let m = random_matrix(GgmlType::Q8_0, 1, cols, &mut rng);
            let row = as_blocks::<BlockQ8_0>(m.bytes());
            // SAFETY: AVX-512 VNNI, F16C and FMA checked above.
            let simd = unsafe { super::dot_avx512::dot_q8_0(&row, &q8) };
            let want = super::dot::dot_q8_0(&row, &q8);
            assert!(close(simd, want), "Q8_0 {cols}: {simd} vs {want}");
            let m = random_matrix(GgmlType::Q4_0, 1, cols, &mut rng);
            let row = as_blocks::<BlockQ4_0>(m.bytes());
            // SAFETY: as above.
            let simd = unsafe { super::dot_avx512::dot_q4_0(&row, &q8) };
            let want = super::dot::dot_q4_0(&row, &q8);
            assert!(close(simd, want), "Q4_0 {cols}: {simd} vs {want}");
        }
    }
    // Extreme bytes: every Q8_0 weight -128 or 127, activations at full scale.
    let x: Vec<f32> = (0..512)
        .map(|i| if i % 3 == 0 { -1.0 } else { 1.0 })
        .collect();
    let q8 = Q8Blocks::quantize(&x);
    let mut bytes = Vec::new();
    for b in 0..16 {
        bytes.extend_from_slice(&half::f16::from_f32(0.01).to_le_bytes());
        bytes.extend((0..32).map(|i| if (i + b) % 2 == 0 { 0x80u8 } else { 0x7F }));
    }
    let row = as_blocks::<BlockQ8_0>(&bytes);
    // SAFETY: as above.
    let simd = unsafe { super::dot_avx512::dot_q8_0(&row, &q8) };
    assert!(close(simd, super::dot::dot_q8_0(&row, &q8)), "{simd}");
    let x: Vec<f32> = (0..1024).map(|_| rng.uniform()).collect();
    let q8k = Q8KBlocks::quantize(&x);
    for _ in 0..4 {
        let m = random_matrix(GgmlType::Q4_K, 1, 1024, &mut rng);
        let row = as_blocks::<BlockQ4_K>(m.bytes());
        // SAFETY: as above.
        let simd = unsafe { super::dot_avx512::dot_q4_k(&row, &q8k) };
        let want = super::dot::dot_q4_k(&row, &q8k);
        assert!(close(simd, want), "Q4_K: {simd} vs {want}");
        let m = random_matrix(GgmlType::Q6_K, 1, 1024, &mut rng);
        let row = as_blocks::<BlockQ6_K>(m.bytes());
        // SAFETY: as above.
        let simd = unsafe { super::dot_avx512::dot_q6_k(&row, &q8k) };
        let want = super::dot::dot_q6_k(&row, &q8k);
        assert!(close(simd, want), "Q6_K: {simd} vs {want}");
    }
}

#[test]
fn q4_k_quantization_beats_q4_0_and_round_trips() {
    let mut rng = Rng(0x51_7cc1_b727_220a);
    let x: Vec<f32> = (0..4096).map(|_| rng.uniform() * 3.0 + 0.4).collect();
    let rms = |ty: GgmlType| {
        let back = dequantize(ty, &quantize(ty, &x).unwrap(), x.len()).unwrap();
        let se: f32 = back.iter().zip(&x).map(|(a, b)| (a - b) * (a - b)).sum();
        (se / x.len() as f32).sqrt()
    };
    let (q4k, q4_0) = (rms(GgmlType::Q4_K), rms(GgmlType::Q4_0));
    // 4-bit levels over a range of ~6: a step of ~0.4, so an rms error near 0.4 / sqrt(12).
    assert!(q4k < 0.13, "Q4_K rms error {q4k}");
    assert!(q4k < q4_0, "Q4_K {q4k} vs Q4_0 {q4_0}");
    assert_eq!(
        quantize(GgmlType::Q4_K, &[0.0; 256]).unwrap(),
        vec![0u8; 144]
    );
    let constant = dequantize(
        GgmlType::Q4_K,
        &quantize(GgmlType::Q4_K, &[2.5; 256]).unwrap(),
        256,
    )
    .unwrap();
    assert!(
        constant.iter().all(|v| (v - 2.5).abs() < 0.05),
        "{:?}",
        &constant[..4]
    );
}

#[test]
fn matmul_equals_one_matvec_per_vector() {
    let mut rng = Rng(77);
    for ty in [
        GgmlType::Q8_0,
        GgmlType::Q4_0,
        GgmlType::Q4_K,
        GgmlType::Q5_K,
        GgmlType::Q6_K,
        GgmlType::F16,
    ] {
        // Five vectors: a group of four in one call, then one alone.
        let (rows, cols, n) = (21, 256, 5);
        let m = random_matrix(ty, rows, cols, &mut rng);
        let x: Vec<f32> = (0..n * cols).map(|_| rng.uniform()).collect();
        let mut batched = vec![0f32; n * rows];
        m.matmul(&x, n, &mut batched).unwrap();
        for i in 0..n {
            let mut single = vec![0f32; rows];
            m.matvec(&x[i * cols..(i + 1) * cols], &mut single).unwrap();
            assert_eq!(
                &batched[i * rows..(i + 1) * rows],
                single.as_slice(),
                "{ty} vector {i}"
            );
        }
        assert!(m.matmul(&x, n + 1, &mut batched).is_err());
    }
}

#[test]
fn matmul_each_equals_one_matmul_per_matrix() {
    let mut rng = Rng(78);
    let (cols, n) = (512, 3);
    // Rows that split into uneven tasks, and every activation family at once.
    let matrices: Vec<QuantizedMatrix> = [
        (GgmlType::Q4_K, 300),
        (GgmlType::Q6_K, 17),
        (GgmlType::Q8_0, 64),
        (GgmlType::Q4_0, 5),
        (GgmlType::F16, 40),
    ]
    .into_iter()
    .map(|(ty, rows)| random_matrix(ty, rows, cols, &mut rng))
    .collect();
    let refs: Vec<&QuantizedMatrix> = matrices.iter().collect();
    for n in [1, n] {
        let x: Vec<f32> = (0..n * cols).map(|_| rng.uniform()).collect();
        let outs = QuantizedMatrix::matmul_each(&refs, &x, n).unwrap();
        for (m, out) in matrices.iter().zip(&outs) {
            let mut alone = vec![0f32; n * m.rows()];
            m.matmul(&x, n, &mut alone).unwrap();
            assert_eq!(out, &alone, "{} with {n} vectors", m.ggml_type());
        }
        assert!(QuantizedMatrix::matmul_each(&refs, &x[1..], n).is_err());
    }
    let narrow = random_matrix(GgmlType::Q8_0, 2, 256, &mut rng);
    let x = vec![0.5f32; cols];
    assert!(QuantizedMatrix::matmul_each(&[&matrices[0], &narrow], &x, 1).is_err());
}

#[cfg(target_arch = "x86_64")]
#[test]
fn avx512_many_activation_kernels_agree_with_portable_ones() {
    use super::activation::{Q8Blocks, Q8KBlocks};
    use super::blocks::{BlockQ4_0, BlockQ4_K, BlockQ6_K, BlockQ8_0};
    use super::dequantize::as_blocks;
    use super::dot_avx512::{dot_q4_0_many, dot_q4_k_many, dot_q6_k_many, dot_q8_0_many, MANY};
    if !super::dot_avx512::available() {
        eprintln!("no AVX-512 VNNI on this CPU: the AVX2 or portable kernels are in use");
        return;
    }
    let mut rng = Rng(4343);
    let close = |a: f32, b: f32| (a - b).abs() <= 1e-4 * (1.0 + a.abs());
    // 37 blocks: two chunks of sixteen and a tail of five; then no tail; then only one.
    for cols in [1184, 512, 96] {
        let acts: Vec<Q8Blocks> = (0..MANY)
            .map(|_| {
                let x: Vec<f32> = (0..cols).map(|_| rng.uniform() * 3.0).collect();
                Q8Blocks::quantize(&x)
            })
            .collect();
        let m = random_matrix(GgmlType::Q8_0, 1, cols, &mut rng);
        let row = as_blocks::<BlockQ8_0>(m.bytes());
        // SAFETY: AVX-512 VNNI, F16C and FMA checked above.
        let got = unsafe { dot_q8_0_many(&row, std::array::from_fn(|i| &acts[i])) };
        for (g, a) in got.iter().zip(&acts) {
            let want = super::dot::dot_q8_0(&row, a);
            assert!(close(*g, want), "Q8_0 x{MANY} {cols}: {g} vs {want}");
            // SAFETY: as above.
            let alone = unsafe { super::dot_avx512::dot_q8_0(&row, a) };
            assert_eq!(g.to_bits(), alone.to_bits(), "Q8_0 x{MANY} {cols}");
        }
        let m = random_matrix(GgmlType::Q4_0, 1, cols, &mut rng);
        let row = as_blocks::<BlockQ4_0>(m.bytes());
        // SAFETY: as above.
        let got = unsafe { dot_q4_0_many(&row, std::array::from_fn(|i| &acts[i])) };
        for (g, a) in got.iter().zip(&acts) {
            let want = super::dot::dot_q4_0(&row, a);
            assert!(close(*g, want), "Q4_0 x{MANY} {cols}: {g} vs {want}");
            // SAFETY: as above.
            let alone = unsafe { super::dot_avx512::dot_q4_0(&row, a) };
            assert_eq!(g.to_bits(), alone.to_bits(), "Q4_0 x{MANY} {cols}");
        }
    }
    let acts: Vec<Q8KBlocks> = (0..MANY)
        .map(|_| {
            let x: Vec<f32> = (0..1024).map(|_| rng.uniform() * 3.0).collect();
            Q8KBlocks::quantize(&x)
        })
        .collect();
    let m = random_matrix(GgmlType::Q4_K, 1, 1024, &mut rng);
    let row = as_blocks::<BlockQ4_K>(m.bytes());
    // SAFETY: as above.
    let got = unsafe { dot_q4_k_many(&row, std::array::from_fn(|i| &acts[i])) };
    for (g, a) in got.iter().zip(&acts) {
        let want = super::dot::dot_q4_k(&row, a);
        assert!(close(*g, want), "Q4_K x{MANY}: {g} vs {want}");
        // SAFETY: as above.
        let alone = unsafe { super::dot_avx512::dot_q4_k(&row, a) };
        assert_eq!(g.to_bits(), alone.to_bits(), "Q4_K x{MANY}");
    }
    let m = random_matrix(GgmlType::Q6_K, 1, 1024, &mut rng);
    let row = as_blocks::<BlockQ6_K>(m.bytes());
    // SAFETY: as above.
    let got = unsafe { dot_q6_k_many(&row, std::array::from_fn(|i| &acts[i])) };
    for (g, a) in got.iter().zip(&acts) {
        let want = super::dot::dot_q6_k(&row, a);
        assert!(close(*g, want), "Q6_K x{MANY}: {g} vs {want}");
        // SAFETY: as above.
        let alone = unsafe { super::dot_avx512::dot_q6_k(&row, a) };
        assert_eq!(g.to_bits(), alone.to_bits(), "Q6_K x{MANY}");
    }
}
