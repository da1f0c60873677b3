//! Every GPU op against the CPU result, on odd sizes and non-contiguous views.

use super::test_support::{assert_close, gpu, on_gpu};
use crate::{manual_seed, DType, Device, Result, Tensor};

const SIZES: [usize; 4] = [1, 7, 65, 1023];

/// Runs `f` on CPU inputs and on their GPU copies; the results must agree within `tol`.
fn same(inputs: Vec<Tensor>, tol: f64, f: impl Fn(&[Tensor]) -> Result<Tensor>) {
    let want = f(&inputs).expect("cpu op");
    let moved: Vec<Tensor> = inputs.iter().map(on_gpu).collect();
    let got = f(&moved).expect("gpu op");
    assert_eq!(got.device(), Device::Gpu);
    assert_close(&got, &want, tol);
}

fn randn(shape: impl Into<crate::Shape>) -> Tensor {
    Tensor::randn(shape).expect("randn")
}

#[test]
fn transfers_round_trip_every_gpu_dtype() {
    gpu();
    let f = Tensor::from_vec(vec![1.5f32, -2.0, 3.25], 3).unwrap();
    let i = Tensor::from_vec(vec![-3i64, 1 << 40, 7], 3).unwrap();
    let u = Tensor::from_vec(vec![0u32, 9, u32::MAX], 3).unwrap();
    let b = Tensor::from_vec(vec![true, false, true], 3).unwrap();
    let bytes = Tensor::from_vec(vec![0u8, 200, 255], 3).unwrap();
    for t in [f, i, u, b, bytes] {
        let back = on_gpu(&t).to_device(Device::Cpu).unwrap();
        assert_eq!(back.to_vec_f64().unwrap(), t.to_vec_f64().unwrap());
        assert_eq!(back.dtype(), t.dtype());
    }
    let e = Tensor::zeros_dtype(2, DType::F64)
        .unwrap()
        .to_device(Device::Gpu)
        .unwrap_err();
    assert!(
        e.to_string().contains("float64") && e.to_string().contains("gpu"),
        "{e}"
    );
}

#[test]
fn strided_copies_of_views() {
    gpu();
    manual_seed(1);
    for n in SIZES {
        let x = randn((n, 9));
        same(vec![x.clone()], 0.0, |v| v[0].t()?.contiguous());
        same(vec![x.clone()], 0.0, |v| v[0].narrow(1, 2, 5)?.contiguous());
        same(vec![x], 0.0, |v| {
            v[0].narrow(0, n / 2, n - n / 2)?.t()?.contiguous()
        });
    }
    let ids = Tensor::from_vec((0..12i64).collect(), (3, 4)).unwrap();
    same(vec![ids], 0.0, |v| v[0].t()?.contiguous());
}

#[test]
fn unary_ops_match() {
    gpu();
    manual_seed(2);
    for n in SIZES {
        let x = randn((n, 3)).t().unwrap();
        let pos = x.abs().unwrap().affine(1.0, 0.1).unwrap();
        let all = |v: &[Tensor]| -> Result<Tensor> {
            let x = &v[0];
            let p = &v[1];
            Tensor::cat(
                &[
                    x.neg()?,
                    x.abs()?,
                    x.exp()?,
                    p.log()?,
                    p.sqrt()?,
                    p.rsqrt()?,
                    x.sin()?,
                    x.cos()?,
                    x.tanh()?,
                    x.sigmoid()?,
                    x.relu()?,
                    x.gelu()?,
                    x.gelu_tanh()?,
                    x.silu()?,
                    x.softplus()?,
                    p.recip()?,
                    x.sqr()?,
                    x.sign()?,
                    x.affine(2.5, -1.0)?,
                    x.powf(3.0)?,
                    p.powf(-0.5)?,
                    x.clamp(-0.5, 0.25)?,
                    x.maximum_scalar(0.1)?,
                    x.minimum_scalar(0.1)?,
                ],
                0,
            )
        };
        same(vec![x, pos], 1e-5, all);
    }
}

#[test]
fn binary_ops_broadcast() {
    gpu();
    manual_seed(3);
    for n in SIZES {
        let a = randn((n, 5));
        let b = randn(5);
        let c = randn((n, 1)).abs().unwrap().affine(1.0, 0.5).unwrap();
        same(vec![a, b, c], 1e-5, |v| {
            let (a, b, c) = (&v[0], &v[1], &v[2]);
            Tensor::cat(
                &[
                    a.add(b)?,
                    a.sub(b)?,
                    a.mul(b)?,
                    a.div(c)?,
                    c.pow(b)?,
                    a.maximum(b)?,
                    a.minimum(b)?,
                    a.t()?.mul(&a.t()?)?.t()?,
                ],
                0,
            )
        });
    }
}

