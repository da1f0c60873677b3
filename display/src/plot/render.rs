//! Drawing plots to SVG with plotters, one or several to a figure.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use std::ops::Range;

use plotters::prelude::*;

use super::bounds::axis_range;
use super::decimate::decimate;
use super::series::SeriesKind;
use super::Plot;
use crate::error::{Error, Result};

/// Series colours, in order of use: distinct hues that stay apart on white.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Font family of every label; SVG text is laid out by the browser, so no font file is read.
const FONT: &str = "sans-serif";

/// Largest width or height of a whole figure, in pixels.
const MAX_FIGURE_SIDE: usize = 16384;

/// Renders plots in a grid, `columns` to a row, each in a cell the size of the largest.
pub fn render_svg(plots: &[Plot], columns: usize) -> Result<String> {
    let columns = columns.clamp(1, plots.len().max(1));
    let rows = plots.len().div_ceil(columns).max(1);
    let cell_width = plots.iter().map(|p| p.width as usize).max().unwrap_or(640);
    let cell_height = plots.iter().map(|p| p.height as usize).max().unwrap_or(400);
    let (width, height) = (cell_width * columns, cell_height * rows);
    if width > MAX_FIGURE_SIDE || height > MAX_FIGURE_SIDE {
        return Err(Error::InvalidArgument {
            op: "Figure::to_svg",
            message: format!("{width}x{height} pixels exceeds {MAX_FIGURE_SIDE} a side"),
        });
    }
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(render_error)?;
        let cells = root.split_evenly((rows, columns));
        for (plot, cell) in plots.iter().zip(&cells) {
            draw_plot(plot, cell)?;
        }
        root.present().map_err(render_error)?;
    }
    Ok(svg)
}

/// Draws one plot into its area, with the axis scales it asks for.
fn draw_plot(plot: &Plot, area: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<()> {
    let x_range = if plot.has_bars() {
        -0.5..(plot.categories.len() as f64 - 0.5)
    } else {
        axis_range(plot.x_values(), plot.log_x, false)
    };
    let y_range = axis_range(plot.y_values(), plot.log_y, plot.stands_on_axis());
    let frame = Frame {
        // Rectangles stand on zero, or on the bottom edge where zero is off a log axis.
        baseline: if plot.log_y { y_range.start } else { 0.0 },
        legend: legend_position(plot, &y_range),
    };
    match (plot.log_x, plot.log_y) {
        (false, false) => draw(plot, area, x_range, y_range, &frame),
        (true, false) => draw(plot, area, x_range.log_scale(), y_range, &frame),
        (false, true) => draw(plot, area, x_range, y_range.log_scale(), &frame),
        (true, true) => draw(plot, area, x_range.log_scale(), y_range.log_scale(), &frame),
    }
}

/// Placement decided from the data before drawing.
struct Frame {
    /// Where rectangles stand.
    baseline: f64,
    /// Where the legend goes.
    legend: SeriesLabelPosition,
}

/// Top right, unless most lines end in the top part of the chart (rising curves).
fn legend_position(plot: &Plot, y_range: &Range<f64>) -> SeriesLabelPosition {
    let scale = |y: f64| if plot.log_y { y.log10() } else { y };
    let (low, high) = (scale(y_range.start), scale(y_range.end));
    let ends: Vec<f64> = plot
        .series
        .iter()
        .filter_map(|s| match &s.kind {
            SeriesKind::Line(points) | SeriesKind::Scatter(points) => points
                .iter()
                .rev()
                .find(|p| shown(**p, plot.log_x, plot.log_y))
                .map(|p| (scale(p.1) - low) / (high - low)),
            _ => None,
        })
        .collect();
    let ending_high = ends.iter().filter(|&&f| f > 0.6).count();
    if ending_high * 2 > ends.len() {
        SeriesLabelPosition::LowerRight
    } else {
        SeriesLabelPosition::UpperRight
    }
}

fn draw<X, Y>(
    plot: &Plot,
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    x_spec: X,
    y_spec: Y,
    frame: &Frame,
) -> Result<()>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut builder = ChartBuilder::on(root);
    builder
        .margin(14)
        .x_label_area_size(if plot.x_label.is_empty() { 30 } else { 48 })
        .y_label_area_size(if plot.y_label.is_empty() { 52 } else { 70 });
    if !plot.title.is_empty() {
        builder.caption(&plot.title, (FONT, 20));
    }
    let mut chart = builder
        .build_cartesian_2d(x_spec, y_spec)
        .map_err(render_error)?;

    let category_label = |v: &f64| category_at(&plot.categories, *v);
    let number_label = |v: &f64| tick_label(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(plot.x_label.as_str())
        .y_desc(plot.y_label.as_str())
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .light_line_style(BLACK.mix(0.04))
        .y_label_formatter(&number_label);
    if plot.has_bars() {
        mesh.x_labels(plot.categories.len() * 2 + 1)
            .x_label_formatter(&category_label)
            .disable_x_mesh();
    } else {
        mesh.x_label_formatter(&number_label);
    }
    mesh.draw().map_err(render_error)?;

    let baseline = frame.baseline;
    let bar_count = plot.bar_series_count();
    let mut bar_index = 0;
    for (i, series) in plot.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let drawn = match &series.kind {
            SeriesKind::Line(points) => {
                let points = decimate(points, plot.width as usize);
                let segments = finite_segments(&points, plot.log_x, plot.log_y);
                // A lone point (the first of a live curve) would be an invisible path.
                chart.draw_series(segments.into_iter().map(|segment| match segment[..] {
                    [point] => Circle::new(point, 3, color.filled()).into_dyn(),
                    _ => PathElement::new(segment, color.stroke_width(2)).into_dyn(),
                }))
            }
            SeriesKind::Scatter(points) => chart.draw_series(
                points
                    .iter()
                    .filter(|p| shown(**p, plot.log_x, plot.log_y))
                    .map(|&p| Circle::new(p, 3, color.filled())),
            ),
            SeriesKind::Rects(rects) => chart.draw_series(
                rects
                    .iter()
                    .filter(|(_, _, h)| h.is_finite() && *h > baseline)
                    .map(|&(x0, x1, h)| {
                        Rectangle::new([(x0, baseline), (x1, h)], color.mix(0.75).filled())
                    }),
            ),
            SeriesKind::Bars(values) => {
                let width = 0.8 / bar_count as f64;
                let left = -0.4 + bar_index as f64 * width;
                bar_index += 1;
                chart.draw_series(
                    values
                        .iter()
                        .enumerate()
                        .filter(|(_, h)| h.is_finite() && (!plot.log_y || **h > baseline))
                        .map(|(c, &h)| {
                            let x0 = c as f64 + left;
                            Rectangle::new([(x0, baseline), (x0 + width, h)], color.filled())
                        }),
                )
            }
        }
        .map_err(render_error)?;
        if !series.name.is_empty() {
            drawn.label(series.name.as_str()).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled())
            });
        }
    }

    if plot.series.iter().any(|s| !s.name.is_empty()) {
        chart
            .configure_series_labels()
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .position(frame.legend.clone())
            .draw()
            .map_err(render_error)?;
    }
    Ok(())
}

