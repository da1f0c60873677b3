//! The runtime's error type: every failure names the operation and the values involved.

use crate::{DType, Device, Shape};

/// Everything that can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two operands whose shapes cannot be combined.
    #[error("{op}: shape mismatch, lhs {lhs:?} and rhs {rhs:?}")]
    ShapeMismatch {
        /// The operation that failed.
        op: &'static str,
        /// Shape of the left operand.
        lhs: Shape,
        /// Shape of the right operand.
        rhs: Shape,
    },
    /// Two operands whose dtypes differ.
    #[error("{op}: dtype mismatch, lhs {lhs} and rhs {rhs}")]
    DTypeMismatch {
        /// The operation that failed.
        op: &'static str,
        /// Dtype of the left operand.
        lhs: DType,
        /// Dtype of the right operand.
        rhs: DType,
    },
    /// An operation that does not support a dtype.
    #[error("{op}: unsupported dtype {dtype}")]
    UnsupportedDType {
        /// The operation that failed.
        op: &'static str,
        /// The offending dtype.
        dtype: DType,
    },
    /// Two operands living on different devices.
    #[error("{op}: device mismatch, lhs on {lhs} and rhs on {rhs}")]
    DeviceMismatch {
        /// The operation that failed.
        op: &'static str,
        /// Device of the left operand.
        lhs: Device,
        /// Device of the right operand.
        rhs: Device,
    },
    /// A dimension index outside the tensor's rank.
    #[error("{op}: dimension {dim} out of range for a tensor of shape {shape:?}")]
    DimOutOfRange {
        /// The operation that failed.
        op: &'static str,
        /// The requested dimension (possibly negative).
        dim: i64,
        /// Shape of the tensor.
        shape: Shape,
    },
    /// An index outside the size of a dimension.
    #[error("{op}: index {index} out of range for dimension {dim} of size {size}")]
    IndexOutOfRange {
        /// The operation that failed.
        op: &'static str,
        /// The offending index.
        index: i64,
        /// The dimension indexed.
        dim: usize,
        /// Size of that dimension.
        size: usize,
    },
    /// A number of elements that does not match the requested shape.
    #[error("{op}: {got} elements cannot fill shape {shape:?} ({expected} elements)")]
    ElementCount {
        /// The operation that failed.
        op: &'static str,
        /// Elements provided.
        got: usize,
        /// Elements the shape needs.
        expected: usize,
        /// The requested shape.
        shape: Shape,
    },
    /// An argument outside what the operation accepts.
    #[error("{op}: {msg}")]
    InvalidArgument {
        /// The operation that failed.
        op: &'static str,
        /// What was wrong.
        msg: String,
    },
    /// A gradient problem (backward on a non-scalar, on a tensor without graph...).
    #[error("backward: {0}")]
    Backward(String),
    /// The user interrupted a long-running operation.
    #[error("interrupted by the user")]
    Interrupted,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_op_and_shapes() {
        let e = Error::ShapeMismatch {
            op: "add",
            lhs: Shape::from(vec![2, 3]),
            rhs: Shape::from(vec![4]),
        };
        assert_eq!(e.to_string(), "add: shape mismatch, lhs [2, 3] and rhs [4]");
        assert_eq!(Error::Interrupted.to_string(), "interrupted by the user");
        let io = Error::io(
            "reading model.bin",
            std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        );
        assert_eq!(io.to_string(), "reading model.bin: gone");
    }
}
