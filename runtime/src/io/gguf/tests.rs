//! Reader/writer round trips and crafted malformed files.

use super::*;
use crate::quant::GgmlType;

/// Little-endian byte builder for hand-made GGUF files.
#[derive(Default)]
struct Raw(Vec<u8>);

impl Raw {
    fn header(version: u32, n_tensors: u64, n_kv: u64) -> Raw {
        let mut r = Raw(b"GGUF".to_vec());
        r.u32(version).u64(n_tensors).u64(n_kv);
        r
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn str(&mut self, s: &str) -> &mut Self {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    fn kv_u32(&mut self, key: &str, v: u32) -> &mut Self {
        self.str(key).u32(4).u32(v)
    }
    fn tensor(&mut self, name: &str, dims: &[u64], ty: u32, offset: u64) -> &mut Self {
        self.str(name).u32(dims.len() as u32);
        for &d in dims {
            self.u64(d);
        }
        self.u32(ty).u64(offset)
    }
    fn pad_and_data(&mut self, n: usize) -> Vec<u8> {
        let len = self.0.len().div_ceil(32) * 32;
        self.0.resize(len + n, 7);
        self.0.clone()
    }
}

fn parse(bytes: Vec<u8>) -> GgufError {
    GgufFile::from_bytes(bytes).expect_err("malformed file must be rejected")
}

fn sample_writer() -> GgufWriter {
    let mut w = GgufWriter::new();
    w.set_metadata("general.architecture", GgufValue::String("llama".into()));
    w.set_metadata("u8", GgufValue::U8(250));
    w.set_metadata("i8", GgufValue::I8(-5));
    w.set_metadata("u16", GgufValue::U16(65000));
    w.set_metadata("i16", GgufValue::I16(-300));
    w.set_metadata("u32", GgufValue::U32(4_000_000_000));
    w.set_metadata("i32", GgufValue::I32(-7));
    w.set_metadata("f32", GgufValue::F32(1.5));
    w.set_metadata("bool", GgufValue::Bool(true));
    w.set_metadata("u64", GgufValue::U64(u64::MAX));
    w.set_metadata("i64", GgufValue::I64(i64::MIN));
    w.set_metadata("f64", GgufValue::F64(-2.25));
    w.set_metadata(
        "strings",
        GgufValue::Array(GgufArray::String(vec!["a".into(), "▁b".into(), "".into()])),
    );
    w.set_metadata(
        "nested",
        GgufValue::Array(GgufArray::Array(vec![
            GgufArray::I32(vec![1, 2]),
            GgufArray::F64(vec![]),
            GgufArray::Array(vec![GgufArray::Bool(vec![true, false])]),
        ])),
    );
    let values: Vec<f32> = (0..64).map(|i| (i as f32 - 30.0) * 0.37).collect();
    for (name, ty) in [
        ("f32", GgmlType::F32),
        ("f16", GgmlType::F16),
        ("q8", GgmlType::Q8_0),
        ("q4", GgmlType::Q4_0),
    ] {
        w.add_f32_tensor(name, &[32, 2], &values, ty).unwrap();
    }
    w
}

#[test]
fn written_files_read_back() {
    let w = sample_writer();
    let f = GgufFile::from_bytes(w.to_bytes().unwrap()).unwrap();
    assert_eq!(f.version(), 3);
    assert_eq!(f.architecture(), Some("llama"));
    let m = f.metadata();
    assert_eq!(m.len(), 14);
    assert_eq!(m.get("i8"), Some(&GgufValue::I8(-5)));
    assert_eq!(m.get("i64"), Some(&GgufValue::I64(i64::MIN)));
    assert_eq!(m.get_u64("u32").unwrap(), Some(4_000_000_000));
    assert_eq!(m.get_bool("bool").unwrap(), Some(true));
    assert!(m.get_str("u8").is_err(), "a u8 is not a string");
    let nested = m.get_array("nested").unwrap().unwrap();
    assert_eq!(nested.len(), 3);
    assert_eq!(nested.to_string(), "[[1, 2], [], [[true, false]]]");
    let info = f.tensor("q4").unwrap();
    assert_eq!(
        (info.ggml_type, info.shape(), info.n_bytes),
        (GgmlType::Q4_0, vec![2, 32], 36)
    );
    assert_eq!(info.offset % 32, 0);
    let values: Vec<f32> = (0..64).map(|i| (i as f32 - 30.0) * 0.37).collect();
    let back = crate::quant::dequantize(GgmlType::F32, f.tensor_bytes("f32").unwrap(), 64).unwrap();
    assert_eq!(back, values);
}

#[test]
fn writes_and_opens_files_on_disk() {
    let path = std::env::temp_dir().join(format!("born-gguf-{}.gguf", std::process::id()));
    sample_writer().write(&path).unwrap();
    let f = GgufFile::open(&path).unwrap();
    assert_eq!(f.tensors().len(), 4);
    assert_eq!(f.tensor_bytes("q8").unwrap().len(), 68);
    std::fs::remove_file(&path).unwrap();
    let err = GgufFile::open(&path).unwrap_err();
    assert!(err.to_string().contains("cannot open"), "{err}");
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = sample_writer().to_bytes().unwrap();
    for len in 0..bytes.len() {
        assert!(
            GgufFile::from_bytes(bytes[..len].to_vec()).is_err(),
            "prefix {len}"
        );
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let bytes = sample_writer().to_bytes().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        let mut b = bytes.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state % b.len() as u64) as usize;
            b[i] = (state >> 32) as u8;
        }
        let _ = GgufFile::from_bytes(b);
    }
}

