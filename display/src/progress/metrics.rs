//! The current metrics shown at the end of a progress line, settable from a loop body.

use std::sync::{Arc, Mutex, MutexGuard};

use super::format;

/// A shared handle to a progress bar's metrics (`loss=0.3123, acc=0.91`).
///
/// Clone it out of the bar before the loop, then set values inside the loop body.
#[derive(Clone, Debug, Default)]
pub struct ProgressMetrics {
    entries: Arc<Mutex<Vec<(String, String)>>>,
}

impl ProgressMetrics {
    /// Sets the metric `name` to `value`, keeping the order metrics were first set in.
    pub fn set(&self, name: &str, value: f64) {
        let mut entries = self.lock();
        let shown = format::metric(value);
        match entries.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = shown,
            None => entries.push((name.to_string(), shown)),
        }
    }

    /// Replaces all metrics with free text.
    pub fn set_postfix(&self, text: &str) {
        let mut entries = self.lock();
        entries.clear();
        entries.push((String::new(), text.to_string()));
    }

    /// The metrics as one line: `loss=0.3123, acc=0.9100`.
    pub fn line(&self) -> String {
        self.lock()
            .iter()
            .map(|(name, value)| {
                if name.is_empty() {
                    value.clone()
                } else {
                    format!("{name}={value}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(String, String)>> {
        // A panic elsewhere while holding the lock leaves plain strings: still usable.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_in_place_and_postfix_replaces_all() {
        let metrics = ProgressMetrics::default();
        let shared = metrics.clone();
        metrics.set("loss", 0.5);
        metrics.set("acc", 0.25);
        shared.set("loss", 0.125);
        assert_eq!(metrics.line(), "loss=0.1250, acc=0.2500");
        shared.set_postfix("epoch 3");
        assert_eq!(metrics.line(), "epoch 3");
    }
}