#[test]
fn comparisons_and_select() {
    gpu();
    manual_seed(4);
    let a = randn((65, 7));
    let b = randn(7);
    same(vec![a.clone(), b.clone()], 0.0, |v| {
        let (a, b) = (&v[0], &v[1]);
        Tensor::cat(
            &[
                a.eq(b)?,
                a.ne(b)?,
                a.lt(b)?,
                a.le(b)?,
                a.gt(b)?,
                a.ge(b)?,
                a.eq(a)?,
            ],
            0,
        )
    });
    same(vec![a.clone(), b], 0.0, |v| {
        v[0].gt_scalar(0.0)?.where_cond(&v[0], &v[1])
    });
    let i = Tensor::from_vec(vec![-5i64, 1 << 33, 3, 3], 4).unwrap();
    let j = Tensor::from_vec(vec![-4i64, 1, 3, 2], 4).unwrap();
    same(vec![i, j], 0.0, |v| {
        Tensor::cat(&[v[0].lt(&v[1])?, v[0].eq(&v[1])?, v[0].ge(&v[1])?], 0)
    });
    let m = a.gt_scalar(0.0).unwrap();
    same(
        vec![m.clone(), m.t().unwrap().contiguous().unwrap().t().unwrap()],
        0.0,
        |v| {
            Tensor::cat(
                &[
                    v[0].logical_and(&v[1])?,
                    v[0].logical_or(&v[1])?,
                    v[0].logical_not()?,
                ],
                0,
            )
        },
    );
}

#[test]
fn dtype_conversions() {
    gpu();
    let x = Tensor::from_vec(vec![-2.7f32, -0.5, 0.0, 1.5, 300.0], 5).unwrap();
    for dtype in [DType::I64, DType::U32, DType::U8, DType::Bool] {
        same(vec![x.clone()], 0.0, |v| {
            v[0].to_dtype(dtype)?.to_dtype(DType::F32)
        });
    }
    let i = Tensor::from_vec(vec![-3i64, 0, 5, 1 << 20], 4).unwrap();
    for dtype in [DType::F32, DType::U32, DType::Bool] {
        same(vec![i.clone()], 0.0, |v| v[0].to_dtype(dtype));
    }
    same(vec![i.reshape((2, 2)).unwrap()], 0.0, |v| {
        v[0].t()?.to_dtype(DType::F32)
    });
}

#[test]
fn reductions_over_dims() {
    gpu();
    manual_seed(5);
    for n in SIZES {
        let x = randn((3, n, 4));
        for dims in [vec![0usize], vec![1], vec![2], vec![0, 2], vec![0, 1, 2]] {
            let d = dims.clone();
            same(vec![x.clone()], 1e-4, move |v| {
                Tensor::cat(
                    &[
                        v[0].sum(d.clone(), true)?,
                        v[0].mean(d.clone(), true)?,
                        v[0].max(d.clone(), true)?,
                        v[0].min(d.clone(), true)?,
                    ],
                    0,
                )
            });
        }
        same(vec![x.clone()], 0.0, |v| {
            Tensor::cat(&[v[0].argmax(1, true)?, v[0].argmin(1, true)?], 0)
        });
        let small = x.affine(0.1, 1.0).unwrap();
        same(vec![small], 1e-4, |v| {
            v[0].narrow(1, 0, 1.min(v[0].dims()[1]))?.prod(2, false)
        });
        same(vec![x.clone()], 1e-4, |v| {
            v[0].transpose(0, 2)?.sum(1, false)
        });
    }
    let ties = Tensor::from_vec(vec![1f32, 3., 3., 0., 2., 2.], (2, 3)).unwrap();
    same(vec![ties], 0.0, |v| {
        Tensor::cat(&[v[0].argmax(1, false)?, v[0].argmin(1, false)?], 0)
    });
}

#[test]
fn softmax_rows() {
    gpu();
    manual_seed(6);
    for n in SIZES {
        let x = randn((5, n)).affine(4.0, 0.0).unwrap();
        same(vec![x.clone()], 1e-5, |v| v[0].softmax(1));
        same(vec![x.clone()], 1e-4, |v| v[0].log_softmax(1));
        same(vec![x], 1e-5, |v| v[0].t()?.softmax(0));
    }
    let inf = Tensor::from_vec(vec![f32::NEG_INFINITY, 0.0, 1.0], (1, 3)).unwrap();
    same(vec![inf], 1e-6, |v| v[0].softmax(1));
}

