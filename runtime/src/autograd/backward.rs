//! The backward pass: topological walk over the recorded graph and each op's gradient.

use super::{no_grad, Op};
use crate::backend::{BinaryOp, ReduceOp, UnaryOp};
use crate::storage::Storage;
use crate::tensor::TensorId;
use crate::{Error, Result, Tensor};
use std::collections::{HashMap, HashSet};

impl Tensor {
    /// Back-propagates from this scalar, accumulating `.grad()` on every leaf that needs it.
    pub fn backward(&self) -> Result<()> {
        if self.elem_count() != 1 {
            return Err(Error::Backward(format!(
                "grad can be implicitly created only for scalar outputs, got shape {:?}; \
                 use backward_with(grad)",
                self.shape()
            )));
        }
        let seed = Tensor::ones_like(self)?;
        self.backward_with(&seed)
    }

    /// Back-propagates with an explicit gradient of this tensor's shape.
    pub fn backward_with(&self, grad: &Tensor) -> Result<()> {
        if !self.requires_grad() {
            return Err(Error::Backward(
                "tensor does not require grad and has no grad_fn".into(),
            ));
        }
        if grad.shape() != self.shape() {
            return Err(Error::ShapeMismatch {
                op: "backward",
                lhs: self.shape().clone(),
                rhs: grad.shape().clone(),
            });
        }
        let order = topological_order(self);
        no_grad(|| {
            let mut grads: HashMap<TensorId, Tensor> = HashMap::new();
            grads.insert(self.id(), grad.to_dtype(self.dtype())?);
            for node in order.iter().rev() {
                let Some(g) = grads.remove(&node.id()) else {
                    continue;
                };
                match node.op() {
                    None => node.accumulate_grad(g)?,
                    Some(op) => {
                        let inputs = op.inputs();
                        let needs: Vec<bool> = inputs.iter().map(|t| t.requires_grad()).collect();
                        let grads_in = input_grads(op, node, &g, &needs)?;
                        for ((input, ig), needed) in inputs.into_iter().zip(grads_in).zip(needs) {
                            let (Some(ig), true) = (ig, needed) else {
                                continue;
                            };
                            let merged = match grads.remove(&input.id()) {
                                Some(prev) => prev.add(&ig)?,
                                None => ig,
                            };
                            grads.insert(input.id(), merged);
                        }
                    }
                }
            }
            Ok(())
        })
    }
}

/// Nodes reachable from `root` through tensors needing grad, inputs before users.
fn topological_order(root: &Tensor) -> Vec<Tensor> {
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    // Iterative post-order DFS so deep graphs (long loops) cannot overflow the stack.
    let mut stack: Vec<(Tensor, bool)> = vec![(root.clone(), false)];
    while let Some((node, expanded)) = stack.pop() {
        if expanded {
            order.push(node);
            continue;
        }
        if !seen.insert(node.id()) {
            continue;
        }
        stack.push((node.clone(), true));
        if let Some(op) = node.op() {
            for input in op.inputs() {
                if input.requires_grad() && !seen.contains(&input.id()) {
                    stack.push((input.clone(), false));
                }
            }
        }
    }
    order
}

