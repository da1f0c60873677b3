//! A model trained by Born and exported to GGUF runs in llama.cpp with the same greedy
//! tokens: `tests/fixtures/llm/trained-lm-{f32,q8_0}.gguf` come from
//! `write_trained_model_fixtures` (seeded training on the start of Tiny Shakespeare, then
//! Born's exporter), and `make_trained_llamacpp_reference.py` records what llama.cpp
//! tokenizes and generates on them in `trained-lm-reference.json`. The model memorises its
//! short training text, so greedy continuations of prompts taken from that text follow it
//! with clear margins between the best and second-best logits.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::config::LlamaConfig;
use super::convert::hf_dir_to_gguf;
use super::language_model::LanguageModel;
use super::llama::LogitsFor;
use super::tests::{fixture, greedy_tokens};
use super::trainable::{LmTrainer, TokenDataset, TrainableLlama, TrainedBpe, TrainerOptions};
use crate::quant::GgmlType;

/// Characters of Tiny Shakespeare the model learns (and memorises).
const CORPUS_CHARS: usize = 1_000;
/// Vocabulary of the learned BPE tokenizer.
const VOCAB: usize = 320;
/// Optimisation steps.
const STEPS: usize = 300;
/// The committed files, their llama.cpp types, and bounds on |Born - llama.cpp| logits
/// (llama.cpp keeps its KV cache in f32 for the reference; with Q8_0 it also quantizes the
/// activations that meet the weights).
const FILES: [(&str, GgmlType, f32); 2] = [
    ("trained-lm-f32.gguf", GgmlType::F32, 1e-3),
    ("trained-lm-q8_0.gguf", GgmlType::Q8_0, 0.3),
];
/// The reference's margins must be at least this many times each file's logit bound.
const MARGIN_OVER_BOUND: f32 = 4.0;

/// Trains the fixture's model: a BPE tokenizer and a 2-layer Llama (hidden 64, 4 query
/// and 2 key/value heads, SwiGLU 128, context 64), all seeded.
fn train() -> (TrainableLlama, TrainedBpe) {
    let text = crate::data::text::tiny_shakespeare().expect("Tiny Shakespeare is available");
    let corpus: String = text.chars().take(CORPUS_CHARS).collect();
    crate::manual_seed(2024);
    let bpe = TrainedBpe::train(&corpus, VOCAB).expect("train the tokenizer");
    let mut config = LlamaConfig::for_training(VOCAB, 64, 2, 4, 64);
    config.n_kv_heads = 2;
    config.intermediate_size = 128;
    let model = TrainableLlama::new(config).expect("model");
    let ids = bpe.tokenizer().encode(&corpus, true).expect("encode");
    let options = TrainerOptions {
        batch_size: 16,
        seq_len: 64,
        learning_rate: 1e-2,
        warmup_steps: 20,
        ..TrainerOptions::default()
    };
    let mut trainer = LmTrainer::new(model, TokenDataset::new(ids), options).expect("trainer");
    for _ in 0..STEPS {
        trainer.step().expect("step");
    }
    (trainer.model().clone(), bpe)
}

/// Exports `model` with Born's exporter: an HF directory in `dir`, then each of [`FILES`]
/// into `out`.
fn export(model: &TrainableLlama, bpe: &TrainedBpe, dir: &Path, out: &Path) {
    let hf = dir.join("hf");
    model
        .save_hf_dir(&hf, bpe, None)
        .expect("save HF directory");
    for (name, ty, _) in FILES {
        let notes = hf_dir_to_gguf(&hf, &out.join(name), ty).expect("convert");
        assert!(notes.is_empty(), "{name}: {notes:?}");
    }
}

/// A fresh temporary directory.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("born-trained-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A JSON array of token ids.
fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("an array of ids")
        .iter()
        .map(|x| x.as_u64().expect("an id") as u32)
        .collect()
}

