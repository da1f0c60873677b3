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

/// Most cells an annotated heatmap writes out as a table; larger ones stay pictures.
const MAX_ANNOTATED_CELLS: usize = 2500;

/// A matrix drawn cell by cell in viridis (dark = low, yellow = high), NaN in magenta.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    rows: usize,
    cols: usize,
    values: Vec<f64>,
    range: (f64, f64),
    title: String,
    row_labels: Vec<String>,
    col_labels: Vec<String>,
    annotate: bool,
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
            row_labels: Vec::new(),
            col_labels: Vec::new(),
            annotate: false,
        })
    }

    /// Names the rows (such as true classes); shown in the annotated table.
    pub fn row_labels<S: ToString>(mut self, labels: &[S]) -> Result<Self> {
        self.row_labels = checked_labels("Heatmap::row_labels", "rows", self.rows, labels)?;
        Ok(self)
    }

    /// Names the columns (such as predicted classes); shown in the annotated table.
    pub fn col_labels<S: ToString>(mut self, labels: &[S]) -> Result<Self> {
        self.col_labels = checked_labels("Heatmap::col_labels", "columns", self.cols, labels)?;
        Ok(self)
    }

    /// Shows the HTML view as a table of coloured cells with their values written in
    /// (a confusion matrix); matrices over 2500 cells stay pictures.
    pub fn annotate(mut self) -> Self {
        self.annotate = true;
        self
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
        let pixels: Vec<u8> = self.values.iter().flat_map(|&v| self.color(v)).collect();
        let scale = display_scale(self.cols, self.rows);
        let pixels = upscale(&pixels, self.cols, self.rows, 3, scale);
        Png::from_rgb8(
            (self.cols * scale) as u32,
            (self.rows * scale) as u32,
            &pixels,
        )
    }

    /// The colour of `value` on this heatmap's range.
    fn color(&self, value: f64) -> [u8; 3] {
        let (min, max) = self.range;
        let span = max - min;
        // A flat range puts every value mid-scale.
        let t = if span > 0.0 {
            (value - min) / span
        } else {
            0.5
        };
        viridis(if value.is_nan() { f64::NAN } else { t })
    }

    /// The matrix as a table of coloured cells with values written in.
    fn table(&self) -> String {
        let label =
            |labels: &[String], i: usize| labels.get(i).map_or(i.to_string(), |l| escape_html(l));
        let mut out = String::from(
            "<table style=\"border-collapse: collapse; font-family: monospace; font-size: 12px\">\
             <thead><tr><th></th>",
        );
        for c in 0..self.cols {
            out.push_str(&format!(
                "<th style=\"padding: 2px 6px\">{}</th>",
                label(&self.col_labels, c)
            ));
        }
        out.push_str("</tr></thead><tbody>");
        for r in 0..self.rows {
            out.push_str(&format!(
                "<tr><th style=\"padding: 2px 6px; text-align: right\">{}</th>",
                label(&self.row_labels, r)
            ));
            for &value in &self.values[r * self.cols..(r + 1) * self.cols] {
                let [red, green, blue] = self.color(value);
                let luma = 0.299 * red as f64 + 0.587 * green as f64 + 0.114 * blue as f64;
                let ink = if luma > 140.0 { "#000" } else { "#fff" };
                out.push_str(&format!(
                    "<td style=\"background: rgb({red},{green},{blue}); color: {ink}; \
                     text-align: center; padding: 3px 6px; min-width: 2.5em\">{}</td>",
                    legend_number(value)
                ));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
        out
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
             <div style=\"display: flex; align-items: stretch; gap: 6px\">{body}\
             <div style=\"width: 14px; background: {gradient}; border: 1px solid #999\"></div>\
             <div style=\"display: flex; flex-direction: column; justify-content: space-between\">\
             <span>{max}</span><span>{mid}</span><span>{min}</span></div></div></div>",
            body = if self.annotate && self.rows * self.cols <= MAX_ANNOTATED_CELLS {
                self.table()
            } else {
                png.img_tag(png.width())
            },
            gradient = css_gradient(),
            max = legend_number(max),
            mid = legend_number((min + max) / 2.0),
            min = legend_number(min),
        )
    }
}

/// The labels as strings, when there is one for each of `count` rows or columns.
fn checked_labels<S: ToString>(
    op: &'static str,
    what: &'static str,
    count: usize,
    labels: &[S],
) -> Result<Vec<String>> {
    if labels.len() != count {
        return Err(Error::InvalidArgument {
            op,
            message: format!("{} labels for {count} {what}", labels.len()),
        });
    }
    Ok(labels.iter().map(ToString::to_string).collect())
}

/// Legend and cell numbers: whole numbers as such, others with at most four decimals.
fn legend_number(v: f64) -> String {
    let magnitude = v.abs();
    if !v.is_finite() || (v.fract() == 0.0 && magnitude < 1e15) {
        format!("{v}")
    } else if (1e-3..1e6).contains(&magnitude) {
        format!("{}", (v * 1e4).round() / 1e4)
    } else {
        format!("{v:.3e}")
    }
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
    fn annotated_confusion_matrix_is_a_coloured_table() {
        let counts = [50.0, 2.0, 3.0, 45.0];
        let heatmap = Heatmap::new(&[2, 2], &counts)
            .unwrap()
            .row_labels(&["cat", "<dog>"])
            .unwrap()
            .col_labels(&["cat", "dog"])
            .unwrap()
            .annotate();
        let html = heatmap.mime_bundle().get("text/html").unwrap().to_string();
        assert_eq!(html.matches("<td").count(), 4);
        assert!(html.contains(">&lt;dog&gt;</th>"));
        // The largest count is yellow with dark ink, the smallest dark with white ink.
        assert!(
            html.contains("background: rgb(253,231,37); color: #000; "),
            "{html}"
        );
        assert!(html.contains("background: rgb(68,1,84); color: #fff; "));
        assert!(html.contains(">45</td>"));
        assert!(!html.contains("<img"));
        assert!(Heatmap::new(&[2, 2], &counts)
            .unwrap()
            .row_labels(&["a"])
            .is_err());
    }

    #[test]
    fn legend_numbers_stay_short_and_exact() {
        assert_eq!(legend_number(45.0), "45");
        assert_eq!(legend_number(1e20), "1.000e20");
        assert_eq!(legend_number(1.0 / 3.0), "0.3333");
        assert_eq!(legend_number(-2.5e-7), "-2.500e-7");
        assert_eq!(legend_number(f64::NAN), "NaN");
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
