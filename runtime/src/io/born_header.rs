//! The `.born` file header: its fixed prelude, its JSON table, and the checks
//! that make every later read in bounds.
//!
//! Layout of a `.born` file (all integers little-endian):
//!
//! | bytes               | content                                              |
//! |---------------------|------------------------------------------------------|
//! | `0..8`              | magic `\x89BORN\r\n\x1a`                             |
//! | `8..12`             | format version, `u32` (currently 1)                  |
//! | `12..20`            | header length `H`, `u64`                             |
//! | `20..20+H`          | header, UTF-8 JSON (below)                           |
//! | up to `P`           | zero padding; `P` is `20+H` rounded up to 64         |
//! | `P..P+payload_len`  | payload: tensor data, row-major, little-endian       |
//!
//! The file ends exactly at `P + payload_len`. The header JSON is
//!
//! ```json
//! {"metadata": <any JSON>, "payload_len": 4096, "payload_sha256": "<64 hex digits>",
//!  "tensors": [{"name": "fc.weight", "dtype": "float32", "shape": [10, 784],
//!               "offset": 0, "length": 31360}, ...]}
//! ```
//!
//! with `offset` relative to `P` (the writer aligns each tensor to 64 bytes),
//! `length` equal to the element count times the dtype's size, and tensor
//! ranges inside the payload, unique names, and no two ranges overlapping.
//! `payload_sha256` is the SHA-256 of the payload bytes. The magic's high
//! byte and CR-LF catch files mangled by text-mode transfers.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::io::file_error::invalid_file;
use crate::{DType, Result};

/// The first eight bytes of every `.born` file.
pub(crate) const MAGIC: [u8; 8] = *b"\x89BORN\r\n\x1a";
/// The format version this build writes and reads.
pub(crate) const VERSION: u32 = 1;
/// Bytes before the header JSON: magic, version, header length.
pub(crate) const PRELUDE_LEN: usize = 20;
/// Alignment of the payload start and of each tensor within it.
pub(crate) const ALIGNMENT: u64 = 64;
/// Largest header accepted, so a lying length cannot make us parse gigabytes.
const MAX_HEADER_LEN: u64 = 256 << 20;

/// The JSON header of a `.born` file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BornHeader {
    /// Free-form metadata saved with the tensors.
    pub metadata: serde_json::Value,
    /// Length of the payload in bytes.
    pub payload_len: u64,
    /// SHA-256 of the payload, lowercase hex.
    pub payload_sha256: String,
    /// Where each tensor lives in the payload.
    pub tensors: Vec<TensorRecord>,
}

/// One tensor's entry in the header table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TensorRecord {
    /// The tensor's name (PyTorch state-dict style: `layer.0.weight`).
    pub name: String,
    /// Dtype name as `DType::name` gives it (`float32`, `int64`, ...).
    pub dtype: String,
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Start of the data, relative to the payload start.
    pub offset: u64,
    /// Length of the data in bytes.
    pub length: u64,
}

/// A validated header with the payload's place in the file.
#[derive(Debug, Clone)]
pub(crate) struct ValidatedHeader {
    /// The parsed header.
    pub header: BornHeader,
    /// The dtype of each record, in table order.
    pub dtypes: Vec<DType>,
    /// Byte offset of the payload in the file.
    pub payload_start: usize,
}

/// The payload start for a header of `header_len` bytes.
pub(crate) fn payload_start(header_len: u64) -> Option<u64> {
    (PRELUDE_LEN as u64)
        .checked_add(header_len)?
        .checked_next_multiple_of(ALIGNMENT)
}

