//! Runs the `born` binary as a user would.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use born::io::gguf::{GgufValue, GgufWriter};
use born::quant::GgmlType;

/// A vocabulary file from the shared data directory.
fn vocab(name: &str) -> PathBuf {
    let dirs = [
        std::env::var_os("BORN_DATA").map(PathBuf::from),
        Some(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data"
        ))),
    ];
    let dir = dirs
        .into_iter()
        .flatten()
        .find(|d| d.join("tokenizers/ggml-vocab").is_dir())
        .expect("shared data not found: set BORN_DATA or put it at <repo>/../shared/data");
    dir.join(format!("tokenizers/ggml-vocab/ggml-vocab-{name}.gguf"))
}

/// Runs `born ARGS` with `stdin`, returning (success, stdout, stderr).
fn born(args: &[&str], stdin: &[u8]) -> (bool, Vec<u8>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_born"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the born binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tokenize_and_detokenize_round_trip() {
    let model = vocab("llama-spm");
    let model = model.to_str().unwrap();
    let (ok, out, err) = born(&["tokenize", model], b"Hello world");
    assert!(ok, "{err}");
    assert_eq!(String::from_utf8(out).unwrap(), "1 15043 3186\n");
    let (_, out, _) = born(&["tokenize", model, "--no-bos"], b" Hello\n");
    assert_eq!(String::from_utf8(out).unwrap(), "29871 15043 13\n");
    let (ok, out, err) = born(&["detokenize", model], b"1 15043 3186\n");
    assert!(ok, "{err}");
    assert_eq!(out, b"Hello world");
}

#[test]
fn tokenizes_with_hugging_face_tokenizer_json() {
    let json = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/tokenizers/hf-spm.json"
    );
    let (ok, out, err) = born(&["tokenize", json], b"Hello world");
    assert!(ok, "{err}");
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/tokenizers/hf-spm.out"
    ))
    .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap().trim(),
        expected.lines().next().unwrap()
    );
    let (ok, out, _) = born(&["detokenize", json], b"1 64 20 241 52 305 125");
    assert!(ok);
    assert_eq!(out, b"Hello world");
}

#[test]
fn bad_input_is_reported() {
    let model = vocab("gpt-2");
    let model = model.to_str().unwrap();
    let (ok, _, err) = born(&["tokenize", model], &[0xff, 0xfe]);
    assert!(!ok && err.contains("not valid UTF-8"), "{err}");
    let (ok, _, err) = born(&["detokenize", model], b"12 x");
    assert!(!ok && err.contains("not a token id"), "{err}");
    let (ok, _, err) = born(&["info", "/nonexistent.gguf"], b"");
    assert!(!ok && err.contains("cannot open"), "{err}");
}

#[test]
fn info_prints_metadata_and_tensor_table() {
    let mut w = GgufWriter::new();
    w.set_metadata("general.architecture", GgufValue::String("llama".into()));
    w.set_metadata("llama.block_count", GgufValue::U32(2));
    w.add_f32_tensor("tok_embd.weight", &[64, 3], &[0.5; 192], GgmlType::Q8_0)
        .unwrap();
    w.add_f32_tensor("output_norm.weight", &[64], &[1.0; 64], GgmlType::F32)
        .unwrap();
    let path = std::env::temp_dir().join(format!("born-cli-info-{}.gguf", std::process::id()));
    w.write(&path).unwrap();
    let (ok, out, err) = born(&["info", path.to_str().unwrap()], b"");
    std::fs::remove_file(&path).unwrap();
    assert!(ok, "{err}");
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("architecture: llama"), "{out}");
    assert!(out.contains("llama.block_count (U32) = 2"), "{out}");
    let row = out.lines().find(|l| l.contains("tok_embd.weight")).unwrap();
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols, ["tok_embd.weight", "Q8_0", "[3,", "64]", "0", "204"]);
    assert!(out.contains("output_norm.weight  F32"), "{out}");

    let (ok, out, _) = born(&["info", vocab("qwen2").to_str().unwrap()], b"");
    let out = String::from_utf8(out).unwrap();
    assert!(
        ok && out.contains("tokenizer.ggml.tokens (Array) = [\"!\""),
        "{out}"
    );
    assert!(out.contains("(151936 String elements)]"), "{out}");
}