#[test]
fn matmul_shapes_batches_and_transposes() {
    gpu();
    manual_seed(7);
    for (m, k, n) in [
        (1, 1, 1),
        (7, 65, 33),
        (65, 1023, 7),
        (1023, 7, 65),
        (130, 70, 129),
        // 17 x 17 tiles of 128: the large-output kernel, with ragged edges.
        (2050, 19, 2049),
    ] {
        let a = randn((m, k));
        let b = randn((k, n));
        let tol = 1e-4 * (k as f64).sqrt();
        same(vec![a.clone(), b.clone()], tol, |v| v[0].matmul(&v[1]));
        same(vec![a.t().unwrap().contiguous().unwrap(), b], tol, |v| {
            v[0].t()?.matmul(&v[1])
        });
    }
    let a = randn((3, 2, 17, 9));
    let b = randn((9, 5));
    same(vec![a.clone(), b], 1e-4, |v| v[0].matmul(&v[1]));
    let b = randn((2, 9, 5));
    same(vec![a.clone(), b], 1e-4, |v| v[0].matmul(&v[1]));
    // batch dims that do not collapse to one stride are copied first
    same(vec![a], 1e-4, |v| {
        let p = v[0].permute([1, 0, 2, 3])?;
        p.matmul(&p.transpose(2, 3)?)
    });
}

#[test]
fn indexing_ops() {
    gpu();
    manual_seed(8);
    let table = randn((65, 7));
    let ids = Tensor::from_vec(vec![3i64, 0, 64, 3, 10], 5).unwrap();
    same(vec![table.clone(), ids.clone()], 0.0, |v| {
        v[0].index_select(&v[1], 0)
    });
    same(
        vec![table.clone(), ids.narrow(0, 0, 3).unwrap()],
        0.0,
        |v| v[0].t()?.index_select(&v[1].to_dtype(DType::U32)?, 1),
    );
    let g = Tensor::from_vec(vec![1i64, 0, 6, 6, 2, 3], (2, 3)).unwrap();
    same(vec![table.clone(), g.clone()], 0.0, |v| {
        v[0].gather(&v[1], 1)
    });
    let src = randn((2, 3));
    same(vec![Tensor::zeros((2, 7)).unwrap(), g, src], 1e-6, |v| {
        v[0].scatter_add(&v[1], &v[2], 1)
    });
    let bad = Tensor::from_vec(vec![65i64], 1).unwrap();
    let e = on_gpu(&table).index_select(&on_gpu(&bad), 0).unwrap_err();
    assert!(e.to_string().contains("65"), "{e}");
    same(vec![table.clone(), randn((2, 7))], 0.0, |v| {
        Tensor::cat(&[&v[0], &v[1], &v[0].narrow(0, 1, 3)?], 0)
    });
    same(vec![table], 0.0, |v| {
        Tensor::cat(&[&v[0], &v[0].t()?.t()?], 1)
    });
}

#[test]
fn assign_writes_views_in_place() {
    gpu();
    let t = on_gpu(&Tensor::zeros((3, 4)).unwrap());
    let view = t.narrow(1, 1, 2).unwrap();
    view.assign(&on_gpu(&Tensor::ones((3, 2)).unwrap()))
        .unwrap();
    assert_eq!(
        t.to_vec::<f32>().unwrap(),
        vec![0., 1., 1., 0., 0., 1., 1., 0., 0., 1., 1., 0.]
    );
}

#[test]
fn conv_and_pooling_forward() {
    gpu();
    manual_seed(9);
    let x = randn((2, 3, 9, 7));
    let w = randn((4, 3, 3, 3));
    let b = randn(4);
    same(vec![x.clone(), w.clone(), b.clone()], 1e-4, |v| {
        v[0].conv2d(&v[1], Some(&v[2]), 1, 1, 1, 1)
    });
    same(vec![x.clone(), w.clone()], 1e-4, |v| {
        v[0].conv2d(&v[1], None, 2, 0, 2, 1)
    });
    let wg = randn((6, 1, 3, 3));
    same(vec![x.clone(), wg], 1e-4, |v| {
        v[0].conv2d(&v[1], None, 1, 1, 1, 3)
    });
    same(vec![x.clone()], 0.0, |v| v[0].max_pool2d(2, 2, 0));
    same(vec![x.clone()], 0.0, |v| v[0].max_pool2d(3, 2, 1));
    same(vec![x], 1e-6, |v| v[0].avg_pool2d(3, 1, 1));
}

#[test]
fn ops_not_on_the_gpu_name_op_and_device() {
    gpu();
    let x = on_gpu(&Tensor::ones(4).unwrap());
    let e = x.cumsum(0).unwrap_err().to_string();
    assert!(e.contains("cumsum") && e.contains("gpu"), "{e}");
    let i = on_gpu(&Tensor::from_vec(vec![1i64, 2], 2).unwrap());
    let e = i.add(&i).unwrap_err().to_string();
    assert!(e.contains("add") && e.contains("gpu"), "{e}");
    let e = x.add(&Tensor::ones(4).unwrap()).unwrap_err().to_string();
    assert!(e.contains("device mismatch"), "{e}");
}
