//! The LLM kernels against the CPU reference: quantized products and lookups, RoPE in
//! both layouts, flash attention (prefill, decode, grouped queries), RMSNorm and SwiGLU.

use super::context::context;
use super::decoder::rms_norm_with;
use super::test_support::gpu;
use super::{
    add_bias, add_into, attention, rms_norm, rope, rope_table, swiglu, AttentionDims, GpuBuffer,
    GpuMatrix, RopeDims,
};
use crate::llm::attention::{causal_attention, AttentionShape};
use crate::llm::ops;
use crate::llm::rope::Rope;
use crate::llm::RopeLayout;
use crate::quant::{GgmlType, QuantizedMatrix};

/// Deterministic values of magnitude about `scale`.
fn values(n: usize, seed: f32, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as f32 + 1.0) * seed).sin() * scale + ((i * 7 % 13) as f32 - 6.0) * 0.01)
        .collect()
}

fn upload(v: &[f32]) -> GpuBuffer {
    gpu();
    GpuBuffer::from_f32(v, "test upload").expect("upload")
}

fn read(b: &GpuBuffer, n: usize) -> Vec<f32> {
    b.read_f32(n, "test read").expect("read back")
}

/// Asserts `|a - b| <= tol * max(1, |b|)` elementwise.
fn assert_near(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= tol * b.abs().max(1.0),
            "{what}: element {i}: gpu {a} vs cpu {b}"
        );
    }
}

/// `n` products with the decoded matrix, in f64.
fn reference_matmul(m: &QuantizedMatrix, x: &[f32], n: usize) -> Vec<f32> {
    let w = m.dequantize().expect("decode");
    let (rows, cols) = (m.rows(), m.cols());
    let mut out = vec![0f32; n * rows];
    for i in 0..n {
        for r in 0..rows {
            let s: f64 = (0..cols)
                .map(|c| w[r * cols + c] as f64 * x[i * cols + c] as f64)
                .sum();
            out[i * rows + r] = s as f32;
        }
    }
    out
}

#[test]
fn quantized_matmul_matches_the_cpu_product_for_every_kernel_type() {
    let cols = 512;
    for ty in [
        GgmlType::F32,
        GgmlType::F16,
        GgmlType::Q4_0,
        GgmlType::Q8_0,
        GgmlType::Q4_K,
        GgmlType::Q5_0,
    ] {
        for (rows, n) in [(1, 1), (7, 3), (65, 1)] {
            let w = values(rows * cols, 0.37, 1.0);
            let m = QuantizedMatrix::from_f32(&w, rows, cols, ty).expect("quantize");
            let x = values(n * cols, 0.11, 0.5);
            let g = GpuMatrix::upload(&m).expect("upload matrix");
            let xb = upload(&x);
            let out = GpuBuffer::uninit(n * rows, "test").expect("alloc");
            g.matmul(&xb, n, &out).expect("matmul");
            let got = read(&out, n * rows);
            let what = format!("{ty} {rows}x{cols} times {n}");
            // The CPU product: 8-bit activations for Q4_0/Q8_0/Q4_K, f32 otherwise.
            let mut cpu = vec![0f32; n * rows];
            m.matmul(&x, n, &mut cpu).expect("cpu matmul");
            assert_near(&got, &cpu, 1e-4, &what);
            if matches!(ty, GgmlType::F32 | GgmlType::F16 | GgmlType::Q5_0) {
                assert_near(&got, &reference_matmul(&m, &x, n), 1e-4, &what);
            }
        }
    }
}

#[test]
fn activation_rounding_handles_zero_blocks() {
    let m = QuantizedMatrix::from_f32(&values(2 * 256, 0.3, 1.0), 2, 256, GgmlType::Q4_K)
        .expect("quantize");
    let g = GpuMatrix::upload(&m).expect("upload");
    let out = GpuBuffer::uninit(2, "test").expect("alloc");
    g.matmul(&upload(&[0.0; 256]), 1, &out).expect("matmul");
    assert_eq!(read(&out, 2), vec![0.0, 0.0]);
}

