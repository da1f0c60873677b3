//! Images, heatmaps and grids made straight from `born::Tensor` values.

use born::Tensor;

use super::{Heatmap, Image, ImageGrid};
use crate::error::{Error, Result};
use crate::tensor::tensor_error;

/// Most elements read for one image, heatmap or grid (a 4096 x 4096 grayscale picture).
const IMAGE_LIMIT: usize = 1 << 24;

/// The values of a tensor that a picture will show, refusing sizes no picture needs.
fn image_values(op: &'static str, tensor: &Tensor) -> Result<Vec<f64>> {
    if tensor.elem_count() > IMAGE_LIMIT {
        return Err(Error::Shape {
            op,
            message: format!(
                "shape {:?} has {} elements, more than the {IMAGE_LIMIT} a picture shows",
                tensor.dims(),
                tensor.elem_count()
            ),
        });
    }
    tensor.to_vec_f64().map_err(tensor_error(op))
}

impl Image {
    /// A picture of a tensor shaped `[H, W]`, `[C, H, W]` or `[H, W, C]` (see [`Image::from_data`]).
    pub fn from_tensor(tensor: &Tensor) -> Result<Self> {
        let values = image_values("Image::from_tensor", tensor)?;
        Image::from_data(tensor.dims(), &values)
    }
}

impl Heatmap {
    /// A heatmap of a 2-D tensor.
    pub fn from_tensor(tensor: &Tensor) -> Result<Self> {
        let values = image_values("Heatmap::from_tensor", tensor)?;
        Heatmap::new(tensor.dims(), &values)
    }
}

impl ImageGrid {
    /// A grid of a batch tensor shaped `[N, H, W]`, `[N, C, H, W]` or `[N, H, W, C]`.
    pub fn from_tensor(batch: &Tensor) -> Result<Self> {
        let values = image_values("ImageGrid::from_tensor", batch)?;
        ImageGrid::from_batch(batch.dims(), &values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_grids_from_tensors() {
        let batch = Tensor::zeros((4, 1, 28, 28)).unwrap();
        let grid = ImageGrid::from_tensor(&batch).unwrap();
        assert_eq!(grid.images().len(), 4);
        let image = Image::from_tensor(&batch.select(0, 0).unwrap()).unwrap();
        assert_eq!((image.width(), image.height()), (28, 28));
        assert!(Heatmap::from_tensor(&batch).is_err());
    }
}
