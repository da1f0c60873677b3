//! Several plots side by side in one picture (a function beside its derivative, loss
//! beside accuracy).

use super::{render, Plot};
use crate::displayable::Displayable;
use crate::error::{Error, Result};
use crate::evcxr::inherent_evcxr_display;
use crate::mime_bundle::{MimeBundle, IMAGE_SVG};

/// Plots laid out in a grid, all in a row unless [`Figure::columns`] says otherwise.
#[derive(Clone, Debug)]
pub struct Figure {
    plots: Vec<Plot>,
    columns: usize,
}

impl Figure {
    /// The plots side by side in one row.
    pub fn new(plots: Vec<Plot>) -> Self {
        let columns = plots.len().max(1);
        Self { plots, columns }
    }

    /// Puts `columns` plots in each row (at least 1).
    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = columns.max(1);
        self
    }

    /// The plots in order.
    pub fn plots(&self) -> &[Plot] {
        &self.plots
    }

    /// Renders the figure as one SVG document, or returns the first plot's error.
    pub fn to_svg(&self) -> Result<String> {
        if self.plots.is_empty() {
            return Err(Error::InvalidArgument {
                op: "Figure::to_svg",
                message: "the figure has no plots".into(),
            });
        }
        for plot in &self.plots {
            plot.check()?;
        }
        render::render_svg(&self.plots, self.columns)
    }
}

impl Displayable for Figure {
    fn mime_bundle(&self) -> MimeBundle {
        match self.to_svg() {
            Ok(svg) => {
                let text = format!("<Figure of {} plots>", self.plots.len());
                MimeBundle::text(text).with(IMAGE_SVG, svg)
            }
            Err(error) => MimeBundle::error(&error),
        }
    }
}

inherent_evcxr_display!(Figure);

#[cfg(test)]
mod tests {
    use super::*;

    fn has_text(svg: &str, text: &str) -> bool {
        svg.contains(&format!(">\n{text}\n</text>"))
    }

    #[test]
    fn plots_share_one_svg_side_by_side() {
        let x: Vec<f64> = (0..20).map(|i| i as f64 / 4.0).collect();
        let f: Vec<f64> = x.iter().map(|v| v * v).collect();
        let df: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let figure = Figure::new(vec![
            Plot::new()
                .title("f(x) = x²")
                .size(300, 200)
                .line("f", &x, &f),
            Plot::new()
                .title("f'(x)")
                .size(300, 200)
                .line("df", &x, &df),
        ]);
        let svg = figure.to_svg().unwrap();
        assert!(
            svg.starts_with("<svg width=\"600\" height=\"200\""),
            "{}",
            &svg[..60]
        );
        assert!(has_text(&svg, "f(x) = x²") && has_text(&svg, "f&apos;(x)"));
        let stacked = figure.columns(1).to_svg().unwrap();
        assert!(stacked.starts_with("<svg width=\"300\" height=\"400\""));
    }

    #[test]
    fn errors_of_any_plot_or_an_empty_figure_surface() {
        let bad = Plot::new().line("a", &[1.0], &[]);
        let figure = Figure::new(vec![Plot::new(), bad]);
        assert!(figure
            .to_svg()
            .unwrap_err()
            .to_string()
            .contains("(1 vs 0)"));
        assert!(figure.mime_bundle().get("image/svg+xml").is_none());
        assert!(Figure::new(Vec::new()).to_svg().is_err());
        let huge = Figure::new(vec![Plot::new().size(8000, 100); 3]);
        assert!(huge.to_svg().is_err());
    }
}
