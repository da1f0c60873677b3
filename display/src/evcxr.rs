//! Final rich output of a cell's value through evcxr's content protocol.
//!
//! When a cell ends with an expression, evcxr compiles `(expr).evcxr_display();`
//! and collects the blocks it prints, one per MIME type:
//! `EVCXR_BEGIN_CONTENT <mime>\n<content>\nEVCXR_END_CONTENT\n`.
//!
//! Types with a rich form have an inherent `evcxr_display` (born tensors get the
//! renderer installed by [`install_cell_renderers`]). Every other type with a
//! `Debug` form answers through [`DebugCellOutput`], which prints what evcxr's
//! own fallback would, without the second compilation that fallback costs.

use std::io::Write;

use crate::mime_bundle::MimeBundle;

/// Line that opens one content block; the MIME type follows after a space.
pub const BEGIN_CONTENT: &str = "EVCXR_BEGIN_CONTENT";
/// Line that closes one content block.
pub const END_CONTENT: &str = "EVCXR_END_CONTENT";

/// The bundle in evcxr's content protocol, one block per MIME type.
pub fn evcxr_content(bundle: &MimeBundle) -> String {
    let mut out = String::new();
    for (mime, content) in bundle.iter() {
        out.push_str(&format!(
            "{BEGIN_CONTENT} {mime}\n{content}\n{END_CONTENT}\n"
        ));
    }
    out
}

/// Prints the bundle for evcxr in one write (best effort, like all output).
pub fn print_evcxr(bundle: &MimeBundle) {
    let text = evcxr_content(bundle);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Shows a cell's final value through `Debug` when it has no richer form; inherent
/// `evcxr_display` methods take precedence over this trait's.
pub trait DebugCellOutput {
    /// Prints the value's `Debug` form as plain text for evcxr.
    fn evcxr_display(&self);
}

impl<T: std::fmt::Debug + ?Sized> DebugCellOutput for T {
    fn evcxr_display(&self) {
        print_evcxr(&MimeBundle::text(format!("{self:?}")));
    }
}

/// Makes born tensors ending a cell show their table (the runtime cannot depend
/// on this crate, so it calls the renderer installed here).
pub fn install_cell_renderers() {
    born::set_cell_renderer(crate::tensor::render_tensor_cell);
}

/// Adds an inherent `evcxr_display()` to types of this crate, so a cell ending
/// with such a value shows it richly (evcxr compiles `(value).evcxr_display();`).
macro_rules! inherent_evcxr_display {
    ($($ty:ty),+ $(,)?) => {
        $(
            impl $ty {
                /// Prints this value's renderings in evcxr's content protocol.
                pub fn evcxr_display(&self) {
                    $crate::evcxr::print_evcxr(&$crate::displayable::Displayable::mime_bundle(self));
                }
            }
        )+
    };
}
pub(crate) use inherent_evcxr_display;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime_bundle::TEXT_HTML;

    #[test]
    fn one_block_per_mime_type() {
        let bundle = MimeBundle::text("a\nb").with(TEXT_HTML, "<i>a</i>");
        assert_eq!(
            evcxr_content(&bundle),
            "EVCXR_BEGIN_CONTENT text/html\n<i>a</i>\nEVCXR_END_CONTENT\n\
             EVCXR_BEGIN_CONTENT text/plain\na\nb\nEVCXR_END_CONTENT\n"
        );
    }
}
