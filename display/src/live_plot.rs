//! Training curves that redraw in place while a loop runs.

use std::time::{Duration, Instant};

use crate::displayable::Displayable;
use crate::evcxr::inherent_evcxr_display;
use crate::handle::{display, DisplayHandle};
use crate::mime_bundle::MimeBundle;
use crate::plot::Plot;
use crate::throttle::Throttle;

/// Default pause between two redraws: four a second keeps the notebook light.
const DEFAULT_INTERVAL: Duration = Duration::from_millis(250);

/// A line chart of named series that grows point by point and redraws in place.
///
/// ```no_run
/// use born_display::prelude::*;
/// let mut curves = LivePlot::new().title("training").x_label("step");
/// for step in 0..100 {
///     curves.push("loss", step as f64, 1.0 / (step + 1) as f64);
/// }
/// curves.finish();
/// ```
#[derive(Debug)]
pub struct LivePlot {
    base: Plot,
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
            series: Vec::new(),
            handle: None,
            throttle: Throttle::new(DEFAULT_INTERVAL),
            pending: false,
        }
    }

    /// Sets the chart title.
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

    /// Uses a logarithmic y axis (losses spanning decades).
    pub fn log_y(mut self) -> Self {
        self.base = std::mem::take(&mut self.base).log_y();
        self
    }

    /// Sets the image size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.base = std::mem::take(&mut self.base).size(width, height);
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

    /// The chart as it stands, as a static [`Plot`].
    pub fn plot(&self) -> Plot {
        self.series
            .iter()
            .fold(self.base.clone(), |plot, (name, xs, ys)| {
                plot.line(name.as_str(), xs, ys)
            })
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
        let plot = self.plot();
        match &self.handle {
            Some(handle) => handle.update(&plot),
            None => self.handle = Some(display(&plot)),
        }
        self.pending = false;
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
        self.plot().mime_bundle()
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
