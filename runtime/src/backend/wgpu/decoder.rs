//! Decoder-layer kernels on plain GPU buffers: RMSNorm, residual and bias adds, SwiGLU,
//! rotary embeddings and flash-style causal attention.

use super::buffer::GpuBuffer;
use super::context::context;
use super::info::{f, word};
use super::launch::{groups_per_row, run, run_groups, Kernel};
use super::shaders;
use crate::{Error, Result};

const RMS_NORM: Kernel = Kernel {
    family: "norm",
    source: shaders::NORM,
    entry: "rms_norm",
};

const RMS_NORM_SUBGROUP: Kernel = Kernel {
    family: "norm_subgroup",
    source: shaders::NORM_SUBGROUP,
    entry: "rms_norm",
};

const ADD_INTO: Kernel = Kernel {
    family: "llm",
    source: shaders::LLM,
    entry: "add_into",
};

const ADD_BIAS: Kernel = Kernel {
    family: "llm",
    source: shaders::LLM,
    entry: "add_bias",
};

const SWIGLU: Kernel = Kernel {
    family: "llm",
    source: shaders::LLM,
    entry: "swiglu",
};

const ROPE: Kernel = Kernel {
    family: "rope",
    source: shaders::ROPE,
    entry: "rope",
};

const ATTENTION: Kernel = Kernel {
    family: "attention",
    source: shaders::ATTENTION,
    entry: "attention",
};

/// Widest head the attention kernel holds in workgroup memory.
pub const MAX_HEAD_DIM: usize = 256;

/// Records `out = x / rms(x) * weight` for `rows` rows of `weight.len()` columns (with
/// subgroup sums where the adapter has subgroups).
pub fn rms_norm(
    out: &GpuBuffer,
    x: &GpuBuffer,
    weight: &GpuBuffer,
    rows: usize,
    eps: f32,
) -> Result<()> {
    let subgroups = context()?.has_subgroups();
    rms_norm_with(out, (x, weight), rows, eps, subgroups)
}

/// [`rms_norm`] with the subgroup kernel or the portable one.
pub(super) fn rms_norm_with(
    out: &GpuBuffer,
    (x, weight): (&GpuBuffer, &GpuBuffer),
    rows: usize,
    eps: f32,
    subgroups: bool,
) -> Result<()> {
    let op = "gpu rms_norm";
    let kernel = if subgroups {
        RMS_NORM_SUBGROUP
    } else {
        RMS_NORM
    };
    let cols = weight.len();
    x.check(rows * cols, op, "the input")?;
    out.check(rows * cols, op, "the output")?;
    let ctx = context()?;
    let info = [word(rows, op)?, word(cols, op)?, f(eps as f64)];
    let groups = groups_per_row(ctx, rows, op)?;
    run_groups(
        ctx,
        kernel,
        &info,
        &[out.raw(), x.raw(), weight.raw()],
        groups,
        op,
    )
}

/// Records `x += y` over the first `count` values.
pub fn add_into(x: &GpuBuffer, y: &GpuBuffer, count: usize) -> Result<()> {
    let op = "gpu add_into";
    x.check(count, op, "x")?;
    y.check(count, op, "y")?;
    run(
        context()?,
        ADD_INTO,
        &[word(count, op)?],
        &[x.raw(), y.raw()],
        count,
        op,
    )
}

/// Records `x[r][c] += bias[c]` for `rows` rows of `bias.len()` columns.
pub fn add_bias(x: &GpuBuffer, bias: &GpuBuffer, rows: usize) -> Result<()> {
    let op = "gpu add_bias";
    let count = rows * bias.len();
    x.check(count, op, "x")?;
    let info = [word(count, op)?, word(bias.len(), op)?];
    run(
        context()?,
        ADD_BIAS,
        &info,
        &[x.raw(), bias.raw()],
        count,
        op,
    )
}

/// Records `gate = silu(gate) * up` over the first `count` values.
pub fn swiglu(gate: &GpuBuffer, up: &GpuBuffer, count: usize) -> Result<()> {
    let op = "gpu swiglu";
    gate.check(count, op, "gate")?;
    up.check(count, op, "up")?;
    run(
        context()?,
        SWIGLU,
        &[word(count, op)?],
        &[gate.raw(), up.raw()],
        count,
        op,
    )
}

