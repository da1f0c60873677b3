//! Opening and validating a GGUF file: header, metadata, tensor infos, mapped data.

use std::collections::HashSet;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;

use super::cursor::Cursor;
use super::error::{GgufError, Result};
use super::limits::{
    DEFAULT_ALIGNMENT, MAX_ALIGNMENT, MAX_DIMS, MAX_METADATA_ENTRIES, MAX_TENSORS,
    MAX_TENSOR_NAME_LEN,
};
use super::metadata::GgufMetadata;
use super::tensor_info::GgufTensorInfo;
use crate::quant::{GgmlType, QuantizedMatrix, SharedBytes};

/// The four bytes every GGUF file starts with.
pub const GGUF_MAGIC: [u8; 4] = *b"GGUF";
/// Metadata key that sets the data alignment.
pub const ALIGNMENT_KEY: &str = "general.alignment";

/// A parsed GGUF file (v2 or v3) whose tensor data stays in the mapped file.
#[derive(Debug)]
pub struct GgufFile {
    bytes: SharedBytes,
    version: u32,
    metadata: GgufMetadata,
    tensors: Vec<GgufTensorInfo>,
    alignment: u64,
    data_offset: u64,
}

impl GgufFile {
    /// Opens and validates the GGUF file at `path`, memory-mapping its tensor data.
    ///
    /// The file must not be truncated by another process while it is open.
    pub fn open(path: impl AsRef<Path>) -> Result<GgufFile> {
        let path = path.as_ref();
        let io = |op, source| GgufError::Io {
            op,
            path: path.display().to_string(),
            source,
        };
        if path.is_dir() {
            return Err(GgufError::Invalid(format!(
                "{} is a directory, not a GGUF file",
                path.display()
            )));
        }
        let file = File::open(path).map_err(|e| io("open", e))?;
        // SAFETY: the mapping is read-only; it stays valid as long as the file is not
        // truncated externally, which the doc comment above asks callers to avoid.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| io("map", e))?;
        GgufFile::parse(SharedBytes::new(Arc::new(map)))
    }