#[test]
fn types_without_a_kernel_are_decoded_at_upload() {
    let w = values(3 * 64, 0.5, 1.0);
    let m = QuantizedMatrix::from_f32(&w, 3, 64, GgmlType::Q5_1).expect("quantize");
    let g = GpuMatrix::upload(&m).expect("upload");
    assert_eq!(g.ggml_type(), GgmlType::F32);
    let x = values(64, 0.3, 1.0);
    let out = GpuBuffer::uninit(3, "test").expect("alloc");
    g.matmul(&upload(&x), 1, &out).expect("matmul");
    assert_near(&read(&out, 3), &reference_matmul(&m, &x, 1), 1e-4, "q5_1");
}

#[test]
fn matmul_refuses_short_buffers() {
    let m =
        QuantizedMatrix::from_f32(&values(64, 0.2, 1.0), 2, 32, GgmlType::Q8_0).expect("quantize");
    let g = GpuMatrix::upload(&m).expect("upload");
    let x = upload(&[0.0; 31]);
    let out = GpuBuffer::uninit(2, "test").expect("alloc");
    let err = g.matmul(&x, 1, &out).expect_err("31 inputs for 32 columns");
    assert!(err.to_string().contains("32 needed"), "{err}");
}

#[test]
fn embed_decodes_the_requested_rows() {
    for ty in [
        GgmlType::F16,
        GgmlType::Q4_0,
        GgmlType::Q8_0,
        GgmlType::Q4_K,
    ] {
        let (rows, cols) = (9, 256);
        let m = QuantizedMatrix::from_f32(&values(rows * cols, 0.9, 2.0), rows, cols, ty)
            .expect("quantize");
        let g = GpuMatrix::upload(&m).expect("upload");
        let ids = [3u32, 0, 8, 3];
        let idb = GpuBuffer::from_u32(&ids, "test").expect("ids");
        let out = GpuBuffer::uninit(ids.len() * cols, "test").expect("alloc");
        g.embed(&idb, ids.len(), &out).expect("embed");
        let mut want = vec![0f32; ids.len() * cols];
        for (row, &id) in want.chunks_exact_mut(cols).zip(&ids) {
            m.dequantize_row(id as usize, row).expect("decode row");
        }
        assert_near(&read(&out, want.len()), &want, 1e-6, &format!("{ty} embed"));
    }
}

#[test]
fn rope_matches_cpu_in_both_layouts_with_an_offset() {
    let (n, heads, head_dim, start) = (5, 3, 16, 7);
    for layout in [RopeLayout::Interleaved, RopeLayout::Half] {
        // Rotating 12 of 16 dims exercises partial rotation.
        for rot in [16, 12] {
            let cpu_rope = Rope::new(rot, 10000.0, layout);
            let x = values(n * heads * head_dim, 0.77, 1.5);
            let mut want = x.clone();
            for (i, row) in want.chunks_exact_mut(heads * head_dim).enumerate() {
                cpu_rope.apply(row, head_dim, start + i);
            }
            let table = upload(&rope_table(cpu_rope.inv_freq(), start + n));
            let xb = upload(&x);
            let dims = RopeDims {
                n,
                heads,
                head_dim,
                pairs: rot / 2,
                interleaved: layout == RopeLayout::Interleaved,
                start,
            };
            rope(&xb, &table, dims).expect("rope");
            assert_near(
                &read(&xb, x.len()),
                &want,
                1e-5,
                &format!("{layout:?} {rot}"),
            );
        }
    }
}