#[test]
fn bad_magic_and_versions() {
    let mut bytes = Raw::header(3, 0, 0).0;
    bytes[0] = b'X';
    assert!(matches!(parse(bytes), GgufError::BadMagic { .. }));
    let err = parse(Raw::header(1, 0, 0).0);
    assert!(err.to_string().contains("version 1"), "{err}");
    let err = parse(Raw::header(3u32.swap_bytes(), 0, 0).0);
    assert!(err.to_string().contains("big-endian"), "{err}");
    assert_eq!(
        GgufFile::from_bytes(Raw::header(2, 0, 0).0)
            .unwrap()
            .version(),
        2
    );
}

#[test]
fn huge_counts_and_lengths_are_rejected() {
    let err = parse(Raw::header(3, u64::MAX, 0).0);
    assert!(matches!(err, GgufError::LimitExceeded { .. }), "{err}");
    let err = parse(Raw::header(3, 0, 1000).0);
    assert!(matches!(err, GgufError::Truncated { .. }), "{err}");

    let mut r = Raw::header(3, 0, 1);
    r.u64(u64::MAX - 3).u64(0);
    assert!(matches!(parse(r.0), GgufError::LimitExceeded { .. }));

    let mut r = Raw::header(3, 0, 1);
    r.str("k").u32(8).u64(1 << 40);
    assert!(matches!(parse(r.0), GgufError::LimitExceeded { .. }));

    let mut r = Raw::header(3, 0, 1);
    r.str("k").u32(9).u32(4).u64(u64::MAX);
    assert!(matches!(parse(r.0), GgufError::LimitExceeded { .. }));

    // Within the cap but more elements than bytes left: refused before allocating.
    let mut r = Raw::header(3, 0, 1);
    r.str("k").u32(9).u32(4).u64(1 << 25).u32(1);
    assert!(matches!(parse(r.0), GgufError::Truncated { .. }));

    let mut r = Raw::header(3, 0, 1);
    r.str("k")
        .u32(9)
        .u32(8)
        .u64(3)
        .str("a")
        .u64(u64::MAX)
        .u64(0);
    assert!(matches!(parse(r.0), GgufError::LimitExceeded { .. }));
}

#[test]
fn deep_nesting_and_unknown_types_are_rejected() {
    let mut r = Raw::header(3, 0, 1);
    r.str("deep").u32(9);
    for _ in 0..20 {
        r.u32(9).u64(1);
    }
    r.u32(0).u64(0);
    assert!(matches!(parse(r.0), GgufError::LimitExceeded { .. }));

    let mut r = Raw::header(3, 0, 1);
    r.str("k").u32(13).u32(0);
    assert!(parse(r.0).to_string().contains("unknown value type 13"));

    let mut r = Raw::header(3, 1, 0);
    r.tensor("t", &[32], 4, 0);
    assert!(parse(r.pad_and_data(64))
        .to_string()
        .contains("unknown ggml type id 4"));

    let mut r = Raw::header(3, 0, 2);
    r.kv_u32("a", 1).kv_u32("a", 2);
    assert!(parse(r.0).to_string().contains("duplicate key"));
}