    /// Parses and validates a GGUF file held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<GgufFile> {
        GgufFile::parse(SharedBytes::from_vec(bytes))
    }

    /// GGUF format version (2 or 3).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// All metadata.
    pub fn metadata(&self) -> &GgufMetadata {
        &self.metadata
    }

    /// Tensor descriptors in file order.
    pub fn tensors(&self) -> &[GgufTensorInfo] {
        &self.tensors
    }

    /// The descriptor of the tensor called `name`.
    pub fn tensor(&self, name: &str) -> Option<&GgufTensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// The info of the tensor called `name`, or an error naming it.
    fn info(&self, name: &str) -> Result<&GgufTensorInfo> {
        self.tensor(name).ok_or_else(|| GgufError::Tensor {
            name: name.to_string(),
            problem: format!("no such tensor among {}", self.tensors.len()),
        })
    }

    /// The bytes of the tensor called `name` as a shared view of the mapped file (no
    /// copy), for values that outlive this `GgufFile`.
    pub fn tensor_shared_bytes(&self, name: &str) -> Result<SharedBytes> {
        let info = self.info(name)?;
        let start = (self.data_offset + info.offset) as usize;
        Ok(self
            .bytes
            .slice(start..start + info.n_bytes as usize)
            .expect("tensor ranges were checked against the file at open"))
    }

    /// The 2-D tensor `name` (ggml dims `[cols, rows]`) as a matrix that stays in its
    /// encoding and in the mapped file; 1-D tensors are one row.
    pub fn quantized_matrix(&self, name: &str) -> Result<QuantizedMatrix> {
        let info = self.info(name)?;
        let bad = |problem: String| GgufError::Tensor {
            name: name.to_string(),
            problem,
        };
        let (cols, rows) = match info.dims[..] {
            [c] => (c as usize, 1),
            [c, r] => (c as usize, r as usize),
            _ => return Err(bad(format!("dims {:?} are not a matrix", info.dims))),
        };
        QuantizedMatrix::new(info.ggml_type, rows, cols, self.tensor_shared_bytes(name)?)
            .map_err(|e| bad(e.to_string()))
    }

    /// The tensor called `name` decoded to f32 (row-major, shape [`GgufTensorInfo::shape`]).
    pub fn dequantize_tensor(&self, name: &str) -> Result<Vec<f32>> {
        let info = self.info(name)?;
        crate::quant::dequantize(
            info.ggml_type,
            self.tensor_bytes(name)?,
            info.n_elements() as usize,
        )
        .map_err(|e| GgufError::Tensor {
            name: name.to_string(),
            problem: e.to_string(),
        })
    }

    /// The raw bytes of the tensor called `name`.
    pub fn tensor_bytes(&self, name: &str) -> Result<&[u8]> {
        let info = self.info(name)?;
        let start = (self.data_offset + info.offset) as usize;
        Ok(&self.bytes[start..start + info.n_bytes as usize])
    }

    /// `general.architecture`, e.g. `llama`.
    pub fn architecture(&self) -> Option<&str> {
        self.metadata
            .get("general.architecture")
            .and_then(|v| v.as_str())
    }

    /// Alignment of the data section and of every tensor's offset.
    pub fn alignment(&self) -> u64 {
        self.alignment
    }

    /// File offset where the data section starts.
    pub fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// Total file length in bytes.
    pub fn file_len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Parses header, metadata and tensor infos, and checks every tensor against the file.
    fn parse(bytes: SharedBytes) -> Result<GgufFile> {
        let mut c = Cursor::new(&bytes);
        let (version, n_tensors, n_kv) = read_header(&mut c)?;
        let metadata = GgufMetadata::parse(&mut c, n_kv)?;
        let alignment = read_alignment(&metadata)?;
        let mut tensors = Vec::with_capacity(n_tensors as usize);
        for i in 0..n_tensors {
            tensors.push(read_tensor_info(&mut c, i)?);
        }
        let header_end = c.position() as u64;
        let data_offset = header_end.div_ceil(alignment) * alignment;
        let data_len = (bytes.len() as u64).saturating_sub(data_offset);
        check_tensors(&tensors, alignment, data_offset, data_len)?;
        Ok(GgufFile {
            bytes,
            version,
            metadata,
            tensors,
            alignment,
            data_offset,
        })
    }
}

/// Reads magic, version and the two counts, checking the counts against caps and the
/// file size.
fn read_header(c: &mut Cursor<'_>) -> Result<(u32, u64, u64)> {
    let magic = c.array::<4>("magic")?;
    if magic != GGUF_MAGIC {
        return Err(GgufError::BadMagic {
            found: magic.to_vec(),
        });
    }
    let version = c.u32("version")?;
    if version != 2 && version != 3 {
        let hint = if matches!(version.swap_bytes(), 2 | 3) {
            "; this looks like a big-endian file, which is not supported"
        } else if version == 1 {
            "; version 1 files use 32-bit counts and are obsolete"
        } else {
            ""
        };
        return Err(GgufError::UnsupportedVersion { version, hint });
    }
    let n_tensors = c.u64("tensor count")?;
    let n_kv = c.u64("metadata count")?;
    check_count("tensor count", n_tensors, MAX_TENSORS, c, 24)?;
    check_count("metadata count", n_kv, MAX_METADATA_ENTRIES, c, 13)?;
    Ok((version, n_tensors, n_kv))
}

/// Fails when `count` entries of at least `min_size` bytes cannot fit, or exceed `limit`.
fn check_count(what: &str, count: u64, limit: u64, c: &Cursor<'_>, min_size: u64) -> Result<()> {
    if count > limit {
        return Err(GgufError::LimitExceeded {
            what: what.into(),
            value: count,
            limit,
        });
    }
    if count * min_size > c.remaining() as u64 {
        return Err(GgufError::Truncated {
            what: format!("{count} entries of the {what}"),
            offset: c.position() as u64,
            needed: count * min_size,
            len: (c.position() + c.remaining()) as u64,
        });
    }
    Ok(())
}

