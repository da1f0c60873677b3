//! Born's GGUF files against llama.cpp: the tiny hash-weighted Llama of
//! `tests/fixtures/llm/make_llamacpp_reference.py` (with the bigram table the script chose
//! so that every greedy choice is clear) is rebuilt here and converted to F32, Q8_0, Q4_0,
//! Q4_K and Q6_K; generating freely from the same prompt, Born must produce llama.cpp's 32
//! greedy tokens (recorded in `llamacpp-reference.json`) on the same files, with logits
//! close to llama.cpp's at every step, and Born's Q6_K must lose exactly as much as
//! llama.cpp's own Q6_K of the same tensors.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::convert::hf_dir_to_gguf;
use super::language_model::LanguageModel;
use super::llama::LogitsFor;
use super::sampling::argmax;
use super::tests::{fixture, greedy_tokens};
use crate::io::gguf::GgufFile;
use crate::quant::{dequantize, quantize, GgmlType};

/// `n` values in `offset + scale * [-1, 1)` from a 32-bit hash of `(seed, index)`
/// (the script's `weight`).
fn hashed(seed: u32, n: usize, scale: f32, offset: f32) -> Vec<f32> {
    (0..n as u32)
        .map(|i| {
            let mut x = i.wrapping_mul(0x9E37_79B1) ^ seed.wrapping_mul(0x85EB_CA6B);
            x ^= x >> 16;
            x = x.wrapping_mul(0x7FEB_352D);
            x ^= x >> 15;
            x = x.wrapping_mul(0x846C_A68B);
            x ^= x >> 16;
            let u = ((x >> 8) as f32 - 8_388_608.0) / 8_388_608.0;
            u * scale + offset
        })
        .collect()
}

/// The script's `CONFIG`.
fn config() -> Value {
    json!({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "vocab_size": 320, "hidden_size": 256, "intermediate_size": 512,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "tie_word_embeddings": false, "bos_token_id": 0, "eos_token_id": 1,
        "torch_dtype": "float32",
    })
}

/// HF name, shape, scale and offset of every tensor, in seed order (the script's
/// `tensors`).
fn tensors() -> Vec<(String, Vec<usize>, f32, f32)> {
    let (v, h, ff, kv) = (320, 256, 512, 128);
    let mut out = vec![(
        "model.embed_tokens.weight".to_string(),
        vec![v, h],
        1.0,
        0.0,
    )];
    for l in 0..2 {
        let p = |s: &str| format!("model.layers.{l}.{s}");
        out.extend([
            (p("input_layernorm.weight"), vec![h], 0.25, 1.0),
            (p("self_attn.q_proj.weight"), vec![h, h], 0.125, 0.0),
            (p("self_attn.k_proj.weight"), vec![kv, h], 0.125, 0.0),
            (p("self_attn.v_proj.weight"), vec![kv, h], 0.125, 0.0),
            (p("self_attn.o_proj.weight"), vec![h, h], 0.0625, 0.0),
            (p("post_attention_layernorm.weight"), vec![h], 0.25, 1.0),
            (p("mlp.gate_proj.weight"), vec![ff, h], 0.125, 0.0),
            (p("mlp.up_proj.weight"), vec![ff, h], 0.125, 0.0),
            (p("mlp.down_proj.weight"), vec![h, ff], 0.0625, 0.0),
        ]);
    }
    out.push(("model.norm.weight".into(), vec![h], 0.25, 1.0));
    out.push(("lm_head.weight".into(), vec![v, h], 0.5, 0.0));
    out
}

/// The order that sorts `hashed(seed, n, 1, 0)`, ties in index order (the script's
/// `permutation`).
fn permutation(seed: u32, n: usize) -> Vec<usize> {
    let keys = hashed(seed, n, 1.0, 0.0);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| keys[a].partial_cmp(&keys[b]).expect("hashes are finite"));
    order
}

/// Every tensor's values; `lm_head` adds `scale` times the embedding rows of a hashed
/// permutation (the script's `write_hf_dir` with the bigram table `(scale, seed)`).
fn weights(bigrams: (f32, u32)) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    let mut out: Vec<(String, Vec<usize>, Vec<f32>)> = tensors()
        .into_iter()
        .enumerate()
        .map(|(seed, (name, shape, scale, offset))| {
            let values = hashed(seed as u32, shape.iter().product(), scale, offset);
            (name, shape, values)
        })
        .collect();
    let embed = out[0].2.clone();
    let (lm_head, head_shape) = {
        let last = out.last_mut().expect("tensors");
        (&mut last.2, last.1.clone())
    };
    let (vocab, hidden) = (head_shape[0], head_shape[1]);
    let (scale, seed) = bigrams;
    for (row, &from) in permutation(seed, vocab).iter().enumerate() {
        let source = &embed[from * hidden..(from + 1) * hidden];
        for (w, e) in lm_head[row * hidden..(row + 1) * hidden]
            .iter_mut()
            .zip(source)
        {
            *w += scale * e;
        }
    }
    out
}

