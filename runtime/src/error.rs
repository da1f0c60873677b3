//! Placeholder for the runtime's error type (the core's version replaces it).

/// Everything that can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument outside what the operation accepts.
    #[error("{op}: {msg}")]
    InvalidArgument {
        /// The operation that failed.
        op: &'static str,
        /// What was wrong.
        msg: String,
    },
    /// An I/O failure, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What was being done (file name, operation).
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file or byte stream whose content is malformed.
    #[error("{context}: invalid format: {msg}")]
    Format {
        /// What was being read.
        context: String,
        /// What was wrong.
        msg: String,
    },
    /// Any other failure, with its message.
    #[error("{0}")]
    Msg(String),
}

/// The runtime's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An `InvalidArgument` error for `op` with a message.
    pub fn invalid(op: &'static str, msg: impl Into<String>) -> Self {
        Error::InvalidArgument {
            op,
            msg: msg.into(),
        }
    }

    /// An `Io` error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// A `Format` error with what was being read and what was wrong.
    pub fn format(context: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Format {
            context: context.into(),
            msg: msg.into(),
        }
    }

    /// A free-form error message.
    pub fn msg(msg: impl Into<String>) -> Self {
        Error::Msg(msg.into())
    }
}
