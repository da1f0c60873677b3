//! `TrainableLlama`: a Llama-shaped decoder whose parameters train with autograd and
//! carry Hugging Face names, so it saves as a checkpoint the inference loaders read.

use super::super::config::{LlamaConfig, RopeLayout};
use super::layers::{projection, rms_norm, DecoderLayer, PositionTables, INIT_STD};
use crate::loss::cross_entropy;
use crate::nn::{init, Embedding, Linear, Module, RmsNorm};
use crate::{module_children, no_grad, DType, Error, Result, Tensor};

impl LlamaConfig {
    /// A Llama configuration to train from scratch: `n_heads` query and key/value heads of
    /// `hidden_size / n_heads`, a SwiGLU width of about `8/3 hidden_size` (a multiple of
    /// 32), RMSNorm epsilon 1e-5, RoPE base 10000 in the Hugging Face layout, and a
    /// context of `max_seq_len` tokens.
    pub fn for_training(
        vocab_size: usize,
        hidden_size: usize,
        n_layers: usize,
        n_heads: usize,
        max_seq_len: usize,
    ) -> LlamaConfig {
        let head_dim = hidden_size / n_heads.max(1);
        LlamaConfig {
            architecture: "llama".into(),
            vocab_size,
            hidden_size,
            n_layers,
            n_heads,
            n_kv_heads: n_heads,
            head_dim,
            intermediate_size: (hidden_size * 8 / 3).div_ceil(32) * 32,
            rms_norm_eps: 1e-5,
            rope_theta: 10000.0,
            rope_dim: head_dim,
            rope_layout: RopeLayout::Half,
            rope_scaling: None,
            max_seq_len,
        }
    }
}

/// The decoder stack: `embed_tokens`, `layers.N`, `norm`.
#[derive(Debug, Clone)]
struct LlamaBody {
    embed_tokens: Embedding,
    layers: Vec<DecoderLayer>,
    norm: RmsNorm,
}

impl Module for LlamaBody {
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let mut x = self.embed_tokens.forward(ids)?;
        for layer in &self.layers {
            x = layer.forward(&x)?;
        }
        self.norm.forward(&x)
    }

    fn children(&self) -> Vec<(String, &dyn Module)> {
        let mut out: Vec<(String, &dyn Module)> = vec![("embed_tokens".into(), &self.embed_tokens)];
        for (i, layer) in self.layers.iter().enumerate() {
            out.push((format!("layers.{i}"), layer));
        }
        out.push(("norm".into(), &self.norm));
        out
    }

    fn children_mut(&mut self) -> Vec<(String, &mut dyn Module)> {
        let mut out: Vec<(String, &mut dyn Module)> =
            vec![("embed_tokens".into(), &mut self.embed_tokens)];
        for (i, layer) in self.layers.iter_mut().enumerate() {
            out.push((format!("layers.{i}"), layer));
        }
        out.push(("norm".into(), &mut self.norm));
        out
    }
}

/// A Llama-family language model for training: token embedding, pre-norm blocks of
/// causal grouped-query attention with RoPE and SwiGLU, a final RMSNorm and an untied
/// output head. Parameters are named as in Hugging Face (`model.layers.0.self_attn.q_proj.weight`,
/// `lm_head.weight`); `forward` maps `[batch, len]` token ids to `[batch, len, vocab]` logits.
#[derive(Debug, Clone)]
pub struct TrainableLlama {
    config: LlamaConfig,
    model: LlamaBody,
    lm_head: Linear,
}

impl TrainableLlama {
    /// A model with fresh weights (`N(0, 0.02)`, norms at one) drawn from Born's seeded
    /// generator. The configuration must use the Hugging Face RoPE layout over whole
    /// heads and no RoPE scaling.
    pub fn new(config: LlamaConfig) -> Result<TrainableLlama> {
        config.validate()?;
        let c = &config;
        if c.rope_layout != RopeLayout::Half || c.rope_dim != c.head_dim || c.rope_scaling.is_some()
        {
            return Err(Error::invalid(
                "TrainableLlama",
                "the configuration must rotate whole heads in the Half layout without scaling",
            ));
        }
        if !c.head_dim.is_multiple_of(2) {
            return Err(Error::invalid(
                "TrainableLlama",
                format!("head width {} must be even for RoPE", c.head_dim),
            ));
        }
        let positions = PositionTables::new(c.head_dim, c.max_seq_len, c.rope_theta)?;
        let layers = (0..c.n_layers)
            .map(|_| DecoderLayer::new(c, positions.clone()))
            .collect::<Result<Vec<_>>>()?;
        let embed = init::normal((c.vocab_size, c.hidden_size), 0.0, INIT_STD)?;
        Ok(TrainableLlama {
            model: LlamaBody {
                embed_tokens: Embedding::from_weight(embed)?,
                layers,
                norm: rms_norm(c.hidden_size, c.rms_norm_eps)?,
            },
            lm_head: projection(c.hidden_size, c.vocab_size)?,
            config,
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &LlamaConfig {
        &self.config
    }

    /// Mean cross-entropy of the next-token predictions: `inputs` and `targets` are
    /// `[batch, len]` token ids, `targets` the inputs shifted by one.
    pub fn loss(&self, inputs: &Tensor, targets: &Tensor) -> Result<Tensor> {
        if inputs.dims() != targets.dims() || inputs.rank() != 2 {
            return Err(Error::invalid(
                "TrainableLlama::loss",
                format!(
                    "inputs {:?} and targets {:?} must both be [batch, len]",
                    inputs.dims(),
                    targets.dims()
                ),
            ));
        }
        let logits = self.forward(inputs)?;
        let rows = inputs.elem_count();
        cross_entropy(
            &logits.reshape((rows, self.config.vocab_size))?,
            &targets.reshape(rows)?,
        )
    }

    /// Logits (`vocab_size` per position, row-major) of one sequence, without autograd.
    pub fn logits(&self, tokens: &[u32]) -> Result<Vec<f32>> {
        let ids: Vec<i64> = tokens.iter().map(|&t| t as i64).collect();
        let ids = Tensor::from_vec(ids, (1, tokens.len()))?;
        no_grad(|| self.forward(&ids)?.to_dtype(DType::F32)?.to_vec::<f32>())
    }
}

impl Module for TrainableLlama {
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let &[_, len] = ids.dims() else {
            return Err(Error::invalid(
                "TrainableLlama",
                format!(
                    "expected [batch, len] token ids, got shape {:?}",
                    ids.dims()
                ),
            ));
        };
        if len == 0 || len > self.config.max_seq_len {
            return Err(Error::invalid(
                "TrainableLlama",
                format!(
                    "{len} positions: expected 1..={} (the context)",
                    self.config.max_seq_len
                ),
            ));
        }
        self.lm_head.forward(&self.model.forward(ids)?)
    }

    module_children!(model, lm_head);
}
