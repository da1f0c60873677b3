//! Text that grows in place, such as tokens streamed from a language model.

use std::time::{Duration, Instant};

use crate::displayable::Displayable;
use crate::evcxr::inherent_evcxr_display;
use crate::handle::{display, DisplayHandle};
use crate::html::escape_html;
use crate::mime_bundle::{MimeBundle, TEXT_HTML};
use crate::throttle::Throttle;

/// Default pause between two redraws of the text.
const DEFAULT_INTERVAL: Duration = Duration::from_millis(100);

/// An output area that text is appended to, redrawn in place.
///
/// evcxr holds back stdout text until a newline, so streamed text goes through
/// display updates instead of `print!`.
#[derive(Debug)]
pub struct TextStream {
    text: String,
    handle: Option<DisplayHandle>,
    throttle: Throttle,
    pending: bool,
}

impl Default for TextStream {
    fn default() -> Self {
        Self::new()
    }
}

impl TextStream {
    /// An empty stream; it is shown when the first text arrives.
    pub fn new() -> Self {
        Self {
            text: String::new(),
            handle: None,
            throttle: Throttle::new(DEFAULT_INTERVAL),
            pending: false,
        }
    }

    /// Redraws at most `per_second` times a second (default 10).
    pub fn max_updates_per_second(mut self, per_second: f64) -> Self {
        self.throttle = Throttle::per_second(per_second);
        self
    }

    /// Appends `text` and redraws if due.
    pub fn push(&mut self, text: &str) {
        self.push_at(text, Instant::now());
    }

    /// Shows the text not shown yet now, whatever the rate limit.
    pub fn finish(&mut self) {
        if self.pending {
            self.throttle.mark(Instant::now());
            self.draw();
        }
    }

    /// All text pushed so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn push_at(&mut self, text: &str, now: Instant) {
        self.text.push_str(text);
        self.pending = true;
        if self.throttle.ready(now) {
            self.draw();
        }
    }

    fn draw(&mut self) {
        let bundle = self.mime_bundle();
        match &self.handle {
            Some(handle) => handle.update(&bundle),
            None => self.handle = Some(display(&bundle)),
        }
        self.pending = false;
    }
}

impl Drop for TextStream {
    /// Shows the last text when the stream goes out of scope without `finish()`.
    fn drop(&mut self) {
        if self.pending {
            self.draw();
        }
    }
}

impl Displayable for TextStream {
    fn mime_bundle(&self) -> MimeBundle {
        let html = format!(
            "<pre style=\"white-space: pre-wrap; margin: 0\">{}</pre>",
            escape_html(&self.text)
        );
        MimeBundle::text(self.text.as_str()).with(TEXT_HTML, html)
    }
}

inherent_evcxr_display!(TextStream);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::capture;

    #[test]
    fn appends_in_place_with_throttling() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let ((), sent) = capture::envelopes(|| {
            let mut stream = TextStream::new();
            for (i, token) in ["Hello", ",", " <world>", "!", "?"].iter().enumerate() {
                stream.push_at(token, t0 + ms(i as u64 * 40));
            }
            stream.finish();
        });
        // t=0 display, t=40/80 held back, t=120 update, t=160 held back until finish.
        let kinds: Vec<&str> = sent.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["display", "update", "update"]);
        assert_eq!(sent[0]["data"]["text/plain"], "Hello");
        assert_eq!(sent[1]["data"]["text/plain"], "Hello, <world>!");
        let last = &sent[2]["data"];
        assert_eq!(last["text/plain"], "Hello, <world>!?");
        let html = last["text/html"].as_str().unwrap();
        assert!(html.contains("Hello, &lt;world&gt;!?"));
    }

    #[test]
    fn drop_shows_pending_text() {
        let t0 = Instant::now();
        let ((), sent) = capture::envelopes(|| {
            let mut stream = TextStream::new();
            stream.push_at("a", t0);
            stream.push_at("b", t0);
        });
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1]["data"]["text/plain"], "ab");
    }
}
