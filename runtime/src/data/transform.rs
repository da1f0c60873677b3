//! Per-sample transforms applied by the data loader: scaling, normalisation
//! and random spatial augmentation.
//!
//! A sample is a row-major `f32` buffer with dimensions `[H, W]` or
//! `[C, H, W]`; spatial transforms act on the last two dimensions.

use crate::data::rng::DataRng;
use crate::{Error, Result};

/// One step of a sample pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Transform {
    /// Multiplies every value (e.g. `1.0 / 255.0` to map bytes to `[0, 1]`).
    Scale(f32),
    /// `(x - mean) / std` with one mean and deviation for all values.
    Normalize {
        /// Value subtracted.
        mean: f32,
        /// Value divided by (non-zero).
        std: f32,
    },
    /// `(x - mean[c]) / std[c]` per channel of a `[C, H, W]` sample.
    NormalizeChannels {
        /// One mean per channel.
        mean: Vec<f32>,
        /// One deviation per channel (non-zero).
        std: Vec<f32>,
    },
    /// Moves the image by a random offset in `-max..=max` pixels on each axis,
    /// filling uncovered pixels with zero (size unchanged).
    RandomShift {
        /// Largest shift in pixels.
        max: usize,
    },
    /// Pads the image with `padding` zero pixels on each side, then cuts a
    /// random `height x width` window out of it.
    RandomCrop {
        /// Output height.
        height: usize,
        /// Output width.
        width: usize,
        /// Zero padding added on each side first.
        padding: usize,
    },
    /// Mirrors the image left-right with probability one half.
    RandomHorizontalFlip,
}

impl Transform {
    /// The sample dimensions after this transform, or why it cannot apply.
    pub fn output_dims(&self, dims: &[usize]) -> Result<Vec<usize>> {
        match self {
            Self::Scale(_) => Ok(dims.to_vec()),
            Self::Normalize { std, .. } => {
                if *std == 0.0 || !std.is_finite() {
                    return Err(self.invalid(format!("std must be finite and non-zero, got {std}")));
                }
                Ok(dims.to_vec())
            }
            Self::NormalizeChannels { mean, std } => {
                let channels = self.image_dims(dims)?.0;
                if mean.len() != channels || std.len() != channels {
                    return Err(self.invalid(format!(
                        "{} means and {} stds for {channels} channels (sample {dims:?})",
                        mean.len(),
                        std.len()
                    )));
                }
                if std.iter().any(|s| *s == 0.0 || !s.is_finite()) {
                    return Err(self.invalid(format!("std must be finite and non-zero: {std:?}")));
                }
                Ok(dims.to_vec())
            }
            Self::RandomShift { .. } | Self::RandomHorizontalFlip => {
                self.image_dims(dims)?;
                Ok(dims.to_vec())
            }
            Self::RandomCrop {
                height,
                width,
                padding,
            } => {
                let (_, h, w) = self.image_dims(dims)?;
                if *height == 0
                    || *width == 0
                    || *height > h + 2 * padding
                    || *width > w + 2 * padding
                {
                    return Err(self.invalid(format!(
                        "cannot crop {height}x{width} from a {h}x{w} image padded by {padding}"
                    )));
                }
                let mut out = dims.to_vec();
                let rank = out.len();
                out[rank - 2] = *height;
                out[rank - 1] = *width;
                Ok(out)
            }
        }
    }

