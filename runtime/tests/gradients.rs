//! Finite-difference checks (f64) of every differentiable op, including broadcast and
//! non-contiguous inputs, plus the semantics of backward, grad accumulation and no_grad.

use born::autograd::{gradcheck, GradCheck};
use born::rng::Generator;
use born::{no_grad, Result, Tensor};

/// Standard normal f64 values from a local seeded generator.
fn randn(shape: &[usize], seed: u64) -> Tensor {
    let mut g = Generator::from_seed(seed);
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|_| g.normal_pair().0).collect();
    Tensor::from_vec(v, shape).expect("valid shape")
}

/// Values in `[lo, hi)`.
fn uniform(shape: &[usize], lo: f64, hi: f64, seed: u64) -> Tensor {
    let mut g = Generator::from_seed(seed);
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|_| lo + (hi - lo) * g.uniform()).collect();
    Tensor::from_vec(v, shape).expect("valid shape")
}

/// A named op of one tensor.
type UnaryFn = fn(&Tensor) -> Result<Tensor>;
/// A named op of two tensors.
type BinaryFn = fn(&Tensor, &Tensor) -> Result<Tensor>;

fn check1(x: &Tensor, f: impl Fn(&Tensor) -> Result<Tensor>) {
    gradcheck(|xs| f(&xs[0]), std::slice::from_ref(x)).unwrap();
}

fn check2(a: &Tensor, b: &Tensor, f: impl Fn(&Tensor, &Tensor) -> Result<Tensor>) {
    gradcheck(|xs| f(&xs[0], &xs[1]), &[a.clone(), b.clone()]).unwrap();
}

