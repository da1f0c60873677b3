//! The WGSL sources of the kernel families, compiled into the library.

/// Kernel info block and strided indexing, prepended to every family.
pub const COMMON: &str = include_str!("../../../../shaders/common.wgsl");
/// Strided copies and dtype conversions.
pub const COPY: &str = include_str!("../../../../shaders/copy.wgsl");
/// Elementwise functions of one operand.
pub const UNARY: &str = include_str!("../../../../shaders/unary.wgsl");
/// Elementwise functions and comparisons of two operands.
pub const BINARY: &str = include_str!("../../../../shaders/binary.wgsl");
/// Elementwise choice by a condition.
pub const SELECT: &str = include_str!("../../../../shaders/select.wgsl");
/// Sum, product, max, min, argmax, argmin over rows.
pub const REDUCE: &str = include_str!("../../../../shaders/reduce.wgsl");
/// Softmax and log-softmax over rows.
pub const SOFTMAX: &str = include_str!("../../../../shaders/softmax.wgsl");
/// Tiled batched matrix product.
pub const MATMUL: &str = include_str!("../../../../shaders/matmul.wgsl");
/// Matrix product with 128x128 output tiles for large outputs.
pub const MATMUL_BIG: &str = include_str!("../../../../shaders/matmul_big.wgsl");
/// index_select and gather.
pub const INDEX: &str = include_str!("../../../../shaders/index.wgsl");
/// scatter_add.
pub const SCATTER: &str = include_str!("../../../../shaders/scatter.wgsl");
/// im2col and col2im.
pub const CONV: &str = include_str!("../../../../shaders/conv.wgsl");
/// Max pooling and its adjoint.
pub const POOL: &str = include_str!("../../../../shaders/pool.wgsl");
/// Matrix products and row lookups on weights in their ggml encoding.
pub const QUANT: &str = include_str!("../../../../shaders/quant.wgsl");
/// Rotary position embedding.
pub const ROPE: &str = include_str!("../../../../shaders/rope.wgsl");
/// Flash-style causal grouped-query attention.
pub const ATTENTION: &str = include_str!("../../../../shaders/attention.wgsl");
/// RMSNorm over rows.
pub const NORM: &str = include_str!("../../../../shaders/norm.wgsl");
/// RMSNorm over rows with subgroup sums.
pub const NORM_SUBGROUP: &str = include_str!("../../../../shaders/norm_subgroup.wgsl");
/// Residual adds, bias adds and SwiGLU on plain buffers.
pub const LLM: &str = include_str!("../../../../shaders/llm.wgsl");
