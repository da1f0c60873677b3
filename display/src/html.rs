//! HTML fragments and escaping text into them.

use crate::displayable::Displayable;
use crate::evcxr::inherent_evcxr_display;
use crate::mime_bundle::{MimeBundle, TEXT_HTML};

/// An HTML fragment shown as rendered HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Html {
    source: String,
}

impl Html {
    /// Wraps an HTML fragment (trusted: it is shown as written).
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
        }
    }

    /// The HTML source.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl Displayable for Html {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.source.as_str()).with(TEXT_HTML, self.source.as_str())
    }
}

inherent_evcxr_display!(Html);

/// Escapes text for use in HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn html_bundle_has_html_and_text() {
        let bundle = Html::new("<b>hi</b>").mime_bundle();
        assert_eq!(bundle.get("text/html"), Some("<b>hi</b>"));
        assert_eq!(bundle.get("text/plain"), Some("<b>hi</b>"));
    }
}