/// Gradients for each of `op.inputs()`, in order: `None` when none flows, or when
/// `needs` says that input does not require one (it is then not computed).
fn input_grads(op: &Op, out: &Tensor, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
    let need = |i: usize| needs.get(i).copied().unwrap_or(false);
    Ok(match op {
        Op::Unary(x, u) => vec![Some(unary_grad(x, *u, g)?)],
        Op::Binary(a, b, bop) => {
            let (ga, gb) = binary_grad(a, b, *bop, g, (need(0), need(1)))?;
            vec![ga, gb]
        }
        Op::Broadcast(x) => vec![Some(sum_to_shape(g, x)?)],
        Op::Reduce(x, r, dims) => vec![Some(reduce_grad(x, *r, dims, out, g)?)],
        Op::Reshape(x) => vec![Some(g.reshape(x.shape())?)],
        Op::Permute(_, perm) => {
            let mut inverse = vec![0; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                inverse[p] = i;
            }
            vec![Some(g.permute(inverse)?)]
        }
        Op::Narrow(x, dim, start) => vec![Some(pad_narrow_grad(x, *dim, *start, g)?)],
        Op::Copy(_) => vec![Some(g.clone())],
        Op::ToDType(x) => vec![Some(g.to_dtype(x.dtype())?)],
        Op::Matmul(a, b) => {
            // An operand that is a transposed view (a weight used as `w.t()`) gets its
            // gradient computed transposed, so that it is contiguous once the view's own
            // backward transposes it back: optimizers then update the weight in place.
            let ga = when(need(0), || {
                if is_transposed(a) {
                    b.matmul(&g.transpose(-1, -2)?)?.transpose(-1, -2)
                } else {
                    g.matmul(&b.transpose(-1, -2)?)
                }
            })?;
            let gb = when(need(1), || {
                if is_transposed(b) {
                    g.transpose(-1, -2)?.matmul(a)?.transpose(-1, -2)
                } else {
                    a.transpose(-1, -2)?.matmul(g)
                }
            })?;
            vec![ga, gb]
        }
        Op::Softmax(x, log) => {
            let gx = if *log {
                let p = x.softmax(-1)?;
                g.sub(&p.mul(&g.sum_keepdim(-1)?)?)?
            } else {
                let s = x.softmax(-1)?;
                s.mul(&g.sub(&g.mul(&s)?.sum_keepdim(-1)?)?)?
            };
            vec![Some(gx)]
        }
        Op::Where(c, _, _) => {
            let zeros = g.zeros_like()?;
            vec![
                when(need(0), || c.where_cond(g, &zeros))?,
                when(need(1), || c.where_cond(&zeros, g))?,
            ]
        }
        Op::IndexSelect(x, ids, dim) => {
            let mut view_shape = vec![1; g.rank()];
            view_shape[*dim] = ids.elem_count();
            let full = ids
                .reshape(view_shape)?
                .broadcast_as(g.shape())?
                .contiguous()?;
            vec![Some(x.zeros_like()?.scatter_add(&full, g, *dim)?)]
        }
        Op::Gather(x, ids, dim) => vec![Some(x.zeros_like()?.scatter_add(ids, g, *dim)?)],
        Op::ScatterAdd(_, ids, _, dim) => vec![Some(g.clone()), Some(g.gather(ids, *dim)?)],
        Op::Cat(xs, dim) => {
            let mut start = 0;
            let mut out = Vec::with_capacity(xs.len());
            for x in xs {
                let len = x.dims()[*dim];
                out.push(Some(g.narrow(*dim, start, len)?));
                start += len;
            }
            out
        }
        Op::Cumsum(_, dim) => {
            // Reverse cumulative sum: total - cumsum + g.
            let total = g.sum_keepdim(*dim)?;
            vec![Some(total.sub(&g.cumsum(*dim)?)?.add(g)?)]
        }
        Op::Im2Col(_, win) => vec![Some(g.col2im(win)?)],
        Op::Col2Im(_, win) => vec![Some(g.im2col(win)?)],
        Op::MaxPool2d(_, argmax, win) => vec![Some(g.max_pool2d_backward(argmax, win)?)],
        Op::Conv2d(x, w, b, win) => x.conv2d_grads(w, b.is_some(), win, g, needs)?,
    })
}

/// Sums a gradient of a broadcast result back to the input's shape.
fn sum_to_shape(g: &Tensor, x: &Tensor) -> Result<Tensor> {
    let extra = g.rank() - x.rank();
    let mut dims: Vec<usize> = (0..extra).collect();
    for (i, &d) in x.dims().iter().enumerate() {
        if d == 1 && g.dims()[i + extra] != 1 {
            dims.push(i + extra);
        }
    }
    if dims.is_empty() {
        return Ok(g.clone());
    }
    g.sum_keepdim(dims)?.reshape(x.shape())
}

