//! The Llama-family decoder (LLaMA 2/3, Mistral, TinyLlama, Qwen2): RMSNorm, RoPE,
//! grouped-query attention with a KV cache, SwiGLU feed-forward, optional q/k/v bias
//! and tied embeddings. Weights stay in their file encoding.

use super::attention::{causal_attention, AttentionShape};
use super::config::LlamaConfig;
use super::kv_cache::KvCache;
use super::linear::Linear;
use super::ops::{rms_norm, swiglu};
use super::rope::Rope;
use super::weights::TensorSource;
use crate::quant::QuantizedMatrix;
use crate::{Error, Result};

/// Which positions a forward pass returns logits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogitsFor {
    /// Only the last input position (generation).
    Last,
    /// Every input position (scoring, speculative verification).
    All,
}

/// One transformer block.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub(crate) attn_norm: Vec<f32>,
    pub(crate) q: Linear,
    pub(crate) k: Linear,
    pub(crate) v: Linear,
    pub(crate) o: Linear,
    pub(crate) ffn_norm: Vec<f32>,
    pub(crate) gate: Linear,
    pub(crate) up: Linear,
    pub(crate) down: Linear,
}

/// A Llama-family model ready for inference.
#[derive(Debug, Clone)]
pub struct LlamaModel {
    config: LlamaConfig,
    embed: QuantizedMatrix,
    blocks: Vec<Block>,
    norm: Vec<f32>,
    lm_head: Linear,
    rope: Rope,
}

/// A vector tensor of `len` values.
fn vector(src: &dyn TensorSource, name: &str, len: usize) -> Result<Vec<f32>> {
    let v = src.require(name)?.to_f32()?;
    if v.len() != len {
        return Err(Error::format(
            "model weights",
            format!("{name} has {} values, expected {len}", v.len()),
        ));
    }
    Ok(v)
}

/// A linear layer `rows × cols` named `stem.weight` (+ `stem.bias` when present).
fn linear(src: &dyn TensorSource, stem: &str, rows: usize, cols: usize) -> Result<Linear> {
    let name = format!("{stem}.weight");
    let w = src.require(&name)?.matrix(&name)?;
    if (w.rows(), w.cols()) != (rows, cols) {
        return Err(Error::format(
            "model weights",
            format!(
                "{name} is {} x {}, expected {rows} x {cols}",
                w.rows(),
                w.cols()
            ),
        ));
    }
    let bias = match src.get(&format!("{stem}.bias"))? {
        Some(b) => Some(b.to_f32()?),
        None => None,
    };
    Linear::new(w, bias)
}

/// The layers applied to the same input in one parallel pass, as an array.
fn projections<const N: usize>(
    layers: &[&Linear; N],
    x: &[f32],
    n: usize,
) -> Result<[Vec<f32>; N]> {
    let outs = Linear::forward_each(layers, x, n)?;
    Ok(outs
        .try_into()
        .expect("forward_each returns one output per layer"))
}

