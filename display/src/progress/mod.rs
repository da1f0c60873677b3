//! Progress bars over iterators: count, rate, ETA and metrics, updated in place.

mod bar;
mod format;
mod metrics;
mod sampler;

pub use bar::ProgressBar;
pub use metrics::ProgressMetrics;

use std::time::Instant;

/// Wraps an iterator so that iterating it shows a progress bar.
///
/// ```no_run
/// use born_display::prelude::*;
/// let batches = progress(0..100).description("epoch 1");
/// let metrics = batches.metrics();
/// for batch in batches {
///     metrics.set("loss", 1.0 / (batch + 1) as f64);
/// }
/// ```
pub fn progress<I: IntoIterator>(items: I) -> Progress<I::IntoIter> {
    let iter = items.into_iter();
    let total = match iter.size_hint() {
        (low, Some(high)) if low == high => Some(low as u64),
        _ => None,
    };
    Progress {
        iter,
        bar: ProgressBar::new(total),
        yielded: false,
    }
}

/// An iterator adapter that counts the items it hands out on a [`ProgressBar`].
///
/// An item counts as done when the next one is asked for; leaving the loop early
/// ends the bar as "stopped". Items and errors pass through untouched.
#[derive(Debug)]
pub struct Progress<I> {
    iter: I,
    bar: ProgressBar,
    yielded: bool,
}

impl<I: Iterator> Progress<I> {
    /// Sets the number of items expected (for iterators that cannot tell).
    pub fn total(mut self, total: u64) -> Self {
        self.bar.set_total(Some(total));
        self
    }

    /// Sets the label shown before the bar.
    pub fn description(mut self, description: &str) -> Self {
        self.bar.set_description(description);
        self
    }

    /// Redraws at most `per_second` times a second (default 5).
    pub fn max_updates_per_second(mut self, per_second: f64) -> Self {
        self.bar.set_max_updates_per_second(per_second);
        self
    }

    /// A handle to set metrics from the loop body while the iterator is borrowed.
    pub fn metrics(&self) -> ProgressMetrics {
        self.bar.metrics()
    }

    /// Replaces the metrics with free text.
    pub fn set_postfix(&self, text: &str) {
        self.bar.set_postfix(text);
    }
}

impl<I: Iterator> Iterator for Progress<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        if self.yielded {
            self.bar.inc(1);
        } else {
            self.bar.start_at(Instant::now());
        }
        let item = self.iter.next();
        self.yielded = item.is_some();
        if item.is_none() {
            self.bar.finish();
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

impl<I: ExactSizeIterator> ExactSizeIterator for Progress<I> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::capture;

    #[test]
    fn counts_every_item_and_ends_done() {
        let (seen, sent) = capture::envelopes(|| {
            let items = progress(vec!["a", "b", "c"]);
            let metrics = items.metrics();
            let mut seen = Vec::new();
            for item in items {
                metrics.set("last", seen.len() as f64);
                seen.push(item);
            }
            seen
        });
        assert_eq!(seen, ["a", "b", "c"]);
        assert_eq!(sent[0]["type"], "display");
        let end = sent.last().unwrap()["data"]["text/plain"].as_str().unwrap();
        assert!(end.contains("3/3") && end.contains("last=2"), "{end}");
        assert!(!end.contains("stopped"));
    }

    #[test]
    fn breaking_out_ends_stopped_after_counting_finished_items() {
        let ((), sent) = capture::envelopes(|| {
            for i in progress(0..10).description("loop") {
                if i == 4 {
                    break;
                }
            }
        });
        let end = sent.last().unwrap()["data"]["text/plain"].as_str().unwrap();
        assert!(
            end.starts_with("loop:  40%") && end.ends_with("stopped"),
            "{end}"
        );
    }

    #[test]
    fn total_is_taken_from_exact_size_or_given() {
        let ((), sent) = capture::envelopes(|| {
            let evens = (0..10).filter(|i| i % 2 == 0);
            assert_eq!(progress(evens.clone()).count(), 5);
            for _ in progress(evens).total(5) {}
        });
        let texts: Vec<&str> = sent
            .iter()
            .map(|e| e["data"]["text/plain"].as_str().unwrap())
            .collect();
        assert!(texts.iter().any(|t| t.starts_with("5 it [")), "{texts:?}");
        assert!(texts.last().unwrap().contains("5/5"));
    }

    #[test]
    fn errors_pass_through_untouched() {
        let (collected, _) = capture::envelopes(|| {
            progress(vec![Ok(1), Err("bad"), Ok(3)]).collect::<Result<Vec<i32>, &str>>()
        });
        assert_eq!(collected, Err("bad"));
    }
}
