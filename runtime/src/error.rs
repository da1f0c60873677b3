//! Placeholder error type until the runtime core lands (replaced on merge).

/// Errors from Born's runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or buffer is not in the expected format.
    #[error("{0}")]
    Format(String),
    /// An I/O operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, and on which path.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Result with Born's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
