//! Batches of images laid out in a grid, each with an optional label.

use super::pixels::{display_scale, upscale, Intensity, Layout};
use super::Image;
use crate::displayable::Displayable;
use crate::error::{Error, Result};
use crate::evcxr::inherent_evcxr_display;
use crate::html::escape_html;
use crate::mime_bundle::{MimeBundle, IMAGE_PNG, TEXT_HTML};
use crate::png::Png;

/// White gap between tiles, in pixels.
const GAP: usize = 2;
/// Most images one grid draws (a batch is often larger than worth showing).
const MAX_IMAGES: usize = 1024;

/// Images side by side in rows of `columns`, with labels shown under each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageGrid {
    images: Vec<Image>,
    labels: Vec<String>,
    columns: usize,
}

impl ImageGrid {
    /// A grid of `images`, eight to a row.
    pub fn new(images: Vec<Image>) -> Self {
        Self {
            images,
            labels: Vec::new(),
            columns: 8,
        }
    }

    /// A grid from a batch shaped `[N, H, W]`, `[N, C, H, W]` or `[N, H, W, C]`, one value
    /// mapping for the whole batch (see [`Image::from_data`]).
    pub fn from_batch(shape: &[usize], values: &[f64]) -> Result<Self> {
        let Some((&count, image_shape)) = shape.split_first() else {
            return Err(Error::Shape {
                op: "ImageGrid::from_batch",
                message: "a batch needs a leading count dimension, got a scalar shape".into(),
            });
        };
        let layout = Layout::of_shape("ImageGrid::from_batch", image_shape)?;
        if count == 0 || count > MAX_IMAGES {
            return Err(Error::Shape {
                op: "ImageGrid::from_batch",
                message: format!("batch of {count} images: expected 1..={MAX_IMAGES}"),
            });
        }
        let expected = count * layout.len();
        if values.len() != expected {
            return Err(Error::Shape {
                op: "ImageGrid::from_batch",
                message: format!(
                    "shape {shape:?} needs {expected} values, got {}",
                    values.len()
                ),
            });
        }
        let intensity = Intensity::detect(values);
        let images = values
            .chunks_exact(layout.len())
            .map(|chunk| Image::from_layout(&layout, chunk, &intensity))
            .collect();
        Ok(Self::new(images))
    }

    /// Sets one label per image, shown under it.
    pub fn labels<S: ToString>(mut self, labels: &[S]) -> Result<Self> {
        if labels.len() != self.images.len() {
            return Err(Error::LengthMismatch {
                op: "ImageGrid::labels",
                what: "images and labels",
                left: self.images.len(),
                right: labels.len(),
            });
        }
        self.labels = labels.iter().map(ToString::to_string).collect();
        Ok(self)
    }

    /// Sets the number of images per row (at least 1).
    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = columns.max(1);
        self
    }

    /// The images in order.
    pub fn images(&self) -> &[Image] {
        &self.images
    }

    /// Tile size after enlarging: the largest image, scaled like a single image would be.
    fn tile(&self) -> (usize, usize, usize) {
        let width = self.images.iter().map(Image::width).max().unwrap_or(1);
        let height = self.images.iter().map(Image::height).max().unwrap_or(1);
        let scale = display_scale(width, height);
        (width * scale, height * scale, scale)
    }

    /// The whole grid as one RGB PNG (labels appear only in the HTML view).
    pub fn to_png(&self) -> Result<Png> {
        if self.images.is_empty() {
            return Err(Error::InvalidArgument {
                op: "ImageGrid::to_png",
                message: "the grid has no images".into(),
            });
        }
        let (tile_w, tile_h, scale) = self.tile();
        let columns = self.columns.min(self.images.len());
        let rows = self.images.len().div_ceil(columns);
        let width = columns * tile_w + (columns - 1) * GAP;
        let height = rows * tile_h + (rows - 1) * GAP;
        let mut canvas = vec![255u8; width * height * 3];
        for (n, image) in self.images.iter().enumerate() {
            let pixels = upscale(&image.rgb_pixels(), image.width(), image.height(), 3, scale);
            let (w, h) = (image.width() * scale, image.height() * scale);
            // Centre smaller images in their tile.
            let left = (n % columns) * (tile_w + GAP) + (tile_w - w) / 2;
            let top = (n / columns) * (tile_h + GAP) + (tile_h - h) / 2;
            for (y, row) in pixels.chunks_exact(w * 3).enumerate() {
                let start = ((top + y) * width + left) * 3;
                canvas[start..start + w * 3].copy_from_slice(row);
            }
        }
        Png::from_rgb8(width as u32, height as u32, &canvas)
    }

    fn html(&self) -> Result<String> {
        let (tile_w, _, _) = self.tile();
        let mut out = format!(
            "<div style=\"display: grid; grid-template-columns: repeat({}, auto); gap: 6px; \
             justify-content: start; font-family: sans-serif; font-size: 12px\">",
            self.columns.min(self.images.len()).max(1)
        );
        for (n, image) in self.images.iter().enumerate() {
            let png = image.to_png()?;
            let width = png.width().min(tile_w as u32);
            out.push_str("<figure style=\"margin: 0; text-align: center\">");
            out.push_str(&png.img_tag(width));
            if let Some(label) = self.labels.get(n) {
                out.push_str(&format!("<figcaption>{}</figcaption>", escape_html(label)));
            }
            out.push_str("</figure>");
        }
        out.push_str("</div>");
        Ok(out)
    }
}