/// Parses and checks the prelude and header of a whole `.born` file in
/// `bytes`, so that every record's range lies inside the payload.
pub(crate) fn parse_header(bytes: &[u8], path: &Path) -> Result<ValidatedHeader> {
    let file_len = bytes.len() as u64;
    if bytes.len() < PRELUDE_LEN {
        return Err(invalid_file(
            path,
            format!("a .born file starts with a {PRELUDE_LEN}-byte prelude, this one has {file_len} bytes"),
        ));
    }
    if bytes[..8] != MAGIC {
        return Err(invalid_file(
            path,
            format!("not a .born file (magic bytes {:02x?})", &bytes[..8]),
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4-byte slice"));
    if version != VERSION {
        return Err(invalid_file(
            path,
            format!(".born format version {version}; this build reads version {VERSION}"),
        ));
    }
    let header_len = u64::from_le_bytes(bytes[12..20].try_into().expect("8-byte slice"));
    let available = file_len - PRELUDE_LEN as u64;
    if header_len > available.min(MAX_HEADER_LEN) {
        return Err(invalid_file(
            path,
            format!(
                "header length {header_len} exceeds the {available} bytes after the prelude \
                 (limit {MAX_HEADER_LEN})"
            ),
        ));
    }
    let header_end = PRELUDE_LEN + header_len as usize;
    let header: BornHeader = serde_json::from_slice(&bytes[PRELUDE_LEN..header_end])
        .map_err(|e| invalid_file(path, format!("header is not valid .born JSON: {e}")))?;
    let start = payload_start(header_len).expect("header length is bounded by the file length");
    let expected_len = start.checked_add(header.payload_len);
    if expected_len != Some(file_len) {
        return Err(invalid_file(
            path,
            format!(
                "header declares a {}-byte payload at byte {start}, so the file should have {} \
                 bytes, but it has {file_len}",
                header.payload_len,
                expected_len.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string()),
            ),
        ));
    }
    if bytes[header_end..start as usize].iter().any(|&b| b != 0) {
        return Err(invalid_file(
            path,
            "non-zero bytes in the padding after the header",
        ));
    }
    let dtypes = check_records(&header, path)?;
    Ok(ValidatedHeader {
        header,
        dtypes,
        payload_start: start as usize,
    })
}

/// Checks each record's dtype, size, bounds, name uniqueness, and that no two
/// ranges overlap; returns the dtypes.
fn check_records(header: &BornHeader, path: &Path) -> Result<Vec<DType>> {
    let mut dtypes = Vec::with_capacity(header.tensors.len());
    let mut names = HashSet::with_capacity(header.tensors.len());
    for record in &header.tensors {
        let name = &record.name;
        if !names.insert(name.as_str()) {
            return Err(invalid_file(path, format!("tensor {name:?} appears twice")));
        }
        let dtype: DType = record.dtype.parse().map_err(|_| {
            invalid_file(
                path,
                format!("tensor {name:?} has unknown dtype {:?}", record.dtype),
            )
        })?;
        let expected = record
            .shape
            .iter()
            .try_fold(dtype.size_in_bytes() as u64, |acc, &d| {
                acc.checked_mul(d as u64)
            });
        if expected != Some(record.length) {
            return Err(invalid_file(
                path,
                format!(
                    "tensor {name:?}: {dtype} {:?} needs {} bytes, the table says {}",
                    record.shape,
                    expected.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string()),
                    record.length
                ),
            ));
        }
        let end = record.offset.checked_add(record.length);
        if end.is_none_or(|end| end > header.payload_len) {
            return Err(invalid_file(
                path,
                format!(
                    "tensor {name:?}: bytes {}..{}+{} lie outside the {}-byte payload",
                    record.offset, record.offset, record.length, header.payload_len
                ),
            ));
        }
        dtypes.push(dtype);
    }
    check_no_overlap(&header.tensors, path)?;
    Ok(dtypes)
}

/// Fails if any two tensors' byte ranges share a byte (empty tensors share none).
fn check_no_overlap(records: &[TensorRecord], path: &Path) -> Result<()> {
    let mut ranges: Vec<&TensorRecord> = records.iter().filter(|r| r.length > 0).collect();
    ranges.sort_by_key(|r| r.offset);
    for pair in ranges.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        // Offsets plus lengths were checked against the payload length already.
        if a.offset + a.length > b.offset {
            return Err(invalid_file(
                path,
                format!(
                    "tensors {:?} (bytes {}..{}) and {:?} (bytes {}..{}) overlap",
                    a.name,
                    a.offset,
                    a.offset + a.length,
                    b.name,
                    b.offset,
                    b.offset + b.length
                ),
            ));
        }
    }
    Ok(())
}
