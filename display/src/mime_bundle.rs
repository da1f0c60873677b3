//! A set of renderings of one value, keyed by MIME type.

use std::collections::BTreeMap;

use base64::Engine;

use crate::error::Error;
use crate::html::escape_html;

/// MIME type of plain text, the fallback every front end understands.
pub const TEXT_PLAIN: &str = "text/plain";
/// MIME type of an HTML fragment.
pub const TEXT_HTML: &str = "text/html";
/// MIME type of Markdown text.
pub const TEXT_MARKDOWN: &str = "text/markdown";
/// MIME type of an SVG document.
pub const IMAGE_SVG: &str = "image/svg+xml";
/// MIME type of a PNG image (carried base64-encoded).
pub const IMAGE_PNG: &str = "image/png";

/// The renderings of one value: MIME type → content (binary content base64-encoded).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MimeBundle {
    data: BTreeMap<String, String>,
}

impl MimeBundle {
    /// A bundle with only a `text/plain` rendering.
    pub fn text(text: impl Into<String>) -> Self {
        Self::default().with(TEXT_PLAIN, text)
    }

    /// A bundle that shows `error` in place of output that failed to render.
    pub fn error(error: &Error) -> Self {
        let text = format!("display error: {error}");
        let html = format!("<pre style=\"color: #b00020\">{}</pre>", escape_html(&text));
        Self::text(text).with(TEXT_HTML, html)
    }

    /// Adds (or replaces) a textual rendering.
    pub fn with(mut self, mime: &str, content: impl Into<String>) -> Self {
        self.data.insert(mime.to_string(), content.into());
        self
    }

    /// Adds (or replaces) a binary rendering, base64-encoding it as Jupyter expects.
    pub fn with_bytes(self, mime: &str, bytes: &[u8]) -> Self {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.with(mime, encoded)
    }

    /// The rendering for `mime`, if present (binary content is base64).
    pub fn get(&self, mime: &str) -> Option<&str> {
        self.data.get(mime).map(String::as_str)
    }

    /// All renderings, ordered by MIME type.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.data.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The bundle as a JSON object `{mime: content}`.
    pub fn to_json(&self) -> serde_json::Value {
        let map = self
            .data
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_content_is_base64() {
        let bundle = MimeBundle::text("x").with_bytes(IMAGE_PNG, &[0, 1, 2, 255]);
        assert_eq!(bundle.get(IMAGE_PNG), Some("AAEC/w=="));
        assert_eq!(bundle.get(TEXT_PLAIN), Some("x"));
        assert_eq!(bundle.get(TEXT_HTML), None);
    }

    #[test]
    fn errors_show_escaped() {
        let error = Error::InvalidPng("<bad>".into());
        let bundle = MimeBundle::error(&error);
        assert_eq!(
            bundle.get(TEXT_PLAIN),
            Some("display error: Png::from_bytes: <bad>")
        );
        assert!(bundle.get(TEXT_HTML).unwrap().contains("&lt;bad&gt;"));
    }

    #[test]
    fn json_maps_mime_to_content() {
        let bundle = MimeBundle::text("a").with(TEXT_HTML, "<b>a</b>");
        let json = bundle.to_json();
        assert_eq!(json["text/plain"], "a");
        assert_eq!(json["text/html"], "<b>a</b>");
    }
}
