//! SVG documents shown inline.

use crate::displayable::Displayable;
use crate::evcxr::inherent_evcxr_display;
use crate::mime_bundle::{MimeBundle, IMAGE_SVG};

/// An SVG document shown as a vector image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Svg {
    source: String,
}

impl Svg {
    /// Wraps SVG source (an `<svg>` document).
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
        }
    }

    /// The SVG source.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl Displayable for Svg {
    fn mime_bundle(&self) -> MimeBundle {
        let text = format!("<SVG image, {} bytes>", self.source.len());
        MimeBundle::text(text).with(IMAGE_SVG, self.source.as_str())
    }
}

inherent_evcxr_display!(Svg);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_bundle_carries_source() {
        let source = "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>";
        let bundle = Svg::new(source).mime_bundle();
        assert_eq!(bundle.get("image/svg+xml"), Some(source));
        assert!(bundle.get("text/plain").unwrap().starts_with("<SVG image"));
    }
}
