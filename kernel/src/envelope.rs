//! Live-output envelopes: single stdout lines that cells print through
//! `born-display`, which the kernel turns into display messages while the cell runs.
//!
//! A line is `\x1eBORN ` followed by one JSON object:
//! `{"type":"display","display_id":..,"data":{mime:..},"metadata":{..}}`,
//! `{"type":"update",..}` (same fields), `{"type":"clear","wait":bool}`, or
//! `{"type":"panic","message":..}` (written by the session's panic hook).

use serde::Deserialize;
use serde_json::{Map, Value};

/// The prefix that marks a stdout line as an envelope.
pub const ENVELOPE_PREFIX: &str = "\u{1e}BORN ";

/// One decoded envelope.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Envelope {
    /// Show a new output, updatable later through its display id.
    Display {
        display_id: String,
        data: Map<String, Value>,
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// Replace every output shown under `display_id`.
    Update {
        display_id: String,
        data: Map<String, Value>,
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// Clear the cell's output (`wait`: at the next output).
    Clear {
        #[serde(default)]
        wait: bool,
    },
    /// The cell panicked with this message.
    Panic { message: String },
}

/// What a stdout line turned out to be.
#[derive(Debug, PartialEq)]
pub enum StdoutLine<'a> {
    /// Ordinary text the cell printed.
    Text(&'a str),
    /// A decoded envelope, after any text printed on the same line before it
    /// (a `print!` without a newline followed by a display).
    Envelope { before: &'a str, envelope: Envelope },
    /// A line with the prefix that does not decode: shown as text with the reason.
    Malformed { line: &'a str, reason: String },
}

/// Classifies one stdout line of the child process.
pub fn classify(line: &str) -> StdoutLine<'_> {
    let Some(start) = line.find(ENVELOPE_PREFIX) else {
        return StdoutLine::Text(line);
    };
    let json = &line[start + ENVELOPE_PREFIX.len()..];
    match serde_json::from_str::<Envelope>(json) {
        Ok(envelope) => StdoutLine::Envelope {
            before: &line[..start],
            envelope,
        },
        Err(error) => StdoutLine::Malformed {
            line,
            reason: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_are_text() {
        assert_eq!(classify("hello"), StdoutLine::Text("hello"));
    }

    #[test]
    fn display_envelope_decodes() {
        let line = "\u{1e}BORN {\"type\":\"display\",\"display_id\":\"d1\",\"data\":{\"text/plain\":\"x\"}}";
        let StdoutLine::Envelope {
            before: "",
            envelope:
                Envelope::Display {
                    display_id,
                    data,
                    metadata,
                },
        } = classify(line)
        else {
            panic!("expected a display envelope");
        };
        assert_eq!(display_id, "d1");
        assert_eq!(data["text/plain"], "x");
        assert!(metadata.is_empty());
    }

    #[test]
    fn clear_and_panic_decode() {
        assert_eq!(
            classify("\u{1e}BORN {\"type\":\"clear\",\"wait\":true}"),
            StdoutLine::Envelope {
                before: "",
                envelope: Envelope::Clear { wait: true }
            }
        );
        assert_eq!(
            classify("\u{1e}BORN {\"type\":\"panic\",\"message\":\"boom\"}"),
            StdoutLine::Envelope {
                before: "",
                envelope: Envelope::Panic {
                    message: "boom".into()
                }
            }
        );
    }

    #[test]
    fn an_envelope_after_unfinished_text_keeps_the_text() {
        let line = "step 3\u{1e}BORN {\"type\":\"clear\",\"wait\":false}";
        assert_eq!(
            classify(line),
            StdoutLine::Envelope {
                before: "step 3",
                envelope: Envelope::Clear { wait: false }
            }
        );
    }

    #[test]
    fn forged_or_broken_envelopes_are_reported_not_trusted() {
        let line = "\u{1e}BORN {\"type\":\"rm -rf\"}";
        assert!(matches!(classify(line), StdoutLine::Malformed { .. }));
        assert!(matches!(
            classify("\u{1e}BORN not json"),
            StdoutLine::Malformed { .. }
        ));
    }
}
