//! Training curves that redraw in place while a loop runs.

use std::time::{Duration, Instant};

use crate::displayable::Displayable;
use crate::evcxr::inherent_evcxr_display;
use crate::handle::{display, DisplayHandle};
use crate::mime_bundle::MimeBundle;
use crate::plot::{Figure, Plot};
use crate::throttle::Throttle;

/// Default pause between two redraws: four a second keeps the notebook light.
const DEFAULT_INTERVAL: Duration = Duration::from_millis(250);
/// Size of each chart when several stand side by side and no size was set.
const PANEL_SIZE: (u32, u32) = (460, 320);

/// Line charts of named series that grow point by point and redraw in place.
///
/// A series named `chart/series` (such as `loss/train` or `accuracy/test`) is drawn
/// in the chart `chart`; charts stand side by side, in order of first use.
///
/// ```no_run
/// use born_display::prelude::*;
/// let mut curves = LivePlot::new().x_label("step");
/// for step in 0..100 {
///     curves.push("loss/train", step as f64, 1.0 / (step + 1) as f64);
///     curves.push("accuracy/train", step as f64, step as f64 / 100.0);
/// }
/// curves.finish();
/// ```
#[derive(Debug)]
pub struct LivePlot {
    base: Plot,
    sized: bool,
    log_charts: Vec<String>,
    series: Vec<(String, Vec<f64>, Vec<f64>)>,
    handle: Option<DisplayHandle>,
    throttle: Throttle,
    pending: bool,
}

impl Default for LivePlot {
    fn default() -> Self {
        Self::new()
    }
}

impl LivePlot {
    /// An empty live chart; nothing is shown until the first point arrives.
    pub fn new() -> Self {
        Self {
            base: Plot::new(),
            sized: false,
            log_charts: Vec::new(),
            series: Vec::new(),
            handle: None,
            throttle: Throttle::new(DEFAULT_INTERVAL),
            pending: false,
        }
    }

    /// Sets the title (prefixed to each chart's name when there are several).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.base = std::mem::take(&mut self.base).title(title);
        self
    }

    /// Sets the x axis description.
    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.base = std::mem::take(&mut self.base).x_label(label);
        self
    }

    /// Sets the y axis description.
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.base = std::mem::take(&mut self.base).y_label(label);
        self
    }

    /// Uses logarithmic y axes on every chart (losses spanning decades).
    pub fn log_y(mut self) -> Self {
        self.base = std::mem::take(&mut self.base).log_y();
        self
    }

    /// Uses a logarithmic y axis on the chart named `chart` only (`loss`, not `accuracy`).
    pub fn log_y_for(mut self, chart: &str) -> Self {
        self.log_charts.push(chart.to_string());
        self
    }

    /// Sets the size of each chart in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.base = std::mem::take(&mut self.base).size(width, height);
        self.sized = true;
        self
    }

    /// Redraws at most `per_second` times a second (default 4).
    pub fn max_updates_per_second(mut self, per_second: f64) -> Self {
        self.throttle = Throttle::per_second(per_second);
        self
    }

    /// Appends the point `(x, y)` to `series` (created on first use) and redraws if due.
    pub fn push(&mut self, series: &str, x: f64, y: f64) {
        self.push_at(series, x, y, Instant::now());
    }

    /// Draws the points not shown yet now, whatever the rate limit.
    pub fn finish(&mut self) {
        if self.pending {
            self.throttle.mark(Instant::now());
            self.draw();
        }
    }

    /// The charts as they stand, as a static [`Figure`].
    pub fn figure(&self) -> Figure {
        let mut panels: Vec<(&str, Vec<ChartLine>)> = Vec::new();
        for (name, xs, ys) in &self.series {
            let (panel, series) = name.split_once('/').unwrap_or(("", name.as_str()));
            match panels.iter_mut().find(|(p, _)| *p == panel) {
                Some((_, members)) => members.push((series, xs, ys)),
                None => panels.push((panel, vec![(series, xs, ys)])),
            }
        }
        let several = panels.len() > 1;
        let plots = panels
            .into_iter()
            .map(|(panel, members)| {
                let mut plot = self.base.clone();
                if several && !self.sized {
                    plot = plot.size(PANEL_SIZE.0, PANEL_SIZE.1);
                }
                plot = plot.title(panel_title(self.base.title_text(), panel));
                if self.log_charts.iter().any(|c| c == panel) {
                    plot = plot.log_y();
                }
                members
                    .into_iter()
                    .fold(plot, |plot, (series, xs, ys)| plot.line(series, xs, ys))
            })
            .collect();
        Figure::new(plots)
    }

    /// The values of `series` so far, as `(xs, ys)`.
    pub fn values(&self, series: &str) -> Option<(&[f64], &[f64])> {
        self.series
            .iter()
            .find(|(name, _, _)| name == series)
            .map(|(_, xs, ys)| (xs.as_slice(), ys.as_slice()))
    }

    fn push_at(&mut self, series: &str, x: f64, y: f64, now: Instant) {
        let index = match self.series.iter().position(|(name, _, _)| name == series) {
            Some(index) => index,
            None => {
                self.series
                    .push((series.to_string(), Vec::new(), Vec::new()));
                self.series.len() - 1
            }
        };
        let (_, xs, ys) = &mut self.series[index];
        xs.push(x);
        ys.push(y);
        self.pending = true;
        if self.throttle.ready(now) {
            self.draw();
        }
    }

    fn draw(&mut self) {
        let figure = self.figure();
        match &self.handle {
            Some(handle) => handle.update(&figure),
            None => self.handle = Some(display(&figure)),
        }
        self.pending = false;
    }
}