impl LlamaModel {
    /// Builds the model from tensors named as in GGUF.
    pub fn load(config: LlamaConfig, src: &dyn TensorSource) -> Result<LlamaModel> {
        config.validate()?;
        let c = &config;
        let (h, qd, kvd, ff) = (c.hidden_size, c.q_dim(), c.kv_dim(), c.intermediate_size);
        let embed = src
            .require("token_embd.weight")?
            .matrix("token_embd.weight")?;
        if (embed.rows(), embed.cols()) != (c.vocab_size, h) {
            return Err(Error::format(
                "model weights",
                format!(
                    "token_embd.weight is {} x {}, expected {} x {h}",
                    embed.rows(),
                    embed.cols(),
                    c.vocab_size
                ),
            ));
        }
        let blocks = (0..c.n_layers)
            .map(|l| {
                let p = |s: &str| format!("blk.{l}.{s}");
                Ok(Block {
                    attn_norm: vector(src, &p("attn_norm.weight"), h)?,
                    q: linear(src, &p("attn_q"), qd, h)?,
                    k: linear(src, &p("attn_k"), kvd, h)?,
                    v: linear(src, &p("attn_v"), kvd, h)?,
                    o: linear(src, &p("attn_output"), h, qd)?,
                    ffn_norm: vector(src, &p("ffn_norm.weight"), h)?,
                    gate: linear(src, &p("ffn_gate"), ff, h)?,
                    up: linear(src, &p("ffn_up"), ff, h)?,
                    down: linear(src, &p("ffn_down"), h, ff)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let lm_head = match src.get("output.weight")? {
            Some(_) => linear(src, "output", c.vocab_size, h)?,
            None => Linear::new(embed.clone(), None)?,
        };
        let mut rope = Rope::new(c.rope_dim, c.rope_theta, c.rope_layout);
        if let Some(s) = &c.rope_scaling {
            rope = rope.with_llama3_scaling(s);
        }
        if let Some(f) = src.get("rope_freqs.weight")? {
            rope = rope.with_freq_factors(&f.to_f32()?);
        }
        Ok(LlamaModel {
            norm: vector(src, "output_norm.weight", h)?,
            config,
            embed,
            blocks,
            lm_head,
            rope,
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &LlamaConfig {
        &self.config
    }

    /// The embedding, blocks, final norm, output layer and rotary embedding (for
    /// executors on other devices).
    pub(crate) fn parts(&self) -> (&QuantizedMatrix, &[Block], &[f32], &Linear, &Rope) {
        (
            &self.embed,
            &self.blocks,
            &self.norm,
            &self.lm_head,
            &self.rope,
        )
    }

    /// An empty KV cache for up to `max_len` positions (capped at the model's context).
    pub fn new_cache(&self, max_len: usize) -> KvCache {
        let c = &self.config;
        KvCache::new(c.n_layers, c.kv_dim(), max_len.min(c.max_seq_len))
    }

    /// Runs `tokens` after the positions already in `cache`, appends their keys and
    /// values, and returns logits (`vocab_size` per returned position). On error the
    /// cache is left as it was.
    pub fn forward(
        &self,
        tokens: &[u32],
        cache: &mut KvCache,
        which: LogitsFor,
    ) -> Result<Vec<f32>> {
        if tokens.is_empty() {
            return Err(Error::invalid("LlamaModel::forward", "no tokens"));
        }
        cache.extend_with(tokens.len(), |cache| {
            // On a worker of the thread pool, the parallel products inside split their
            // work with the other workers directly, instead of blocking this thread and
            // waking it again once per matrix.
            rayon::scope(|_| self.forward_inner(tokens, cache, which))
        })
    }

    /// The forward pass proper; appends to `cache` without committing.
    fn forward_inner(
        &self,
        tokens: &[u32],
        cache: &mut KvCache,
        which: LogitsFor,
    ) -> Result<Vec<f32>> {
        let c = &self.config;
        let (n, h, start) = (tokens.len(), c.hidden_size, cache.len());
        let mut x = vec![0f32; n * h];
        for (row, &t) in x.chunks_exact_mut(h).zip(tokens) {
            if t as usize >= c.vocab_size {
                return Err(Error::invalid(
                    "LlamaModel::forward",
                    format!("token id {t} is outside the vocabulary of {}", c.vocab_size),
                ));
            }
            self.embed.dequantize_row(t as usize, row)?;
        }
        let shape = AttentionShape {
            n_heads: c.n_heads,
            n_kv_heads: c.n_kv_heads,
            head_dim: c.head_dim,
        };
        for (l, b) in self.blocks.iter().enumerate() {
            let mut hn = x.clone();
            rms_norm(&mut hn, &b.attn_norm, c.rms_norm_eps);
            let [mut q, mut k, v] = projections(&[&b.q, &b.k, &b.v], &hn, n)?;
            for i in 0..n {
                self.rope.apply(
                    &mut q[i * c.q_dim()..(i + 1) * c.q_dim()],
                    c.head_dim,
                    start + i,
                );
                self.rope.apply(
                    &mut k[i * c.kv_dim()..(i + 1) * c.kv_dim()],
                    c.head_dim,
                    start + i,
                );
            }
            cache.append(l, &k, &v);
            let (keys, values) = cache.layer(l);
            let mut attn = vec![0f32; n * c.q_dim()];
            causal_attention(shape, &q, keys, values, None, &mut attn);
            let o = b.o.forward(&attn, n)?;
            x.iter_mut().zip(&o).for_each(|(a, b)| *a += b);
            let mut hn = x.clone();
            rms_norm(&mut hn, &b.ffn_norm, c.rms_norm_eps);
            let [mut gate, up] = projections(&[&b.gate, &b.up], &hn, n)?;
            swiglu(&mut gate, &up);
            let down = b.down.forward(&gate, n)?;
            x.iter_mut().zip(&down).for_each(|(a, b)| *a += b);
        }
        let (mut last, rows) = match which {
            LogitsFor::Last => (x[(n - 1) * h..].to_vec(), 1),
            LogitsFor::All => (x, n),
        };
        rms_norm(&mut last, &self.norm, c.rms_norm_eps);
        self.lm_head.forward(&last, rows)
    }
}
