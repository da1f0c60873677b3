//! The trainable decoder's layers, built from autograd tensor ops and named as in
//! Hugging Face `LlamaForCausalLM` (`self_attn.q_proj`, `mlp.gate_proj`, ...).

use crate::nn::{init, Linear, Module, RmsNorm};
use crate::{module_children, Error, Result, Tensor};

use super::super::config::LlamaConfig;

/// Standard deviation of the initial weights (Hugging Face's `initializer_range`).
pub(crate) const INIT_STD: f64 = 0.02;

/// A `[out, in]` projection without bias, initialised `N(0, INIT_STD)`.
pub(crate) fn projection(inputs: usize, outputs: usize) -> Result<Linear> {
    Linear::from_tensors(init::normal((outputs, inputs), 0.0, INIT_STD)?, None)
}

/// An RMSNorm over `dim` values with the model's epsilon.
pub(crate) fn rms_norm(dim: usize, eps: f32) -> Result<RmsNorm> {
    let mut norm = RmsNorm::new(dim)?;
    norm.eps = eps as f64;
    Ok(norm)
}

/// Rotary embedding tables in the half-rotated layout (`cos`, `sin`: `[max_len, head_dim]`)
/// and the additive causal mask (`[max_len, max_len]`, `-inf` above the diagonal).
#[derive(Debug, Clone)]
pub(crate) struct PositionTables {
    cos: Tensor,
    sin: Tensor,
    mask: Tensor,
}

impl PositionTables {
    /// Tables for heads of `head_dim` over `max_len` positions, RoPE base `theta`.
    pub(crate) fn new(head_dim: usize, max_len: usize, theta: f32) -> Result<PositionTables> {
        let half = head_dim / 2;
        // The same frequencies, in the same precision, as the inference `Rope`.
        let inv_freq: Vec<f32> = (0..half)
            .map(|i| 1.0 / theta.powf(2.0 * i as f32 / head_dim as f32))
            .collect();
        let mut cos = Vec::with_capacity(max_len * head_dim);
        let mut sin = Vec::with_capacity(max_len * head_dim);
        for pos in 0..max_len {
            for d in 0..head_dim {
                let angle = pos as f32 * inv_freq[d % half];
                cos.push(angle.cos());
                sin.push(angle.sin());
            }
        }
        let mask: Vec<f32> = (0..max_len * max_len)
            .map(|i| {
                if i % max_len > i / max_len {
                    f32::NEG_INFINITY
                } else {
                    0.0
                }
            })
            .collect();
        Ok(PositionTables {
            cos: Tensor::from_vec(cos, (max_len, head_dim))?,
            sin: Tensor::from_vec(sin, (max_len, head_dim))?,
            mask: Tensor::from_vec(mask, (max_len, max_len))?,
        })
    }

    /// Longest sequence the tables cover.
    pub(crate) fn max_len(&self) -> usize {
        self.cos.dims()[0]
    }

    /// Rotates `x` (`[batch, heads, len, head_dim]`): `x cos + rotate_half(x) sin`.
    fn rotate(&self, x: &Tensor) -> Result<Tensor> {
        let (len, head_dim) = (x.dims()[2], x.dims()[3]);
        let half = head_dim / 2;
        let rotated = Tensor::cat(&[x.narrow(3, half, half)?.neg()?, x.narrow(3, 0, half)?], 3)?;
        x.mul(&self.cos.narrow(0, 0, len)?)?
            .add(&rotated.mul(&self.sin.narrow(0, 0, len)?)?)
    }

    /// The causal mask of `len` positions.
    fn causal_mask(&self, len: usize) -> Result<Tensor> {
        self.mask.narrow(0, 0, len)?.narrow(1, 0, len)
    }
}

/// Causal grouped-query self-attention with RoPE.
#[derive(Debug, Clone)]
pub(crate) struct SelfAttention {
    q_proj: Linear,
    k_proj: Linear,
    v_proj: Linear,
    o_proj: Linear,
    n_heads: usize,
    n_kv_heads: usize,
    head_dim: usize,
    positions: PositionTables,
}

