//! The trait every value with a rich rendering implements.

use crate::mime_bundle::MimeBundle;

/// A value that can be rendered as a set of MIME-typed representations.
pub trait Displayable {
    /// The renderings of this value; always includes `text/plain`.
    fn mime_bundle(&self) -> MimeBundle;
}

impl<T: Displayable + ?Sized> Displayable for &T {
    fn mime_bundle(&self) -> MimeBundle {
        (**self).mime_bundle()
    }
}

impl Displayable for MimeBundle {
    fn mime_bundle(&self) -> MimeBundle {
        self.clone()
    }
}

impl Displayable for str {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self)
    }
}

impl Displayable for String {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.as_str())
    }
}
