//! LLM decode speed on the GPU executor vs the CPU path, for a Llama model of a given
//! shape with random Q4_0 weights built in memory (no model file needed).

use born::backend::wgpu::describe_gpu;
use born::llm::gpu::GpuLlama;
use born::llm::network::Network;
use born::llm::weights::{RawTensor, TensorSource};
use born::llm::{LlamaConfig, LlamaModel, LogitsFor, RopeLayout};
use born::quant::{quantize, GgmlType, SharedBytes};
use born::{Error, Result};
use std::collections::HashMap;
use std::time::Instant;

/// Tensors held in memory, by GGUF name.
struct MemoryWeights(HashMap<String, RawTensor>);

impl TensorSource for MemoryWeights {
    fn get(&self, name: &str) -> Result<Option<RawTensor>> {
        Ok(self.0.get(name).cloned())
    }
}

/// A Llama configuration: TinyLlama 1.1B's shape, or a small one for `quick`.
fn config(quick: bool) -> LlamaConfig {
    let (hidden, layers, heads, kv_heads, ff, vocab) = if quick {
        (256, 2, 4, 2, 512, 1024)
    } else {
        (2048, 22, 32, 4, 5632, 32000)
    };
    LlamaConfig {
        architecture: "llama".into(),
        vocab_size: vocab,
        hidden_size: hidden,
        n_layers: layers,
        n_heads: heads,
        n_kv_heads: kv_heads,
        head_dim: hidden / heads,
        intermediate_size: ff,
        rms_norm_eps: 1e-5,
        rope_theta: 10000.0,
        rope_dim: hidden / heads,
        rope_layout: RopeLayout::Interleaved,
        rope_scaling: None,
        max_seq_len: 2048,
    }
}

/// Random weights for `c`, matrices in Q4_0, norms in f32.
fn random_weights(c: &LlamaConfig) -> Result<MemoryWeights> {
    let mut seed = 0x9e37_79b9_u32;
    let mut values = |n: usize, scale: f32| -> Vec<f32> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed as f32 / u32::MAX as f32 - 0.5) * scale
            })
            .collect()
    };
    let mut tensors = HashMap::new();
    let mut add = |name: String, rows: usize, cols: usize, ty: GgmlType, scale: f32| {
        let v = values(rows * cols, scale);
        let data = quantize(ty, &v).map_err(Error::from)?;
        let shape = if rows == 1 {
            vec![cols]
        } else {
            vec![rows, cols]
        };
        tensors.insert(
            name,
            RawTensor {
                ggml_type: ty,
                shape,
                data: SharedBytes::from_vec(data),
            },
        );
        Ok::<(), Error>(())
    };
    let (h, ff, q4) = (c.hidden_size, c.intermediate_size, GgmlType::Q4_0);
    let w = 2.0 / (h as f32).sqrt();
    add("token_embd.weight".into(), c.vocab_size, h, q4, 1.0)?;
    add("output.weight".into(), c.vocab_size, h, q4, w)?;
    add("output_norm.weight".into(), 1, h, GgmlType::F32, 2.0)?;
    for l in 0..c.n_layers {
        let p = |s: &str| format!("blk.{l}.{s}.weight");
        add(p("attn_norm"), 1, h, GgmlType::F32, 2.0)?;
        add(p("ffn_norm"), 1, h, GgmlType::F32, 2.0)?;
        add(p("attn_q"), c.q_dim(), h, q4, w)?;
        add(p("attn_k"), c.kv_dim(), h, q4, w)?;
        add(p("attn_v"), c.kv_dim(), h, q4, w)?;
        add(p("attn_output"), h, c.q_dim(), q4, w)?;
        add(p("ffn_gate"), ff, h, q4, w)?;
        add(p("ffn_up"), ff, h, q4, w)?;
        add(p("ffn_down"), h, ff, q4, 2.0 / (ff as f32).sqrt())?;
    }
    Ok(MemoryWeights(tensors))
}

/// Decode tokens per second after a 16-token prompt, with `forward` running one call.
fn decode_rate(
    tokens: usize,
    vocab: usize,
    mut forward: impl FnMut(&[u32]) -> Result<Vec<f32>>,
) -> Result<f64> {
    let prompt: Vec<u32> = (0..16u32).map(|i| (i * 7919 + 13) % vocab as u32).collect();
    let mut logits = forward(&prompt)?;
    let start = Instant::now();
    for _ in 0..tokens {
        logits = forward(&[born::llm::sampling::argmax(&logits)])?;
    }
    Ok(tokens as f64 / start.elapsed().as_secs_f64())
}

/// Prints decode tok/s on the GPU and the CPU for a TinyLlama-shaped Q4_0 model.
pub fn bench_llm(quick: bool) -> Result<()> {
    let c = config(quick);
    let t0 = Instant::now();
    let model = Network::Llama(LlamaModel::load(c.clone(), &random_weights(&c)?)?);
    let built = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let gpu = GpuLlama::upload(&model)?;
    let mut gpu_cache = gpu.new_cache(64)?;
    let upload = t0.elapsed().as_secs_f64();
    println!(
        "\nLLM decode, Q4_0, {} layers, hidden {}, {}/{} heads, vocab {} \
         (built in {built:.1} s, uploaded in {upload:.1} s to {})",
        c.n_layers,
        c.hidden_size,
        c.n_heads,
        c.n_kv_heads,
        c.vocab_size,
        describe_gpu()?
    );
    let steps = if quick { 4 } else { 32 };
    let on_gpu = decode_rate(steps, c.vocab_size, |t| {
        gpu.forward(t, &mut gpu_cache, LogitsFor::Last)
    })?;
    let mut cpu_cache = model.new_cache(64);
    let on_cpu = decode_rate(steps, c.vocab_size, |t| {
        model.forward(t, &mut cpu_cache, LogitsFor::Last)
    })?;
    println!("  born gpu                       {on_gpu:>10.2} tok/s");
    println!(
        "  born cpu                       {on_cpu:>10.2} tok/s   (gpu / cpu {:.2}, {} threads)",
        on_gpu / on_cpu,
        rayon::current_num_threads()
    );
    Ok(())
}
