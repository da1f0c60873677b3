//! 2-D data as a viridis heatmap with a colour legend.

use super::colormap::{css_gradient, viridis};
use super::pixels::{display_scale, upscale, MAX_SIDE};
use crate::displayable::Displayable;
use crate::error::{Error, Result};
use crate::evcxr::inherent_evcxr_display;
use crate::html::escape_html;
use crate::mime_bundle::{MimeBundle, IMAGE_PNG, TEXT_HTML};
use crate::png::Png;
use crate::tensor::TensorStats;

/// A matrix drawn cell by cell in viridis (dark = low, yellow = high), NaN in magenta.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    rows: usize,
    cols: usize,
    values: Vec<f64>,
    range: (f64, f64),
    title: String,
}

impl Heatmap {
    /// A heatmap of `values` shaped `[rows, cols]` (or `[1, rows, cols]`), coloured over their range.
    pub fn new(shape: &[usize], values: &[f64]) -> Result<Self> {
        let (rows, cols) = match *shape {
            [rows, cols] | [1, rows, cols] => (rows, cols),
            _ => {
                return Err(Error::Shape {
                    op: "Heatmap::new",
                    message: format!("shape {shape:?} is not 2-D"),
                })
            }
        };
        if rows == 0 || cols == 0 || rows > MAX_SIDE || cols > MAX_SIDE {
            return Err(Error::Shape {
                op: "Heatmap::new",
                message: format!("shape {shape:?} needs sides in 1..={MAX_SIDE}"),
            });
        }
        if rows * cols != values.len() {
            return Err(Error::Shape {
                op: "Heatmap::new",
                message: format!(
                    "shape {shape:?} needs {} values, got {}",
                    rows * cols,
                    values.len()
                ),
            });
        }
        let stats = TensorStats::of(values);
        let range = (stats.min.unwrap_or(0.0), stats.max.unwrap_or(1.0));
        Ok(Self {
            rows,
            cols,
            values: values.to_vec(),
            range,
            title: String::new(),
        })
    }

    /// Colours `min..=max` instead of the data's own range (values outside are clamped).
    pub fn range(mut self, min: f64, max: f64) -> Self {
        self.range = (min, max);
        self
    }

    /// Sets a title shown above the heatmap.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The heatmap alone as PNG, small matrices enlarged to stay visible.
    pub fn to_png(&self) -> Result<Png> {
        let (min, max) = self.range;
        let span = max - min;
        let pixels: Vec<u8> = self
            .values
            .iter()
            .flat_map(|&v| {
                // A flat range puts every value mid-scale.
                let t = if span > 0.0 { (v - min) / span } else { 0.5 };
                viridis(if v.is_nan() { f64::NAN } else { t })
            })
            .collect();
        let scale = display_scale(self.cols, self.rows);
        let pixels = upscale(&pixels, self.cols, self.rows, 3, scale);
        Png::from_rgb8(
            (self.cols * scale) as u32,
            (self.rows * scale) as u32,
            &pixels,
        )
    }

    fn html(&self, png: &Png) -> String {
        let (min, max) = self.range;
        let title = if self.title.is_empty() {
            String::new()
        } else {
            format!(
                "<div style=\"font-weight: bold; margin-bottom: 4px\">{}</div>",
                escape_html(&self.title)
            )
        };
        format!(
            "<div style=\"font-family: sans-serif; font-size: 12px\">{title}\
             <div style=\"display: flex; align-items: stretch; gap: 6px\">{img}\
             <div style=\"width: 14px; background: {gradient}; border: 1px solid #999\"></div>\
             <div style=\"display: flex; flex-direction: column; justify-content: space-between\">\
             <span>{max}</span><span>{mid}</span><span>{min}</span></div></div></div>",
            img = png.img_tag(png.width()),
            gradient = css_gradient(),
            max = legend_number(max),
            mid = legend_number((min + max) / 2.0),
            min = legend_number(min),
        )
    }
}

/// Legend numbers: four significant digits.
fn legend_number(v: f64) -> String {
    format!("{}", (v * 1e4).round() / 1e4)
        .chars()
        .take(10)
        .collect()
}

impl Displayable for Heatmap {
    fn mime_bundle(&self) -> MimeBundle {
        match self.to_png() {
            Ok(png) => {
                let (min, max) = self.range;
                let text = format!(
                    "<Heatmap {}x{}, colour range {} to {}>",
                    self.rows,
                    self.cols,
                    legend_number(min),
                    legend_number(max)
                );
                MimeBundle::text(text)
                    .with_bytes(IMAGE_PNG, png.as_bytes())
                    .with(TEXT_HTML, self.html(&png))
            }
            Err(error) => MimeBundle::error(&error),
        }
    }
}

inherent_evcxr_display!(Heatmap);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_and_high_cells_take_the_colormap_ends() {
        let heatmap = Heatmap::new(&[2, 2], &[0.0, 1.0, 2.0, f64::NAN]).unwrap();
        let decoded = image::load_from_memory(heatmap.to_png().unwrap().as_bytes())
            .unwrap()
            .to_rgb8();
        assert_eq!(decoded.dimensions(), (16, 16), "2x2 enlarged eight times");
        assert_eq!(decoded.get_pixel(0, 0).0, viridis(0.0));
        assert_eq!(decoded.get_pixel(15, 0).0, viridis(0.5));
        assert_eq!(decoded.get_pixel(0, 15).0, viridis(1.0));
        assert_eq!(
            decoded.get_pixel(15, 15).0,
            super::super::colormap::NAN_COLOR
        );
    }

    #[test]
    fn legend_shows_range_and_escaped_title() {
        let heatmap = Heatmap::new(&[1, 3], &[-1.5, 0.0, 2.5])
            .unwrap()
            .title("a<b");
        let bundle = heatmap.mime_bundle();
        let html = bundle.get("text/html").unwrap();
        assert!(
            html.contains("<span>2.5</span><span>0.5</span><span>-1.5</span>"),
            "{html}"
        );
        assert!(html.contains("a&lt;b") && html.contains("linear-gradient"));
        assert!(bundle.get("image/png").is_some());
        assert_eq!(
            bundle.get("text/plain"),
            Some("<Heatmap 1x3, colour range -1.5 to 2.5>")
        );
    }

    #[test]
    fn fixed_range_and_bad_shapes() {
        let heatmap = Heatmap::new(&[1, 2], &[0.5, 0.5]).unwrap().range(0.0, 1.0);
        let decoded = image::load_from_memory(heatmap.to_png().unwrap().as_bytes())
            .unwrap()
            .to_rgb8();
        assert_eq!(decoded.get_pixel(0, 0).0, viridis(0.5));
        assert!(Heatmap::new(&[2, 2, 2], &[0.0; 8]).is_err());
        assert!(Heatmap::new(&[2, 2], &[0.0; 3]).is_err());
        assert!(Heatmap::new(&[0, 2], &[]).is_err());
    }
}
