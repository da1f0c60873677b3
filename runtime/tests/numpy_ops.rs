//! Forward results of every op against NumPy, from `tests/fixtures/core/core_ops.json`
//! (made by `make_core_fixtures.py`). Each float case runs in f64 and in f32.

use born::{DType, Result, Tensor};
use serde_json::Value;
use std::collections::HashMap;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/core/core_ops.json"
);

/// A fixture array: shape, kind ("float", "int", "bool") and values.
fn decode(v: &Value, float: DType) -> Tensor {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim") as usize)
        .collect();
    let data: Vec<f64> = v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect();
    let t = Tensor::from_vec(data, shape).expect("fixture shape");
    let dtype = match v["kind"].as_str().expect("kind") {
        "float" => float,
        "int" => DType::I64,
        _ => DType::Bool,
    };
    t.to_dtype(dtype).expect("conversion")
}

fn usize_param(p: &Value, key: &str) -> usize {
    p[key].as_u64().unwrap_or_else(|| panic!("param {key}")) as usize
}

fn f64_param(p: &Value, key: &str) -> f64 {
    p[key].as_f64().unwrap_or_else(|| panic!("param {key}"))
}

fn dims_param(p: &Value) -> Vec<i64> {
    p["dims"]
        .as_array()
        .expect("dims")
        .iter()
        .map(|d| d.as_i64().expect("dim"))
        .collect()
}

fn run(op: &str, x: &[Tensor], p: &Value, dtype: DType) -> Result<Tensor> {
    let keepdim = p["keepdim"].as_bool().unwrap_or(false);
    let dim = p["dim"].as_i64().unwrap_or(0);
    let conv = |x: &[Tensor], one_d: bool| {
        let (s, pad, d, g) = (
            usize_param(p, "stride"),
            usize_param(p, "padding"),
            usize_param(p, "dilation"),
            usize_param(p, "groups"),
        );
        if one_d {
            x[0].conv1d(&x[1], x.get(2), s, pad, d, g)
        } else {
            x[0].conv2d(&x[1], x.get(2), s, pad, d, g)
        }
    };
    match op {
        "neg" => x[0].neg(),
        "abs" => x[0].abs(),
        "exp" => x[0].exp(),
        "log" => x[0].log(),
        "sqrt" => x[0].sqrt(),
        "rsqrt" => x[0].rsqrt(),
        "sin" => x[0].sin(),
        "cos" => x[0].cos(),
        "tanh" => x[0].tanh(),
        "sigmoid" => x[0].sigmoid(),
        "relu" => x[0].relu(),
        "gelu" => x[0].gelu(),
        "gelu_tanh" => x[0].gelu_tanh(),
        "silu" => x[0].silu(),
        "softplus" => x[0].softplus(),
        "recip" => x[0].recip(),
        "sqr" => x[0].sqr(),
        "sign" => x[0].sign(),
        "clamp" => x[0].clamp(f64_param(p, "min"), f64_param(p, "max")),
        "powf" => x[0].powf(f64_param(p, "e")),
        "add_scalar" => &x[0] + f64_param(p, "s"),
        "mul_scalar" => &x[0] * f64_param(p, "s"),
        "add" => &x[0] + &x[1],
        "sub" => &x[0] - &x[1],
        "mul" => &x[0] * &x[1],
        "div" => &x[0] / &x[1],
        "pow" => x[0].pow(&x[1]),
        "maximum" => x[0].maximum(&x[1]),
        "minimum" => x[0].minimum(&x[1]),
        "eq" => x[0].eq(&x[1]),
        "ne" => x[0].ne(&x[1]),
        "lt" => x[0].lt(&x[1]),
        "le" => x[0].le(&x[1]),
        "gt" => x[0].gt(&x[1]),
        "ge" => x[0].ge(&x[1]),
        "where" => x[0].gt_scalar(0.0)?.where_cond(&x[0], &x[1]),
        "masked_fill" => x[0].masked_fill(&x[0].lt_scalar(0.0)?, f64_param(p, "value")),
        "sum" => x[0].sum(dims_param(p), keepdim),
        "mean" => x[0].mean(dims_param(p), keepdim),
        "max" => x[0].max(dims_param(p), keepdim),
        "min" => x[0].min(dims_param(p), keepdim),
        "prod" => x[0].prod(dims_param(p), keepdim),
        "var" => x[0].var(dims_param(p), keepdim),
        "std" => x[0].std(dims_param(p), keepdim),
        "logsumexp" => x[0].logsumexp(dims_param(p), keepdim),
        "argmax" => x[0].argmax(dim, false),
        "argmin" => x[0].argmin(dim, false),
        "softmax" => x[0].softmax(dim),
        "log_softmax" => x[0].log_softmax(dim),
        "cumsum" => x[0].cumsum(dim),
        "matmul" => x[0].matmul(&x[1]),
        "matmul_t" => x[0].t()?.matmul(&x[1]),
        "permute" => x[0].permute(dims_param(p)),
        "narrow" => x[0].narrow(dim, usize_param(p, "start"), usize_param(p, "len")),
        "cat" => Tensor::cat(&[&x[0], &x[1]], dim),
        "stack" => Tensor::stack(&[&x[0], &x[1]], dim),
        "gather" => x[0].gather(&x[1], dim),
        "scatter_add" => x[0].scatter_add(&x[1], &x[2], dim),
        "index_select" => x[0].index_select(&x[1], dim),
        "one_hot" => x[0].one_hot(usize_param(p, "n")),
        "triu" => x[0].triu(p["k"].as_i64().expect("k")),
        "tril" => x[0].tril(p["k"].as_i64().expect("k")),
        "conv2d" => conv(x, false),
        "conv1d" => conv(x, true),
        "max_pool2d" | "avg_pool2d" => {
            let (k, s, pad) = (
                usize_param(p, "kernel"),
                usize_param(p, "stride"),
                usize_param(p, "padding"),
            );
            if op == "max_pool2d" {
                x[0].max_pool2d(k, s, pad)
            } else {
                x[0].avg_pool2d(k, s, pad)
            }
        }
        "linspace" => Tensor::linspace_dtype(
            f64_param(p, "start"),
            f64_param(p, "end"),
            usize_param(p, "steps"),
            dtype,
        ),
        "arange" => Tensor::arange_dtype(
            f64_param(p, "start"),
            f64_param(p, "end"),
            f64_param(p, "step"),
            dtype,
        ),
        "eye" => Tensor::eye_dtype(usize_param(p, "n"), dtype),
        other => panic!("fixture op {other} has no runner"),
    }
}

