//! `born generate`, `born convert` and `born bench` run as a user would run them.

use std::path::PathBuf;
use std::process::Command;

use born::llm::{LanguageModel, SamplingParams};

/// A file under `tests/fixtures/llm/`.
fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/llm"
    ))
    .join(name)
}

/// Runs `born` with `args`; returns stdout and stderr, failing on a non-zero exit.
fn born(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_born"))
        .args(args)
        .output()
        .expect("the born binary runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "born {args:?} failed: {stderr}");
    (stdout, stderr)
}

#[test]
fn generate_greedy_streams_prompt_and_the_library_continuation() {
    let prompt = std::fs::read_to_string(fixture("reference.json")).expect("reference");
    let v: serde_json::Value = serde_json::from_str(&prompt).expect("JSON");
    let prompt = v["prompt"].as_str().expect("prompt");
    for model in ["tiny-llama", "tiny-llama-f16.gguf"] {
        let path = fixture(model);
        let (out, err) = born(&[
            "generate",
            path.to_str().expect("utf-8 path"),
            "--prompt",
            prompt,
            "--max-tokens",
            "32",
            "--temperature",
            "0",
        ]);
        let lm = LanguageModel::load(&path).expect("model loads");
        let want = lm
            .generate(prompt, &SamplingParams::greedy(32))
            .expect("library generation");
        assert_eq!(out, format!("{prompt}{want}\n"), "{model}");
        assert!(err.contains("tok/s"), "{err}");
    }
    // Speculative decoding gives the same text and reports the acceptance rate.
    let target = fixture("tiny-llama");
    let draft = fixture("tiny-qwen2-f32.gguf");
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "generate",
            target.to_str().expect("path"),
            "--prompt",
            "First",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(["--max-tokens", "20", "--seed", "5"].map(String::from));
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let plain = born(&args(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    let mut spec_args = args(&[]);
    spec_args.extend([
        "--draft".to_string(),
        draft.to_str().expect("path").to_string(),
    ]);
    let spec = born(&spec_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(plain.0, spec.0);
    assert!(spec.1.contains("draft acceptance"), "{}", spec.1);
}

#[test]
fn convert_to_q8_0_then_bench_and_back() {
    let tmp = std::env::temp_dir().join(format!("born-cli-llm-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let gguf = tmp.join("tiny-q8.gguf");
    let gguf_s = gguf.to_str().expect("utf-8 path");
    born(&[
        "convert",
        fixture("tiny-llama").to_str().expect("path"),
        gguf_s,
        "--type",
        "q8_0",
    ]);
    let (info, _) = born(&["info", gguf_s]);
    assert!(
        info.contains("blk.0.attn_q.weight") && info.contains("Q8_0"),
        "{info}"
    );
    let (bench, _) = born(&[
        "bench",
        gguf_s,
        "--prompt-tokens",
        "16",
        "--decode-tokens",
        "8",
        "--threads",
        "1",
    ]);
    assert!(
        bench.contains("prefill: 16 tokens") && bench.contains("decode: 8 tokens"),
        "{bench}"
    );
    let back = tmp.join("back");
    born(&["convert", gguf_s, back.to_str().expect("path")]);
    assert!(back.join("model.safetensors").exists() && back.join("tokenizer.json").exists());
    std::fs::remove_dir_all(&tmp).expect("clean up");
}

#[test]
fn bad_arguments_are_reported() {
    let out = Command::new(env!("CARGO_BIN_EXE_born"))
        .args(["generate", "/nonexistent.gguf", "--prompt", "x"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("born: error:"));
    let out = Command::new(env!("CARGO_BIN_EXE_born"))
        .args([
            "convert",
            fixture("tiny-llama").to_str().expect("path"),
            "/tmp/x.gguf",
            "--type",
            "q2_k",
        ])
        .output()
        .expect("runs");
    assert!(!out.status.success());
}