/// `[position][pair][cos, sin]` for positions `0..positions` of the given inverse
/// frequencies (one per rotated pair), computed as the CPU path does.
pub fn rope_table(inv_freq: &[f32], positions: usize) -> Vec<f32> {
    let mut table = Vec::with_capacity(positions * inv_freq.len() * 2);
    for pos in 0..positions {
        for f in inv_freq {
            let angle = pos as f32 * f;
            table.push(angle.cos());
            table.push(angle.sin());
        }
    }
    table
}

/// Shape of a rotary-embedding call.
#[derive(Debug, Clone, Copy)]
pub struct RopeDims {
    /// Positions (rows of heads).
    pub n: usize,
    /// Heads per position.
    pub heads: usize,
    /// Width of one head.
    pub head_dim: usize,
    /// Rotated pairs per head (the table's pairs).
    pub pairs: usize,
    /// Pairs are (2p, 2p+1) when true (GGUF/Meta), (p, p + pairs) otherwise (HF).
    pub interleaved: bool,
    /// Position of the first row.
    pub start: usize,
}

/// Records the rotation of `x` (`[n][heads][head_dim]`) in place with `table` from
/// [`rope_table`].
pub fn rope(x: &GpuBuffer, table: &GpuBuffer, d: RopeDims) -> Result<()> {
    let op = "gpu rope";
    if 2 * d.pairs > d.head_dim {
        return Err(Error::invalid(
            op,
            format!("{} rotated pairs in heads of {}", d.pairs, d.head_dim),
        ));
    }
    x.check(d.n * d.heads * d.head_dim, op, "x")?;
    table.check((d.start + d.n) * d.pairs * 2, op, "the rotation table")?;
    let count = d.n * d.heads * d.pairs;
    let info = [
        word(count, op)?,
        word(d.heads, op)?,
        word(d.head_dim, op)?,
        word(d.pairs, op)?,
        u32::from(!d.interleaved),
        word(d.start, op)?,
    ];
    run(context()?, ROPE, &info, &[x.raw(), table.raw()], count, op)
}

/// Shape of an attention call.
#[derive(Debug, Clone, Copy)]
pub struct AttentionDims {
    /// Queries: the last `n` of the `len` cached positions.
    pub n: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads (dividing `n_heads`).
    pub n_kv_heads: usize,
    /// Width of one head (at most [`MAX_HEAD_DIM`]).
    pub head_dim: usize,
    /// Cached positions, the queries' own included.
    pub len: usize,
}

/// Records causal attention of `q` (`[n][n_heads][head_dim]`) over `keys`/`values`
/// (`[len..][n_kv_heads][head_dim]`) into `out` (shaped as `q`).
pub fn attention(
    out: &GpuBuffer,
    q: &GpuBuffer,
    keys: &GpuBuffer,
    values: &GpuBuffer,
    d: AttentionDims,
) -> Result<()> {
    let op = "gpu attention";
    if d.n_kv_heads == 0 || !d.n_heads.is_multiple_of(d.n_kv_heads) || d.n > d.len {
        return Err(Error::invalid(
            op,
            format!(
                "{} query heads over {} key/value heads, {} queries over {} positions",
                d.n_heads, d.n_kv_heads, d.n, d.len
            ),
        ));
    }
    if d.head_dim == 0 || d.head_dim > MAX_HEAD_DIM {
        return Err(Error::invalid(
            op,
            format!("head width {} is not in 1..={MAX_HEAD_DIM}", d.head_dim),
        ));
    }
    let q_len = d.n * d.n_heads * d.head_dim;
    q.check(q_len, op, "q")?;
    out.check(q_len, op, "the output")?;
    keys.check(d.len * d.n_kv_heads * d.head_dim, op, "the keys")?;
    values.check(d.len * d.n_kv_heads * d.head_dim, op, "the values")?;
    let ctx = context()?;
    let max = ctx.max_groups() as usize;
    if d.n_heads > max || d.n > max {
        return Err(Error::invalid(
            op,
            format!(
                "{} heads x {} queries exceed one gpu dispatch",
                d.n_heads, d.n
            ),
        ));
    }
    let info = [
        word(d.n, op)?,
        word(d.n_heads, op)?,
        word(d.n_kv_heads, op)?,
        word(d.head_dim, op)?,
        word(d.len, op)?,
        f(1.0 / (d.head_dim as f64).sqrt()),
    ];
    let buffers = [out.raw(), q.raw(), keys.raw(), values.raw()];
    let groups = (d.n_heads as u32, d.n as u32, 1);
    run_groups(ctx, ATTENTION, &info, &buffers, groups, op)
}
