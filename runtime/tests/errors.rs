//! Bad input returns errors whose messages name the op and the offending values.

use born::{DType, Tensor};

fn err(r: born::Result<Tensor>) -> String {
    match r {
        Ok(t) => panic!("expected an error, got {t:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn shape_mismatches() {
    let a = Tensor::zeros((2, 3)).unwrap();
    let b = Tensor::zeros((4, 5)).unwrap();
    assert_eq!(
        err(&a + &b),
        "add: shape mismatch, lhs [2, 3] and rhs [4, 5]"
    );
    assert_eq!(
        err(a.maximum(&b)),
        "maximum: shape mismatch, lhs [2, 3] and rhs [4, 5]"
    );
    assert_eq!(
        err(a.matmul(&b)),
        "matmul: shape mismatch, lhs [2, 3] and rhs [4, 5]"
    );
    assert_eq!(
        err(Tensor::cat(&[&a, &b], 0)),
        "cat: shape mismatch, lhs [2, 3] and rhs [4, 5]"
    );
    assert_eq!(
        err(Tensor::stack(&[&a, &b], 0)),
        "stack: shape mismatch, lhs [2, 3] and rhs [4, 5]"
    );
    let m = a.gt_scalar(0.0).unwrap();
    assert_eq!(
        err(m.where_cond(&a, &b)),
        "where_cond: shape mismatch, lhs [2, 3] and rhs [4, 5]"
    );
    assert_eq!(
        err(a.broadcast_as((3, 3))),
        "broadcast_as: cannot broadcast shape [2, 3] to [3, 3]"
    );
    assert_eq!(err(a.reshape(7)), "reshape: cannot reshape [2, 3] into [7]");
}

#[test]
fn dtype_errors() {
    let f = Tensor::zeros(3).unwrap();
    let i = Tensor::zeros_dtype(3, DType::I64).unwrap();
    assert_eq!(
        err(&f + &i),
        "add: dtype mismatch, lhs float32 and rhs int64"
    );
    assert_eq!(err(i.exp()), "exp: unsupported dtype int64");
    assert_eq!(err(i.softmax(0)), "softmax: unsupported dtype int64");
    assert_eq!(err(i.mean(0, false)), "mean: unsupported dtype int64");
    assert_eq!(err(i.matmul(&i)), "matmul: unsupported dtype int64");
    assert_eq!(
        err(f.index_select(&f, 0)),
        "index_select: indices must be int64, uint32 or uint8, got float32"
    );
    assert_eq!(
        err(f.where_cond(&f, &f)),
        "where_cond: condition must be bool, got float32"
    );
    assert_eq!(
        err(i.requires_grad_(true)),
        "requires_grad: unsupported dtype int64"
    );
    assert_eq!(
        err(Tensor::randn_dtype(2, DType::U8)),
        "randn: unsupported dtype uint8"
    );
    let e = f.to_vec::<i64>().unwrap_err().to_string();
    assert_eq!(e, "to_vec: dtype mismatch, lhs float32 and rhs int64");
}

#[test]
fn dims_out_of_range() {
    let a = Tensor::zeros((2, 3)).unwrap();
    let msg = "dimension 2 out of range for a tensor of shape [2, 3]";
    assert_eq!(err(a.sum(2, false)), format!("sum: {msg}"));
    assert_eq!(
        err(a.softmax(-3)),
        "softmax: dimension -3 out of range for a tensor of shape [2, 3]"
    );
    assert_eq!(err(a.transpose(0, 2)), format!("transpose: {msg}"));
    assert_eq!(err(a.narrow(2, 0, 1)), format!("narrow: {msg}"));
    assert_eq!(
        err(a.unsqueeze(4)),
        "unsqueeze: dimension 4 out of range for a tensor of shape [2, 3]"
    );
    assert_eq!(
        err(a.cumsum(5)),
        "cumsum: dimension 5 out of range for a tensor of shape [2, 3]"
    );
    assert_eq!(
        err(a.argmax(3, false)),
        "argmax: dimension 3 out of range for a tensor of shape [2, 3]"
    );
    assert_eq!(err(a.sum([0, 0], false)), "sum: dimension 0 repeated");
}

#[test]
fn indices_out_of_range() {
    let a = Tensor::zeros((2, 3)).unwrap();
    let ids = Tensor::from_vec(vec![0i64, 5], 2).unwrap();
    assert_eq!(
        err(a.index_select(&ids, 1)),
        "index_select: index 5 out of range for dimension 1 of size 3"
    );
    let g = Tensor::from_vec(vec![0i64, -1], (1, 2)).unwrap();
    assert_eq!(
        err(a.gather(&g, 1)),
        "gather: index -1 out of range for dimension 1 of size 3"
    );
    let src = Tensor::ones((1, 2)).unwrap();
    assert_eq!(
        err(a.scatter_add(&g, &src, 1)),
        "scatter_add: index -1 out of range for dimension 1 of size 3"
    );
    assert_eq!(
        err(a.select(0, 2)),
        "select: index 2 out of range for dimension 0 of size 2"
    );
    assert_eq!(
        err(a.narrow(1, 2, 2)),
        "narrow: range 2..4 out of bounds for dimension 1 of size 3"
    );
    assert_eq!(
        err(ids.one_hot(3)),
        "one_hot: index 5 out of range for dimension 1 of size 3"
    );
}

#[test]
fn convolution_arguments() {
    let x = Tensor::zeros((1, 4, 5, 5)).unwrap();
    let w = Tensor::zeros((2, 3, 3, 3)).unwrap();
    assert_eq!(
        err(x.conv2d(&w, None, 1, 0, 1, 1)),
        "conv2d: input [1, 4, 5, 5] and weight [2, 3, 3, 3] do not fit groups=1"
    );
    let w = Tensor::zeros((2, 4, 3, 3)).unwrap();
    let b = Tensor::zeros(3).unwrap();
    assert_eq!(
        err(x.conv2d(&w, Some(&b), 1, 0, 1, 1)),
        "conv2d: shape mismatch, lhs [2] and rhs [3]"
    );
    assert_eq!(
        err(Tensor::zeros((4, 5)).unwrap().max_pool2d(2, 2, 0)),
        "max_pool2d: expected a 4-D [n, c, h, w] input, got shape [4, 5]"
    );
}
