//! The storage-level backend contract: every device implements `BackendStorage`;
//! `Tensor` does shape checking and autograd once, above it.

pub mod cpu;
pub mod wgpu;

use crate::{DType, Device, Layout, Result};

/// Elementwise operations on one operand (some carry scalar parameters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `|x|`
    Abs,
    /// `e^x`
    Exp,
    /// natural logarithm
    Log,
    /// square root
    Sqrt,
    /// `1 / sqrt(x)`
    Rsqrt,
    /// sine
    Sin,
    /// cosine
    Cos,
    /// hyperbolic tangent
    Tanh,
    /// `1 / (1 + e^-x)`
    Sigmoid,
    /// `max(x, 0)`
    Relu,
    /// exact GELU, `x * Φ(x)`
    Gelu,
    /// tanh approximation of GELU
    GeluTanh,
    /// `x * sigmoid(x)`
    Silu,
    /// `ln(1 + e^x)`
    Softplus,
    /// `1 / x`
    Recip,
    /// `x * x`
    Sqr,
    /// -1, 0 or 1
    Sign,
    /// `x * mul + add`
    Affine {
        /// multiplier
        mul: f64,
        /// addend
        add: f64,
    },
    /// `x ^ e`
    Powf(f64),
    /// `min(max(x, min), max)`
    Clamp {
        /// lower bound
        min: f64,
        /// upper bound
        max: f64,
    },
    /// `max(x, s)`
    MaxScalar(f64),
    /// `min(x, s)`
    MinScalar(f64),
}

impl UnaryOp {
    /// The operation's name, for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Abs => "abs",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Rsqrt => "rsqrt",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Sigmoid => "sigmoid",
            UnaryOp::Relu => "relu",
            UnaryOp::Gelu => "gelu",
            UnaryOp::GeluTanh => "gelu_tanh",
            UnaryOp::Silu => "silu",
            UnaryOp::Softplus => "softplus",
            UnaryOp::Recip => "recip",
            UnaryOp::Sqr => "sqr",
            UnaryOp::Sign => "sign",
            UnaryOp::Affine { .. } => "affine",
            UnaryOp::Powf(_) => "powf",
            UnaryOp::Clamp { .. } => "clamp",
            UnaryOp::MaxScalar(_) => "maximum",
            UnaryOp::MinScalar(_) => "minimum",
        }
    }

    /// Whether the op also applies to integer dtypes.
    pub fn supports_int(&self) -> bool {
        matches!(
            self,
            UnaryOp::Neg
                | UnaryOp::Abs
                | UnaryOp::Relu
                | UnaryOp::Sqr
                | UnaryOp::Sign
                | UnaryOp::Affine { .. }
                | UnaryOp::Clamp { .. }
                | UnaryOp::MaxScalar(_)
                | UnaryOp::MinScalar(_)
        )
    }
}

/// Elementwise operations on two operands of the same shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a ^ b`
    Pow,
    /// `max(a, b)`
    Maximum,
    /// `min(a, b)`
    Minimum,
}

impl BinaryOp {
    /// The operation's name, for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Pow => "pow",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
        }
    }
}

/// Comparisons producing booleans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `a == b`
    Eq,
    /// `a != b`
    Ne,
    /// `a < b`
    Lt,
    /// `a <= b`
    Le,
    /// `a > b`
    Gt,
    /// `a >= b`
    Ge,
}

impl CmpOp {
    /// The operation's name, for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
        }
    }
}

/// Reductions over a set of dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    /// sum
    Sum,
    /// product
    Prod,
    /// maximum (NaN propagates)
    Max,
    /// minimum (NaN propagates)
    Min,
    /// index of the first maximum (int64)
    ArgMax,
    /// index of the first minimum (int64)
    ArgMin,
}

impl ReduceOp {
    /// The operation's name, for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Prod => "prod",
            ReduceOp::Max => "max",
            ReduceOp::Min => "min",
            ReduceOp::ArgMax => "argmax",
            ReduceOp::ArgMin => "argmin",
        }
    }
}

/// Sizes of a (batched) matrix product: `batch` products of `[m, k] x [k, n]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatmulDims {
    /// number of matrices
    pub batch: usize,
    /// rows of the left operand
    pub m: usize,
    /// columns of the right operand
    pub n: usize,
    /// shared inner dimension
    pub k: usize,
}

/// Geometry of a 2-D sliding window over `[n, c, h, w]` (convolution and pooling).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window2d {
    /// batch size
    pub n: usize,
    /// channels
    pub c: usize,
    /// input height
    pub h: usize,
    /// input width
    pub w: usize,
    /// kernel height and width
    pub kernel: (usize, usize),
    /// stride along height and width
    pub stride: (usize, usize),
    /// zero padding along height and width
    pub padding: (usize, usize),
    /// dilation along height and width
    pub dilation: (usize, usize),
    /// value read outside the input (0 for convolution, -inf for max pooling)
    pub pad_value: f64,
}

