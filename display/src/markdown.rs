//! Markdown text rendered by the notebook front end.

use crate::displayable::Displayable;
use crate::evcxr::inherent_evcxr_display;
use crate::mime_bundle::{MimeBundle, TEXT_MARKDOWN};

/// Markdown source shown rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Markdown {
    source: String,
}

impl Markdown {
    /// Wraps Markdown source.
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
        }
    }

    /// The Markdown source.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl Displayable for Markdown {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.source.as_str()).with(TEXT_MARKDOWN, self.source.as_str())
    }
}

inherent_evcxr_display!(Markdown);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_bundle_keeps_source() {
        let bundle = Markdown::new("# Title\n*x*").mime_bundle();
        assert_eq!(bundle.get("text/markdown"), Some("# Title\n*x*"));
        assert_eq!(bundle.get("text/plain"), Some("# Title\n*x*"));
    }
}
