//! What a notebook cell ending with a tensor shows.
//!
//! evcxr compiles a cell's final expression `value` as `(value).evcxr_display();`.
//! An inherent method answers for tensors, so a catch-all trait for every other
//! type (in the display crate's prelude) never competes with it. The rich
//! rendering lives in the display crate, which installs it here when a session
//! starts; without it a tensor prints as text.

use std::sync::RwLock;

use super::Tensor;

/// A function that prints a tensor in evcxr's content protocol.
pub type CellRenderer = fn(&Tensor);

static RENDERER: RwLock<Option<CellRenderer>> = RwLock::new(None);

/// Installs the function that shows a tensor ending a cell (the display crate's).
pub fn set_cell_renderer(renderer: CellRenderer) {
    *RENDERER.write().unwrap_or_else(|e| e.into_inner()) = Some(renderer);
}

/// The content block evcxr shows for `text` as plain text.
fn plain_text_block(text: &str) -> String {
    format!("EVCXR_BEGIN_CONTENT text/plain\n{text}\nEVCXR_END_CONTENT\n")
}

impl Tensor {
    /// Prints this tensor as a cell's output: the installed renderer's output,
    /// or the tensor's text form when none is installed.
    pub fn evcxr_display(&self) {
        let renderer = *RENDERER.read().unwrap_or_else(|e| e.into_inner());
        match renderer {
            Some(render) => render(self),
            None => {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(plain_text_block(&self.to_string()).as_bytes());
                let _ = out.flush();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_one_content_block() {
        assert_eq!(
            plain_text_block("tensor([1.])"),
            "EVCXR_BEGIN_CONTENT text/plain\ntensor([1.])\nEVCXR_END_CONTENT\n"
        );
    }
}
