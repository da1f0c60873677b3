//! Property tests: any strided view computes the same as its contiguous copy, and
//! broadcasting agrees with explicit expansion.

use born::{Result, Tensor};
use proptest::prelude::*;

/// A random shape of rank 1..=4 with dims 1..=5.
fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..=5, 1..=4)
}

/// One view step, chosen by a seed and applied if it fits the current shape.
fn apply_view(t: &Tensor, step: (u8, usize, usize)) -> Result<Tensor> {
    let (kind, a, b) = step;
    let r = t.rank();
    match kind % 5 {
        0 => t.transpose(a % r, b % r),
        1 => {
            let d = a % r;
            let size = t.dims()[d];
            let start = b % size;
            t.narrow(d, start, size - start)
        }
        2 => {
            let d = a % r;
            if t.dims()[d] == 1 && r < 5 {
                let mut dims = t.dims().to_vec();
                dims[d] = 1 + b % 3;
                t.broadcast_as(dims)
            } else {
                t.unsqueeze(d)
            }
        }
        3 => {
            let mut perm: Vec<usize> = (0..r).collect();
            perm.rotate_left(a % r);
            t.permute(perm)
        }
        _ => t
            .select(a % r, b % t.dims()[a % r])
            .or_else(|_| Ok(t.clone())),
    }
    .map(|v| if v.rank() == 0 { t.clone() } else { v })
}

fn values(n: usize, seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as f64 + seed as f64) * 0.37).sin() * 3.0)
        .collect()
}

fn same(a: &Tensor, b: &Tensor) -> bool {
    a.shape() == b.shape() && a.to_vec_f64().unwrap() == b.to_vec_f64().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn strided_view_equals_contiguous_copy(
        dims in shape(),
        steps in prop::collection::vec((0u8..5, 0usize..8, 0usize..8), 1..5),
        seed in 0u64..1000,
    ) {
        let n: usize = dims.iter().product();
        let base = Tensor::from_vec(values(n, seed), dims).unwrap();
        let mut v = base.clone();
        for s in steps {
            v = apply_view(&v, s).unwrap();
        }
        let c = Tensor::from_vec(v.to_vec::<f64>().unwrap(), v.shape().clone()).unwrap();
        prop_assert!(c.is_contiguous());
        prop_assert!(same(&v.exp().unwrap(), &c.exp().unwrap()));
        prop_assert!(same(&v.mul(&v).unwrap(), &c.mul(&c).unwrap()));
        prop_assert!(same(&v.add(&c).unwrap(), &c.add(&c).unwrap()));
        let last = v.rank() - 1;
        prop_assert!(same(&v.sum(last, false).unwrap(), &c.sum(last, false).unwrap()));
        prop_assert!(same(&v.max(0, true).unwrap(), &c.max(0, true).unwrap()));
        prop_assert!(same(&v.softmax(0).unwrap(), &c.softmax(0).unwrap()));
        prop_assert!(same(&v.cumsum(last).unwrap(), &c.cumsum(last).unwrap()));
        prop_assert!(same(&v.reshape(v.elem_count()).unwrap(), &c.flatten_all().unwrap()));
        if v.rank() >= 2 {
            let vt = v.transpose(-1, -2).unwrap();
            let ct = c.transpose(-1, -2).unwrap();
            let mv = v.matmul(&vt).unwrap().to_vec_f64().unwrap();
            let mc = c.matmul(&ct).unwrap().to_vec_f64().unwrap();
            for (x, y) in mv.iter().zip(&mc) {
                prop_assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()));
            }
        }
    }

    #[test]
    fn broadcasting_matches_explicit_expansion(
        dims in shape(),
        mask in prop::collection::vec(any::<bool>(), 4),
        drop in 0usize..3,
    ) {
        // rhs: a suffix of dims with some entries set to 1.
        let suffix = &dims[drop.min(dims.len() - 1)..];
        let rdims: Vec<usize> = suffix.iter().zip(&mask).map(|(&d, &m)| if m { 1 } else { d }).collect();
        let a = Tensor::from_vec(values(dims.iter().product(), 1), dims.clone()).unwrap();
        let b = Tensor::from_vec(values(rdims.iter().product(), 2), rdims).unwrap();
        let bx = b.broadcast_as(dims.clone()).unwrap().contiguous().unwrap();
        prop_assert!(same(&a.sub(&b).unwrap(), &a.sub(&bx).unwrap()));
        prop_assert!(same(&b.sub(&a).unwrap(), &bx.sub(&a).unwrap()));
        prop_assert!(same(&a.maximum(&b).unwrap(), &a.maximum(&bx).unwrap()));
        prop_assert!(same(&a.lt(&b).unwrap(), &a.lt(&bx).unwrap()));
    }
}