#[test]
fn unary_ops() {
    let x = randn(&[3, 4], 1);
    let pos = uniform(&[3, 4], 0.5, 2.0, 2);
    let ops: Vec<(&str, UnaryFn)> = vec![
        ("neg", |t| t.neg()),
        ("abs", |t| t.abs()),
        ("exp", |t| t.exp()),
        ("sin", |t| t.sin()),
        ("cos", |t| t.cos()),
        ("tanh", |t| t.tanh()),
        ("sigmoid", |t| t.sigmoid()),
        ("relu", |t| t.relu()),
        ("gelu", |t| t.gelu()),
        ("gelu_tanh", |t| t.gelu_tanh()),
        ("silu", |t| t.silu()),
        ("softplus", |t| t.softplus()),
        ("sqr", |t| t.sqr()),
        ("affine", |t| t.affine(-1.5, 0.25)),
        ("clamp", |t| t.clamp(-0.5, 0.7)),
        ("maximum_scalar", |t| t.maximum_scalar(0.1)),
        ("minimum_scalar", |t| t.minimum_scalar(0.1)),
        ("scalar ops", |t| ((t * 3.0)? - 1.0)? / 2.0),
        ("rsub", |t| 1.0 - t),
    ];
    for (name, op) in ops {
        // Transposed view: the op sees a non-contiguous input.
        gradcheck(|xs| op(&xs[0].t()?), std::slice::from_ref(&x))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let positive: Vec<(&str, UnaryFn)> = vec![
        ("log", |t| t.log()),
        ("sqrt", |t| t.sqrt()),
        ("rsqrt", |t| t.rsqrt()),
        ("recip", |t| t.recip()),
        ("powf", |t| t.powf(2.5)),
        ("rdiv", |t| 2.0 / t),
    ];
    for (name, op) in positive {
        gradcheck(|xs| op(&xs[0].narrow(1, 1, 2)?), std::slice::from_ref(&pos))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn binary_ops_with_broadcasting() {
    let a = randn(&[2, 3], 3);
    let b = randn(&[3], 4);
    let col = randn(&[2, 1], 5);
    let pos = uniform(&[2, 3], 0.5, 2.0, 6);
    let ops: Vec<(&str, BinaryFn)> = vec![
        ("add", |x, y| x + y),
        ("sub", |x, y| x - y),
        ("mul", |x, y| x * y),
        ("maximum", |x, y| x.maximum(y)),
        ("minimum", |x, y| x.minimum(y)),
    ];
    for (name, op) in &ops {
        for rhs in [&b, &col, &randn(&[2, 3], 7)] {
            gradcheck(|xs| op(&xs[0], &xs[1]), &[a.clone(), rhs.clone()])
                .unwrap_or_else(|e| panic!("{name} with {:?}: {e}", rhs.shape()));
        }
    }
    check2(
        &a,
        &pos.narrow(0, 0, 1).unwrap().contiguous().unwrap(),
        |x, y| x / y,
    );
    check2(&pos, &randn(&[3], 8), |x, y| x.pow(y));
    // Both operands broadcast at once: [2, 1] op [3] -> [2, 3].
    check2(&col, &b, |x, y| x * y);
}

#[test]
fn reductions() {
    let x = randn(&[2, 3, 4], 9);
    let ops: Vec<(&str, UnaryFn)> = vec![
        ("sum", |t| t.sum([0, 2], false)),
        ("sum_keepdim", |t| t.sum(1, true)),
        ("sum_all", |t| t.sum_all()),
        ("mean", |t| t.mean(-1, false)),
        ("prod", |t| t.prod(1, false)),
        ("max", |t| t.max(2, false)),
        ("min", |t| t.min([0, 1], true)),
        ("max_all", |t| t.max_all()),
        ("var", |t| t.var(1, false)),
        ("std", |t| t.std([0, 2], true)),
        ("logsumexp", |t| t.logsumexp(2, false)),
        ("softmax", |t| t.softmax(1)),
        ("softmax_last", |t| t.softmax(-1)),
        ("log_softmax", |t| t.log_softmax(0)),
        ("cumsum", |t| t.cumsum(1)),
    ];
    for (name, op) in ops {
        gradcheck(
            |xs| op(&xs[0].permute([2, 0, 1])?),
            std::slice::from_ref(&x),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn matmul_variants() {
    check2(&randn(&[3, 4], 10), &randn(&[4, 2], 11), |a, b| a.matmul(b));
    check2(&randn(&[2, 1, 3, 4], 12), &randn(&[3, 4, 2], 13), |a, b| {
        a.matmul(b)
    });
    check2(&randn(&[4], 14), &randn(&[4, 2], 15), |a, b| a.matmul(b));
    check2(&randn(&[3, 4], 16), &randn(&[4], 17), |a, b| a.matmul(b));
    // Transposed (non-contiguous) operands.
    check2(&randn(&[4, 3], 18), &randn(&[2, 4], 19), |a, b| {
        a.t()?.matmul(&b.t()?)
    });
}

#[test]
fn views_and_joins() {
    let x = randn(&[2, 3, 4], 20);
    let ops: Vec<(&str, UnaryFn)> = vec![
        ("reshape", |t| t.permute([1, 0, 2])?.reshape((6, 4))),
        ("narrow", |t| t.narrow(2, 1, 2)),
        ("select", |t| t.select(1, 2)),
        ("squeeze", |t| t.narrow(1, 0, 1)?.squeeze(1)),
        ("unsqueeze", |t| t.unsqueeze(0)?.mul(&t.unsqueeze(0)?)),
        ("broadcast_as", |t| {
            t.narrow(0, 0, 1)?.broadcast_as((5, 3, 4))
        }),
        ("contiguous", |t| t.transpose(0, 2)?.contiguous()),
        ("chunk", |t| {
            let c = t.chunk(2, 2)?;
            c[0].mul(&c[1])
        }),
        ("split", |t| {
            let s = t.split_sizes(&[1, 3], 2)?;
            s[1].sum(2, true)?.mul(&s[0])
        }),
        ("cat", |t| Tensor::cat(&[t.clone(), t.sqr()?], 1)),
        ("stack", |t| Tensor::stack(&[t.clone(), t.exp()?], 3)),
        ("triu", |t| t.triu(1)),
        ("tril", |t| t.tril(-1)),
        ("flatten", |t| t.flatten(0, 1)),
    ];
    for (name, op) in ops {
        gradcheck(|xs| op(&xs[0]), std::slice::from_ref(&x))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn selection_and_indexing() {
    let x = randn(&[3, 4], 21);
    let y = randn(&[3, 4], 22);
    let mask = randn(&[3, 4], 23).gt_scalar(0.0).unwrap();
    gradcheck(
        |xs| mask.where_cond(&xs[0], &xs[1]),
        &[x.clone(), y.clone()],
    )
    .unwrap();
    check1(&x, |t| t.masked_fill(&mask, 2.0));
    let ids = Tensor::from_vec(vec![2i64, 0, 2, 1], 4).unwrap();
    check1(&x, |t| t.index_select(&ids, 1));
    check1(&x, |t| t.t()?.index_select(&ids.narrow(0, 0, 3)?, 1));
    let g = Tensor::from_vec(vec![0i64, 3, 3, 1, 2, 2], (3, 2)).unwrap();
    check1(&x, |t| t.gather(&g, 1));
    let src = randn(&[3, 2], 24);
    check2(&x, &src, |t, s| t.scatter_add(&g, s, 1));
}

#[test]
fn convolution_and_pooling() {
    let x = randn(&[2, 4, 5, 5], 25);
    let w = randn(&[6, 2, 3, 3], 26);
    let b = randn(&[6], 27);
    gradcheck(
        |xs| xs[0].conv2d(&xs[1], Some(&xs[2]), 2, 1, 1, 2),
        &[x.clone(), w.clone(), b.clone()],
    )
    .unwrap();
    let w1 = randn(&[3, 4, 2, 2], 28);
    check2(&x, &w1, |x, w| x.conv2d(w, None, 1, 0, 2, 1));
    let x1 = randn(&[2, 3, 7], 29);
    let k1 = randn(&[4, 3, 3], 30);
    check2(&x1, &k1, |x, w| x.conv1d(w, None, 2, 1, 1, 1));
    check1(&x, |t| t.max_pool2d(2, 2, 0));
    check1(&x, |t| t.max_pool2d(3, 2, 1));
    check1(&x, |t| t.avg_pool2d(3, 1, 1));
}

#[test]
fn grads_accumulate_and_reset() -> Result<()> {
    let x = Tensor::from_vec(vec![1f64, 2., 3.], 3)?.with_grad()?;
    let y = x.sqr()?.sum_all()?;
    y.backward()?;
    assert_eq!(x.grad().unwrap().to_vec::<f64>()?, vec![2., 4., 6.]);
    x.sqr()?.sum_all()?.backward()?;
    assert_eq!(x.grad().unwrap().to_vec::<f64>()?, vec![4., 8., 12.]);
    x.zero_grad();
    assert!(x.grad().is_none());
    // Explicit upstream gradient on a non-scalar output.
    let z = x.mul_scalar(3.0)?;
    z.backward_with(&Tensor::from_vec(vec![1f64, 0., -1.], 3)?)?;
    assert_eq!(x.grad().unwrap().to_vec::<f64>()?, vec![3., 0., -3.]);
    // A tensor used twice gets both contributions.
    x.zero_grad();
    x.mul(&x)?.add(&x)?.sum_all()?.backward()?;
    assert_eq!(x.grad().unwrap().to_vec::<f64>()?, vec![3., 5., 7.]);
    Ok(())
}

#[test]
fn backward_errors_and_no_grad() -> Result<()> {
    let x = Tensor::ones((2, 2))?.with_grad()?;
    let y = x.exp()?;
    let e = y.backward().unwrap_err();
    assert!(e.to_string().contains("scalar outputs"), "{e}");
    assert!(y.backward_with(&Tensor::ones(3)?).is_err());
    let z = no_grad(|| x.exp())?;
    assert!(z.sum_all()?.backward().is_err());
    assert!(Tensor::ones(2)?
        .to_dtype(born::DType::I64)?
        .with_grad()
        .is_err());
    // Gradients do not flow into detached tensors.
    let d = x.detach().with_grad()?;
    x.mul(&d)?.sum_all()?.backward()?;
    assert_eq!(x.grad().unwrap().to_vec::<f32>()?, vec![1.; 4]);
    assert_eq!(d.grad().unwrap().to_vec::<f32>()?, vec![1.; 4]);
    Ok(())
}

#[test]
fn long_chains_do_not_overflow_the_stack() -> Result<()> {
    let x = Tensor::from_vec(vec![1f32], 1)?.with_grad()?;
    let mut y = x.clone();
    for _ in 0..20_000 {
        y = y.add_scalar(1.0)?;
    }
    y.sum_all()?.backward()?;
    assert_eq!(x.grad().unwrap().to_vec::<f32>()?, vec![1.0]);
    Ok(())
}

#[test]
fn gradcheck_detects_a_wrong_gradient() {
    // sign() has zero gradient, but x * sign(x) = |x| does not: a check of a function
    // whose graph drops a dependency must fail.
    let x = randn(&[4], 31);
    let r = GradCheck::default().check(|xs| xs[0].detach().mul(&xs[0].sign()?), &[x]);
    assert!(r.is_err());
}
