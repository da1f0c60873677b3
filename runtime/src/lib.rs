//! Born's ML runtime: tensors with a PyTorch-shaped API, define-by-run autograd and a
//! fast CPU backend. Usable from any Rust program and from notebook cells.
//!
//! # API at a glance
//! - Types: [`Tensor`] (cheap-clone handle, `Send + Sync`), [`DType`] (`F32`, `F64`, `F16`,
//!   `BF16`, `I64`, `U32`, `U8`, `Bool`), [`Device`] (`Cpu`, `Gpu` via `Device::gpu()`), [`Shape`] (from `usize`,
//!   tuples, arrays, slices, vectors), [`Error`] / [`Result`].
//! - Creation: `Tensor::from_vec(data, shape)`, `from_slice`, `from_bytes(bytes, dtype,
//!   shape)`, `scalar`, `zeros`/`ones`/`full` (+ `_dtype`, `_like`), `arange`, `linspace`,
//!   `eye`, `rand`, `randn`, `randint`; [`manual_seed`] makes draws repeat.
//! - Extraction: `to_vec::<T>()`, `to_vec2`, `to_vec_f64`, `to_scalar::<T>()`,
//!   `to_scalar_f64`, `to_bytes`, `to_dtype`, `to_device`.
//! - Views (no copy): `reshape`, `view_as(&[-1, n])`, `flatten`, `permute`, `transpose`,
//!   `t`, `narrow`, `select`, `squeeze`, `unsqueeze`, `broadcast_as`/`expand`, `chunk`,
//!   `split`, `split_sizes`; `contiguous` copies when needed.
//! - Elementwise (NumPy broadcasting): `add sub mul div pow maximum minimum`, scalar forms
//!   (`add_scalar`, `affine`, `powf`, `clamp`, ...), `neg abs exp log sqrt rsqrt sin cos tanh
//!   sigmoid relu gelu gelu_tanh silu softplus recip sqr sign`, comparisons `eq ne lt le gt
//!   ge` (+ `_scalar`) giving bool, `where_cond`, `masked_fill`, `logical_*`.
//!   Operators `&a + &b`, `&a * 2.0`, `1.0 - &a`, `-&a` return `Result<Tensor>`.
//! - Reductions (dims may be negative; `keepdim`): `sum mean prod max min var std
//!   logsumexp`, `argmax argmin`, `*_all`; `softmax`, `log_softmax`, `cumsum`.
//! - Linear algebra and NN: `matmul` (batch broadcasting, `gemm` crate), `conv1d`,
//!   `conv2d` (stride, padding, dilation, groups), `max_pool2d`, `avg_pool2d`.
//! - Indexing: `Tensor::cat`, `Tensor::stack`, `gather`, `scatter_add`, `index_select`,
//!   `one_hot`, `triu`, `tril`.
//! - Autograd: `requires_grad_(true)` / `with_grad()`, `backward()`, `backward_with(g)`,
//!   `grad()`, `zero_grad()`, `detach()`, [`no_grad`] / [`NoGradGuard`], `assign` for
//!   in-place parameter updates; [`autograd::gradcheck`] checks gradients numerically.
//! - Backends implement [`backend::BackendStorage`]; `Tensor` does shape checks and
//!   autograd once above them.

pub mod autograd;
pub mod backend;
pub mod data;
mod device;
mod dtype;
mod error;
mod layout;
pub mod loss;
pub mod metrics;
pub mod nn;
pub mod optim;
pub mod rng;
mod shape;
mod storage;
mod tensor;

pub use autograd::{is_grad_enabled, no_grad, NoGradGuard};
pub use device::Device;
pub use dtype::{DType, WithDType};
pub use error::{Error, Result};
pub use layout::Layout;
pub use rng::manual_seed;
pub use shape::{AllDims, Dim, Dims, Shape};
pub use storage::Storage;
pub use tensor::{set_cell_renderer, CellRenderer, Tensor, TensorId};

pub mod interrupt;

pub mod io;
pub mod llm;
pub mod quant;

pub mod prelude {
    //! Everything a notebook cell needs in scope.
    pub use crate::{
        manual_seed, no_grad, AllDims, DType, Device, Dim, Dims, Error, NoGradGuard, Result, Shape,
        Tensor, WithDType,
    };
}
