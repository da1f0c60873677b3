//! `GpuLlama`: a [`crate::llm::LlamaModel`]'s weights on the GPU and its forward pass as kernels.

use super::cache::GpuKvCache;
use super::linear::GpuLinear;
use crate::backend::wgpu::{
    add_into, attention, rms_norm, rope, rope_table, swiglu, AttentionDims, GpuBuffer, GpuMatrix,
    RopeDims,
};
use crate::llm::config::{LlamaConfig, RopeLayout};
use crate::llm::llama::LogitsFor;
use crate::llm::network::Network;
use crate::{Error, Result};

/// One transformer block's weights on the GPU.
#[derive(Debug)]
struct GpuBlock {
    attn_norm: GpuBuffer,
    q: GpuLinear,
    k: GpuLinear,
    v: GpuLinear,
    o: GpuLinear,
    ffn_norm: GpuBuffer,
    gate: GpuLinear,
    up: GpuLinear,
    down: GpuLinear,
}

/// A Llama-family model whose weights live on the GPU.
#[derive(Debug)]
pub struct GpuLlama {
    config: LlamaConfig,
    embed: GpuMatrix,
    blocks: Vec<GpuBlock>,
    norm: GpuBuffer,
    lm_head: GpuLinear,
    inv_freq: Vec<f32>,
    interleaved: bool,
}

impl GpuLlama {
    /// Uploads the weights of a Llama-family `network` (once; F32, F16, Q4_0, Q8_0 and
    /// Q4_K stay encoded, other encodings are decoded to f32).
    pub fn upload(network: &Network) -> Result<GpuLlama> {
        let op = "GpuLlama::upload";
        let model = network.as_llama().ok_or_else(|| {
            Error::invalid(
                op,
                "only Llama-family networks run on the gpu; GPT-2 runs on the cpu",
            )
        })?;
        let c = model.config();
        if c.head_dim > crate::backend::wgpu::MAX_HEAD_DIM {
            return Err(Error::invalid(
                op,
                format!(
                    "heads of {} values exceed the gpu attention's {}",
                    c.head_dim,
                    crate::backend::wgpu::MAX_HEAD_DIM
                ),
            ));
        }
        let (embed, blocks, norm, lm_head, rope) = model.parts();
        let vector = |v: &[f32]| GpuBuffer::from_f32(v, op);
        let blocks = blocks
            .iter()
            .map(|b| {
                Ok(GpuBlock {
                    attn_norm: vector(&b.attn_norm)?,
                    q: GpuLinear::upload(&b.q)?,
                    k: GpuLinear::upload(&b.k)?,
                    v: GpuLinear::upload(&b.v)?,
                    o: GpuLinear::upload(&b.o)?,
                    ffn_norm: vector(&b.ffn_norm)?,
                    gate: GpuLinear::upload(&b.gate)?,
                    up: GpuLinear::upload(&b.up)?,
                    down: GpuLinear::upload(&b.down)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(GpuLlama {
            config: c.clone(),
            embed: GpuMatrix::upload(embed)?,
            blocks,
            norm: vector(norm)?,
            lm_head: GpuLinear::upload(lm_head)?,
            inv_freq: rope.inv_freq().to_vec(),
            interleaved: rope.layout() == RopeLayout::Interleaved,
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &LlamaConfig {
        &self.config
    }

    /// An empty GPU KV cache for up to `max_len` positions (capped at the context).
    pub fn new_cache(&self, max_len: usize) -> Result<GpuKvCache> {
        let c = &self.config;
        let max_len = max_len.min(c.max_seq_len);
        let table = rope_table(&self.inv_freq, max_len);
        GpuKvCache::new(c.n_layers, c.kv_dim(), max_len, &table)
    }

    /// Runs `tokens` after the positions in `cache`, appends their keys and values and
    /// returns logits (`vocab_size` per returned position), as
    /// [`crate::llm::LlamaModel::forward`] does. On error the cache keeps its length.
    pub fn forward(
        &self,
        tokens: &[u32],
        cache: &mut GpuKvCache,
        which: LogitsFor,
    ) -> Result<Vec<f32>> {
        let op = "GpuLlama::forward";
        if tokens.is_empty() {
            return Err(Error::invalid(op, "no tokens"));
        }
        let vocab = self.config.vocab_size;
        if let Some(t) = tokens.iter().find(|&&t| t as usize >= vocab) {
            return Err(Error::invalid(
                op,
                format!("token id {t} is outside the vocabulary of {vocab}"),
            ));
        }
        cache.check_room(tokens.len())?;
        let logits = self.forward_inner(tokens, cache, which)?;
        cache.commit(tokens.len());
        Ok(logits)
    }

    /// The forward pass proper; writes the new positions past `cache.len()`.
    fn forward_inner(
        &self,
        tokens: &[u32],
        cache: &GpuKvCache,
        which: LogitsFor,
    ) -> Result<Vec<f32>> {
        let op = "GpuLlama::forward";
        let c = &self.config;
        let (n, h, start) = (tokens.len(), c.hidden_size, cache.len());
        let (qd, kvd, ff) = (c.q_dim(), c.kv_dim(), c.intermediate_size);
        let ids = GpuBuffer::from_u32(tokens, op)?;
        let x = GpuBuffer::uninit(n * h, op)?;
        self.embed.embed(&ids, n, &x)?;
        let hn = GpuBuffer::uninit(n * h, op)?;
        let attn = GpuBuffer::uninit(n * qd, op)?;
        let rope_dims = |heads| RopeDims {
            n,
            heads,
            head_dim: c.head_dim,
            pairs: self.inv_freq.len(),
            interleaved: self.interleaved,
            start,
        };
        let dims = AttentionDims {
            n,
            n_heads: c.n_heads,
            n_kv_heads: c.n_kv_heads,
            head_dim: c.head_dim,
            len: start + n,
        };
        for (l, b) in self.blocks.iter().enumerate() {
            rms_norm(&hn, &x, &b.attn_norm, n, c.rms_norm_eps)?;
            let q = b.q.forward(&hn, n)?;
            let k = b.k.forward(&hn, n)?;
            let v = b.v.forward(&hn, n)?;
            rope(&q, &cache.rope_table, rope_dims(c.n_heads))?;
            rope(&k, &cache.rope_table, rope_dims(c.n_kv_heads))?;
            cache.keys[l].copy_from(&k, 0, start * kvd, n * kvd, op)?;
            cache.values[l].copy_from(&v, 0, start * kvd, n * kvd, op)?;
            attention(&attn, &q, &cache.keys[l], &cache.values[l], dims)?;
            add_into(&x, &b.o.forward(&attn, n)?, n * h)?;
            rms_norm(&hn, &x, &b.ffn_norm, n, c.rms_norm_eps)?;
            let gate = b.gate.forward(&hn, n)?;
            swiglu(&gate, &b.up.forward(&hn, n)?, n * ff)?;
            add_into(&x, &b.down.forward(&gate, n)?, n * h)?;
        }
        let rows = match which {
            LogitsFor::Last => 1,
            LogitsFor::All => n,
        };
        let last = GpuBuffer::uninit(rows * h, op)?;
        last.copy_from(&x, (n - rows) * h, 0, rows * h, op)?;
        let normed = GpuBuffer::uninit(rows * h, op)?;
        rms_norm(&normed, &last, &self.norm, rows, c.rms_norm_eps)?;
        let logits = self.lm_head.forward(&normed, rows)?;
        logits.read_f32(rows * c.vocab_size, op)
    }
}
