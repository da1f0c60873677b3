//! Errors raised while building or rendering rich output.

/// Everything that can go wrong while turning data into rich output.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    /// Two sequences that must pair up element by element have different lengths.
    #[error("{op}: {what} have different lengths ({left} vs {right})")]
    LengthMismatch {
        /// The operation that paired them.
        op: &'static str,
        /// What the two sequences are.
        what: &'static str,
        /// Length of the first sequence.
        left: usize,
        /// Length of the second sequence.
        right: usize,
    },
    /// A shape does not fit the values or the operation.
    #[error("{op}: {message}")]
    Shape {
        /// The operation that rejected the shape.
        op: &'static str,
        /// What is wrong with it, naming the values.
        message: String,
    },
    /// An argument is out of its valid range.
    #[error("{op}: {message}")]
    InvalidArgument {
        /// The operation that rejected the argument.
        op: &'static str,
        /// What is wrong with it, naming the value.
        message: String,
    },
    /// Bytes that should be a PNG image are not one.
    #[error("Png::from_bytes: {0}")]
    InvalidPng(String),
    /// Encoding an image failed.
    #[error("{op}: image encoding failed: {message}")]
    Encode {
        /// The operation that encoded.
        op: &'static str,
        /// The encoder's message.
        message: String,
    },
    /// The runtime could not provide a tensor's values.
    #[error("{op}: {message}")]
    Tensor {
        /// The display operation that needed the values.
        op: &'static str,
        /// The runtime's error message.
        message: String,
    },
    /// The plotting backend failed to draw.
    #[error("plot rendering failed: {0}")]
    Render(String),
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
