//! A progress bar's state and its rendering as an HTML widget and a text line.

use std::time::{Duration, Instant};

use super::format;
use super::metrics::ProgressMetrics;
use super::sampler::ClockSampler;
use crate::handle::{display, DisplayHandle};
use crate::html::escape_html;
use crate::mime_bundle::{MimeBundle, TEXT_HTML};
use crate::throttle::Throttle;

/// Default pause between two redraws: five a second.
const DEFAULT_INTERVAL: Duration = Duration::from_millis(200);
/// Width of the text bar in characters.
const TEXT_BAR_WIDTH: usize = 20;

/// Where a progress bar is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Created, nothing shown yet.
    Waiting,
    /// Shown and counting.
    Running,
    /// All items done.
    Done,
    /// Left before the end (a `break`, an error, an interrupt).
    Stopped,
}

/// A progress display that counts work, shows rate, ETA and metrics, and updates in place.
#[derive(Debug)]
pub struct ProgressBar {
    description: String,
    total: Option<u64>,
    count: u64,
    started: Option<Instant>,
    metrics: ProgressMetrics,
    handle: Option<DisplayHandle>,
    throttle: Throttle,
    sampler: ClockSampler,
    phase: Phase,
}

impl ProgressBar {
    /// A bar over `total` items (`None` when the count is not known in advance).
    pub fn new(total: Option<u64>) -> Self {
        Self {
            description: String::new(),
            total,
            count: 0,
            started: None,
            metrics: ProgressMetrics::default(),
            handle: None,
            throttle: Throttle::new(DEFAULT_INTERVAL),
            sampler: ClockSampler::default(),
            phase: Phase::Waiting,
        }
    }

    /// Sets the label shown before the bar.
    pub fn set_description(&mut self, description: &str) {
        self.description = description.to_string();
    }

    /// Sets the number of items expected.
    pub fn set_total(&mut self, total: Option<u64>) {
        self.total = total;
    }

    /// Redraws at most `per_second` times a second (default 5).
    pub fn set_max_updates_per_second(&mut self, per_second: f64) {
        self.throttle = Throttle::per_second(per_second);
    }

    /// A handle to set metrics (`loss`, `acc`...) from inside the loop.
    pub fn metrics(&self) -> ProgressMetrics {
        self.metrics.clone()
    }

    /// Sets the metric `name` shown at the end of the line.
    pub fn set_metric(&self, name: &str, value: f64) {
        self.metrics.set(name, value);
    }

    /// Replaces the metrics with free text.
    pub fn set_postfix(&self, text: &str) {
        self.metrics.set_postfix(text);
    }

    /// Items counted so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Counts `n` more items done, showing the bar first if needed.
    pub fn inc(&mut self, n: u64) {
        if self.phase == Phase::Waiting {
            self.start_at(Instant::now());
        }
        self.count = self.count.saturating_add(n);
        if self.sampler.due(self.count) {
            let now = Instant::now();
            self.sampler.record(self.count, now);
            self.redraw_if_due(now);
        }
    }

    /// Shows the final state as a static line.
    pub fn finish(&mut self) {
        self.end_at(Phase::Done, Instant::now());
    }

    /// Shows the bar at zero, once, starting its clock at `now`.
    pub(super) fn start_at(&mut self, now: Instant) {
        if self.phase == Phase::Waiting {
            self.phase = Phase::Running;
            self.started = Some(now);
            self.throttle.mark(now);
            self.handle = Some(display(&self.render(now)));
        }
    }

    /// Counts `n` items done at `now`, redrawing if due.
    #[cfg(test)]
    fn advance_at(&mut self, n: u64, now: Instant) {
        self.start_at(now);
        self.count = self.count.saturating_add(n);
        self.redraw_if_due(now);
    }

    fn redraw_if_due(&mut self, now: Instant) {
        if self.phase == Phase::Running && self.throttle.ready(now) {
            self.redraw(now);
        }
    }

    /// Ends a running bar in `phase`, drawing its static line.
    fn end_at(&mut self, phase: Phase, now: Instant) {
        self.start_at(now);
        if self.phase == Phase::Running {
            self.phase = phase;
            self.redraw(now);
        }
    }

    fn redraw(&self, now: Instant) {
        if let Some(handle) = &self.handle {
            handle.update(&self.render(now));
        }
    }

    /// The bar as it stands at `now`: a live widget, or a static line once ended.
    fn render(&self, now: Instant) -> MimeBundle {
        let text = self.text_line(now);
        let html = match self.phase {
            Phase::Waiting | Phase::Running => self.html_widget(now),
            Phase::Done | Phase::Stopped => {
                format!("<pre style=\"margin: 0\">{}</pre>", escape_html(&text))
            }
        };
        MimeBundle::text(text).with(TEXT_HTML, html)
    }