/// A crafted tensor info: name, dims, type id, offset.
type RawTensor<'a> = (&'a str, &'a [u64], u32, u64);

#[test]
fn tensor_infos_are_checked() {
    let cases: [(&[RawTensor], usize, &str); 8] = [
        (&[("t", &[4, 4, 4, 4, 4], 0, 0)], 4096, "rank 5"),
        (&[("t", &[1 << 32, 1 << 32], 0, 0)], 64, "overflow"),
        (&[("t", &[1 << 62], 0, 0)], 64, "overflows"),
        (
            &[("t", &[16], 2, 0)],
            64,
            "not a multiple of the Q4_0 block size",
        ),
        (&[("t", &[32], 0, 0)], 64, "outside the data section"),
        (&[("t", &[4], 0, 8)], 64, "not a multiple of the alignment"),
        (
            &[("a", &[16], 0, 0), ("b", &[16], 0, 32)],
            96,
            "overlaps tensor \"a\"",
        ),
        (
            &[("a", &[4], 0, 0), ("a", &[4], 0, 32)],
            64,
            "duplicate tensor name",
        ),
    ];
    for (tensors, data, expected) in cases {
        let mut r = Raw::header(3, tensors.len() as u64, 0);
        for (name, dims, ty, offset) in tensors {
            r.tensor(name, dims, *ty, *offset);
        }
        let err = parse(r.pad_and_data(data)).to_string();
        assert!(err.contains(expected), "{err} should mention {expected}");
    }
    let mut r = Raw::header(3, 1, 0);
    r.tensor("t", &[4, 2], 0, 0);
    let f = GgufFile::from_bytes(r.pad_and_data(32)).unwrap();
    assert_eq!(f.tensor_bytes("t").unwrap(), &[7u8; 32]);
    assert!(f.tensor_bytes("missing").is_err());
}

#[test]
fn alignment_key_is_honoured_and_checked() {
    let mut r = Raw::header(3, 1, 1);
    r.kv_u32(ALIGNMENT_KEY, 64).tensor("t", &[2], 0, 0);
    let mut bytes = r.0.clone();
    bytes.resize(bytes.len().div_ceil(64) * 64 + 8, 1);
    let f = GgufFile::from_bytes(bytes).unwrap();
    assert_eq!((f.alignment(), f.data_offset() % 64), (64, 0));

    let mut r = Raw::header(3, 0, 1);
    r.kv_u32(ALIGNMENT_KEY, 48);
    assert!(parse(r.0).to_string().contains("power of two"));
}

#[test]
fn reads_a_real_vocabulary_file() {
    let path = crate::llm::tokenizer::test_data::vocab_path("llama-spm");
    let f = GgufFile::open(path).unwrap();
    assert_eq!(f.architecture(), Some("llama"));
    let tokens = f
        .metadata()
        .get_array("tokenizer.ggml.tokens")
        .unwrap()
        .unwrap();
    assert_eq!(tokens.len(), 32000);
    assert!(f.tensors().is_empty());
}

/// `tests/fixtures/gguf/<name>`.
fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/gguf"
    ))
    .join(name)
}

/// The 2 x 32 values both interop fixtures store in every tensor type.
fn interop_values() -> Vec<f32> {
    (0..64).map(|i| (i as f32 - 30.0) * 0.37).collect()
}

const INTEROP_TYPES: [GgmlType; 5] = [
    GgmlType::F32,
    GgmlType::F16,
    GgmlType::BF16,
    GgmlType::Q8_0,
    GgmlType::Q4_0,
];

