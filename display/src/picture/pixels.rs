//! From numbers to 8-bit pixels: value ranges, channel layouts and integer upscaling.

use crate::error::{Error, Result};

/// Largest image side accepted, in pixels.
pub const MAX_SIDE: usize = 16384;
/// Small images are enlarged by a whole factor until their longer side reaches this.
const TARGET_SIDE: usize = 128;
/// Largest enlargement factor.
const MAX_SCALE: usize = 8;

/// How values map to 0..=255.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Intensity {
    /// Values are fractions: 0..=1 → 0..=255.
    Unit,
    /// Values are already bytes: 0..=255.
    Byte,
    /// Values are stretched from `min..=max` to 0..=255.
    Stretch {
        /// Value shown black.
        min: f64,
        /// Value shown white.
        max: f64,
    },
}

impl Intensity {
    /// Fractions if all finite values are in 0..=1, bytes if in 0..=255, else stretched.
    pub fn detect(values: &[f64]) -> Self {
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if min > max || (min >= 0.0 && max <= 1.0) {
            Intensity::Unit
        } else if min >= 0.0 && max <= 255.0 {
            Intensity::Byte
        } else {
            Intensity::Stretch { min, max }
        }
    }

    /// The byte for `value` (NaN is black, out-of-range values are clamped).
    pub fn byte(&self, value: f64) -> u8 {
        let scaled = match *self {
            Intensity::Unit => value * 255.0,
            Intensity::Byte => value,
            Intensity::Stretch { min, max } => (value - min) / (max - min) * 255.0,
        };
        if scaled.is_nan() {
            0
        } else {
            scaled.round().clamp(0.0, 255.0) as u8
        }
    }
}

/// Where the channels sit in an image's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// 1 (gray) or 3 (RGB).
    pub channels: usize,
    /// Channels first (`[C, H, W]`) rather than last (`[H, W, C]`).
    pub channels_first: bool,
}

impl Layout {
    /// Reads `[H, W]`, `[C, H, W]` (preferred, as PyTorch stores images) or `[H, W, C]`, C in {1, 3}.
    pub fn of_shape(op: &'static str, shape: &[usize]) -> Result<Self> {
        let layout = match *shape {
            [height, width] => Self {
                height,
                width,
                channels: 1,
                channels_first: true,
            },
            [c @ (1 | 3), height, width] => Self {
                height,
                width,
                channels: c,
                channels_first: true,
            },
            [height, width, c @ (1 | 3)] => Self {
                height,
                width,
                channels: c,
                channels_first: false,
            },
            _ => {
                return Err(Error::Shape {
                    op,
                    message: format!(
                        "shape {shape:?} is not an image: expected [H, W], [C, H, W] or \
                         [H, W, C] with C = 1 or 3"
                    ),
                })
            }
        };
        if layout.height == 0
            || layout.width == 0
            || layout.height > MAX_SIDE
            || layout.width > MAX_SIDE
        {
            return Err(Error::Shape {
                op,
                message: format!("image shape {shape:?} needs sides in 1..={MAX_SIDE}"),
            });
        }
        Ok(layout)
    }

    /// Elements in one image of this layout.
    pub fn len(&self) -> usize {
        self.height * self.width * self.channels
    }

    /// Interleaved (`HWC`) bytes of the image whose values start at `values[0]`.
    pub fn interleaved_bytes(&self, values: &[f64], intensity: &Intensity) -> Vec<u8> {
        let plane = self.height * self.width;
        let mut out = Vec::with_capacity(self.len());
        for pixel in 0..plane {
            for c in 0..self.channels {
                let index = if self.channels_first {
                    c * plane + pixel
                } else {
                    pixel * self.channels + c
                };
                out.push(intensity.byte(values[index]));
            }
        }
        out
    }
}

/// The whole factor that brings a small image's longer side near the display size.
pub fn display_scale(width: usize, height: usize) -> usize {
    (TARGET_SIDE / width.max(height).max(1)).clamp(1, MAX_SCALE)
}

/// Enlarges interleaved pixels `scale` times in each direction (nearest neighbour).
pub fn upscale(
    pixels: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    scale: usize,
) -> Vec<u8> {
    if scale == 1 {
        return pixels.to_vec();
    }
    let row_len = width * channels;
    let mut out = Vec::with_capacity(pixels.len() * scale * scale);
    for row in pixels.chunks_exact(row_len).take(height) {
        let mut wide = Vec::with_capacity(row_len * scale);
        for pixel in row.chunks_exact(channels) {
            for _ in 0..scale {
                wide.extend_from_slice(pixel);
            }
        }
        for _ in 0..scale {
            out.extend_from_slice(&wide);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intensity_is_detected_from_the_value_range() {
        assert_eq!(Intensity::detect(&[0.0, 0.5, 1.0]), Intensity::Unit);
        assert_eq!(Intensity::detect(&[0.0, 17.0, 255.0]), Intensity::Byte);
        assert_eq!(
            Intensity::detect(&[-1.0, 3.0, f64::NAN]),
            Intensity::Stretch {
                min: -1.0,
                max: 3.0
            }
        );
        assert_eq!(Intensity::Unit.byte(0.5), 128);
        assert_eq!(
            Intensity::Stretch {
                min: -1.0,
                max: 3.0
            }
            .byte(1.0),
            128
        );
        assert_eq!(Intensity::Unit.byte(f64::NAN), 0);
        assert_eq!(Intensity::Unit.byte(7.0), 255);
    }

    #[test]
    fn layouts_channels_first_or_last() {
        let chw = Layout::of_shape("t", &[3, 2, 4]).unwrap();
        assert_eq!(
            (chw.channels, chw.height, chw.width, chw.channels_first),
            (3, 2, 4, true)
        );
        let hwc = Layout::of_shape("t", &[2, 4, 3]).unwrap();
        assert_eq!(
            (hwc.channels, hwc.height, hwc.width, hwc.channels_first),
            (3, 2, 4, false)
        );
        assert!(Layout::of_shape("t", &[2, 4, 5]).is_err());
        assert!(Layout::of_shape("t", &[0, 4]).is_err());
        assert!(Layout::of_shape("t", &[4]).is_err());
        assert!(Layout::of_shape("t", &[MAX_SIDE + 1, 1]).is_err());
    }

    #[test]
    fn channels_first_bytes_are_interleaved() {
        // Two pixels, red then green, stored as planes.
        let layout = Layout::of_shape("t", &[3, 1, 2]).unwrap();
        let bytes = layout.interleaved_bytes(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0], &Intensity::Unit);
        assert_eq!(bytes, vec![255, 0, 0, 0, 255, 0]);
    }

    #[test]
    fn upscale_repeats_pixels() {
        assert_eq!(
            upscale(&[1, 2, 3, 4], 2, 2, 1, 2),
            vec![1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]
        );
        assert_eq!(display_scale(28, 28), 4);
        assert_eq!(display_scale(1000, 10), 1);
        assert_eq!(display_scale(1, 1), 8);
    }
}
