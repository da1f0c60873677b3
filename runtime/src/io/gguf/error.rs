//! Errors from reading and writing GGUF files.

/// A GGUF file could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    /// The operating system refused an open, map or write.
    #[error("gguf: cannot {op} {path}: {source}")]
    Io {
        /// What was attempted ("open", "map", "write").
        op: &'static str,
        /// The file concerned.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file does not start with the GGUF magic.
    #[error("gguf: not a GGUF file: magic bytes {found:02x?}, expected \"GGUF\"")]
    BadMagic {
        /// The first four bytes found.
        found: Vec<u8>,
    },
    /// The version is not one this reader understands.
    #[error("gguf: unsupported version {version} (supported: 2 and 3{hint})")]
    UnsupportedVersion {
        /// The version field as read (little-endian).
        version: u32,
        /// Extra explanation, e.g. for big-endian files.
        hint: &'static str,
    },
    /// A read ran past the end of the file.
    #[error("gguf: truncated: {what} needs {needed} bytes at offset {offset}, but the file has {len} bytes")]
    Truncated {
        /// The field being read.
        what: String,
        /// Where the read started.
        offset: u64,
        /// How many bytes it needed.
        needed: u64,
        /// The file length.
        len: u64,
    },
    /// A declared count or length is above a safety cap.
    #[error("gguf: {what} is {value}, above the limit of {limit}")]
    LimitExceeded {
        /// The field being read.
        what: String,
        /// The declared value.
        value: u64,
        /// The cap.
        limit: u64,
    },
    /// A metadata entry is malformed, missing or of the wrong type.
    #[error("gguf: metadata {key:?}: {problem}")]
    Metadata {
        /// The metadata key.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A tensor info is malformed or its data lies outside the file.
    #[error("gguf: tensor {name:?}: {problem}")]
    Tensor {
        /// The tensor name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// Anything else structurally wrong with the file.
    #[error("gguf: {0}")]
    Invalid(String),
}

/// Result of GGUF operations.
pub type Result<T> = std::result::Result<T, GgufError>;
