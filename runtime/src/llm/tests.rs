//! End-to-end checks against the transformers reference of the tiny fixture models
//! (`tests/fixtures/llm/make_tiny_models.py`).

use std::path::PathBuf;

use serde_json::Value;

use super::generator::TextGenerator;
use super::language_model::LanguageModel;
use super::llama::LogitsFor;
use super::sampling::SamplingParams;

/// A file under `tests/fixtures/llm/`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/llm"
    ))
    .join(name)
}

/// The tokens Born's text generator produces greedily (EOS ignored) from `prompt`.
pub(crate) fn greedy_tokens(lm: &LanguageModel, prompt: &[u32], n: usize) -> Vec<u32> {
    let params = SamplingParams {
        ignore_eos: true,
        ..SamplingParams::greedy(n)
    };
    let mut generation = TextGenerator::new(lm, params)
        .stream_tokens(prompt.to_vec())
        .expect("generation starts");
    for piece in &mut generation {
        piece.expect("generation runs");
    }
    generation.stats().tokens
}

/// The reference outputs of one fixture model in the JSON file `file`: prompt ids,
/// logits of the last prompt positions and the greedy continuation.
fn reference(file: &str, model: &str) -> (Vec<u32>, Vec<Vec<f32>>, Vec<u32>) {
    let text = std::fs::read_to_string(fixture(file)).expect("the reference file exists");
    let v: Value = serde_json::from_str(&text).expect("the reference file is JSON");
    let ids = |v: &Value| -> Vec<u32> {
        v.as_array()
            .expect("an id array")
            .iter()
            .map(|x| x.as_u64().expect("an id") as u32)
            .collect()
    };
    let logits = v[model]["logits"]
        .as_array()
        .expect("logit rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("a logit row")
                .iter()
                .map(|x| x.as_f64().expect("a logit") as f32)
                .collect()
        })
        .collect();
    (ids(&v["prompt_ids"]), logits, ids(&v[model]["greedy"]))
}

/// Checks logits (within `tol`) and 32 greedy tokens of `path` against `model`'s reference.
fn check_against_transformers(path: &str, model: &str, tol: f32) {
    check_against(path, "reference.json", model, tol);
}

/// Checks logits (within `tol`) and greedy tokens of `path` against `model`'s reference
/// in the JSON file `file`.
fn check_against(path: &str, file: &str, model: &str, tol: f32) {
    let lm = LanguageModel::load(fixture(path)).expect("fixture model loads");
    let (prompt, want_logits, want_greedy) = reference(file, model);
    let mut cache = lm.model().new_cache(256);
    let logits = lm
        .model()
        .forward(&prompt, &mut cache, LogitsFor::All)
        .expect("forward pass");
    let vocab = lm.model().config().vocab_size;
    let rows: Vec<&[f32]> = logits.chunks_exact(vocab).collect();
    let tail = &rows[rows.len() - want_logits.len()..];
    let mut worst = 0f32;
    for (got, want) in tail.iter().zip(&want_logits) {
        for (a, b) in got.iter().zip(want) {
            worst = worst.max((a - b).abs());
        }
    }
    assert!(worst < tol, "{path}: largest logit difference {worst}");
    let params = SamplingParams {
        ignore_eos: true,
        ..SamplingParams::greedy(want_greedy.len())
    };
    let mut g = TextGenerator::new(&lm, params)
        .stream_tokens(prompt)
        .expect("generation starts");
    for piece in &mut g {
        piece.expect("generation step");
    }
    assert_eq!(g.stats().tokens, want_greedy, "{path}: greedy tokens");
}

#[test]
fn llama_safetensors_matches_transformers() {
    check_against_transformers("tiny-llama", "llama", 1e-4);
}

#[test]
fn llama_f32_gguf_matches_transformers() {
    check_against_transformers("tiny-llama-f32.gguf", "llama", 1e-4);
}

#[test]
fn llama_f16_gguf_matches_transformers() {
    check_against_transformers("tiny-llama-f16.gguf", "llama", 1e-4);
}

#[test]
fn qwen2_safetensors_with_bias_and_tied_embeddings_matches_transformers() {
    check_against_transformers("tiny-qwen2", "qwen2", 1e-4);
}

#[test]
fn qwen2_f32_gguf_matches_transformers() {
    check_against_transformers("tiny-qwen2-f32.gguf", "qwen2", 1e-4);
}

