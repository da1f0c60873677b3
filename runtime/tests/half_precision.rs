//! f16 and bf16 tensors compute the same results as f32 within half-precision tolerance.

use born::rng::Generator;
use born::{DType, Result, Tensor};

fn randn(shape: &[usize], seed: u64) -> Tensor {
    let mut g = Generator::from_seed(seed);
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|_| g.normal_pair().0 as f32).collect();
    Tensor::from_vec(v, shape).expect("valid shape")
}

type Op = fn(&Tensor, &Tensor) -> Result<Tensor>;

#[test]
fn half_dtypes_follow_f32() {
    let a = randn(&[4, 8], 1);
    let b = randn(&[8, 8], 2);
    let img = randn(&[2, 3, 6, 6], 3);
    let ops: Vec<(&str, Op)> = vec![
        ("add", |x, y| x.matmul(y)?.add(x)),
        ("exp", |x, _| x.exp()),
        ("gelu", |x, _| x.gelu()),
        ("softmax", |x, _| x.softmax(-1)),
        ("sum", |x, _| x.sum(1, false)),
        ("max", |x, _| x.max(0, true)),
        ("cumsum", |x, _| x.cumsum(1)),
        ("matmul", |x, y| x.matmul(y)),
        ("transposed", |x, y| x.t()?.matmul(&x.matmul(y)?)),
    ];
    for dtype in [DType::F16, DType::BF16] {
        let tol = if dtype == DType::F16 { 2e-2 } else { 1e-1 };
        for (name, op) in &ops {
            let want = op(&a, &b).unwrap().to_vec_f64().unwrap();
            let got = op(&a.to_dtype(dtype).unwrap(), &b.to_dtype(dtype).unwrap()).unwrap();
            assert_eq!(got.dtype(), dtype, "{name}");
            for (g, w) in got.to_vec_f64().unwrap().iter().zip(&want) {
                assert!(
                    (g - w).abs() <= tol * (1.0 + w.abs()),
                    "{name} {dtype}: {g} vs {w}"
                );
            }
        }
        let w = randn(&[4, 3, 3, 3], 4);
        let want = img
            .conv2d(&w, None, 1, 1, 1, 1)
            .unwrap()
            .to_vec_f64()
            .unwrap();
        let got = img
            .to_dtype(dtype)
            .unwrap()
            .conv2d(&w.to_dtype(dtype).unwrap(), None, 1, 1, 1, 1)
            .unwrap()
            .to_vec_f64()
            .unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 4.0 * tol * (1.0 + w.abs()),
                "conv2d {dtype}: {g} vs {w}"
            );
        }
    }
}
