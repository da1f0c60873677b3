//! The GPU executor against the CPU forward pass on the tiny fixture models: logits of a
//! prompt, greedy continuations with a KV cache, and cache bookkeeping.

use super::GpuLlama;
use crate::backend::wgpu::GpuBuffer;
use crate::llm::convert::hf_dir_to_gguf;
use crate::llm::language_model::{load_network, LanguageModel};
use crate::llm::llama::LogitsFor;
use crate::llm::network::Network;
use crate::llm::tests::fixture;
use crate::llm::{SamplingParams, TextGenerator};
use crate::quant::GgmlType;
use crate::Device;

/// Opens the GPU, failing loudly when there is none (the tests are never skipped).
fn gpu_ready() {
    if let Err(e) = GpuBuffer::uninit(1, "gpu test") {
        panic!(
            "the GPU tests need a wgpu adapter; on a machine without a GPU install the \
             software one (`apt-get install mesa-vulkan-drivers`): {e}"
        );
    }
}

/// Largest absolute difference.
fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn argmax(v: &[f32]) -> u32 {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best as u32
}

const PROMPT: [u32; 11] = [1, 17, 45, 3, 99, 120, 7, 7, 64, 250, 31];

/// Mean absolute difference.
fn mean_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
}

/// How closely GPU logits must follow the CPU path's.
#[derive(Clone, Copy)]
struct Tolerance {
    /// Largest difference of any logit.
    max: f32,
    /// Largest mean difference of one call's logits.
    mean: f32,
    /// Steps whose most likely token may differ (near ties).
    token_mismatches: usize,
}

/// Prompt logits (all positions) and 24 steps fed the CPU's greedy tokens agree within
/// `tol`.
fn check_model(model: &Network, tol: Tolerance, what: &str) {
    gpu_ready();
    let gpu = GpuLlama::upload(model).expect("upload");
    let vocab = model.config().vocab_size;
    let prompt: Vec<u32> = PROMPT.iter().map(|&t| t % vocab as u32).collect();
    let mut cpu_cache = model.new_cache(64);
    let mut gpu_cache = gpu.new_cache(64).expect("gpu cache");
    let check = |got: &[f32], want: &[f32], step: &str| {
        let (d, m) = (max_diff(got, want), mean_diff(got, want));
        assert!(
            d < tol.max && m < tol.mean,
            "{what}: {step} logits differ by {d} at most, {m} on average"
        );
    };
    let want = model
        .forward(&prompt, &mut cpu_cache, LogitsFor::All)
        .expect("cpu forward");
    let got = gpu
        .forward(&prompt, &mut gpu_cache, LogitsFor::All)
        .expect("gpu forward");
    check(&got, &want, "prompt");
    let mut next = argmax(&want[want.len() - vocab..]);
    let mut mismatches = 0;
    for step in 0..24 {
        let want = model
            .forward(&[next], &mut cpu_cache, LogitsFor::Last)
            .expect("cpu step");
        let got = gpu
            .forward(&[next], &mut gpu_cache, LogitsFor::Last)
            .expect("gpu step");
        check(&got, &want, &format!("step {step}"));
        mismatches += usize::from(argmax(&got) != argmax(&want));
        next = argmax(&want);
    }
    assert!(
        mismatches <= tol.token_mismatches,
        "{what}: {mismatches} of 24 greedy tokens differ"
    );
    assert_eq!(gpu_cache.len(), prompt.len() + 24);
}

/// Float models: the same arithmetic up to rounding.
const FLOAT: Tolerance = Tolerance {
    max: 1e-3,
    mean: 1e-4,
    token_mismatches: 0,
};

#[test]
fn f32_and_f16_gguf_match_the_cpu_path() {
    for name in ["tiny-llama-f32.gguf", "tiny-llama-f16.gguf"] {
        let model = load_network(fixture(name)).expect("fixture loads");
        check_model(&model, FLOAT, name);
    }
}

#[test]
fn half_rotated_layout_bias_and_tied_embeddings_match_the_cpu_path() {
    for name in ["tiny-llama", "tiny-qwen2"] {
        let model = load_network(fixture(name)).expect("fixture loads");
        check_model(&model, FLOAT, name);
    }
}