/// The bigram table the script chose: (scale, permutation seed).
fn bigrams(refs: &Value) -> (f32, u32) {
    let table = &refs["lm_head_bigrams"];
    let scale = table["scale"].as_f64().expect("a scale") as f32;
    let seed = table["permutation_seed"].as_u64().expect("a seed") as u32;
    (scale, seed)
}

/// Writes the model as an HF directory `dir`.
fn write_hf_dir(dir: &Path, bigrams: (f32, u32)) {
    std::fs::create_dir_all(dir).expect("temp dir");
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = weights(bigrams)
        .into_iter()
        .map(|(name, shape, values)| (name, shape, bytemuck::cast_slice(&values).to_vec()))
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = data
        .iter()
        .map(|(n, shape, bytes)| {
            let view =
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes)
                    .expect("sizes agree");
            (n.clone(), view)
        })
        .collect();
    safetensors::serialize_to_file(views, None, &dir.join("model.safetensors"))
        .expect("write safetensors");
    std::fs::write(dir.join("config.json"), config().to_string()).expect("write config");
    std::fs::copy(
        fixture("tiny-llama/tokenizer.json"),
        dir.join("tokenizer.json"),
    )
    .expect("copy tokenizer");
}

/// The recorded llama.cpp outputs.
fn recorded() -> Value {
    let text = std::fs::read_to_string(fixture("llamacpp-reference.json"))
        .expect("llamacpp-reference.json exists (make_llamacpp_reference.py writes it)");
    serde_json::from_str(&text).expect("llamacpp-reference.json is JSON")
}

/// A JSON array of numbers.
fn numbers<T: From<f32>>(v: &Value) -> Vec<T> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| T::from(x.as_f64().expect("a number") as f32))
        .collect()
}

/// Born's last-prompt-position logits for `path`, and its choice at each step when fed
/// llama.cpp's tokens `forced` (teacher forcing).
fn born_run(path: &Path, prompt: &[u32], forced: &[u32]) -> (Vec<f32>, Vec<u32>) {
    let (steps, choices) = born_steps(path, prompt, forced);
    (steps[0].clone(), choices)
}

/// Born's logits before each token of `forced` (the first after the prompt) and its
/// greedy choice from each.
fn born_steps(path: &Path, prompt: &[u32], forced: &[u32]) -> (Vec<Vec<f32>>, Vec<u32>) {
    let lm = LanguageModel::load(path).expect("the converted file loads");
    let m = lm.model();
    let mut cache = m.new_cache(prompt.len() + forced.len() + 1);
    let mut logits = m
        .forward(prompt, &mut cache, LogitsFor::Last)
        .expect("prompt");
    let (mut steps, mut choices) = (Vec::new(), Vec::new());
    for &t in forced {
        choices.push(argmax(&logits));
        let next = m.forward(&[t], &mut cache, LogitsFor::Last).expect("step");
        steps.push(std::mem::replace(&mut logits, next));
    }
    (steps, choices)
}

/// A JSON array of token ids.
fn ids(v: &Value) -> Vec<u32> {
    numbers::<f64>(v).into_iter().map(|x| x as u32).collect()
}

