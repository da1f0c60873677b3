//! Layers against NumPy references (`tests/fixtures/nn/make_nn.py`), gradients against
//! finite differences, and the module tree's names and modes.

use super::*;
use crate::autograd::gradcheck;
use crate::{DType, Tensor};
use serde_json::Value;
use std::collections::BTreeMap;

pub(crate) fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/nn/nn_reference.json"
    );
    let text = std::fs::read_to_string(path).expect("fixture nn_reference.json is committed");
    serde_json::from_str(&text).expect("fixture is valid JSON")
}

/// A `{shape, data}` fixture entry as an f64 tensor.
pub(crate) fn tensor(v: &Value) -> Tensor {
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
        .map(|d| d.as_f64().expect("number"))
        .collect();
    Tensor::from_vec(data, shape).expect("fixture tensor")
}

pub(crate) fn assert_close(got: &Tensor, want: &Tensor, tol: f64) {
    assert_eq!(got.dims(), want.dims());
    let (g, w) = (got.to_vec_f64().unwrap(), want.to_vec_f64().unwrap());
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!(
            (a - b).abs() <= tol * (1.0 + b.abs()),
            "element {i}: {a} vs {b}"
        );
    }
}

#[test]
fn layers_match_numpy() {
    let r = &reference()["layers"];
    let l = &r["linear"];
    let lin = Linear::from_tensors(tensor(&l["w"]), Some(tensor(&l["b"]))).unwrap();
    assert_close(
        &lin.forward(&tensor(&l["x"])).unwrap(),
        &tensor(&l["y"]),
        1e-12,
    );
    // leading dims fold into rows
    let x3 = tensor(&l["x"]).reshape((1, 3, 4)).unwrap();
    assert_eq!(lin.forward(&x3).unwrap().dims(), [1, 3, 5]);

    let c = &r["conv2d"];
    let mut conv = Conv2d::with_options(3, 4, 3, 2, 1, 1, 1, true).unwrap();
    conv.weight = tensor(&c["w"]);
    conv.bias = Some(tensor(&c["b"]));
    assert_close(
        &conv.forward(&tensor(&c["x"])).unwrap(),
        &tensor(&c["y"]),
        1e-12,
    );

    let p = &r["max_pool2d"];
    let mp = MaxPool2d {
        kernel: 3,
        stride: 2,
        padding: 0,
    };
    assert_close(
        &mp.forward(&tensor(&p["x"])).unwrap(),
        &tensor(&p["y"]),
        1e-12,
    );
    let p = &r["avg_pool2d"];
    assert_close(
        &AvgPool2d::new(2).forward(&tensor(&p["x"])).unwrap(),
        &tensor(&p["y"]),
        1e-12,
    );

    let b = &r["batch_norm2d"];
    let mut bn = BatchNorm::new_2d(3).unwrap();
    bn.weight
        .assign(&tensor(&b["w"]).to_dtype(DType::F32).unwrap())
        .unwrap();
    bn.bias
        .assign(&tensor(&b["b"]).to_dtype(DType::F32).unwrap())
        .unwrap();
    let x = tensor(&b["x"]).to_dtype(DType::F32).unwrap();
    assert_close(&bn.forward(&x).unwrap(), &tensor(&b["y"]), 1e-5);
    assert_close(&bn.running_mean, &tensor(&b["running_mean"]), 1e-6);
    assert_close(&bn.running_var, &tensor(&b["running_var"]), 1e-6);
    assert_eq!(bn.num_batches_tracked.to_scalar::<i64>().unwrap(), 1);
    bn.eval();
    // evaluation uses the running statistics and leaves them alone
    let rm = tensor(&b["running_mean"]).reshape((1, 3, 1, 1)).unwrap();
    let rv = tensor(&b["running_var"]).reshape((1, 3, 1, 1)).unwrap();
    let w = tensor(&b["w"]).reshape((1, 3, 1, 1)).unwrap();
    let bb = tensor(&b["b"]).reshape((1, 3, 1, 1)).unwrap();
    let want = tensor(&b["x"])
        .sub(&rm)
        .unwrap()
        .div(&rv.add_scalar(1e-5).unwrap().sqrt().unwrap())
        .unwrap()
        .mul(&w)
        .unwrap()
        .add(&bb)
        .unwrap();
    assert_close(&bn.forward(&x).unwrap(), &want, 1e-5);
    assert_eq!(bn.num_batches_tracked.to_scalar::<i64>().unwrap(), 1);

    let n = &r["layer_norm"];
    let mut ln = LayerNorm::new(&[3, 4]).unwrap();
    ln.weight = Some(tensor(&n["w"]));
    ln.bias = Some(tensor(&n["b"]));
    assert_close(
        &ln.forward(&tensor(&n["x"])).unwrap(),
        &tensor(&n["y"]),
        1e-10,
    );

    let n = &r["rms_norm"];
    let mut rms = RmsNorm::new(5).unwrap();
    rms.weight = tensor(&n["w"]);
    assert_close(
        &rms.forward(&tensor(&n["x"])).unwrap(),
        &tensor(&n["y"]),
        1e-10,
    );
}

