//! Charts: lines with several series, scatter, histograms and bars, rendered to SVG.

mod bounds;
mod decimate;
mod figure;
mod render;
mod series;

pub use figure::Figure;
pub use series::{Series, SeriesKind};

use crate::displayable::Displayable;
use crate::error::{Error, Result};
use crate::evcxr::inherent_evcxr_display;
use crate::mime_bundle::{MimeBundle, IMAGE_SVG};
use crate::svg::Svg;

/// Largest width or height accepted for a plot, in pixels.
const MAX_SIDE: u32 = 8192;

/// A chart built step by step: `Plot::new().title("loss").line("train", &x, &y)`.
///
/// A builder step that gets bad data (mismatched lengths, zero bins...) records the
/// error; [`Plot::to_svg`] returns it, and displaying the plot shows it.
#[derive(Clone, Debug)]
pub struct Plot {
    title: String,
    x_label: String,
    y_label: String,
    log_x: bool,
    log_y: bool,
    width: u32,
    height: u32,
    series: Vec<Series>,
    categories: Vec<String>,
    error: Option<Error>,
}

impl Default for Plot {
    fn default() -> Self {
        Self::new()
    }
}

impl Plot {
    /// An empty 640x400 chart.
    pub fn new() -> Self {
        Self {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            log_x: false,
            log_y: false,
            width: 640,
            height: 400,
            series: Vec::new(),
            categories: Vec::new(),
            error: None,
        }
    }

    /// Sets the title drawn above the chart.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Sets the x axis description.
    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = label.into();
        self
    }

    /// Sets the y axis description.
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// Uses a logarithmic x axis (non-positive x values are left out).
    pub fn log_x(mut self) -> Self {
        self.log_x = true;
        self
    }

    /// Uses a logarithmic y axis (non-positive y values are left out).
    pub fn log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    /// Sets the image size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        if !(16..=MAX_SIDE).contains(&width) || !(16..=MAX_SIDE).contains(&height) {
            self.fail(Error::InvalidArgument {
                op: "Plot::size",
                message: format!("{width}x{height} is outside 16..={MAX_SIDE} pixels a side"),
            });
        } else {
            self.width = width;
            self.height = height;
        }
        self
    }

    /// Adds a line through the points `(xs[i], ys[i])`.
    pub fn line(self, name: impl Into<String>, xs: &[f64], ys: &[f64]) -> Self {
        let points = series::zip_points("Plot::line", xs, ys);
        self.push(name.into(), points.map(SeriesKind::Line))
    }

    /// Adds a line through `ys` at x = 0, 1, 2, ...
    pub fn line_y(self, name: impl Into<String>, ys: &[f64]) -> Self {
        let points = ys.iter().enumerate().map(|(i, &y)| (i as f64, y)).collect();
        self.push(name.into(), Ok(SeriesKind::Line(points)))
    }

    /// Adds unjoined markers at the points `(xs[i], ys[i])`.
    pub fn scatter(self, name: impl Into<String>, xs: &[f64], ys: &[f64]) -> Self {
        let points = series::zip_points("Plot::scatter", xs, ys);
        self.push(name.into(), points.map(SeriesKind::Scatter))
    }

    /// Adds a histogram of the finite `values` in `bins` equal-width bins.
    pub fn histogram(self, name: impl Into<String>, values: &[f64], bins: usize) -> Self {
        let rects = series::histogram_bins(values, bins);
        self.push(name.into(), rects.map(SeriesKind::Rects))
    }

    /// Adds one bar per category; several bar series over the same categories are grouped.
    pub fn bar<S: AsRef<str>>(
        mut self,
        name: impl Into<String>,
        categories: &[S],
        values: &[f64],
    ) -> Self {
        let categories: Vec<String> = categories.iter().map(|c| c.as_ref().to_string()).collect();
        let checked = if categories.len() != values.len() {
            Err(Error::LengthMismatch {
                op: "Plot::bar",
                what: "categories and values",
                left: categories.len(),
                right: values.len(),
            })
        } else if self.has_bars() && self.categories != categories {
            Err(Error::InvalidArgument {
                op: "Plot::bar",
                message: format!(
                    "categories {:?} differ from the earlier bar series' {:?}",
                    categories, self.categories
                ),
            })
        } else {
            self.categories = categories;
            Ok(SeriesKind::Bars(values.to_vec()))
        };
        self.push(name.into(), checked)
    }

    /// The title (empty when none was set).
    pub fn title_text(&self) -> &str {
        &self.title
    }

    /// The series added so far.
    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// Renders the chart as an SVG document, or returns the first builder error.
    pub fn to_svg(&self) -> Result<String> {
        self.check()?;
        render::render_svg(std::slice::from_ref(self), 1)
    }

    /// The first builder error, or a combination of series that cannot be drawn.
    fn check(&self) -> Result<()> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        if self.has_bars() {
            let mixed = self
                .series
                .iter()
                .any(|s| !matches!(s.kind, SeriesKind::Bars(_)));
            if mixed || self.log_x {
                return Err(Error::InvalidArgument {
                    op: "Plot::to_svg",
                    message: "bar series use a category x axis: they cannot share a plot \
                              with numeric series or a log x axis"
                        .into(),
                });
            }
        }
        Ok(())
    }

    /// Renders the chart as an [`Svg`] value.
    pub fn svg(&self) -> Result<Svg> {
        self.to_svg().map(Svg::new)
    }

    fn push(mut self, name: String, kind: Result<SeriesKind>) -> Self {
        match kind {
            Ok(kind) => self.series.push(Series { name, kind }),
            Err(error) => self.fail(error),
        }
        self
    }

    fn fail(&mut self, error: Error) {
        // The first error is the one to fix; later ones may follow from it.
        self.error.get_or_insert(error);
    }

    fn has_bars(&self) -> bool {
        self.bar_series_count() > 0
    }

    fn bar_series_count(&self) -> usize {
        self.series
            .iter()
            .filter(|s| matches!(s.kind, SeriesKind::Bars(_)))
            .count()
    }

    /// True when some series is drawn as rectangles standing on the x axis.
    fn stands_on_axis(&self) -> bool {
        self.series
            .iter()
            .any(|s| matches!(s.kind, SeriesKind::Rects(_) | SeriesKind::Bars(_)))
    }

    fn x_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series.iter().flat_map(|s| -> Vec<f64> {
            match &s.kind {
                SeriesKind::Line(p) | SeriesKind::Scatter(p) => p.iter().map(|p| p.0).collect(),
                SeriesKind::Rects(r) => r.iter().flat_map(|r| [r.0, r.1]).collect(),
                SeriesKind::Bars(_) => Vec::new(),
            }
        })
    }

    fn y_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series.iter().flat_map(|s| -> Vec<f64> {
            match &s.kind {
                SeriesKind::Line(p) | SeriesKind::Scatter(p) => p.iter().map(|p| p.1).collect(),
                SeriesKind::Rects(r) => r.iter().map(|r| r.2).collect(),
                SeriesKind::Bars(v) => v.clone(),
            }
        })
    }

    fn summary(&self) -> String {
        let names: Vec<&str> = self.series.iter().map(|s| s.name.as_str()).collect();
        let title = if self.title.is_empty() {
            String::new()
        } else {
            format!(" \"{}\"", self.title)
        };
        format!("<Plot{title}: {} series {names:?}>", self.series.len())
    }
}