impl Displayable for ImageGrid {
    fn mime_bundle(&self) -> MimeBundle {
        let rendered = self.to_png().and_then(|png| Ok((png, self.html()?)));
        match rendered {
            Ok((png, html)) => {
                MimeBundle::text(format!("<ImageGrid of {} images>", self.images.len()))
                    .with_bytes(IMAGE_PNG, png.as_bytes())
                    .with(TEXT_HTML, html)
            }
            Err(error) => MimeBundle::error(&error),
        }
    }
}

inherent_evcxr_display!(ImageGrid);

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(count: usize, side: usize) -> Vec<f64> {
        (0..count * side * side)
            .map(|i| (i / (side * side)) as f64)
            .collect()
    }

    #[test]
    fn grid_png_has_tiles_and_gaps() {
        // Ten 28x28 images, four per row: 3 rows of tiles enlarged to 112 px.
        let grid = ImageGrid::from_batch(&[10, 28, 28], &batch(10, 28))
            .unwrap()
            .columns(4);
        let png = grid.to_png().unwrap();
        assert_eq!(
            (png.width(), png.height()),
            (4 * 112 + 3 * 2, 3 * 112 + 2 * 2)
        );
        let decoded = image::load_from_memory(png.as_bytes()).unwrap().to_rgb8();
        // Image 0 is all zeros (black), image n is gray level n; the gap is white.
        assert_eq!(decoded.get_pixel(5, 5).0, [0, 0, 0]);
        assert_eq!(decoded.get_pixel(112, 5).0, [255, 255, 255]);
        let ninth = decoded.get_pixel(114 + 5, 2 * 114 + 5).0;
        assert_eq!(ninth, [9, 9, 9], "values 0..=9 are taken as bytes");
    }

    #[test]
    fn labels_are_escaped_and_counted() {
        let grid = ImageGrid::from_batch(&[2, 1, 4, 4], &[0.5; 32]).unwrap();
        assert!(grid.clone().labels(&["only one"]).is_err());
        let html = grid
            .labels(&["<7>", "3 & 4"])
            .unwrap()
            .mime_bundle()
            .get("text/html")
            .unwrap()
            .to_string();
        assert!(html.contains("<figcaption>&lt;7&gt;</figcaption>"));
        assert!(html.contains("<figcaption>3 &amp; 4</figcaption>"));
        assert_eq!(html.matches("<img").count(), 2);
    }

    #[test]
    fn batches_must_fit_their_shape() {
        assert!(ImageGrid::from_batch(&[2, 4, 4], &[0.0; 31]).is_err());
        assert!(ImageGrid::from_batch(&[0, 4, 4], &[]).is_err());
        assert!(ImageGrid::from_batch(&[], &[1.0]).is_err());
        assert!(ImageGrid::new(Vec::new()).to_png().is_err());
    }
}