#[test]
fn quantized_gguf_matches_the_cpu_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    for ty in [GgmlType::Q8_0, GgmlType::Q4_0] {
        let path = dir.path().join(format!("tiny-{ty}.gguf"));
        hf_dir_to_gguf(&fixture("tiny-llama"), &path, ty).expect("convert");
        let model = load_network(&path).expect("quantized model loads");
        // Both paths round activations to 8 bits per block and agree to 1e-6 on most
        // calls; an activation within rounding error of a step boundary (exp and sqrt
        // differ in the last bits between devices) now and then rounds one step apart,
        // and from then on the cached keys carry a difference of a few hundredths.
        let tol = Tolerance {
            max: 0.2,
            mean: 0.05,
            token_mismatches: 3,
        };
        check_model(&model, tol, &format!("{ty}"));
    }
}

#[test]
fn decoding_one_token_at_a_time_equals_one_prefill() {
    gpu_ready();
    let model = load_network(fixture("tiny-qwen2-f32.gguf")).expect("fixture loads");
    let gpu = GpuLlama::upload(&model).expect("upload");
    let vocab = model.config().vocab_size;
    let mut all = gpu.new_cache(32).expect("cache");
    let whole = gpu
        .forward(&PROMPT, &mut all, LogitsFor::All)
        .expect("prefill");
    let mut one = gpu.new_cache(32).expect("cache");
    for (i, &t) in PROMPT.iter().enumerate() {
        let row = gpu.forward(&[t], &mut one, LogitsFor::Last).expect("step");
        let d = max_diff(&row, &whole[i * vocab..(i + 1) * vocab]);
        assert!(d < 1e-4, "position {i} differs by {d}");
    }
}

#[test]
fn bad_tokens_and_a_full_cache_are_errors_that_keep_the_cache() {
    gpu_ready();
    let model = load_network(fixture("tiny-llama-f32.gguf")).expect("fixture loads");
    let gpu = GpuLlama::upload(&model).expect("upload");
    let mut cache = gpu.new_cache(4).expect("cache");
    gpu.forward(&[1, 2, 3], &mut cache, LogitsFor::Last)
        .expect("three tokens fit");
    let err = gpu
        .forward(&[1, 2], &mut cache, LogitsFor::Last)
        .expect_err("five positions in a cache of four");
    assert!(err.to_string().contains("capacity 4"), "{err}");
    let vocab = model.config().vocab_size as u32;
    let err = gpu
        .forward(&[vocab], &mut cache, LogitsFor::Last)
        .expect_err("id outside the vocabulary");
    assert!(err.to_string().contains("outside the vocabulary"), "{err}");
    assert_eq!(cache.len(), 3);
    assert!(gpu.forward(&[], &mut cache, LogitsFor::Last).is_err());
    cache.truncate(1);
    gpu.forward(&[5, 6], &mut cache, LogitsFor::Last)
        .expect("room after truncation");
    assert_eq!(cache.len(), 3);
}

#[test]
fn language_model_generates_the_same_text_on_the_gpu() {
    gpu_ready();
    let mut lm = LanguageModel::load(fixture("tiny-llama-f32.gguf")).expect("fixture loads");
    let params = SamplingParams {
        ignore_eos: true,
        ..SamplingParams::greedy(24)
    };
    let on_cpu = lm
        .generate("First Citizen:", &params)
        .expect("cpu generation");
    lm.to_device(Device::Gpu).expect("upload");
    assert_eq!(lm.device(), Device::Gpu);
    let on_gpu = lm
        .generate("First Citizen:", &params)
        .expect("gpu generation");
    assert_eq!(on_gpu, on_cpu);
    let draft = lm.clone();
    let err = TextGenerator::new(&lm, params.clone())
        .with_draft(&draft, 2)
        .stream("First")
        .err()
        .expect("no speculative decoding on the gpu");
    assert!(err.to_string().contains("cpu only"), "{err}");
    lm.to_device(Device::Cpu).expect("back to the cpu");
    assert_eq!(lm.generate("First Citizen:", &params).expect("cpu"), on_cpu);
}