impl Displayable for Plot {
    fn mime_bundle(&self) -> MimeBundle {
        match self.to_svg() {
            Ok(svg) => MimeBundle::text(self.summary()).with(IMAGE_SVG, svg),
            Err(error) => MimeBundle::error(&error),
        }
    }
}

inherent_evcxr_display!(Plot);

#[cfg(test)]
mod tests {
    use super::*;

    /// True when the SVG draws `text` as a label (plotters puts it on its own line).
    fn has_text(svg: &str, text: &str) -> bool {
        svg.contains(&format!(">\n{text}\n</text>"))
    }

    fn parse_svg(svg: &str) {
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn line_plot_has_series_axis_labels_and_title() {
        let x: Vec<f64> = (0..50).map(|i| i as f64 / 10.0).collect();
        let sin: Vec<f64> = x.iter().map(|v| v.sin()).collect();
        let cos: Vec<f64> = x.iter().map(|v| v.cos()).collect();
        let svg = Plot::new()
            .title("waves")
            .x_label("time (s)")
            .y_label("amplitude")
            .line("sin", &x, &sin)
            .line("cos", &x, &cos)
            .to_svg()
            .unwrap();
        parse_svg(&svg);
        for text in ["waves", "time (s)", "amplitude", "sin", "cos"] {
            assert!(has_text(&svg, text), "missing {text}");
        }
        // Two series in two colours.
        assert!(svg.contains("#1F77B4") && svg.contains("#FF7F0E"));
    }

    #[test]
    fn labels_are_escaped_in_svg() {
        let svg = Plot::new()
            .title("a<b & c")
            .line_y("x<y>", &[1.0, 2.0])
            .to_svg()
            .unwrap();
        assert!(has_text(&svg, "a&lt;b &amp; c"));
        assert!(has_text(&svg, "x&lt;y&gt;"));
        assert!(!svg.contains("a<b"));
    }

    #[test]
    fn scatter_histogram_and_bars_render() {
        let scatter = Plot::new()
            .scatter("pts", &[1.0, 2.0, 3.0], &[3.0, 1.0, 2.0])
            .to_svg()
            .unwrap();
        assert_eq!(scatter.matches("<circle").count(), 3);
        let values: Vec<f64> = (0..100).map(|i| (i % 10) as f64).collect();
        let hist = Plot::new().histogram("h", &values, 5).to_svg().unwrap();
        parse_svg(&hist);
        let bars = Plot::new()
            .bar("2024", &["cat", "dog"], &[3.0, 5.0])
            .bar("2025", &["cat", "dog"], &[4.0, 1.0])
            .to_svg()
            .unwrap();
        for text in ["cat", "dog", "2024", "2025"] {
            assert!(has_text(&bars, text), "missing {text}");
        }
    }

    #[test]
    fn log_axes_render_with_non_positive_values_left_out() {
        let svg = Plot::new()
            .log_y()
            .line("loss", &[1.0, 2.0, 3.0, 4.0], &[100.0, 10.0, 0.0, 0.1])
            .to_svg()
            .unwrap();
        parse_svg(&svg);
        let both = Plot::new().log_x().log_y().line_y("a", &[1.0, 10.0]);
        // x = 0 is off a log axis, only one point remains: still a valid chart.
        parse_svg(&both.to_svg().unwrap());
    }

    #[test]
    fn builder_errors_surface_on_render_and_display() {
        let plot = Plot::new().line("bad", &[1.0, 2.0], &[1.0]).title("t");
        let err = plot.to_svg().unwrap_err();
        assert!(err.to_string().contains("(2 vs 1)"), "{err}");
        let bundle = plot.mime_bundle();
        assert!(bundle.get("image/svg+xml").is_none());
        assert!(bundle.get("text/plain").unwrap().contains("Plot::line"));
        assert!(Plot::new().size(0, 10).to_svg().is_err());
        let mixed = Plot::new().bar("b", &["a"], &[1.0]).line_y("l", &[1.0]);
        assert!(mixed.to_svg().is_err());
        let other = Plot::new()
            .bar("b", &["a"], &[1.0])
            .bar("c", &["z"], &[1.0]);
        assert!(other.to_svg().is_err());
    }

    #[test]
    fn empty_and_nan_data_still_render() {
        parse_svg(&Plot::new().to_svg().unwrap());
        parse_svg(
            &Plot::new()
                .line_y("nan", &[f64::NAN, f64::NAN])
                .to_svg()
                .unwrap(),
        );
    }

    #[test]
    fn long_lines_stay_small() {
        let x: Vec<f64> = (0..100_000).map(|i| i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| (v / 100.0).sin()).collect();
        let svg = Plot::new().line("loss", &x, &y).to_svg().unwrap();
        assert!(svg.len() < 60_000, "{} bytes", svg.len());
    }

    #[test]
    fn legend_moves_below_rising_curves() {
        let rising = Plot::new()
            .line_y("acc", &[0.1, 0.5, 0.9])
            .to_svg()
            .unwrap();
        let falling = Plot::new()
            .line_y("loss", &[2.0, 1.0, 0.1])
            .to_svg()
            .unwrap();
        let legend_y = |svg: &str| -> i32 {
            let at = svg.find(">\nacc\n<").or(svg.find(">\nloss\n<")).unwrap();
            let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
            let y = tag.split("y=\"").nth(1).unwrap();
            y[..y.find('"').unwrap()].parse().unwrap()
        };
        assert!(
            legend_y(&rising) > 200,
            "legend at the bottom for rising curves"
        );
        assert!(
            legend_y(&falling) < 100,
            "legend at the top for falling curves"
        );
    }

    #[test]
    fn a_lone_point_is_drawn_as_a_marker() {
        let svg = Plot::new().line_y("first", &[0.7]).to_svg().unwrap();
        assert_eq!(svg.matches("<circle").count(), 1);
    }

    #[test]
    fn size_sets_the_svg_dimensions() {
        let svg = Plot::new()
            .size(300, 200)
            .line_y("a", &[1.0])
            .to_svg()
            .unwrap();
        assert!(svg.contains("width=\"300\"") && svg.contains("height=\"200\""));
    }
}