/// GPU attention of `n` queries over `len` positions against the CPU kernel.
fn check_attention(n_heads: usize, n_kv_heads: usize, head_dim: usize, len: usize, n: usize) {
    let kv = len * n_kv_heads * head_dim;
    let q = values(n * n_heads * head_dim, 0.29, 1.0);
    let k = values(kv, 0.71, 1.0);
    let v = values(kv, 1.37, 2.0);
    let shape = AttentionShape {
        n_heads,
        n_kv_heads,
        head_dim,
    };
    let mut want = vec![0f32; q.len()];
    causal_attention(shape, &q, &k, &v, None, &mut want);
    let out = GpuBuffer::uninit(q.len(), "test").expect("alloc");
    let dims = AttentionDims {
        n,
        n_heads,
        n_kv_heads,
        head_dim,
        len,
    };
    attention(&out, &upload(&q), &upload(&k), &upload(&v), dims).expect("attention");
    let what = format!("{n_heads}/{n_kv_heads} heads of {head_dim}, {n} of {len}");
    assert_near(&read(&out, q.len()), &want, 1e-4, &what);
}

#[test]
fn attention_decode_matches_cpu_over_several_tiles() {
    check_attention(8, 2, 64, 200, 1);
    check_attention(4, 4, 7, 65, 1);
    check_attention(2, 1, 256, 1, 1);
}

#[test]
fn attention_prefill_is_causal_and_matches_cpu() {
    check_attention(4, 2, 16, 130, 130);
    check_attention(6, 3, 80, 150, 21);
}

#[test]
fn attention_refuses_bad_shapes() {
    let b = upload(&[0.0; 64]);
    let mut dims = AttentionDims {
        n: 1,
        n_heads: 3,
        n_kv_heads: 2,
        head_dim: 8,
        len: 1,
    };
    assert!(attention(&b, &b, &b, &b, dims).is_err(), "3 heads over 2");
    dims.n_heads = 2;
    dims.head_dim = 300;
    assert!(attention(&b, &b, &b, &b, dims).is_err(), "head too wide");
    dims.head_dim = 8;
    dims.len = 100;
    let err = attention(&b, &b, &b, &b, dims).expect_err("keys too short");
    assert!(err.to_string().contains("keys"), "{err}");
}

#[test]
fn rms_norm_swiglu_and_adds_match_cpu() {
    let (rows, cols) = (3, 300);
    let x = values(rows * cols, 0.41, 3.0);
    let w = values(cols, 0.13, 1.0);
    let mut want = x.clone();
    ops::rms_norm(&mut want, &w, 1e-5);
    let out = GpuBuffer::uninit(x.len(), "test").expect("alloc");
    let xb = upload(&x);
    rms_norm(&out, &xb, &upload(&w), rows, 1e-5).expect("rms_norm");
    assert_near(&read(&out, x.len()), &want, 1e-5, "rms_norm");
    // Both kernels where the adapter has subgroups.
    let wb = upload(&w);
    let subgroups = context().expect("gpu").has_subgroups();
    for with_subgroups in [false, subgroups] {
        let out = GpuBuffer::uninit(x.len(), "test").expect("alloc");
        rms_norm_with(&out, (&xb, &wb), rows, 1e-5, with_subgroups).expect("rms_norm");
        let what = format!("rms_norm, subgroups {with_subgroups}");
        assert_near(&read(&out, x.len()), &want, 1e-5, &what);
    }

    let up = values(x.len(), 0.23, 1.0);
    let mut gate = x.clone();
    ops::swiglu(&mut gate, &up);
    swiglu(&xb, &upload(&up), x.len()).expect("swiglu");
    assert_near(&read(&xb, x.len()), &gate, 1e-5, "swiglu");

    let mut sum: Vec<f32> = gate.iter().zip(&up).map(|(a, b)| a + b).collect();
    add_into(&xb, &upload(&up), x.len()).expect("add_into");
    assert_near(&read(&xb, x.len()), &sum, 1e-6, "add_into");

    for row in sum.chunks_exact_mut(cols) {
        row.iter_mut().zip(&w).for_each(|(a, b)| *a += b);
    }
    add_bias(&xb, &upload(&w), rows).expect("add_bias");
    assert_near(&read(&xb, x.len()), &sum, 1e-6, "add_bias");
}
