//! ReLU's backward pass as one elementwise kernel.

use super::map::binary_map;
use super::CpuStorage;
use crate::Layout;

/// `g` where `x > 0`, else 0 (as PyTorch's threshold backward: NaN inputs pass nothing).
fn relu_backward<T: Copy + Send + Sync + Default + PartialOrd>(
    x: &[T],
    xl: &Layout,
    g: &[T],
    gl: &Layout,
) -> Vec<T> {
    let zero = T::default();
    binary_map(x, xl, g, gl, |x, g| if x > zero { g } else { zero })
}

impl CpuStorage {
    /// The gradient of ReLU at this input for the output gradient `g` (same shape and
    /// float dtype), in one pass; `None` for other dtypes.
    pub fn relu_backward(&self, l: &Layout, g: &CpuStorage, gl: &Layout) -> Option<CpuStorage> {
        match (self, g) {
            (CpuStorage::F32(x), CpuStorage::F32(g)) => {
                Some(CpuStorage::F32(relu_backward(x, l, g, gl)))
            }
            (CpuStorage::F64(x), CpuStorage::F64(g)) => {
                Some(CpuStorage::F64(relu_backward(x, l, g, gl)))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Shape;

    #[test]
    fn passes_the_gradient_where_the_input_is_positive() {
        let x = [-1.0f32, 0.0, 2.0, f32::NAN, 3.0, -0.5];
        let g = [10.0f32, 20.0, 30.0, 40.0, 50.0, 60.0];
        let l = Layout::contiguous((2, 3));
        assert_eq!(
            relu_backward(&x, &l, &g, &l),
            vec![0.0, 0.0, 30.0, 0.0, 50.0, 0.0]
        );
        // a transposed view of the input against a contiguous gradient
        let xt = Layout::contiguous((3, 2)).permute(&[1, 0]);
        let want: Vec<f32> = xt
            .offsets()
            .zip(&g)
            .map(|(i, &g)| if x[i] > 0.0 { g } else { 0.0 })
            .collect();
        assert_eq!(relu_backward(&x, &xt, &g, &l), want);
        assert_eq!(xt.shape(), &Shape::from((2, 3)));
    }
}
