//! Weight initialisers (PyTorch's formulas), drawing from Born's seeded generator.

use crate::{Error, Result, Shape, Tensor};

/// `(fan_in, fan_out)` of a weight shape: `[out, in, k...]` (PyTorch's convention).
pub fn fans(shape: &Shape) -> Result<(usize, usize)> {
    let dims = shape.dims();
    if dims.len() < 2 {
        return Err(Error::invalid(
            "init::fans",
            format!("fan in/out need at least 2 dims, got shape {dims:?}"),
        ));
    }
    let receptive: usize = dims[2..].iter().product();
    Ok((dims[1] * receptive, dims[0] * receptive))
}

/// Values drawn uniformly from `[low, high)`.
pub fn uniform(shape: impl Into<Shape>, low: f64, high: f64) -> Result<Tensor> {
    Tensor::rand(shape)?.affine(high - low, low)
}

/// Values drawn from `N(mean, std^2)`.
pub fn normal(shape: impl Into<Shape>, mean: f64, std: f64) -> Result<Tensor> {
    Tensor::randn(shape)?.affine(std, mean)
}

/// Kaiming-uniform with leaky-ReLU slope `a` over `fan_in`: bound `sqrt(6 / ((1 + a^2) fan_in))`.
/// PyTorch's default for `Linear` and `Conv` weights uses `a = sqrt(5)`.
pub fn kaiming_uniform(shape: impl Into<Shape>, a: f64) -> Result<Tensor> {
    let shape = shape.into();
    let (fan_in, _) = fans(&shape)?;
    let bound = (6.0 / ((1.0 + a * a) * fan_in.max(1) as f64)).sqrt();
    uniform(shape, -bound, bound)
}

/// Kaiming-normal with leaky-ReLU slope `a` over `fan_in`: std `sqrt(2 / ((1 + a^2) fan_in))`.
pub fn kaiming_normal(shape: impl Into<Shape>, a: f64) -> Result<Tensor> {
    let shape = shape.into();
    let (fan_in, _) = fans(&shape)?;
    normal(
        shape,
        0.0,
        (2.0 / ((1.0 + a * a) * fan_in.max(1) as f64)).sqrt(),
    )
}

/// Xavier (Glorot) uniform: bound `gain * sqrt(6 / (fan_in + fan_out))`.
pub fn xavier_uniform(shape: impl Into<Shape>, gain: f64) -> Result<Tensor> {
    let shape = shape.into();
    let (fan_in, fan_out) = fans(&shape)?;
    let bound = gain * (6.0 / (fan_in + fan_out).max(1) as f64).sqrt();
    uniform(shape, -bound, bound)
}

/// Xavier (Glorot) normal: std `gain * sqrt(2 / (fan_in + fan_out))`.
pub fn xavier_normal(shape: impl Into<Shape>, gain: f64) -> Result<Tensor> {
    let shape = shape.into();
    let (fan_in, fan_out) = fans(&shape)?;
    normal(
        shape,
        0.0,
        gain * (2.0 / (fan_in + fan_out).max(1) as f64).sqrt(),
    )
}

/// PyTorch's default bias for a layer with `fan_in` inputs: `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`.
pub fn default_bias(len: usize, fan_in: usize) -> Result<Tensor> {
    let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
    uniform(len, -bound, bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_spread_follow_the_formulas() {
        crate::manual_seed(3);
        let w = kaiming_uniform((64, 50, 3, 3), 5f64.sqrt()).unwrap();
        let bound = 1.0 / (450f64).sqrt();
        let v = w.to_vec_f64().unwrap();
        assert!(v.iter().all(|x| x.abs() <= bound));
        assert!(v.iter().any(|x| x.abs() > 0.9 * bound));
        let x = xavier_normal((200, 300), 1.0).unwrap();
        let std = x.std_with(crate::AllDims, false, 0).unwrap();
        let want = (2.0f64 / 500.0).sqrt();
        assert!((std.to_scalar_f64().unwrap() - want).abs() < 0.03 * want);
        assert_eq!(fans(&Shape::from((8, 4, 5, 5))).unwrap(), (100, 200));
        assert!(fans(&Shape::from(3)).is_err());
    }
}