/// Trains and exports the model and writes it over the committed files when
/// BORN_WRITE_FIXTURES is set; otherwise checks that training again gives a file with the
/// committed file's greedy tokens. Trains for several seconds, so run on demand:
/// `BORN_WRITE_FIXTURES=1 cargo test --release -p born write_trained_model -- --ignored`.
#[test]
#[ignore = "trains for several seconds; rewrites tests/fixtures/llm/trained-lm-*.gguf with BORN_WRITE_FIXTURES=1"]
fn write_trained_model_fixtures() {
    let (model, bpe) = train();
    let dir = temp_dir("write");
    let write = std::env::var_os("BORN_WRITE_FIXTURES").is_some();
    let out = if write { fixture("") } else { dir.join("out") };
    std::fs::create_dir_all(&out).expect("output dir");
    export(&model, &bpe, &dir, &out);
    let prompt = bpe
        .tokenizer()
        .encode("Before we proceed", true)
        .expect("encode");
    let f32_model = LanguageModel::load(out.join(FILES[0].0)).expect("the F32 file loads");
    let mut cache = f32_model.model().new_cache(prompt.len());
    let got = f32_model
        .model()
        .forward(&prompt, &mut cache, LogitsFor::All)
        .expect("forward");
    let want = model.logits(&prompt).expect("training logits");
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-4, "the exported file's logits differ by {worst}");
    if !write {
        for (name, _, _) in FILES {
            let fresh = LanguageModel::load(out.join(name)).expect("fresh file");
            let committed = LanguageModel::load(fixture(name)).expect("committed file");
            assert_eq!(
                greedy_tokens(&fresh, &prompt, 32),
                greedy_tokens(&committed, &prompt, 32),
                "{name}: training again changes the greedy tokens"
            );
        }
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn born_trained_gguf_gives_llama_cpp_greedy_tokens() {
    let text = std::fs::read_to_string(fixture("trained-lm-reference.json"))
        .expect("trained-lm-reference.json exists (make_trained_llamacpp_reference.py)");
    let refs: Value = serde_json::from_str(&text).expect("JSON");
    let min_margin = refs["min_margin"].as_f64().expect("min_margin") as f32;
    let mut failures = Vec::new();
    for (name, _, tol) in FILES {
        let mut largest = 0f32;
        assert!(
            MARGIN_OVER_BOUND * tol <= min_margin,
            "{name}: margin {min_margin} is under {MARGIN_OVER_BOUND} times the bound {tol}"
        );
        let lm = LanguageModel::load(fixture(name)).expect("the committed file loads");
        let runs = refs["files"][name].as_array().expect("runs of the file");
        assert!(!runs.is_empty(), "{name}: recorded runs");
        for run in runs {
            let prompt_text = run["prompt"].as_str().expect("prompt text");
            let prompt = ids(&run["prompt_ids"]);
            let greedy = ids(&run["greedy"]);
            let margins: Vec<f32> = run["margins"]
                .as_array()
                .expect("margins")
                .iter()
                .map(|m| m.as_f64().expect("a margin") as f32)
                .collect();
            assert_eq!(margins.len(), greedy.len());
            assert!(
                margins.iter().all(|&m| m >= min_margin),
                "{name} {prompt_text:?}: the fixture promises margins of {min_margin}"
            );
            let encoded = lm.encode(prompt_text).expect("encode");
            if encoded != prompt {
                failures.push(format!(
                    "{name} {prompt_text:?}: Born encodes {encoded:?}, llama.cpp {prompt:?}"
                ));
            }
            let generated = greedy_tokens(&lm, &prompt, greedy.len());
            if generated != greedy {
                failures.push(format!(
                    "{name} {prompt_text:?}: Born {generated:?}, llama.cpp {greedy:?}"
                ));
            }
            let decoded = lm.tokenizer().decode(&greedy).expect("decode");
            if decoded != run["text"].as_str().expect("text") {
                failures.push(format!(
                    "{name}: Born decodes {decoded:?}, llama.cpp {:?}",
                    run["text"]
                ));
            }
            // Logits before each token, fed llama.cpp's tokens.
            let m = lm.model();
            let mut cache = m.new_cache(prompt.len() + greedy.len());
            let mut logits = m
                .forward(&prompt, &mut cache, LogitsFor::Last)
                .expect("prompt");
            let tops = run["top"].as_array().expect("top logits");
            for (i, (top, &t)) in tops.iter().zip(&greedy).enumerate() {
                for pair in top.as_array().expect("(id, logit) pairs") {
                    let id = pair[0].as_u64().expect("id") as usize;
                    let want = pair[1].as_f64().expect("logit") as f32;
                    largest = largest.max((logits[id] - want).abs());
                    if (logits[id] - want).abs() >= tol {
                        failures.push(format!(
                            "{name} {prompt_text:?}: step {i}, token {id}: Born {}, \
                             llama.cpp {want} (bound {tol})",
                            logits[id]
                        ));
                    }
                }
                logits = m.forward(&[t], &mut cache, LogitsFor::Last).expect("step");
            }
        }
        eprintln!("{name}: largest logit difference from llama.cpp {largest} (bound {tol})");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