#[test]
fn layer_gradients_match_finite_differences() {
    crate::manual_seed(11);
    let x = Tensor::randn_dtype((2, 3, 5, 5), DType::F64).unwrap();
    let w = Tensor::randn_dtype((2, 3, 3, 3), DType::F64).unwrap();
    let b = Tensor::randn_dtype(2, DType::F64).unwrap();
    gradcheck(
        |t| {
            let mut c = Conv2d::with_options(3, 2, 3, 1, 1, 1, 1, true)?;
            c.weight = t[1].clone();
            c.bias = Some(t[2].clone());
            MaxPool2d::new(2).forward(&c.forward(&t[0])?)
        },
        &[x.clone(), w, b],
    )
    .unwrap();
    gradcheck(
        |t| {
            let mut bn = BatchNorm::new_2d(3)?;
            bn.weight = t[1].clone();
            bn.bias = t[2].clone();
            bn.forward(&t[0])
        },
        &[
            x.clone(),
            Tensor::randn_dtype(3, DType::F64).unwrap(),
            Tensor::randn_dtype(3, DType::F64).unwrap(),
        ],
    )
    .unwrap();
    let v = Tensor::randn_dtype((4, 6), DType::F64).unwrap();
    gradcheck(
        |t| LayerNorm::without_affine(&[6]).forward(&t[0]),
        std::slice::from_ref(&v),
    )
    .unwrap();
    gradcheck(
        |t| {
            let mut r = RmsNorm::new(6)?;
            r.weight = t[1].clone();
            r.forward(&t[0])
        },
        &[v, Tensor::randn_dtype(6, DType::F64).unwrap()],
    )
    .unwrap();
    let ids = Tensor::from_vec(vec![2i64, 0, 2], 3).unwrap();
    gradcheck(
        |t| {
            let mut e = Embedding::new(3, 4)?;
            e.weight = t[0].clone();
            e.forward(&ids)
        },
        &[Tensor::randn_dtype((3, 4), DType::F64).unwrap()],
    )
    .unwrap();
}

struct Net {
    body: Sequential,
    head: Linear,
}

impl Module for Net {
    fn forward(&self, x: &Tensor) -> crate::Result<Tensor> {
        self.head.forward(&self.body.forward(x)?)
    }

    crate::module_children!(body, head);
}

fn net() -> Net {
    Net {
        body: Sequential::new()
            .add(Linear::new(4, 8, true).unwrap())
            .add(BatchNorm::new_1d(8).unwrap())
            .add(Relu)
            .add(Dropout::new(0.5).unwrap()),
        head: Linear::new(8, 3, false).unwrap(),
    }
}

#[test]
fn module_tree_names_modes_and_state() {
    crate::manual_seed(5);
    let mut m = net();
    let names: Vec<String> = m.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "body.0.weight",
            "body.0.bias",
            "body.1.weight",
            "body.1.bias",
            "head.weight"
        ]
    );
    let state = m.state_dict();
    assert!(state.contains_key("body.1.running_var"));
    assert!(state.contains_key("body.1.num_batches_tracked"));
    assert_eq!(m.num_parameters(), 4 * 8 + 8 + 8 + 8 + 8 * 3);
    assert!(m.parameters().iter().all(Tensor::requires_grad));

    let x = Tensor::randn((6, 4)).unwrap();
    m.eval();
    let a = m.forward(&x).unwrap();
    assert_eq!(
        a.to_vec::<f32>().unwrap(),
        m.forward(&x).unwrap().to_vec::<f32>().unwrap()
    );
    m.train();
    let t1 = m.forward(&x).unwrap().to_vec::<f32>().unwrap();
    let t2 = m.forward(&x).unwrap().to_vec::<f32>().unwrap();
    assert_ne!(t1, t2, "dropout draws a new mask each training pass");

    // a copy of the state reproduces the model's evaluation output
    let copy = net();
    let saved: BTreeMap<String, Tensor> = m
        .state_dict()
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                v.detach().contiguous().unwrap().affine(1.0, 0.0).unwrap(),
            )
        })
        .collect();
    copy.load_state_dict(&saved).unwrap();
    let mut copy = copy;
    copy.eval();
    m.eval();
    assert_eq!(
        copy.forward(&x).unwrap().to_vec::<f32>().unwrap(),
        m.forward(&x).unwrap().to_vec::<f32>().unwrap()
    );
    let mut bad = saved.clone();
    bad.insert("head.weight".into(), Tensor::zeros((2, 2)).unwrap());
    let e = copy.load_state_dict(&bad).unwrap_err();
    assert!(e.to_string().contains("head.weight"), "{e}");
    let mut extra = saved;
    extra.insert("nope".into(), Tensor::zeros(1).unwrap());
    assert!(copy.load_state_dict(&extra).is_err());
}

#[test]
fn dropout_is_seeded_scaled_and_validated() {
    let d = Dropout::new(0.25).unwrap();
    let x = Tensor::ones(4000).unwrap();
    crate::manual_seed(9);
    let a = d.forward(&x).unwrap().to_vec::<f32>().unwrap();
    crate::manual_seed(9);
    let b = d.forward(&x).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(a, b);
    assert!(a.iter().all(|&v| v == 0.0 || (v - 4.0 / 3.0).abs() < 1e-6));
    let kept = a.iter().filter(|&&v| v > 0.0).count() as f64 / 4000.0;
    assert!((kept - 0.75).abs() < 0.03, "kept {kept}");
    assert!(Dropout::new(1.0).is_err());
}

#[test]
fn layers_reject_bad_shapes() {
    let lin = Linear::new(4, 2, true).unwrap();
    let e = lin.forward(&Tensor::zeros((3, 5)).unwrap()).unwrap_err();
    assert!(e.to_string().contains("last dim must be 4"), "{e}");
    assert!(Linear::from_tensors(Tensor::zeros(3).unwrap(), None).is_err());
    let bn = BatchNorm::new_2d(3).unwrap();
    assert!(bn.forward(&Tensor::zeros((2, 4, 2, 2)).unwrap()).is_err());
    assert!(bn.forward(&Tensor::zeros((1, 3, 1, 1)).unwrap()).is_err());
    assert!(LayerNorm::new(&[4])
        .unwrap()
        .forward(&Tensor::zeros((2, 3)).unwrap())
        .is_err());
    assert!(Conv2d::with_options(3, 4, 3, 1, 0, 1, 2, true).is_err());
}
