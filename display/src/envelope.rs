//! The wire format of live output: one stdout line per display event.
//!
//! Cells run in evcxr's child process, whose stdout the kernel reads line by line.
//! A line that starts with [`ENVELOPE_PREFIX`] is not printed: the rest of the line
//! is one compact JSON object that the kernel turns into a Jupyter message:
//!
//! - `{"type":"display","display_id":ID,"data":{MIME:CONTENT,..},"metadata":{}}`
//!   becomes `display_data` with `transient.display_id = ID`;
//! - `{"type":"update","display_id":ID,"data":{..},"metadata":{}}`
//!   becomes `update_display_data` for the output shown under `ID`;
//! - `{"type":"clear","wait":BOOL}` becomes `clear_output`.
//!
//! Binary content (`image/png`) is base64. The JSON never contains a raw newline
//! (serde_json escapes them), so one envelope is always exactly one line.
//!
//! Outside evcxr (a plain program, a test) nobody reads envelopes, so each event
//! prints its `text/plain` rendering as a line instead. [`OUTPUT_MODE_VAR`] overrides
//! the choice.

use std::io::Write;
use std::sync::OnceLock;

use crate::mime_bundle::{MimeBundle, TEXT_PLAIN};

/// Set by evcxr in the process that runs cells: envelopes are read there.
pub const EVCXR_RUNTIME_VAR: &str = "EVCXR_IS_RUNTIME";
/// `envelope` or `text`: forces how display events are written, whatever the process.
pub const OUTPUT_MODE_VAR: &str = "BORN_DISPLAY";

/// Start of every envelope line: ASCII record separator, then `BORN `.
pub const ENVELOPE_PREFIX: &str = "\x1eBORN ";

/// `type` of an envelope that shows new output.
pub const TYPE_DISPLAY: &str = "display";
/// `type` of an envelope that replaces the output shown under a display id.
pub const TYPE_UPDATE: &str = "update";
/// `type` of an envelope that clears the cell's output.
pub const TYPE_CLEAR: &str = "clear";

/// One display event sent to the kernel.
#[derive(Clone, Debug, PartialEq)]
pub enum Envelope {
    /// Show `bundle` as new output, addressable later by `display_id`.
    Display {
        /// The id that later updates refer to.
        display_id: String,
        /// The renderings to show.
        bundle: MimeBundle,
    },
    /// Replace the output shown under `display_id` with `bundle`.
    Update {
        /// The id given when the output was first displayed.
        display_id: String,
        /// The new renderings.
        bundle: MimeBundle,
    },
    /// Clear the cell's output; with `wait`, only once new output arrives.
    Clear {
        /// Defer clearing until the next output (avoids flicker).
        wait: bool,
    },
}

impl Envelope {
    /// The envelope as compact, single-line JSON (without prefix or newline).
    pub fn to_json(&self) -> String {
        let value = match self {
            Envelope::Display { display_id, bundle } => data_json(TYPE_DISPLAY, display_id, bundle),
            Envelope::Update { display_id, bundle } => data_json(TYPE_UPDATE, display_id, bundle),
            Envelope::Clear { wait } => serde_json::json!({ "type": TYPE_CLEAR, "wait": wait }),
        };
        value.to_string()
    }

    /// The full stdout line: prefix, JSON and the terminating newline.
    pub fn to_line(&self) -> String {
        format!("{ENVELOPE_PREFIX}{}\n", self.to_json())
    }

    /// The event as plain text for a terminal: the `text/plain` rendering and a newline.
    pub fn to_text_line(&self) -> Option<String> {
        match self {
            Envelope::Display { bundle, .. } | Envelope::Update { bundle, .. } => {
                bundle.get(TEXT_PLAIN).map(|text| format!("{text}\n"))
            }
            Envelope::Clear { .. } => None,
        }
    }
}

/// How display events leave the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// Envelope lines for the Born kernel.
    Envelope,
    /// `text/plain` lines for a terminal or a log.
    Text,
}

impl OutputMode {
    /// The mode for a process with these environment values (see [`OUTPUT_MODE_VAR`]).
    pub fn choose(forced: Option<&str>, under_evcxr: bool) -> Self {
        match forced {
            Some("envelope") => OutputMode::Envelope,
            Some("text") => OutputMode::Text,
            _ if under_evcxr => OutputMode::Envelope,
            _ => OutputMode::Text,
        }
    }

    /// The mode of this process, read from the environment once.
    pub fn current() -> Self {
        static MODE: OnceLock<OutputMode> = OnceLock::new();
        *MODE.get_or_init(|| {
            let forced = std::env::var(OUTPUT_MODE_VAR).ok();
            let under_evcxr = std::env::var_os(EVCXR_RUNTIME_VAR).is_some();
            Self::choose(forced.as_deref(), under_evcxr)
        })
    }
}

fn data_json(kind: &str, display_id: &str, bundle: &MimeBundle) -> serde_json::Value {
    serde_json::json!({
        "type": kind,
        "display_id": display_id,
        "data": bundle.to_json(),
        "metadata": {},
    })
}

