//! PNG images: wrapping encoded bytes and encoding pixel buffers.

use crate::displayable::Displayable;
use crate::error::{Error, Result};
use crate::evcxr::inherent_evcxr_display;
use crate::mime_bundle::{MimeBundle, IMAGE_PNG};

/// The eight bytes every PNG file starts with.
const SIGNATURE: [u8; 8] = [137, 80, 78, 71, 13, 10, 26, 10];

/// An encoded PNG image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Png {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

impl Png {
    /// Wraps encoded PNG bytes, checking the signature and reading the size from the header.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        if bytes.len() < 24 || bytes[..8] != SIGNATURE {
            return Err(Error::InvalidPng(format!(
                "{} bytes without a PNG signature",
                bytes.len()
            )));
        }
        if &bytes[12..16] != b"IHDR" {
            return Err(Error::InvalidPng("first chunk is not IHDR".into()));
        }
        let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        if width == 0 || height == 0 {
            return Err(Error::InvalidPng(format!(
                "header declares an empty {width}x{height} image"
            )));
        }
        Ok(Self {
            bytes,
            width,
            height,
        })
    }

    /// Encodes 8-bit RGB pixels (row-major, 3 bytes per pixel) as PNG.
    pub fn from_rgb8(width: u32, height: u32, pixels: &[u8]) -> Result<Self> {
        encode(width, height, pixels, png::ColorType::Rgb, 3)
    }

    /// Encodes 8-bit grayscale pixels (row-major, 1 byte per pixel) as PNG.
    pub fn from_gray8(width: u32, height: u32, pixels: &[u8]) -> Result<Self> {
        encode(width, height, pixels, png::ColorType::Grayscale, 1)
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// An `<img>` tag embedding this image as a data URI, `display_width` CSS pixels wide.
    pub fn img_tag(&self, display_width: u32) -> String {
        use base64::Engine;
        let data = base64::engine::general_purpose::STANDARD.encode(&self.bytes);
        format!(
            "<img src=\"data:image/png;base64,{data}\" width=\"{display_width}\" \
             style=\"image-rendering: pixelated\"/>"
        )
    }
}

fn encode(
    width: u32,
    height: u32,
    pixels: &[u8],
    color: png::ColorType,
    channels: usize,
) -> Result<Png> {
    let expected = width as usize * height as usize * channels;
    if width == 0 || height == 0 || pixels.len() != expected {
        return Err(Error::Shape {
            op: "Png::encode",
            message: format!(
                "{width}x{height} image with {channels} channel(s) needs {expected} bytes, got {}",
                pixels.len()
            ),
        });
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| {
            writer.write_image_data(pixels)?;
            writer.finish()
        })
        .map_err(|e| Error::Encode {
            op: "Png::encode",
            message: e.to_string(),
        })?;
    Ok(Png {
        bytes,
        width,
        height,
    })
}

impl Displayable for Png {
    fn mime_bundle(&self) -> MimeBundle {
        let text = format!("<PNG image {}x{}>", self.width, self.height);
        MimeBundle::text(text).with_bytes(IMAGE_PNG, &self.bytes)
    }
}

inherent_evcxr_display!(Png);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_png_decodes_with_its_size() {
        let pixels: Vec<u8> = (0..5 * 3 * 3).map(|i| i as u8).collect();
        let png = Png::from_rgb8(5, 3, &pixels).unwrap();
        let decoded = image::load_from_memory(png.as_bytes()).unwrap().to_rgb8();
        assert_eq!(decoded.dimensions(), (5, 3));
        assert_eq!(decoded.as_raw(), &pixels);
        let reread = Png::from_bytes(png.as_bytes().to_vec()).unwrap();
        assert_eq!((reread.width(), reread.height()), (5, 3));
    }

    #[test]
    fn wrong_pixel_count_is_an_error() {
        let err = Png::from_gray8(4, 4, &[0; 15]).unwrap_err();
        assert!(err.to_string().contains("needs 16 bytes, got 15"), "{err}");
    }

    #[test]
    fn non_png_bytes_are_rejected() {
        assert!(Png::from_bytes(b"GIF89a............................".to_vec()).is_err());
        assert!(Png::from_bytes(vec![137, 80]).is_err());
    }

    #[test]
    fn bundle_is_base64_png() {
        let png = Png::from_gray8(2, 2, &[0, 64, 128, 255]).unwrap();
        let bundle = png.mime_bundle();
        assert_eq!(bundle.get("text/plain"), Some("<PNG image 2x2>"));
        assert!(bundle.get("image/png").unwrap().starts_with("iVBORw0KGgo"));
    }
}
