//! Tensors shown as a PyTorch-like repr and as an HTML table with header and stats.

mod element;
mod elide;
mod from_runtime;
mod html;
mod stats;
mod text;
mod view;

pub use from_runtime::render_tensor_cell;
pub(crate) use from_runtime::tensor_error;
pub use html::{tensor_html, TableLimits};
pub use stats::TensorStats;
pub use text::tensor_repr;
pub use view::{ElementKind, TensorView};

use crate::displayable::Displayable;
use crate::evcxr::inherent_evcxr_display;
use crate::mime_bundle::{MimeBundle, TEXT_HTML};

impl Displayable for TensorView {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(tensor_repr(self))
            .with(TEXT_HTML, tensor_html(self, &TableLimits::default()))
    }
}

inherent_evcxr_display!(TensorView);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_has_repr_and_table() {
        let t = TensorView::new(&[2], "float32", vec![0.5, 1.5]).unwrap();
        let bundle = t.mime_bundle();
        assert_eq!(bundle.get("text/plain"), Some("tensor([0.5000, 1.5000])"));
        assert!(bundle.get("text/html").unwrap().contains("<table"));
    }
}