    /// Applies the transform to one sample with dimensions `dims`, which must
    /// have been accepted by [`Transform::output_dims`].
    pub fn apply(&self, sample: Vec<f32>, dims: &[usize], rng: &mut DataRng) -> Vec<f32> {
        match self {
            Self::Scale(factor) => sample.into_iter().map(|x| x * factor).collect(),
            Self::Normalize { mean, std } => {
                let inv = 1.0 / std;
                sample.into_iter().map(|x| (x - mean) * inv).collect()
            }
            Self::NormalizeChannels { mean, std } => {
                let plane = plane_len(dims);
                let mut out = sample;
                for (c, chunk) in out.chunks_mut(plane).enumerate() {
                    let inv = 1.0 / std[c];
                    chunk.iter_mut().for_each(|x| *x = (*x - mean[c]) * inv);
                }
                out
            }
            Self::RandomShift { max } => {
                let (_, h, w) = split_image_dims(dims);
                let span = 2 * *max as u64 + 1;
                let dy = rng.below(span) as isize - *max as isize;
                let dx = rng.below(span) as isize - *max as isize;
                // Output pixel (y, x) reads input (y - dy, x - dx).
                window(&sample, dims, h, w, -dy, -dx)
            }
            Self::RandomCrop {
                height,
                width,
                padding,
            } => {
                let (_, h, w) = split_image_dims(dims);
                let top = rng.below((h + 2 * padding - height + 1) as u64) as isize;
                let left = rng.below((w + 2 * padding - width + 1) as u64) as isize;
                let pad = *padding as isize;
                window(&sample, dims, *height, *width, top - pad, left - pad)
            }
            Self::RandomHorizontalFlip => {
                let mut out = sample;
                if rng.below(2) == 1 {
                    let w = dims[dims.len() - 1];
                    out.chunks_mut(w).for_each(<[f32]>::reverse);
                }
                out
            }
        }
    }

    /// `(channels, height, width)` of an image sample, or an error for other ranks.
    fn image_dims(&self, dims: &[usize]) -> Result<(usize, usize, usize)> {
        match dims.len() {
            2 | 3 => Ok(split_image_dims(dims)),
            _ => Err(self.invalid(format!(
                "needs image samples [H, W] or [C, H, W], got {dims:?}"
            ))),
        }
    }

    fn invalid(&self, msg: String) -> Error {
        Error::invalid("data transform", format!("{self:?}: {msg}"))
    }
}

/// `(channels, height, width)` of a rank-2 or rank-3 sample.
fn split_image_dims(dims: &[usize]) -> (usize, usize, usize) {
    match dims {
        [h, w] => (1, *h, *w),
        [c, h, w] => (*c, *h, *w),
        _ => unreachable!("image rank is checked by output_dims before apply"),
    }
}

/// Elements in one channel plane.
fn plane_len(dims: &[usize]) -> usize {
    let (_, h, w) = split_image_dims(dims);
    h * w
}