/// A fresh temporary directory.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("born-llamacpp-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn born_generates_llama_cpp_greedy_tokens_from_the_same_files() {
    let refs = recorded();
    let prompt = ids(&refs["prompt_ids"]);
    let min_margin = refs["min_margin"].as_f64().expect("min_margin") as f32;
    let dir = temp_dir("hf");
    write_hf_dir(&dir.join("hf"), bigrams(&refs));
    let mut failures = Vec::new();
    // Bounds on |Born - llama.cpp| for every logit compared; llama.cpp keeps its KV cache
    // in f16, so even F32 logits differ by about 1e-3.
    for (name, ty, tol) in [
        ("F32", GgmlType::F32, 0.05),
        ("Q8_0", GgmlType::Q8_0, 0.6),
        ("Q4_0", GgmlType::Q4_0, 0.6),
        ("Q4_K", GgmlType::Q4_K, 0.6),
        ("Q6_K", GgmlType::Q6_K, 0.6),
    ] {
        // Logits within `tol` of llama.cpp's and a margin over `2 tol` at every step
        // leave one greedy choice: a differing token is a real difference.
        assert!(
            2.0 * tol < min_margin,
            "{name}: margin {min_margin}, bound {tol}"
        );
        let want = &refs["born"][name];
        let greedy = ids(&want["greedy"]);
        let margins = numbers::<f32>(&want["margins"]);
        assert_eq!(margins.len(), 32, "{name}: 32 recorded steps");
        assert!(
            margins.iter().all(|&m| m >= min_margin),
            "{name}: the fixture promises margins of at least {min_margin}: {margins:?}"
        );
        let out = dir.join(format!("{name}.gguf"));
        let notes = hf_dir_to_gguf(&dir.join("hf"), &out, ty).expect("convert");
        assert!(
            notes.is_empty(),
            "{name}: every matrix takes {name}: {notes:?}"
        );
        let lm = LanguageModel::load(&out).expect("the converted file loads");
        let generated = greedy_tokens(&lm, &prompt, greedy.len());
        if generated != greedy {
            failures.push(format!(
                "{name}: Born generated {generated:?}, llama.cpp {greedy:?}"
            ));
        }
        let (steps, _) = born_steps(&out, &prompt, &greedy);
        let worst = steps[0]
            .iter()
            .zip(numbers::<f32>(&want["logits"]))
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        if worst >= tol {
            failures.push(format!(
                "{name}: last prompt logits differ by {worst} (bound {tol})"
            ));
        }
        let mut largest = worst;
        let tops = want["top"].as_array().expect("top logits per step");
        assert_eq!(tops.len(), steps.len(), "{name}: top logits of every step");
        for (i, (born, top)) in steps.iter().zip(tops).enumerate() {
            for pair in top.as_array().expect("(id, logit) pairs") {
                let (id, logit) = (
                    pair[0].as_u64().expect("id") as usize,
                    pair[1].as_f64().expect("logit") as f32,
                );
                let diff = (born[id] - logit).abs();
                largest = largest.max(diff);
                if diff >= tol {
                    failures.push(format!(
                        "{name}: step {i}, token {id}: Born {}, llama.cpp {logit} (bound {tol})",
                        born[id]
                    ));
                }
            }
        }
        eprintln!("{name}: largest logit difference from llama.cpp {largest} (bound {tol})");
    }
    assert!(failures.is_empty(), "{failures:#?}");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn q6_k_error_equals_llama_cpp_q6_k_error() {
    let refs = recorded();
    let want = refs["llama_cpp_quantized"]["Q6_K"]["squared_error"]
        .as_object()
        .expect("squared errors per tensor");
    assert_eq!(want.len(), 16, "every matrix of the model is Q6_K");
    let dir = temp_dir("q6k");
    write_hf_dir(&dir.join("hf"), bigrams(&refs));
    let f32_path = dir.join("F32.gguf");
    hf_dir_to_gguf(&dir.join("hf"), &f32_path, GgmlType::F32).expect("convert");
    let file = GgufFile::open(&f32_path).expect("F32 file");
    for (name, llama) in want {
        let llama = llama.as_f64().expect("a number");
        let x = file.dequantize_tensor(name).expect("tensor");
        let q = quantize(GgmlType::Q6_K, &x).expect("whole blocks");
        let back = dequantize(GgmlType::Q6_K, &q, x.len()).expect("whole blocks");
        let born: f64 = back
            .iter()
            .zip(&x)
            .map(|(a, b)| f64::from(a - b).powi(2))
            .sum();
        assert!(
            (born - llama).abs() <= 1e-6 * llama,
            "{name}: squared error {born}, llama.cpp's {llama}"
        );
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn born_gpt2_gguf_gives_llama_cpp_greedy_tokens() {
    let want = &recorded()["gpt2"];
    let (prompt, greedy) = (ids(&want["prompt_ids"]), ids(&want["greedy"]));
    let dir = temp_dir("gpt2");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("gpt2.gguf");
    hf_dir_to_gguf(&fixture("tiny-gpt2"), &out, GgmlType::F32).expect("convert");
    let (last, choices) = born_run(&out, &prompt, &greedy);
    let worst = last
        .iter()
        .zip(numbers::<f32>(&want["logits"]))
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst < 0.02, "logits differ from llama.cpp's by {worst}");
    assert_eq!(choices, greedy, "greedy tokens differ from llama.cpp's");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