/// The category name at integer axis positions, nothing elsewhere.
fn category_at(categories: &[String], position: f64) -> String {
    let index = position.round();
    if (position - index).abs() > 1e-6 || index < 0.0 {
        return String::new();
    }
    categories.get(index as usize).cloned().unwrap_or_default()
}

/// A tick value in few characters: `0`, `0.25`, `1200`, `1e-4`, `2.5e7`.
fn tick_label(value: f64) -> String {
    let magnitude = value.abs();
    // Key points computed as sums can land a hair off zero (and print as -0.0).
    if magnitude < 1e-12 {
        return "0".to_string();
    }
    if !(1e-3..1e6).contains(&magnitude) {
        return format!("{value:.1e}").replace(".0e", "e");
    }
    let fixed = format!("{value:.4}");
    fixed
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

/// True when the point can be placed on the axes (finite, and positive on log axes).
fn shown((x, y): (f64, f64), log_x: bool, log_y: bool) -> bool {
    x.is_finite() && y.is_finite() && (!log_x || x > 0.0) && (!log_y || y > 0.0)
}

/// The runs of drawable points: a NaN (or a non-positive value on a log axis) breaks the line.
fn finite_segments(points: &[(f64, f64)], log_x: bool, log_y: bool) -> Vec<Vec<(f64, f64)>> {
    let mut segments = Vec::new();
    let mut current = Vec::new();
    for &p in points {
        if shown(p, log_x, log_y) {
            current.push(p);
        } else if !current.is_empty() {
            segments.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    segments
}

fn render_error(e: impl std::fmt::Display) -> Error {
    Error::Render(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_splits_lines() {
        let points = [(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0), (3.0, 3.0)];
        let segments = finite_segments(&points, false, false);
        assert_eq!(
            segments,
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
        let log = finite_segments(&[(1.0, 1.0), (2.0, 0.0), (3.0, 1.0)], false, true);
        assert_eq!(log.len(), 2);
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(-1e-17), "0");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(-1.0), "-1");
        assert_eq!(tick_label(1200.0), "1200");
        assert_eq!(tick_label(1e-4), "1e-4");
        assert_eq!(tick_label(2.5e7), "2.5e7");
    }

    #[test]
    fn category_labels_only_at_integers() {
        let cats = vec!["a".to_string(), "b".to_string()];
        assert_eq!(category_at(&cats, 1.0), "b");
        assert_eq!(category_at(&cats, 0.5), "");
        assert_eq!(category_at(&cats, 2.0), "");
        assert_eq!(category_at(&cats, -1.0), "");
    }
}