/// One line of a chart: its legend name, x values and y values.
type ChartLine<'a> = (&'a str, &'a [f64], &'a [f64]);

/// A chart's title: the live plot's title, its own name, or both.
fn panel_title(title: &str, panel: &str) -> String {
    match (title.is_empty(), panel.is_empty()) {
        (_, true) => title.to_string(),
        (true, false) => panel.to_string(),
        (false, false) => format!("{title} · {panel}"),
    }
}

impl Drop for LivePlot {
    /// Shows the last points when the chart goes out of scope without `finish()`.
    fn drop(&mut self) {
        if self.pending {
            self.draw();
        }
    }
}

impl Displayable for LivePlot {
    fn mime_bundle(&self) -> MimeBundle {
        self.figure().mime_bundle()
    }
}

inherent_evcxr_display!(LivePlot);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::capture;

    #[test]
    fn redraws_are_throttled_and_finish_forces_the_last() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let ((), sent) = capture::envelopes(|| {
            let mut live = LivePlot::new().title("training");
            // 100 points over 990 ms: first draw, then one every 250 ms.
            for i in 0..100u64 {
                live.push_at("loss", i as f64, 1.0 / (i + 1) as f64, t0 + ms(i * 10));
                live.push_at("acc", i as f64, i as f64 / 100.0, t0 + ms(i * 10 + 1));
            }
            live.finish();
        });
        let kinds: Vec<&str> = sent.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["display", "update", "update", "update", "update"]);
        let id = &sent[0]["display_id"];
        assert!(sent.iter().all(|e| &e["display_id"] == id));
        let last = sent.last().unwrap()["data"]["image/svg+xml"]
            .as_str()
            .unwrap();
        assert!(last.contains("\nloss\n") && last.contains("\nacc\n"));
    }

    #[test]
    fn chart_prefixes_split_series_into_side_by_side_charts() {
        let t0 = Instant::now();
        let (figure, _) = capture::envelopes(|| {
            let mut live = LivePlot::new().title("run 1");
            live.push_at("loss/train", 0.0, 2.0, t0);
            live.push_at("accuracy/train", 0.0, 0.1, t0);
            live.push_at("loss/test", 0.0, 2.2, t0);
            live.figure()
        });
        let plots = figure.plots();
        assert_eq!(plots.len(), 2);
        let names: Vec<&str> = plots[0].series().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["train", "test"]);
        let svg = figure.to_svg().unwrap();
        assert!(svg.starts_with("<svg width=\"920\" height=\"320\""));
        assert!(svg.contains("\nrun 1 · loss\n") && svg.contains("\nrun 1 · accuracy\n"));
    }

    #[test]
    fn keeps_series_values_and_draws_pending_points_on_drop() {
        let t0 = Instant::now();
        let (values, sent) = capture::envelopes(|| {
            let mut live = LivePlot::new();
            live.push_at("a", 0.0, 1.0, t0);
            live.push_at("a", 1.0, 2.0, t0);
            live.push_at("b", 0.0, 5.0, t0);
            let values = live.values("a").map(|(x, y)| (x.to_vec(), y.to_vec()));
            assert!(live.values("missing").is_none());
            values
        });
        assert_eq!(values, Some((vec![0.0, 1.0], vec![1.0, 2.0])));
        assert_eq!(sent.len(), 2, "first draw, then the pending points on drop");
        assert_eq!(sent[1]["type"], "update");
    }

    #[test]
    fn nothing_is_sent_before_the_first_point_or_twice_for_the_same_points() {
        let ((), sent) = capture::envelopes(|| {
            let mut live = LivePlot::new();
            live.finish();
        });
        assert!(sent.is_empty());
        let ((), sent) = capture::envelopes(|| {
            let mut live = LivePlot::new();
            live.push("a", 0.0, 1.0);
            live.finish();
            live.finish();
        });
        assert_eq!(sent.len(), 1);
    }
}