fn pad_narrow_grad(x: &Tensor, dim: usize, start: usize, g: &Tensor) -> Result<Tensor> {
    let size = x.dims()[dim];
    let len = g.dims()[dim];
    let mut parts = Vec::with_capacity(3);
    let zeros = |n: usize| {
        let mut shape = g.dims().to_vec();
        shape[dim] = n;
        Tensor::zeros_dtype(shape, g.dtype())?.to_device(g.device())
    };
    if start > 0 {
        parts.push(zeros(start)?);
    }
    parts.push(g.clone());
    if start + len < size {
        parts.push(zeros(size - start - len)?);
    }
    Tensor::cat(&parts, dim)
}

fn reduce_grad(
    x: &Tensor,
    op: ReduceOp,
    dims: &[usize],
    out: &Tensor,
    g: &Tensor,
) -> Result<Tensor> {
    match op {
        ReduceOp::Sum => g.broadcast_as(x.shape()),
        ReduceOp::Prod => g.mul(out)?.div(x),
        ReduceOp::Max | ReduceOp::Min => {
            // Ties share the gradient equally.
            let mask = x.eq(out)?.to_dtype(x.dtype())?;
            let count = mask.sum_keepdim(dims.to_vec())?;
            mask.mul(&g.div(&count)?)
        }
        ReduceOp::ArgMax | ReduceOp::ArgMin => {
            Err(Error::Backward(format!("{} has no gradient", op.name())))
        }
    }
}

/// The gradients of `a op b` for the operands whose flag in `needs` is set.
fn binary_grad(
    a: &Tensor,
    b: &Tensor,
    op: BinaryOp,
    g: &Tensor,
    needs: (bool, bool),
) -> Result<(Option<Tensor>, Option<Tensor>)> {
    let (na, nb) = needs;
    Ok(match op {
        BinaryOp::Add => (na.then(|| g.clone()), nb.then(|| g.clone())),
        BinaryOp::Sub => (na.then(|| g.clone()), when(nb, || g.neg())?),
        BinaryOp::Mul => (when(na, || g.mul(b))?, when(nb, || g.mul(a))?),
        BinaryOp::Div => (
            when(na, || g.div(b))?,
            when(nb, || g.mul(a)?.div(&b.sqr()?)?.neg())?,
        ),
        BinaryOp::Pow => (
            when(na, || g.mul(b)?.mul(&a.pow(&b.affine(1.0, -1.0)?)?))?,
            when(nb, || g.mul(&a.pow(b)?)?.mul(&a.log()?))?,
        ),
        BinaryOp::Maximum | BinaryOp::Minimum => {
            let wins = if op == BinaryOp::Maximum {
                a.gt(b)?
            } else {
                a.lt(b)?
            };
            let wins = wins.to_dtype(g.dtype())?;
            let ties = a.eq(b)?.to_dtype(g.dtype())?.affine(0.5, 0.0)?;
            let share_a = wins.add(&ties)?;
            (
                when(na, || g.mul(&share_a))?,
                when(nb, || g.mul(&share_a.affine(-1.0, 1.0)?))?,
            )
        }
    })
}

/// `f()` when `needed`, else `None` without calling it.
fn when(needed: bool, f: impl FnOnce() -> Result<Tensor>) -> Result<Option<Tensor>> {
    needed.then(f).transpose()
}

/// Whether `x` is a view whose last two dims are swapped from a contiguous tensor's.
fn is_transposed(x: &Tensor) -> bool {
    let rank = x.rank();
    if rank < 2 || x.is_contiguous() {
        return false;
    }
    let mut swap_last: Vec<usize> = (0..rank).collect();
    swap_last.swap(rank - 2, rank - 1);
    x.layout().permute(&swap_last).is_contiguous()
}

