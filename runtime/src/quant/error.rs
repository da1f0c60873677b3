//! Errors from quantization, dequantization and quantized products.

use super::GgmlType;

/// A quantization operation got an unsupported type or inconsistent sizes.
#[derive(Debug, thiserror::Error)]
pub enum QuantError {
    /// The operation does not handle this type.
    #[error("{op}: type {ggml_type} is not supported")]
    Unsupported {
        /// The operation.
        op: &'static str,
        /// The type asked for.
        ggml_type: GgmlType,
    },
    /// A value count is not a whole number of blocks.
    #[error("{op}: {n} values are not a whole number of {ggml_type} blocks of {block}")]
    PartialBlock {
        /// The operation.
        op: &'static str,
        /// The type.
        ggml_type: GgmlType,
        /// The value count.
        n: usize,
        /// The block size.
        block: usize,
    },
    /// The byte buffer does not match the value count.
    #[error("{op}: {n} {ggml_type} values take {expected} bytes, got {got}")]
    ByteLength {
        /// The operation.
        op: &'static str,
        /// The type.
        ggml_type: GgmlType,
        /// The value count.
        n: usize,
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// Operand shapes do not agree.
    #[error("{op}: {detail}")]
    Shape {
        /// The operation.
        op: &'static str,
        /// Which sizes disagree.
        detail: String,
    },
}

/// Result of quantization operations.
pub type Result<T> = std::result::Result<T, QuantError>;

/// Bytes for `n` values of `ggml_type`, checking that `n` is whole blocks.
pub(crate) fn byte_len(op: &'static str, ggml_type: GgmlType, n: usize) -> Result<usize> {
    let block = ggml_type.block_size();
    if !n.is_multiple_of(block) {
        return Err(QuantError::PartialBlock {
            op,
            ggml_type,
            n,
            block,
        });
    }
    (n / block)
        .checked_mul(ggml_type.type_size())
        .ok_or_else(|| QuantError::Shape {
            op,
            detail: format!("{n} values overflow the byte size"),
        })
}

/// Checks that `bytes` holds exactly `n` values of `ggml_type`.
pub(crate) fn check_bytes(
    op: &'static str,
    ggml_type: GgmlType,
    n: usize,
    got: usize,
) -> Result<()> {
    let expected = byte_len(op, ggml_type, n)?;
    if expected != got {
        return Err(QuantError::ByteLength {
            op,
            ggml_type,
            n,
            expected,
            got,
        });
    }
    Ok(())
}
