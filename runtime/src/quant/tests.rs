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
    assert!(quantize(GgmlType::Q6_K, &[0.0; 256]).is_err());
}