    fn text_line(&self, now: Instant) -> String {
        let prefix = if self.description.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.description)
        };
        let gauge = match self.fraction() {
            Some(fraction) => format!(
                "{:3.0}%|{}| {}/{} ",
                fraction * 100.0,
                format::bar(fraction, TEXT_BAR_WIDTH),
                self.count,
                self.total.unwrap_or(0)
            ),
            None => format!("{} it ", self.count),
        };
        let ending = if self.phase == Phase::Stopped {
            " stopped"
        } else {
            ""
        };
        format!("{prefix}{gauge}[{}]{ending}", self.stats(now))
    }

    fn html_widget(&self, now: Instant) -> String {
        let gauge = match self.total {
            Some(total) => format!(
                "<progress value=\"{}\" max=\"{}\" style=\"width: 20em\"></progress> \
                 <span>{}/{}</span>",
                self.count.min(total),
                total.max(1),
                self.count,
                total
            ),
            None => format!("<span>{} it</span>", self.count),
        };
        format!(
            "<div style=\"font-family: monospace; display: flex; align-items: center; \
             gap: 0.6em; white-space: nowrap\"><span>{}</span>{gauge}<span>[{}]</span></div>",
            escape_html(&self.description),
            escape_html(&self.stats(now))
        )
    }

    /// `elapsed<eta, rate, metrics`, as shown between brackets.
    fn stats(&self, now: Instant) -> String {
        let elapsed = self
            .started
            .map(|s| now.saturating_duration_since(s))
            .unwrap_or_default();
        let secs = elapsed.as_secs_f64();
        let per_second = if secs > 0.0 {
            self.count as f64 / secs
        } else {
            0.0
        };
        let mut parts = vec![format::clock(elapsed)];
        if let (Some(total), true, Phase::Running) = (self.total, per_second > 0.0, self.phase) {
            let remaining = total.saturating_sub(self.count) as f64 / per_second;
            parts[0] = format!(
                "{}<{}",
                parts[0],
                format::clock(Duration::from_secs_f64(remaining))
            );
        }
        parts.push(format::rate(per_second));
        let metrics = self.metrics.line();
        if !metrics.is_empty() {
            parts.push(metrics);
        }
        parts.join(", ")
    }

    fn fraction(&self) -> Option<f64> {
        self.total.map(|total| {
            if total == 0 {
                1.0
            } else {
                self.count as f64 / total as f64
            }
        })
    }
}

impl Drop for ProgressBar {
    /// A bar left running (a `break`, an error, a panic) ends as a static "stopped" line;
    /// one never started shows nothing.
    fn drop(&mut self) {
        if self.phase == Phase::Running {
            self.end_at(Phase::Stopped, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::capture;

    #[test]
    fn text_line_shows_count_rate_eta_and_metrics() {
        let t0 = Instant::now();
        let (line, _) = capture::envelopes(|| {
            let mut bar = ProgressBar::new(Some(100));
            bar.set_description("train");
            bar.start_at(t0);
            bar.advance_at(25, t0 + Duration::from_secs(5));
            bar.set_metric("loss", 0.31234);
            let line = bar.text_line(t0 + Duration::from_secs(5));
            std::mem::forget(bar);
            line
        });
        assert_eq!(
            line,
            "train:  25%|█████               | 25/100 [00:05<00:15, 5.00 it/s, loss=0.3123]"
        );
    }

    #[test]
    fn unknown_total_counts_items() {
        let t0 = Instant::now();
        let (line, _) = capture::envelopes(|| {
            let mut bar = ProgressBar::new(None);
            bar.start_at(t0);
            bar.advance_at(7, t0 + Duration::from_secs(2));
            let line = bar.text_line(t0 + Duration::from_secs(2));
            std::mem::forget(bar);
            line
        });
        assert_eq!(line, "7 it [00:02, 3.50 it/s]");
    }

    #[test]
    fn updates_are_throttled_and_the_end_is_a_static_line() {
        let t0 = Instant::now();
        let ((), sent) = capture::envelopes(|| {
            let mut bar = ProgressBar::new(Some(50));
            bar.set_description("<b>");
            bar.start_at(t0);
            for i in 1..=50u64 {
                bar.advance_at(1, t0 + Duration::from_millis(i * 10));
            }
            bar.end_at(Phase::Done, t0 + Duration::from_millis(505));
        });
        // display at 0, updates at 200 and 400 ms, the static end.
        let kinds: Vec<&str> = sent.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["display", "update", "update", "update"]);
        let running = sent[1]["data"]["text/html"].as_str().unwrap();
        assert!(
            running.contains("<progress value=\"20\" max=\"50\""),
            "{running}"
        );
        assert!(running.contains("&lt;b&gt;") && !running.contains("<b>"));
        let end = &sent[3]["data"];
        assert!(end["text/plain"]
            .as_str()
            .unwrap()
            .contains("100%|████████████████████| 50/50"));
        assert!(end["text/html"].as_str().unwrap().starts_with("<pre"));
    }

    #[test]
    fn a_bar_never_started_shows_nothing() {
        let ((), sent) = capture::envelopes(|| drop(ProgressBar::new(Some(3))));
        assert!(sent.is_empty());
    }

    #[test]
    fn dropping_a_running_bar_marks_it_stopped() {
        let ((), sent) = capture::envelopes(|| {
            let mut bar = ProgressBar::new(Some(10));
            bar.inc(3);
        });
        let last = sent.last().unwrap()["data"]["text/plain"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(last.ends_with(" stopped"), "{last}");
        assert!(last.contains("3/10"));
    }
}