/// Writes the event to stdout as one line, in one write, and flushes.
///
/// Output is best effort: a closed stdout must not stop the user's loop,
/// so write errors are ignored here.
pub fn emit(envelope: &Envelope) {
    let line = envelope.to_line();
    #[cfg(test)]
    if capture::record(&line) {
        return;
    }
    let line = match OutputMode::current() {
        OutputMode::Envelope => line,
        OutputMode::Text => match envelope.to_text_line() {
            Some(text) => text,
            None => return,
        },
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

/// Test support: collect the envelopes emitted on this thread instead of printing them.
#[cfg(test)]
pub(crate) mod capture {
    use std::cell::RefCell;

    thread_local! {
        static LINES: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
    }

    /// Runs `f` and returns the envelope lines it emitted on this thread.
    pub(crate) fn lines<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
        LINES.with(|l| *l.borrow_mut() = Some(Vec::new()));
        let result = f();
        let lines = LINES.with(|l| l.borrow_mut().take()).unwrap_or_default();
        (result, lines)
    }

    /// Runs `f` and returns the envelopes it emitted, parsed back from JSON.
    pub(crate) fn envelopes<R>(f: impl FnOnce() -> R) -> (R, Vec<serde_json::Value>) {
        let (result, lines) = lines(f);
        let parsed = lines
            .iter()
            .map(|line| {
                let json = line
                    .strip_prefix(super::ENVELOPE_PREFIX)
                    .and_then(|l| l.strip_suffix('\n'))
                    .expect("emitted lines carry the prefix and one newline");
                serde_json::from_str(json).expect("emitted lines are valid JSON")
            })
            .collect();
        (result, parsed)
    }

    /// Keeps `line` if this thread is capturing; false when it should be printed.
    pub(super) fn record(line: &str) -> bool {
        LINES.with(|l| match l.borrow_mut().as_mut() {
            Some(lines) => {
                lines.push(line.to_string());
                true
            }
            None => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime_bundle::{IMAGE_PNG, TEXT_HTML};

    fn multiline_bundle() -> MimeBundle {
        MimeBundle::text("line 1\nline 2\r\n\"quoted\" \x1e")
            .with(TEXT_HTML, "<pre>\n</pre>")
            .with_bytes(IMAGE_PNG, &[137, 80, 78, 71])
    }

    #[test]
    fn display_is_one_line_and_parses_back() {
        let envelope = Envelope::Display {
            display_id: "p1-7".into(),
            bundle: multiline_bundle(),
        };
        let line = envelope.to_line();
        assert!(line.starts_with("\x1eBORN {"));
        assert_eq!(line.matches('\n').count(), 1);
        assert!(line.ends_with('\n'));
        let json: serde_json::Value =
            serde_json::from_str(line.trim_start_matches(ENVELOPE_PREFIX).trim_end()).unwrap();
        assert_eq!(json["type"], "display");
        assert_eq!(json["display_id"], "p1-7");
        assert_eq!(
            json["data"]["text/plain"],
            "line 1\nline 2\r\n\"quoted\" \x1e"
        );
        assert_eq!(json["data"]["image/png"], "iVBORw==");
        assert!(json["metadata"].as_object().unwrap().is_empty());
    }

    #[test]
    fn update_carries_the_display_id() {
        let envelope = Envelope::Update {
            display_id: "abc".into(),
            bundle: MimeBundle::text("x"),
        };
        let json: serde_json::Value = serde_json::from_str(&envelope.to_json()).unwrap();
        assert_eq!(json["type"], "update");
        assert_eq!(json["display_id"], "abc");
        assert_eq!(json["data"]["text/plain"], "x");
    }

    #[test]
    fn clear_has_only_wait() {
        let json = Envelope::Clear { wait: true }.to_json();
        assert_eq!(json, r#"{"type":"clear","wait":true}"#);
    }

    #[test]
    fn envelopes_under_evcxr_text_elsewhere_unless_forced() {
        assert_eq!(OutputMode::choose(None, true), OutputMode::Envelope);
        assert_eq!(OutputMode::choose(None, false), OutputMode::Text);
        assert_eq!(
            OutputMode::choose(Some("envelope"), false),
            OutputMode::Envelope
        );
        assert_eq!(OutputMode::choose(Some("text"), true), OutputMode::Text);
        assert_eq!(
            OutputMode::choose(Some("other"), true),
            OutputMode::Envelope
        );
    }

    #[test]
    fn text_lines_carry_the_plain_rendering() {
        let update = Envelope::Update {
            display_id: "x".into(),
            bundle: MimeBundle::text("50% done").with(TEXT_HTML, "<b>50%</b>"),
        };
        assert_eq!(update.to_text_line().as_deref(), Some("50% done\n"));
        assert_eq!(Envelope::Clear { wait: false }.to_text_line(), None);
    }

    #[test]
    fn capture_collects_instead_of_printing() {
        let ((), lines) = capture::lines(|| emit(&Envelope::Clear { wait: false }));
        assert_eq!(
            lines,
            vec!["\x1eBORN {\"type\":\"clear\",\"wait\":false}\n"]
        );
    }
}