#[test]
fn reads_a_file_written_by_gguf_py() {
    let f = GgufFile::open(fixture_path("python-written.gguf")).unwrap();
    let m = f.metadata();
    assert_eq!(f.architecture(), Some("llama"));
    assert_eq!(m.get("test.u8"), Some(&GgufValue::U8(250)));
    assert_eq!(m.get("test.i8"), Some(&GgufValue::I8(-5)));
    assert_eq!(m.get("test.u16"), Some(&GgufValue::U16(65000)));
    assert_eq!(m.get("test.i16"), Some(&GgufValue::I16(-300)));
    assert_eq!(m.get("test.u32"), Some(&GgufValue::U32(4_000_000_000)));
    assert_eq!(m.get("test.i32"), Some(&GgufValue::I32(-7)));
    assert_eq!(m.get("test.f32"), Some(&GgufValue::F32(1.5)));
    assert_eq!(m.get("test.bool"), Some(&GgufValue::Bool(true)));
    assert_eq!(m.get_str("test.string").unwrap(), Some("héllo ▁ wörld"));
    assert_eq!(m.get("test.u64"), Some(&GgufValue::U64(u64::MAX)));
    assert_eq!(m.get("test.i64"), Some(&GgufValue::I64(i64::MIN)));
    assert_eq!(m.get("test.f64"), Some(&GgufValue::F64(-2.25)));
    assert_eq!(
        m.get_array("test.strings").unwrap(),
        Some(&GgufArray::String(vec!["a".into(), "▁b".into(), "".into()]))
    );
    assert_eq!(
        m.get_array("test.ints").unwrap(),
        Some(&GgufArray::I32(vec![1, -2, 3]))
    );
    assert_eq!(
        m.get_array("test.nested").unwrap(),
        Some(&GgufArray::Array(vec![
            GgufArray::I32(vec![1, 2]),
            GgufArray::I32(vec![3])
        ]))
    );
    let values = interop_values();
    for ty in INTEROP_TYPES {
        let name = ty.name().to_lowercase();
        let info = f.tensor(&name).unwrap();
        assert_eq!((info.ggml_type, info.shape()), (ty, vec![2, 32]), "{name}");
        let expected = crate::quant::quantize(ty, &values).unwrap();
        assert_eq!(
            f.tensor_bytes(&name).unwrap(),
            expected.as_slice(),
            "{name}"
        );
    }
    let f16 = f.dequantize_tensor("f16").unwrap();
    assert!(f16.iter().zip(&values).all(|(a, b)| (a - b).abs() < 1e-2));
    let m8 = f.quantized_matrix("q8_0").unwrap();
    let mut out = [0f32; 2];
    m8.matvec(&[1.0; 32], &mut out).unwrap();
    let row0: f32 = values[..32].iter().sum();
    assert!((out[0] - row0).abs() < 0.1, "{out:?} vs {row0}");
}

/// The file `make_gguf_fixtures.py` checks with `gguf.GGUFReader`.
fn born_interop_writer() -> GgufWriter {
    let mut w = GgufWriter::new();
    w.set_metadata("general.architecture", GgufValue::String("llama".into()));
    w.set_metadata("born.u8", GgufValue::U8(7));
    w.set_metadata("born.i16", GgufValue::I16(-300));
    w.set_metadata("born.f64", GgufValue::F64(0.125));
    w.set_metadata("born.bool", GgufValue::Bool(false));
    w.set_metadata(
        "born.strings",
        GgufValue::Array(GgufArray::String(vec!["α".into(), "β γ".into()])),
    );
    w.set_metadata(
        "born.nested",
        GgufValue::Array(GgufArray::Array(vec![GgufArray::U16(vec![1, 2, 3])])),
    );
    let values = interop_values();
    for ty in INTEROP_TYPES {
        w.add_f32_tensor(ty.name().to_lowercase(), &[32, 2], &values, ty)
            .unwrap();
    }
    w
}

#[test]
fn writer_output_matches_the_file_gguf_py_checked() {
    let bytes = born_interop_writer().to_bytes().unwrap();
    let path = fixture_path("born-written.gguf");
    if std::env::var_os("BORN_UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (regenerate with BORN_UPDATE_FIXTURES=1)",
            path.display()
        )
    });
    assert!(
        committed == bytes,
        "GgufWriter output differs from {}",
        path.display()
    );
}
