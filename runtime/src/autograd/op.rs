//! The record of how a tensor was computed: the op and its inputs.

use crate::backend::{BinaryOp, ReduceOp, UnaryOp, Window2d};
use crate::Tensor;

/// One recorded operation with the inputs (and parameters) its gradient needs.
pub(crate) enum Op {
    Unary(Tensor, UnaryOp),
    /// Both operands have the output's shape (broadcasting is its own op).
    Binary(Tensor, Tensor, BinaryOp),
    /// Expansion to a larger shape.
    Broadcast(Tensor),
    /// Sum, prod, max or min over dims; the output keeps those dims with size 1.
    Reduce(Tensor, ReduceOp, Vec<usize>),
    Reshape(Tensor),
    Permute(Tensor, Vec<usize>),
    /// `dim`, `start` of a narrowed view.
    Narrow(Tensor, usize, usize),
    /// Identity (contiguous copies).
    Copy(Tensor),
    ToDType(Tensor),
    /// Same-batch matrix product.
    Matmul(Tensor, Tensor),
    /// Softmax over the last dim; `true` for log-softmax.
    Softmax(Tensor, bool),
    /// condition, on_true, on_false (all of the output's shape).
    Where(Tensor, Tensor, Tensor),
    IndexSelect(Tensor, Tensor, usize),
    Gather(Tensor, Tensor, usize),
    /// base, ids, src, dim.
    ScatterAdd(Tensor, Tensor, Tensor, usize),
    Cat(Vec<Tensor>, usize),
    Cumsum(Tensor, usize),
    Im2Col(Tensor, Window2d),
    Col2Im(Tensor, Window2d),
    /// input, the u32 position of each maximum in its plane, window.
    MaxPool2d(Tensor, Tensor, Window2d),
    /// input, weight, optional bias and window of a one-group convolution run as one
    /// host kernel.
    Conv2d(Tensor, Tensor, Option<Tensor>, Window2d),
}

impl Op {
    /// The inputs gradients may flow to.
    pub(crate) fn inputs(&self) -> Vec<&Tensor> {
        match self {
            Op::Unary(x, _)
            | Op::Broadcast(x)
            | Op::Reduce(x, _, _)
            | Op::Reshape(x)
            | Op::Permute(x, _)
            | Op::Narrow(x, _, _)
            | Op::Copy(x)
            | Op::ToDType(x)
            | Op::Softmax(x, _)
            | Op::IndexSelect(x, _, _)
            | Op::Gather(x, _, _)
            | Op::Cumsum(x, _)
            | Op::Im2Col(x, _)
            | Op::Col2Im(x, _)
            | Op::MaxPool2d(x, _, _) => vec![x],
            Op::Binary(a, b, _) | Op::Matmul(a, b) => vec![a, b],
            Op::Where(_, t, f) => vec![t, f],
            Op::ScatterAdd(x, _, s, _) => vec![x, s],
            Op::Cat(xs, _) => xs.iter().collect(),
            Op::Conv2d(x, w, b, _) => [x, w].into_iter().chain(b).collect(),
        }
    }
}