impl Window2d {
    /// Output height and width.
    pub fn out_hw(&self) -> (usize, usize) {
        let span = |size: usize, pad: usize, dil: usize, k: usize, stride: usize| {
            (size + 2 * pad).saturating_sub(dil * (k - 1) + 1) / stride + 1
        };
        (
            span(
                self.h,
                self.padding.0,
                self.dilation.0,
                self.kernel.0,
                self.stride.0,
            ),
            span(
                self.w,
                self.padding.1,
                self.dilation.1,
                self.kernel.1,
                self.stride.1,
            ),
        )
    }
}

/// The operations every device's storage provides. Layouts describe the views read;
/// results are fresh contiguous storages.
pub trait BackendStorage: Sized {
    /// The element type.
    fn dtype(&self) -> DType;
    /// The device holding the data.
    fn device(&self) -> Device;
    /// A host copy of the whole storage.
    fn to_cpu(&self) -> Result<cpu::CpuStorage>;
    /// Contiguous copy of a view.
    fn copy_strided(&self, l: &Layout) -> Result<Self>;
    /// Contiguous copy of a view converted to `dtype`.
    fn to_dtype(&self, l: &Layout, dtype: DType) -> Result<Self>;
    /// Elementwise op on one operand.
    fn unary(&self, l: &Layout, op: UnaryOp) -> Result<Self>;
    /// Elementwise op on two views of the same shape.
    fn binary(&self, l: &Layout, rhs: &Self, rl: &Layout, op: BinaryOp) -> Result<Self>;
    /// Elementwise comparison of two views of the same shape, giving booleans.
    fn cmp(&self, l: &Layout, rhs: &Self, rl: &Layout, op: CmpOp) -> Result<Self>;
    /// Picks `on_true` where `self` (bool) is set, else `on_false`; all views share one shape.
    fn where_cond(
        &self,
        l: &Layout,
        on_true: &Self,
        tl: &Layout,
        on_false: &Self,
        fl: &Layout,
    ) -> Result<Self>;
    /// Reduces `dims`; the result has the view's shape with those dims set to 1.
    fn reduce(&self, l: &Layout, dims: &[usize], op: ReduceOp) -> Result<Self>;
    /// Softmax (or log-softmax) over the last dimension.
    fn softmax_last_dim(&self, l: &Layout, log: bool) -> Result<Self>;
    /// Inclusive cumulative sum along `dim`.
    fn cumsum(&self, l: &Layout, dim: usize) -> Result<Self>;
    /// Batched matrix product of `[batch.., m, k]` and `[batch.., k, n]` views.
    fn matmul(&self, l: &Layout, rhs: &Self, rl: &Layout, dims: MatmulDims) -> Result<Self>;
    /// Selects entries of `dim` listed by a 1-D integer index view.
    fn index_select(&self, l: &Layout, ids: &Self, il: &Layout, dim: usize) -> Result<Self>;
    /// `out[..i..] = self[..ids[..i..]..]` along `dim`.
    fn gather(&self, l: &Layout, ids: &Self, il: &Layout, dim: usize) -> Result<Self>;
    /// Copy of `self` with `src` added at positions `ids` along `dim`.
    #[allow(clippy::too_many_arguments)]
    fn scatter_add(
        &self,
        l: &Layout,
        ids: &Self,
        il: &Layout,
        src: &Self,
        sl: &Layout,
        dim: usize,
    ) -> Result<Self>;
    /// Concatenation along `dim` of views that agree on every other dimension.
    fn cat(parts: &[(&Self, &Layout)], dim: usize) -> Result<Self>;
    /// Unfolds sliding windows of an `[n, c, h, w]` view into `[n, c*kh*kw, oh*ow]`
    /// (PyTorch's `unfold` layout: a row per kernel tap, a column per output position).
    fn im2col(&self, l: &Layout, win: &Window2d) -> Result<Self>;
    /// Adjoint of `im2col`: sums `[n, c*kh*kw, oh*ow]` columns back into `[n, c, h, w]`.
    fn col2im(&self, l: &Layout, win: &Window2d) -> Result<Self>;
    /// Max pooling of an `[n, c, h, w]` view: the maxima `[n, c, oh, ow]` and, as u32,
    /// the flat position `y * w + x` in its plane of each maximum (first on ties).
    fn max_pool2d(&self, l: &Layout, win: &Window2d) -> Result<(Self, Self)>;
    /// Adjoint of `max_pool2d`: adds the `[n, c, oh, ow]` gradient view at the
    /// positions `argmax` names, giving `[n, c, h, w]`.
    fn max_pool2d_backward(
        &self,
        l: &Layout,
        argmax: &Self,
        al: &Layout,
        win: &Window2d,
    ) -> Result<Self>;
    /// Overwrites the elements of the view `l` with a same-shape view of `src`.
    fn assign(&mut self, l: &Layout, src: &Self, sl: &Layout) -> Result<()>;
}
