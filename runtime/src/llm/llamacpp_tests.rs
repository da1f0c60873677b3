//! Born's GGUF files against llama.cpp: the tiny hash-weighted Llama of
//! `tests/fixtures/llm/make_llamacpp_reference.py` is rebuilt here and converted to F32,
//! Q8_0, Q4_0, Q4_K and Q6_K; Born must choose llama.cpp's greedy tokens on the same files
//! (recorded in `llamacpp-reference.json`) wherever llama.cpp's choice is clear, and
//! Born's Q6_K must lose exactly as much as llama.cpp's own Q6_K of the same tensors.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::convert::hf_dir_to_gguf;
use super::language_model::LanguageModel;
use super::llama::LogitsFor;
use super::sampling::argmax;
use super::tests::fixture;
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

/// Writes the model as an HF directory `dir`.
fn write_hf_dir(dir: &Path) {
    std::fs::create_dir_all(dir).expect("temp dir");
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = tensors()
        .into_iter()
        .enumerate()
        .map(|(seed, (name, shape, scale, offset))| {
            let n = shape.iter().product();
            let values = hashed(seed as u32, n, scale, offset);
            (name, shape, bytemuck::cast_slice(&values).to_vec())
        })
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
/// llama.cpp's tokens `forced` (teacher forcing, so one near-tie does not derail the rest).
fn born_run(path: &Path, prompt: &[u32], forced: &[u32]) -> (Vec<f32>, Vec<u32>) {
    let lm = LanguageModel::load(path).expect("the converted file loads");
    let m = lm.model();
    let mut cache = m.new_cache(prompt.len() + forced.len() + 1);
    let last = m
        .forward(prompt, &mut cache, LogitsFor::Last)
        .expect("prompt");
    let (mut logits, mut choices) = (last.clone(), Vec::new());
    for &t in forced {
        choices.push(argmax(&logits));
        logits = m.forward(&[t], &mut cache, LogitsFor::Last).expect("step");
    }
    (last, choices)
}

/// A fresh temporary directory.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("born-llamacpp-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn born_gguf_files_give_llama_cpp_greedy_tokens() {
    let refs = recorded();
    let prompt: Vec<u32> = numbers::<f64>(&refs["prompt_ids"])
        .into_iter()
        .map(|x| x as u32)
        .collect();
    let dir = temp_dir("hf");
    write_hf_dir(&dir.join("hf"));
    let mut failures = Vec::new();
    // llama.cpp keeps its KV cache in f16, so even F32 logits differ by about 1e-3.
    for (name, ty, tol) in [
        ("F32", GgmlType::F32, 0.02),
        ("Q8_0", GgmlType::Q8_0, 0.3),
        ("Q4_0", GgmlType::Q4_0, 0.3),
        ("Q4_K", GgmlType::Q4_K, 0.4),
        ("Q6_K", GgmlType::Q6_K, 0.4),
    ] {
        let want = &refs["born"][name];
        let out = dir.join(format!("{name}.gguf"));
        let notes = hf_dir_to_gguf(&dir.join("hf"), &out, ty).expect("convert");
        assert!(
            notes.is_empty(),
            "{name}: every matrix takes {name}: {notes:?}"
        );
        let greedy: Vec<u32> = numbers::<f64>(&want["greedy"])
            .into_iter()
            .map(|x| x as u32)
            .collect();
        let margins = numbers::<f32>(&want["margins"]);
        let (last, choices) = born_run(&out, &prompt, &greedy);
        let worst = last
            .iter()
            .zip(numbers::<f32>(&want["logits"]))
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        if worst >= tol {
            failures.push(format!("{name}: logits differ by {worst} (bound {tol})"));
        }
        // Wherever llama.cpp's choice wins by more than twice the logit bound, Born's
        // choice must be the same; closer calls may go either way.
        let decided: Vec<usize> = (0..greedy.len())
            .filter(|&i| margins[i] > 2.0 * tol)
            .collect();
        let differ: Vec<usize> = decided
            .iter()
            .copied()
            .filter(|&i| choices[i] != greedy[i])
            .collect();
        if !differ.is_empty() || decided.len() < greedy.len() / 2 {
            failures.push(format!(
                "{name}: {} clear steps, Born differs at {differ:?}: Born {choices:?}, \
                 llama.cpp {greedy:?}",
                decided.len()
            ));
        }
        if name == "F32" && choices != greedy {
            failures.push(format!("F32: Born {choices:?}, llama.cpp {greedy:?}"));
        }
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
    write_hf_dir(&dir.join("hf"));
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
    let ids = |v: &Value| -> Vec<u32> { numbers::<f64>(v).into_iter().map(|x| x as u32).collect() };
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