impl SelfAttention {
    fn new(c: &LlamaConfig, positions: PositionTables) -> Result<SelfAttention> {
        Ok(SelfAttention {
            q_proj: projection(c.hidden_size, c.q_dim())?,
            k_proj: projection(c.hidden_size, c.kv_dim())?,
            v_proj: projection(c.hidden_size, c.kv_dim())?,
            o_proj: projection(c.q_dim(), c.hidden_size)?,
            n_heads: c.n_heads,
            n_kv_heads: c.n_kv_heads,
            head_dim: c.head_dim,
            positions,
        })
    }

    /// `[batch, len, heads * head_dim]` projected by `proj`, as `[batch, heads, len, head_dim]`.
    fn heads(&self, proj: &Linear, x: &Tensor, heads: usize) -> Result<Tensor> {
        let (b, t) = (x.dims()[0], x.dims()[1]);
        proj.forward(x)?
            .reshape((b, t, heads, self.head_dim))?
            .transpose(1, 2)
    }

    /// Repeats each key/value head for the query heads that share it.
    fn repeat_kv(&self, x: Tensor) -> Result<Tensor> {
        let group = self.n_heads / self.n_kv_heads;
        if group == 1 {
            return Ok(x);
        }
        let (b, n, t, d) = (x.dims()[0], x.dims()[1], x.dims()[2], x.dims()[3]);
        x.unsqueeze(2)?
            .broadcast_as((b, n, group, t, d))?
            .reshape((b, n * group, t, d))
    }
}

impl Module for SelfAttention {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let &[b, t, _] = x.dims() else {
            return Err(Error::invalid(
                "SelfAttention",
                format!("expected [batch, len, hidden], got shape {:?}", x.dims()),
            ));
        };
        let p = &self.positions;
        if t > p.max_len() {
            return Err(Error::invalid(
                "SelfAttention",
                format!("{t} positions exceed the context of {}", p.max_len()),
            ));
        }
        let q = p.rotate(&self.heads(&self.q_proj, x, self.n_heads)?)?;
        let k = p.rotate(&self.heads(&self.k_proj, x, self.n_kv_heads)?)?;
        let v = self.heads(&self.v_proj, x, self.n_kv_heads)?;
        let (k, v) = (self.repeat_kv(k)?, self.repeat_kv(v)?);
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let scores = q
            .matmul(&k.transpose(2, 3)?)?
            .mul_scalar(scale)?
            .add(&p.causal_mask(t)?)?;
        let out = scores.softmax(3)?.matmul(&v)?;
        self.o_proj.forward(
            &out.transpose(1, 2)?
                .reshape((b, t, self.n_heads * self.head_dim))?,
        )
    }

    module_children!(q_proj, k_proj, v_proj, o_proj);
}

/// The SwiGLU feed-forward block: `down(silu(gate(x)) * up(x))`.
#[derive(Debug, Clone)]
pub(crate) struct Mlp {
    gate_proj: Linear,
    up_proj: Linear,
    down_proj: Linear,
}

impl Module for Mlp {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let gated = self
            .gate_proj
            .forward(x)?
            .silu()?
            .mul(&self.up_proj.forward(x)?)?;
        self.down_proj.forward(&gated)
    }

    module_children!(gate_proj, up_proj, down_proj);
}

/// One pre-norm transformer block.
#[derive(Debug, Clone)]
pub(crate) struct DecoderLayer {
    input_layernorm: RmsNorm,
    self_attn: SelfAttention,
    post_attention_layernorm: RmsNorm,
    mlp: Mlp,
}

impl DecoderLayer {
    /// A block with fresh weights.
    pub(crate) fn new(c: &LlamaConfig, positions: PositionTables) -> Result<DecoderLayer> {
        Ok(DecoderLayer {
            input_layernorm: rms_norm(c.hidden_size, c.rms_norm_eps)?,
            self_attn: SelfAttention::new(c, positions)?,
            post_attention_layernorm: rms_norm(c.hidden_size, c.rms_norm_eps)?,
            mlp: Mlp {
                gate_proj: projection(c.hidden_size, c.intermediate_size)?,
                up_proj: projection(c.hidden_size, c.intermediate_size)?,
                down_proj: projection(c.intermediate_size, c.hidden_size)?,
            },
        })
    }
}

impl Module for DecoderLayer {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = x.add(&self.self_attn.forward(&self.input_layernorm.forward(x)?)?)?;
        x.add(
            &self
                .mlp
                .forward(&self.post_attention_layernorm.forward(&x)?)?,
        )
    }

    module_children!(input_layernorm, self_attn, post_attention_layernorm, mlp);
}