/// Cuts an `out_h x out_w` window whose top-left corner sits at `(top, left)`
/// in each input channel; pixels outside the input are zero.
fn window(
    sample: &[f32],
    dims: &[usize],
    out_h: usize,
    out_w: usize,
    top: isize,
    left: isize,
) -> Vec<f32> {
    let (channels, h, w) = split_image_dims(dims);
    let mut out = vec![0.0; channels * out_h * out_w];
    for c in 0..channels {
        let src = &sample[c * h * w..(c + 1) * h * w];
        let dst = &mut out[c * out_h * out_w..(c + 1) * out_h * out_w];
        for y in 0..out_h {
            let sy = y as isize + top;
            if sy < 0 || sy >= h as isize {
                continue;
            }
            // The columns of this output row that land inside the input.
            let x_start = (-left).clamp(0, out_w as isize) as usize;
            let x_end = (w as isize - left).clamp(0, out_w as isize) as usize;
            if x_start >= x_end {
                continue;
            }
            let row = sy as usize * w;
            let sx_start = (x_start as isize + left) as usize;
            dst[y * out_w + x_start..y * out_w + x_end]
                .copy_from_slice(&src[row + sx_start..row + sx_start + (x_end - x_start)]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference: out[y][x] = in[y + top][x + left] or 0 outside.
    fn naive_window(
        s: &[f32],
        h: usize,
        w: usize,
        oh: usize,
        ow: usize,
        top: isize,
        left: isize,
    ) -> Vec<f32> {
        let mut out = Vec::new();
        for y in 0..oh as isize {
            for x in 0..ow as isize {
                let (sy, sx) = (y + top, x + left);
                let inside = (0..h as isize).contains(&sy) && (0..w as isize).contains(&sx);
                out.push(if inside {
                    s[(sy as usize) * w + sx as usize]
                } else {
                    0.0
                });
            }
        }
        out
    }

    #[test]
    fn window_matches_naive_reference_for_all_offsets() {
        let (h, w) = (4, 5);
        let s: Vec<f32> = (0..h * w).map(|v| v as f32 + 1.0).collect();
        for top in -5..6 {
            for left in -6..7 {
                for (oh, ow) in [(4, 5), (2, 3), (6, 7)] {
                    assert_eq!(
                        window(&s, &[h, w], oh, ow, top, left),
                        naive_window(&s, h, w, oh, ow, top, left),
                        "top {top} left {left} out {oh}x{ow}"
                    );
                }
            }
        }
    }

    #[test]
    fn shift_moves_pixels_and_keeps_mass_inside() {
        let mut rng = DataRng::seed_from_u64(5);
        let mut img = vec![0.0f32; 28 * 28];
        img[14 * 28 + 14] = 1.0;
        let t = Transform::RandomShift { max: 2 };
        let mut moved = false;
        for _ in 0..20 {
            let out = t.apply(img.clone(), &[28, 28], &mut rng);
            assert_eq!(out.iter().sum::<f32>(), 1.0);
            let pos = out.iter().position(|&v| v == 1.0).expect("pixel kept");
            let (y, x) = (pos / 28, pos % 28);
            assert!((12..=16).contains(&y) && (12..=16).contains(&x));
            moved |= pos != 14 * 28 + 14;
        }
        assert!(moved);
    }

    #[test]
    fn crop_changes_dims_and_covers_all_offsets() {
        let t = Transform::RandomCrop {
            height: 2,
            width: 2,
            padding: 1,
        };
        assert_eq!(t.output_dims(&[3, 4, 4]).expect("valid"), vec![3, 2, 2]);
        let img: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let mut rng = DataRng::seed_from_u64(9);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..400 {
            let out = t.apply(img.clone(), &[4, 4], &mut rng);
            assert_eq!(out.len(), 4);
            seen.insert(out.iter().map(|v| *v as i32).collect::<Vec<_>>());
        }
        // (4 + 2 - 2 + 1)^2 = 25 distinct windows exist.
        assert_eq!(seen.len(), 25);
    }

    #[test]
    fn normalize_matches_formula() {
        let mut rng = DataRng::seed_from_u64(0);
        let out = Transform::Normalize {
            mean: 0.5,
            std: 0.25,
        }
        .apply(vec![0.0, 0.5, 1.0], &[3], &mut rng);
        assert_eq!(out, vec![-2.0, 0.0, 2.0]);
        let per_channel = Transform::NormalizeChannels {
            mean: vec![1.0, 2.0],
            std: vec![1.0, 0.5],
        };
        let out = per_channel.apply(vec![1.0, 2.0, 3.0, 4.0], &[2, 1, 2], &mut rng);
        assert_eq!(out, vec![0.0, 1.0, 2.0, 4.0]);
    }

    #[test]
    fn flip_mirrors_rows() {
        let mut rng = DataRng::seed_from_u64(0);
        let img = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let outs: Vec<Vec<f32>> = (0..16)
            .map(|_| Transform::RandomHorizontalFlip.apply(img.clone(), &[2, 3], &mut rng))
            .collect();
        assert!(outs.contains(&img));
        assert!(outs.contains(&vec![3.0, 2.0, 1.0, 6.0, 5.0, 4.0]));
    }

    #[test]
    fn invalid_configurations_are_errors() {
        let flat = Transform::RandomShift { max: 1 }.output_dims(&[784]);
        assert!(flat.expect_err("flat").to_string().contains("[784]"));
        let zero_std = Transform::Normalize {
            mean: 0.0,
            std: 0.0,
        }
        .output_dims(&[2]);
        assert!(zero_std.is_err());
        let big_crop = Transform::RandomCrop {
            height: 40,
            width: 4,
            padding: 2,
        }
        .output_dims(&[28, 28]);
        assert!(big_crop.expect_err("too big").to_string().contains("40x4"));
        let channels = Transform::NormalizeChannels {
            mean: vec![0.0],
            std: vec![1.0],
        }
        .output_dims(&[3, 2, 2]);
        assert!(channels
            .expect_err("3 channels")
            .to_string()
            .contains("3 channels"));
    }
}
