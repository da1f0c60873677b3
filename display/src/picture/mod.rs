//! Images from numbers: grayscale and RGB pictures, heatmaps and labelled grids.

mod colormap;
mod from_runtime;
mod grid;
mod heatmap;
mod pixels;

pub use colormap::viridis;
pub use grid::ImageGrid;
pub use heatmap::Heatmap;

use pixels::{display_scale, upscale, Intensity, Layout};

use crate::displayable::Displayable;
use crate::error::{Error, Result};
use crate::evcxr::inherent_evcxr_display;
use crate::mime_bundle::{MimeBundle, IMAGE_PNG};
use crate::png::Png;

/// An 8-bit grayscale or RGB picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

impl Image {
    /// A picture from values shaped `[H, W]`, `[C, H, W]` or `[H, W, C]` (C = 1 or 3).
    ///
    /// Values in 0..=1 are fractions of full intensity, values in 0..=255 are bytes,
    /// anything else is stretched from its minimum to its maximum.
    pub fn from_data(shape: &[usize], values: &[f64]) -> Result<Self> {
        let layout = Layout::of_shape("Image::from_data", shape)?;
        check_len("Image::from_data", shape, layout.len(), values.len())?;
        Ok(Self::from_layout(
            &layout,
            values,
            &Intensity::detect(values),
        ))
    }

    /// A grayscale picture from row-major bytes.
    pub fn gray8(width: usize, height: usize, pixels: Vec<u8>) -> Result<Self> {
        Self::from_bytes("Image::gray8", width, height, 1, pixels)
    }

    /// An RGB picture from row-major, interleaved bytes.
    pub fn rgb8(width: usize, height: usize, pixels: Vec<u8>) -> Result<Self> {
        Self::from_bytes("Image::rgb8", width, height, 3, pixels)
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// 1 for grayscale, 3 for RGB.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The pixels, row-major and interleaved.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The picture as PNG, small pictures enlarged by a whole factor to be visible.
    pub fn to_png(&self) -> Result<Png> {
        let scale = display_scale(self.width, self.height);
        let pixels = upscale(&self.pixels, self.width, self.height, self.channels, scale);
        let (w, h) = ((self.width * scale) as u32, (self.height * scale) as u32);
        match self.channels {
            1 => Png::from_gray8(w, h, &pixels),
            _ => Png::from_rgb8(w, h, &pixels),
        }
    }

    /// The pixels as RGB, gray values repeated in each channel.
    fn rgb_pixels(&self) -> Vec<u8> {
        match self.channels {
            1 => self.pixels.iter().flat_map(|&v| [v, v, v]).collect(),
            _ => self.pixels.clone(),
        }
    }

    fn from_layout(layout: &Layout, values: &[f64], intensity: &Intensity) -> Self {
        Self {
            width: layout.width,
            height: layout.height,
            channels: layout.channels,
            pixels: layout.interleaved_bytes(values, intensity),
        }
    }

    fn from_bytes(
        op: &'static str,
        width: usize,
        height: usize,
        channels: usize,
        pixels: Vec<u8>,
    ) -> Result<Self> {
        let shape = [height, width, channels];
        let layout = Layout::of_shape(op, &shape)?;
        check_len(op, &shape, layout.len(), pixels.len())?;
        Ok(Self {
            width,
            height,
            channels,
            pixels,
        })
    }
}

/// Fails unless `actual` values fill `shape` exactly.
fn check_len(op: &'static str, shape: &[usize], expected: usize, actual: usize) -> Result<()> {
    if expected == actual {
        Ok(())
    } else {
        Err(Error::Shape {
            op,
            message: format!("shape {shape:?} needs {expected} values, got {actual}"),
        })
    }
}

impl Displayable for Image {
    fn mime_bundle(&self) -> MimeBundle {
        let kind = if self.channels == 1 { "gray" } else { "RGB" };
        match self.to_png() {
            Ok(png) => MimeBundle::text(format!("<Image {}x{} {kind}>", self.width, self.height))
                .with_bytes(IMAGE_PNG, png.as_bytes()),
            Err(error) => MimeBundle::error(&error),
        }
    }
}

inherent_evcxr_display!(Image);

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &Png) -> image::DynamicImage {
        image::load_from_memory(png.as_bytes()).expect("valid PNG")
    }

    #[test]
    fn gray_image_from_fractions_decodes_enlarged() {
        let values: Vec<f64> = (0..28 * 28).map(|i| (i % 28) as f64 / 27.0).collect();
        let image = Image::from_data(&[28, 28], &values).unwrap();
        let decoded = decode(&image.to_png().unwrap()).to_luma8();
        assert_eq!(decoded.dimensions(), (112, 112));
        assert_eq!(decoded.get_pixel(0, 0).0, [0]);
        assert_eq!(decoded.get_pixel(111, 5).0, [255]);
    }

    #[test]
    fn rgb_image_from_channels_first() {
        let mut values = vec![0.0; 3 * 200 * 150];
        values[..200 * 150].fill(255.0); // red plane
        let image = Image::from_data(&[3, 200, 150], &values).unwrap();
        assert_eq!(
            (image.width(), image.height(), image.channels()),
            (150, 200, 3)
        );
        let decoded = decode(&image.to_png().unwrap()).to_rgb8();
        assert_eq!(decoded.dimensions(), (150, 200));
        assert_eq!(decoded.get_pixel(10, 10).0, [255, 0, 0]);
    }

    #[test]
    fn bad_shapes_and_lengths_are_errors() {
        let err = Image::from_data(&[2, 2], &[0.0; 3]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Image::from_data: shape [2, 2] needs 4 values, got 3"
        );
        assert!(Image::from_data(&[5], &[0.0; 5]).is_err());
        assert!(Image::gray8(2, 2, vec![0; 5]).is_err());
        assert!(Image::rgb8(1, 1, vec![1, 2, 3]).is_ok());
    }

    #[test]
    fn bundle_is_png_with_a_description() {
        let image = Image::gray8(2, 1, vec![0, 255]).unwrap();
        let bundle = image.mime_bundle();
        assert_eq!(bundle.get("text/plain"), Some("<Image 2x1 gray>"));
        assert!(bundle.get("image/png").is_some());
    }
}
