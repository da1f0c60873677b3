//! The GPT-2 decoder: learned token and position embeddings, pre-LayerNorm blocks with
//! fused q/k/v attention over a KV cache, a GELU (tanh) feed-forward, and the output
//! projection tied to the token embedding unless the file has its own. Weights stay in
//! their file encoding.

use super::attention::{causal_attention, AttentionShape};
use super::gpt2_config::Gpt2Config;
use super::kv_cache::KvCache;
use super::linear::Linear;
use super::llama::LogitsFor;
use super::ops::{gelu_tanh, layer_norm};
use super::weights::TensorSource;
use crate::quant::QuantizedMatrix;
use crate::{Error, Result};

/// A LayerNorm's scale and shift.
#[derive(Debug, Clone)]
struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

/// One transformer block.
#[derive(Debug, Clone)]
struct Block {
    attn_norm: Norm,
    qkv: Linear,
    o: Linear,
    ffn_norm: Norm,
    up: Linear,
    down: Linear,
}

/// A GPT-2 model ready for inference.
#[derive(Debug, Clone)]
pub struct Gpt2Model {
    config: Gpt2Config,
    embed: QuantizedMatrix,
    positions: QuantizedMatrix,
    blocks: Vec<Block>,
    norm: Norm,
    lm_head: Linear,
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

/// The LayerNorm `stem.weight`, `stem.bias` of width `len`.
fn norm(src: &dyn TensorSource, stem: &str, len: usize) -> Result<Norm> {
    Ok(Norm {
        weight: vector(src, &format!("{stem}.weight"), len)?,
        bias: vector(src, &format!("{stem}.bias"), len)?,
    })
}

/// The matrix `name`, checked to be `rows × cols`.
fn matrix(src: &dyn TensorSource, name: &str, rows: usize, cols: usize) -> Result<QuantizedMatrix> {
    let m = src.require(name)?.matrix(name)?;
    if (m.rows(), m.cols()) != (rows, cols) {
        return Err(Error::format(
            "model weights",
            format!(
                "{name} is {} x {}, expected {rows} x {cols}",
                m.rows(),
                m.cols()
            ),
        ));
    }
    Ok(m)
}

/// The linear layer `stem.weight` (`rows × cols`) with its bias `stem.bias`.
fn linear(src: &dyn TensorSource, stem: &str, rows: usize, cols: usize) -> Result<Linear> {
    let w = matrix(src, &format!("{stem}.weight"), rows, cols)?;
    Linear::new(w, Some(vector(src, &format!("{stem}.bias"), rows)?))
}

impl Gpt2Model {
    /// Builds the model from tensors named as in llama.cpp's GGUF GPT-2 files.
    pub fn load(config: Gpt2Config, src: &dyn TensorSource) -> Result<Gpt2Model> {
        config.validate()?;
        let c = &config;
        let (h, ff) = (c.hidden_size, c.intermediate_size);
        let embed = matrix(src, "token_embd.weight", c.vocab_size, h)?;
        let positions = matrix(src, "position_embd.weight", c.max_seq_len, h)?;
        let blocks = (0..c.n_layers)
            .map(|l| {
                let p = |s: &str| format!("blk.{l}.{s}");
                Ok(Block {
                    attn_norm: norm(src, &p("attn_norm"), h)?,
                    qkv: linear(src, &p("attn_qkv"), 3 * h, h)?,
                    o: linear(src, &p("attn_output"), h, h)?,
                    ffn_norm: norm(src, &p("ffn_norm"), h)?,
                    up: linear(src, &p("ffn_up"), ff, h)?,
                    down: linear(src, &p("ffn_down"), h, ff)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let lm_head = match src.get("output.weight")? {
            Some(_) => Linear::new(matrix(src, "output.weight", c.vocab_size, h)?, None)?,
            None => Linear::new(embed.clone(), None)?,
        };
        Ok(Gpt2Model {
            norm: norm(src, "output_norm", h)?,
            config,
            embed,
            positions,
            blocks,
            lm_head,
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &Gpt2Config {
        &self.config
    }

    /// An empty KV cache for up to `max_len` positions (capped at the model's context).
    pub fn new_cache(&self, max_len: usize) -> KvCache {
        let c = &self.config;
        KvCache::new(c.n_layers, c.hidden_size, max_len.min(c.max_seq_len))
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
            return Err(Error::invalid("Gpt2Model::forward", "no tokens"));
        }
        cache.extend_with(tokens.len(), |cache| {
            self.forward_inner(tokens, cache, which)
        })
    }

    /// Token plus position embeddings of `tokens` placed after `start` positions.
    fn embed(&self, tokens: &[u32], start: usize) -> Result<Vec<f32>> {
        let c = &self.config;
        let h = c.hidden_size;
        if start + tokens.len() > c.max_seq_len {
            return Err(Error::invalid(
                "Gpt2Model::forward",
                format!(
                    "positions up to {} exceed the {} learned positions",
                    start + tokens.len(),
                    c.max_seq_len
                ),
            ));
        }
        let mut x = vec![0f32; tokens.len() * h];
        let mut pos = vec![0f32; h];
        for (i, (row, &t)) in x.chunks_exact_mut(h).zip(tokens).enumerate() {
            if t as usize >= c.vocab_size {
                return Err(Error::invalid(
                    "Gpt2Model::forward",
                    format!("token id {t} is outside the vocabulary of {}", c.vocab_size),
                ));
            }
            self.embed.dequantize_row(t as usize, row)?;
            self.positions.dequantize_row(start + i, &mut pos)?;
            row.iter_mut().zip(&pos).for_each(|(a, b)| *a += b);
        }
        Ok(x)
    }

    /// The forward pass proper; appends to `cache` without committing.
    fn forward_inner(
        &self,
        tokens: &[u32],
        cache: &mut KvCache,
        which: LogitsFor,
    ) -> Result<Vec<f32>> {
        let c = &self.config;
        let (n, h) = (tokens.len(), c.hidden_size);
        let eps = c.layer_norm_eps;
        let mut x = self.embed(tokens, cache.len())?;
        let shape = AttentionShape {
            n_heads: c.n_heads,
            n_kv_heads: c.n_heads,
            head_dim: c.head_dim(),
        };
        let (mut q, mut k, mut v) = (vec![0f32; n * h], vec![0f32; n * h], vec![0f32; n * h]);
        for (l, b) in self.blocks.iter().enumerate() {
            let mut hn = x.clone();
            layer_norm(&mut hn, &b.attn_norm.weight, &b.attn_norm.bias, eps);
            let qkv = b.qkv.forward(&hn, n)?;
            for (i, row) in qkv.chunks_exact(3 * h).enumerate() {
                q[i * h..(i + 1) * h].copy_from_slice(&row[..h]);
                k[i * h..(i + 1) * h].copy_from_slice(&row[h..2 * h]);
                v[i * h..(i + 1) * h].copy_from_slice(&row[2 * h..]);
            }
            cache.append(l, &k, &v);
            let (keys, values) = cache.layer(l);
            let mut attn = vec![0f32; n * h];
            causal_attention(shape, &q, keys, values, None, &mut attn);
            let o = b.o.forward(&attn, n)?;
            x.iter_mut().zip(&o).for_each(|(a, b)| *a += b);
            let mut hn = x.clone();
            layer_norm(&mut hn, &b.ffn_norm.weight, &b.ffn_norm.bias, eps);
            let mut up = b.up.forward(&hn, n)?;
            up.iter_mut().for_each(|u| *u = gelu_tanh(*u));
            let down = b.down.forward(&up, n)?;
            x.iter_mut().zip(&down).for_each(|(a, b)| *a += b);
        }
        let (mut last, rows) = match which {
            LogitsFor::Last => (x[(n - 1) * h..].to_vec(), 1),
            LogitsFor::All => (x, n),
        };
        layer_norm(&mut last, &self.norm.weight, &self.norm.bias, eps);
        self.lm_head.forward(&last, rows)
    }
}
