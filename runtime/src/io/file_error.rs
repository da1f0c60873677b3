//! Error constructors shared by the file readers and writers.

use std::fmt::Display;
use std::path::Path;

use crate::Error;

/// A file whose contents break its format; the message names the file.
pub(crate) fn invalid_file(path: &Path, detail: impl Display) -> Error {
    Error::format(path.display().to_string(), detail.to_string())
}

/// An I/O failure while doing `operation` on `path`.
pub(crate) fn io_failure(operation: &str, path: &Path, source: std::io::Error) -> Error {
    Error::io(format!("{operation} {}", path.display()), source)
}