/// ReLU's gradient in one host pass (`g` where `x > 0`, else 0), for f32/f64 tensors on
/// the CPU; `None` elsewhere.
fn relu_grad_on_host(x: &Tensor, g: &Tensor) -> Option<Tensor> {
    if x.shape() != g.shape() {
        return None;
    }
    let grad = {
        let (xs, gs) = (x.storage(), g.storage());
        let (Storage::Cpu(xc), Storage::Cpu(gc)) = (&*xs, &*gs) else {
            return None;
        };
        xc.relu_backward(x.layout(), gc, g.layout())?
    };
    Some(Tensor::from_storage(
        Storage::Cpu(grad),
        x.shape().clone(),
        None,
    ))
}

fn unary_grad(x: &Tensor, op: UnaryOp, g: &Tensor) -> Result<Tensor> {
    let mask = |m: Tensor| -> Result<Tensor> { g.mul(&m.to_dtype(g.dtype())?) };
    match op {
        UnaryOp::Neg => g.neg(),
        UnaryOp::Abs => g.mul(&x.sign()?),
        UnaryOp::Exp => g.mul(&x.exp()?),
        UnaryOp::Log => g.div(x),
        UnaryOp::Sqrt => g.div(&x.sqrt()?.affine(2.0, 0.0)?),
        UnaryOp::Rsqrt => g.mul(&x.powf(-1.5)?.affine(-0.5, 0.0)?),
        UnaryOp::Sin => g.mul(&x.cos()?),
        UnaryOp::Cos => g.mul(&x.sin()?.neg()?),
        UnaryOp::Tanh => g.mul(&x.tanh()?.sqr()?.affine(-1.0, 1.0)?),
        UnaryOp::Sigmoid => {
            let s = x.sigmoid()?;
            g.mul(&s.mul(&s.affine(-1.0, 1.0)?)?)
        }
        UnaryOp::Relu => match relu_grad_on_host(x, g) {
            Some(gx) => Ok(gx),
            None => mask(x.gt_scalar(0.0)?),
        },
        UnaryOp::Gelu => {
            // Φ(x) + x φ(x)
            let cdf = x.gelu()?.div(x)?;
            let cdf = x.eq_scalar(0.0)?.where_cond(&x.full_like(0.5)?, &cdf)?;
            let pdf = x
                .sqr()?
                .affine(-0.5, 0.0)?
                .exp()?
                .affine(1.0 / (2.0 * std::f64::consts::PI).sqrt(), 0.0)?;
            g.mul(&cdf.add(&x.mul(&pdf)?)?)
        }
        UnaryOp::GeluTanh => {
            let c = (2.0 / std::f64::consts::PI).sqrt();
            let x2 = x.sqr()?;
            let inner = x.mul(&x2.affine(0.044715, 1.0)?)?.affine(c, 0.0)?;
            let t = inner.tanh()?;
            let dinner = x2.affine(3.0 * 0.044715 * c, c)?;
            let left = t.affine(0.5, 0.5)?;
            let right = x
                .mul(&t.sqr()?.affine(-1.0, 1.0)?)?
                .mul(&dinner)?
                .affine(0.5, 0.0)?;
            g.mul(&left.add(&right)?)
        }
        UnaryOp::Silu => {
            let s = x.sigmoid()?;
            let d = s.mul(&x.mul(&s.affine(-1.0, 1.0)?)?.affine(1.0, 1.0)?)?;
            g.mul(&d)
        }
        UnaryOp::Softplus => g.mul(&x.sigmoid()?),
        UnaryOp::Recip => g.div(&x.sqr()?)?.neg(),
        UnaryOp::Sqr => g.mul(&x.affine(2.0, 0.0)?),
        UnaryOp::Sign => g.zeros_like(),
        UnaryOp::Affine { mul, .. } => g.affine(mul, 0.0),
        UnaryOp::Powf(e) => g.mul(&x.powf(e - 1.0)?.affine(e, 0.0)?),
        UnaryOp::Clamp { min, max } => mask(x.ge_scalar(min)?.logical_and(&x.le_scalar(max)?)?),
        UnaryOp::MaxScalar(s) => mask(x.ge_scalar(s)?),
        UnaryOp::MinScalar(s) => mask(x.le_scalar(s)?),
    }
}