#[test]
fn gpt2_safetensors_matches_transformers() {
    check_against("tiny-gpt2", "gpt2-reference.json", "gpt2", 1e-4);
}

#[test]
fn gpt2_f32_gguf_matches_transformers() {
    check_against("tiny-gpt2-f32.gguf", "gpt2-reference.json", "gpt2", 1e-4);
}

#[test]
fn gpt2_past_its_learned_positions_is_an_error() {
    let lm = LanguageModel::load(fixture("tiny-gpt2")).expect("model loads");
    assert_eq!(lm.model().config().architecture, "gpt2");
    let mut cache = lm.model().new_cache(1000);
    assert_eq!(cache.max_len(), 128);
    let err = lm
        .model()
        .forward(&[5; 129], &mut cache, LogitsFor::Last)
        .expect_err("129 positions of 128");
    assert!(err.to_string().contains("128"), "{err}");
    assert_eq!(cache.len(), 0);
}

#[test]
fn speculative_output_equals_plain_output() {
    let target = LanguageModel::load(fixture("tiny-llama")).expect("target loads");
    let draft = LanguageModel::load(fixture("tiny-qwen2-f32.gguf")).expect("draft loads");
    let prompt = "First Citizen:";
    for params in [
        SamplingParams {
            ignore_eos: true,
            ..SamplingParams::greedy(40)
        },
        SamplingParams {
            ignore_eos: true,
            max_tokens: 40,
            seed: 3,
            ..SamplingParams::default()
        },
    ] {
        let plain = TextGenerator::new(&target, params.clone())
            .generate_with(prompt, |_| Ok(()))
            .expect("plain generation");
        for (d, k) in [(&draft, 4), (&target, 3)] {
            let spec = TextGenerator::new(&target, params.clone())
                .with_draft(d, k)
                .generate_with(prompt, |_| Ok(()))
                .expect("speculative generation");
            assert_eq!(spec.tokens, plain.tokens);
            assert!(spec.acceptance_rate().is_some());
        }
    }
    // The target drafting for itself is always right.
    let spec = TextGenerator::new(&target, SamplingParams::greedy(20))
        .with_draft(&target, 4)
        .generate_with(prompt, |_| Ok(()))
        .expect("self-speculative generation");
    assert_eq!(spec.acceptance_rate(), Some(1.0));
}

#[test]
fn streamed_pieces_concatenate_to_the_decoded_text_and_stop_strings_cut() {
    let lm = LanguageModel::load(fixture("tiny-llama-f16.gguf")).expect("model loads");
    let params = SamplingParams {
        ignore_eos: true,
        ..SamplingParams::greedy(24)
    };
    let mut pieces = Vec::new();
    let stats = lm
        .generate_stream("First Citizen:", &params, |p| {
            pieces.push(p.to_string());
            Ok(())
        })
        .expect("generation");
    let full = lm.tokenizer().decode(&stats.tokens).expect("decode");
    assert_eq!(pieces.concat(), full);
    assert!(stats.decode_tokens_per_sec() > 0.0 && stats.generated_tokens == 24);
    // Stop at the middle of the text: the output is the text before it.
    let cut = full
        .char_indices()
        .nth(full.chars().count() / 2)
        .expect("text")
        .0;
    let stop: String = full[cut..].chars().take(3).collect();
    let stopped = lm
        .generate(
            "First Citizen:",
            &SamplingParams {
                stop: vec![stop.clone()],
                ..params
            },
        )
        .expect("generation with a stop string");
    assert_eq!(stopped, full[..full.find(&stop).expect("stop occurs")]);
}

#[test]
fn interrupted_generation_is_an_error() {
    let lm = LanguageModel::load(fixture("tiny-llama")).expect("model loads");
    let err = lm
        .generate_stream("First", &SamplingParams::greedy(8), |_| {
            Err(crate::Error::Interrupted)
        })
        .expect_err("the callback stops generation");
    assert!(matches!(err, crate::Error::Interrupted));
}

#[test]
fn bad_token_and_full_cache_are_errors() {
    let lm = LanguageModel::load(fixture("tiny-llama")).expect("model loads");
    let mut cache = lm.model().new_cache(4);
    assert!(lm
        .model()
        .forward(&[100_000], &mut cache, LogitsFor::Last)
        .is_err());
    assert!(lm
        .model()
        .forward(&[1, 2, 3, 4, 5], &mut cache, LogitsFor::Last)
        .is_err());
    assert_eq!(cache.len(), 0);
}