/// `general.alignment` when present (a power of two), else 32.
fn read_alignment(metadata: &GgufMetadata) -> Result<u64> {
    let Some(value) = metadata.get(ALIGNMENT_KEY) else {
        return Ok(DEFAULT_ALIGNMENT);
    };
    let bad = |problem: String| GgufError::Metadata {
        key: ALIGNMENT_KEY.into(),
        problem,
    };
    let align = value
        .as_u64()
        .ok_or_else(|| bad(format!("expected an unsigned integer, found {value}")))?;
    if align == 0 || !align.is_power_of_two() || align > MAX_ALIGNMENT {
        return Err(bad(format!(
            "{align} is not a power of two between 1 and {MAX_ALIGNMENT}"
        )));
    }
    Ok(align)
}

/// Reads one tensor info and checks its rank, dimensions, type and byte size.
fn read_tensor_info(c: &mut Cursor<'_>, index: u64) -> Result<GgufTensorInfo> {
    let name = c.string(&format!("name of tensor #{index}"), MAX_TENSOR_NAME_LEN)?;
    let bad = |problem: String| GgufError::Tensor {
        name: name.clone(),
        problem,
    };
    let n_dims = c.u32(&format!("rank of tensor {name:?}"))?;
    if n_dims > MAX_DIMS {
        return Err(bad(format!(
            "rank {n_dims} is above the limit of {MAX_DIMS}"
        )));
    }
    let mut dims = Vec::with_capacity(n_dims as usize);
    for _ in 0..n_dims {
        dims.push(c.u64(&format!("dimensions of tensor {name:?}"))?);
    }
    let type_id = c.u32(&format!("type of tensor {name:?}"))?;
    let offset = c.u64(&format!("offset of tensor {name:?}"))?;
    let ggml_type =
        GgmlType::from_id(type_id).ok_or_else(|| bad(format!("unknown ggml type id {type_id}")))?;
    let n_elements = dims
        .iter()
        .try_fold(1u64, |acc, &d| {
            acc.checked_mul(d).filter(|&n| n <= i64::MAX as u64)
        })
        .ok_or_else(|| bad(format!("dimensions {dims:?} overflow the element count")))?;
    let row_len = dims.first().copied().unwrap_or(1);
    if row_len % ggml_type.block_size() as u64 != 0 {
        return Err(bad(format!(
            "row length {row_len} is not a multiple of the {ggml_type} block size {}",
            ggml_type.block_size()
        )));
    }
    let n_bytes = ggml_type.bytes_for(n_elements).ok_or_else(|| {
        bad(format!(
            "byte size of {n_elements} {ggml_type} values overflows"
        ))
    })?;
    Ok(GgufTensorInfo {
        name,
        ggml_type,
        dims,
        offset,
        n_bytes,
    })
}

/// Checks names are unique, offsets aligned, data inside the file, and no two tensors
/// overlap.
fn check_tensors(
    tensors: &[GgufTensorInfo],
    alignment: u64,
    data_offset: u64,
    data_len: u64,
) -> Result<()> {
    let mut names = HashSet::with_capacity(tensors.len());
    for t in tensors {
        let bad = |problem: String| GgufError::Tensor {
            name: t.name.clone(),
            problem,
        };
        if !names.insert(t.name.as_str()) {
            return Err(bad("duplicate tensor name".into()));
        }
        if t.offset % alignment != 0 {
            return Err(bad(format!(
                "offset {} is not a multiple of the alignment {alignment}",
                t.offset
            )));
        }
        let end = t.offset.checked_add(t.n_bytes).filter(|&e| e <= data_len);
        if end.is_none() {
            return Err(bad(format!(
                "data [{}, {}+{}) lies outside the data section of {data_len} bytes at file offset {data_offset}",
                t.offset, t.offset, t.n_bytes
            )));
        }
    }
    let mut by_offset: Vec<&GgufTensorInfo> = tensors.iter().filter(|t| t.n_bytes > 0).collect();
    by_offset.sort_by_key(|t| t.offset);
    for pair in by_offset.windows(2) {
        if pair[0].offset + pair[0].n_bytes > pair[1].offset {
            return Err(GgufError::Tensor {
                name: pair[1].name.clone(),
                problem: format!(
                    "data at offset {} overlaps tensor {:?} at [{}, {})",
                    pair[1].offset,
                    pair[0].name,
                    pair[0].offset,
                    pair[0].offset + pair[0].n_bytes
                ),
            });
        }
    }
    Ok(())
}