fn compare(name: &str, got: &Tensor, want: &Tensor, dtype: DType) {
    assert_eq!(got.shape(), want.shape(), "{name} ({dtype}): shape");
    let (rtol, atol) = if dtype == DType::F64 {
        (1e-10, 1e-12)
    } else {
        (2e-5, 2e-6)
    };
    let g = got.to_vec_f64().expect("values");
    let w = want.to_vec_f64().expect("values");
    if !want.dtype().is_float() {
        assert_eq!(got.dtype(), want.dtype(), "{name}: dtype");
        assert_eq!(g, w, "{name} ({dtype})");
        return;
    }
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!(
            (a - b).abs() <= atol + rtol * b.abs(),
            "{name} ({dtype}) element {i}: got {a}, numpy {b}"
        );
    }
}

#[test]
fn every_op_matches_numpy() {
    let text = std::fs::read_to_string(FIXTURE).unwrap_or_else(|e| {
        panic!("{FIXTURE}: {e}; regenerate it with tests/fixtures/core/make_core_fixtures.py")
    });
    let doc: Value = serde_json::from_str(&text).expect("fixture JSON");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 70, "fixture has {} cases", cases.len());
    for dtype in [DType::F64, DType::F32] {
        let inputs: HashMap<&str, Tensor> = doc["inputs"]
            .as_object()
            .expect("inputs")
            .iter()
            .map(|(k, v)| (k.as_str(), decode(v, dtype)))
            .collect();
        for case in cases {
            let op = case["op"].as_str().expect("op");
            let args: Vec<Tensor> = case["args"]
                .as_array()
                .expect("args")
                .iter()
                .map(|a| inputs[a.as_str().expect("arg name")].clone())
                .collect();
            let got = run(op, &args, &case["params"], dtype)
                .unwrap_or_else(|e| panic!("{op} ({dtype}) failed: {e}"));
            let want = decode(&case["expected"], DType::F64);
            let want_dtype = if want.dtype() == DType::F64 {
                dtype
            } else {
                want.dtype()
            };
            assert_eq!(got.dtype(), want_dtype, "{op}: dtype");
            compare(op, &got, &want, dtype);
        }
    }
}
