//! Showing values as live output and updating or clearing it later.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::displayable::Displayable;
use crate::envelope::{emit, Envelope};

/// A shown output that can be replaced in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayHandle {
    display_id: String,
}

impl DisplayHandle {
    /// The display id the kernel uses for this output.
    pub fn id(&self) -> &str {
        &self.display_id
    }

    /// Replaces the shown output with `value`'s renderings.
    pub fn update<T: Displayable + ?Sized>(&self, value: &T) {
        emit(&Envelope::Update {
            display_id: self.display_id.clone(),
            bundle: value.mime_bundle(),
        });
    }

    /// Prints nothing: a cell ending with `display(&x)` shows `x` once, not the handle.
    pub fn evcxr_display(&self) {}
}

/// Shows `value` now, below the running cell, and returns a handle to update it.
pub fn display<T: Displayable + ?Sized>(value: &T) -> DisplayHandle {
    let handle = DisplayHandle {
        display_id: next_display_id(),
    };
    emit(&Envelope::Display {
        display_id: handle.display_id.clone(),
        bundle: value.mime_bundle(),
    });
    handle
}

/// Clears the cell's output; with `wait`, only when new output arrives (no flicker).
pub fn clear_output(wait: bool) {
    emit(&Envelope::Clear { wait });
}

/// A display id unique in this process and, through its prefix, across processes.
fn next_display_id() -> String {
    // One counter per process: the crate is a dylib, so every cell shares it.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static PREFIX: OnceLock<String> = OnceLock::new();
    let prefix = PREFIX.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("born-{:x}-{:x}", std::process::id(), nanos & 0xffff_ffff)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{n}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::capture;

    #[test]
    fn display_then_update_share_the_id() {
        let (handle, sent) = capture::envelopes(|| {
            let handle = display("first");
            handle.update("second");
            handle
        });
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0]["type"], "display");
        assert_eq!(sent[0]["data"]["text/plain"], "first");
        assert_eq!(sent[1]["type"], "update");
        assert_eq!(sent[1]["data"]["text/plain"], "second");
        assert_eq!(sent[0]["display_id"], handle.id());
        assert_eq!(sent[1]["display_id"], handle.id());
    }

    #[test]
    fn ids_are_unique() {
        let ((), sent) = capture::envelopes(|| {
            display("a");
            display("b");
        });
        assert_ne!(sent[0]["display_id"], sent[1]["display_id"]);
        let id = sent[0]["display_id"].as_str().unwrap();
        assert!(id.starts_with(&format!("born-{:x}-", std::process::id())));
    }

    #[test]
    fn clear_output_sends_clear() {
        let ((), sent) = capture::envelopes(|| clear_output(true));
        assert_eq!(
            sent,
            vec![serde_json::json!({"type": "clear", "wait": true})]
        );
    }
}
