//! Reader for the IDX format (MNIST's container), raw or gzipped.
//!
//! Layout: two zero bytes, an element-type code, the number of dimensions `n`,
//! then `n` big-endian `u32` sizes, then the values, big-endian, row-major.
//! Every declared size is checked against the bytes actually present before
//! anything of that size is allocated.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::io::file_error::{invalid_file, io_failure};
use crate::{DType, Result, Tensor};

/// Largest expansion deflate can achieve (its format caps it near 1032:1).
const MAX_DEFLATE_RATIO: u64 = 1032;

/// Element type of an IDX file (the third byte of its magic number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdxType {
    /// Unsigned byte (code 0x08).
    U8,
    /// Signed byte (code 0x09).
    I8,
    /// Big-endian `i16` (code 0x0B).
    I16,
    /// Big-endian `i32` (code 0x0C).
    I32,
    /// Big-endian `f32` (code 0x0D).
    F32,
    /// Big-endian `f64` (code 0x0E).
    F64,
}

impl IdxType {
    /// The type for an IDX type code, if the code is one the format defines.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0x08 => Some(Self::U8),
            0x09 => Some(Self::I8),
            0x0B => Some(Self::I16),
            0x0C => Some(Self::I32),
            0x0D => Some(Self::F32),
            0x0E => Some(Self::F64),
            _ => None,
        }
    }

    /// Bytes per element.
    pub fn size_in_bytes(self) -> usize {
        match self {
            Self::U8 | Self::I8 => 1,
            Self::I16 => 2,
            Self::I32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }
}

/// An array read from an IDX file, values stored little-endian.
#[derive(Clone, PartialEq)]
pub struct IdxArray {
    elem: IdxType,
    dims: Vec<usize>,
    bytes: Vec<u8>,
}

impl IdxArray {
    /// Element type.
    pub fn elem_type(&self) -> IdxType {
        self.elem
    }

    /// Dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.elem.size_in_bytes()
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The values as little-endian bytes.
    pub fn as_le_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The values of a `u8` array, or `None` for other element types.
    pub fn as_u8(&self) -> Option<&[u8]> {
        (self.elem == IdxType::U8).then_some(&self.bytes)
    }

    /// Consumes the array, giving its dimensions and `u8` values (`None` for other types).
    pub fn into_u8(self) -> Option<(Vec<usize>, Vec<u8>)> {
        (self.elem == IdxType::U8).then_some((self.dims, self.bytes))
    }

    /// The array as a tensor: `u8` stays `u8`, signed integers become
    /// `i64`, floats keep their width.
    pub fn to_tensor(&self) -> Result<Tensor> {
        let (dtype, bytes) = match self.elem {
            IdxType::U8 => (DType::U8, self.bytes.clone()),
            IdxType::F32 => (DType::F32, self.bytes.clone()),
            IdxType::F64 => (DType::F64, self.bytes.clone()),
            IdxType::I8 | IdxType::I16 | IdxType::I32 => {
                // Every value of these types is exact in f64, so this is lossless.
                let values = self.to_f64_vec();
                let bytes = values
                    .iter()
                    .flat_map(|&v| (v as i64).to_le_bytes())
                    .collect();
                (DType::I64, bytes)
            }
        };
        Tensor::from_bytes(&bytes, dtype, &self.dims)
    }

    /// All values converted to `f64` (exact for every IDX type).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        let b = &self.bytes;
        match self.elem {
            IdxType::U8 => b.iter().map(|&v| f64::from(v)).collect(),
            IdxType::I8 => b.iter().map(|&v| f64::from(v as i8)).collect(),
            IdxType::I16 => b
                .chunks_exact(2)
                .map(|c| f64::from(i16::from_le_bytes([c[0], c[1]])))
                .collect(),
            IdxType::I32 => b
                .chunks_exact(4)
                .map(|c| f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
            IdxType::F32 => b
                .chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
            IdxType::F64 => b
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("chunks of 8 bytes")))
                .collect(),
        }
    }
}

impl std::fmt::Debug for IdxArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdxArray({:?} {:?})", self.elem, self.dims)
    }
}

/// Reads an IDX file; gzip compression is detected from the content.
pub fn read_idx(path: impl AsRef<Path>) -> Result<IdxArray> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| io_failure("open IDX file", path, e))?;
    let file_len = file
        .metadata()
        .map_err(|e| io_failure("read size of IDX file", path, e))?
        .len();
    let mut reader = BufReader::new(file);
    let is_gzip = starts_with_gzip_magic(&mut reader, path)?;
    if is_gzip {
        let mut decoder = MultiGzDecoder::new(reader);
        let header = read_header(&mut decoder, path)?;
        let limit = file_len.saturating_mul(MAX_DEFLATE_RATIO);
        if header.payload_len > limit {
            return Err(invalid_file(
                path,
                format!(
                    "IDX header declares {} ({} bytes of data) but a {file_len}-byte gzip \
                     file can hold at most {limit} bytes",
                    header.describe(),
                    header.payload_len
                ),
            ));
        }
        let payload = read_exact_payload(&mut decoder, &header, path)?;
        Ok(header.into_array(payload))
    } else {
        let header = read_header(&mut reader, path)?;
        let available = file_len.saturating_sub(header.header_len);
        if header.payload_len != available {
            return Err(invalid_file(
                path,
                format!(
                    "IDX header declares {} ({} bytes of data) but the file has {available} \
                     bytes after its {}-byte header",
                    header.describe(),
                    header.payload_len,
                    header.header_len
                ),
            ));
        }
        let payload = read_exact_payload(&mut reader, &header, path)?;
        Ok(header.into_array(payload))
    }
}

/// The parsed header of an IDX stream.
struct IdxHeader {
    elem: IdxType,
    dims: Vec<usize>,
    header_len: u64,
    payload_len: u64,
}

impl IdxHeader {
    /// "60000x28x28 u8" for messages.
    fn describe(&self) -> String {
        let dims: Vec<String> = self.dims.iter().map(usize::to_string).collect();
        format!("{} {:?} values", dims.join("x"), self.elem)
    }

    /// Builds the array, converting big-endian values to little-endian.
    fn into_array(self, mut bytes: Vec<u8>) -> IdxArray {
        let width = self.elem.size_in_bytes();
        if width > 1 {
            bytes.chunks_exact_mut(width).for_each(<[u8]>::reverse);
        }
        IdxArray {
            elem: self.elem,
            dims: self.dims,
            bytes,
        }
    }
}

/// Peeks at the first two bytes for the gzip magic without consuming them.
fn starts_with_gzip_magic(reader: &mut BufReader<File>, path: &Path) -> Result<bool> {
    use std::io::BufRead;
    let buffered = reader
        .fill_buf()
        .map_err(|e| io_failure("read IDX file", path, e))?;
    Ok(buffered.starts_with(&[0x1f, 0x8b]))
}

/// Reads and validates the magic number and dimensions.
fn read_header(reader: &mut impl Read, path: &Path) -> Result<IdxHeader> {
    let mut magic = [0u8; 4];
    read_header_bytes(reader, &mut magic, path, "magic number")?;
    if magic[0] != 0 || magic[1] != 0 {
        return Err(invalid_file(
            path,
            format!(
                "not an IDX file: magic number starts with {:#04x} {:#04x}, expected 0x00 0x00",
                magic[0], magic[1]
            ),
        ));
    }
    let elem = IdxType::from_code(magic[2]).ok_or_else(|| {
        invalid_file(
            path,
            format!(
                "unknown IDX element type code {:#04x} (known: 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)",
                magic[2]
            ),
        )
    })?;
    let ndims = usize::from(magic[3]);
    if ndims == 0 {
        return Err(invalid_file(path, "IDX header declares 0 dimensions"));
    }
    let mut dims = Vec::with_capacity(ndims);
    for _ in 0..ndims {
        let mut size = [0u8; 4];
        read_header_bytes(reader, &mut size, path, "dimension sizes")?;
        dims.push(u32::from_be_bytes(size) as usize);
    }
    let payload_len = dims
        .iter()
        .try_fold(elem.size_in_bytes() as u64, |acc, &d| {
            acc.checked_mul(d as u64)
        })
        .ok_or_else(|| {
            invalid_file(
                path,
                format!("IDX dimensions {dims:?} overflow a 64-bit byte count"),
            )
        })?;
    Ok(IdxHeader {
        elem,
        dims,
        header_len: 4 + 4 * ndims as u64,
        payload_len,
    })
}

/// Fills `buf` from the header, turning a short read into a clear error.
fn read_header_bytes(
    reader: &mut impl Read,
    buf: &mut [u8],
    path: &Path,
    what: &str,
) -> Result<()> {
    reader.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            invalid_file(path, format!("IDX file ends inside its header ({what})"))
        } else {
            io_failure("read IDX header of", path, e)
        }
    })
}

/// Reads exactly the declared payload; fewer or more bytes is an error.
///
/// Memory grows with the bytes actually read (capped at the declared length
/// plus one), never with the declared size alone.
fn read_exact_payload(reader: &mut impl Read, header: &IdxHeader, path: &Path) -> Result<Vec<u8>> {
    let mut payload = Vec::new();
    reader
        .take(header.payload_len.saturating_add(1))
        .read_to_end(&mut payload)
        .map_err(|e| io_failure("read IDX data of", path, e))?;
    let got = payload.len() as u64;
    if got != header.payload_len {
        let relation = if got < header.payload_len {
            format!("only {got} are present (truncated)")
        } else {
            "more follow (trailing data)".to_string()
        };
        return Err(invalid_file(
            path,
            format!(
                "IDX header declares {} ({} bytes of data) but {relation}",
                header.describe(),
                header.payload_len
            ),
        ));
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn idx_bytes(code: u8, dims: &[u32], payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, code, dims.len() as u8];
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(payload);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).expect("write to memory");
        enc.finish().expect("finish gzip in memory")
    }

    fn write_temp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write temp file");
        path
    }

    fn read_err(bytes: &[u8]) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = write_temp(&dir, "bad.idx", bytes);
        read_idx(&path).expect_err("bad file must fail").to_string()
    }

    #[test]
    fn reads_raw_u8_array() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = write_temp(
            &dir,
            "a.idx",
            &idx_bytes(0x08, &[2, 3], &[1, 2, 3, 4, 5, 6]),
        );
        let array = read_idx(&path).expect("valid file");
        assert_eq!(array.dims(), &[2, 3]);
        assert_eq!(array.as_u8(), Some(&[1u8, 2, 3, 4, 5, 6][..]));
    }

    #[test]
    fn reads_gzipped_big_endian_values() {
        let mut payload = Vec::new();
        for v in [1.5f32, -2.0, 1e-3] {
            payload.extend_from_slice(&v.to_be_bytes());
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = write_temp(&dir, "f.idx.gz", &gzip(&idx_bytes(0x0D, &[3], &payload)));
        let array = read_idx(&path).expect("valid file");
        assert_eq!(array.elem_type(), IdxType::F32);
        assert_eq!(array.to_f64_vec(), vec![1.5, -2.0, f64::from(1e-3f32)]);
        assert_eq!(array.as_u8(), None);
    }

    #[test]
    fn reads_signed_types() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut payload = (-300i16).to_be_bytes().to_vec();
        payload.extend_from_slice(&7i16.to_be_bytes());
        let path = write_temp(&dir, "i.idx", &idx_bytes(0x0B, &[2], &payload));
        assert_eq!(
            read_idx(&path).expect("valid").to_f64_vec(),
            vec![-300.0, 7.0]
        );
        let path = write_temp(&dir, "b.idx", &idx_bytes(0x09, &[1], &[0xFF]));
        assert_eq!(read_idx(&path).expect("valid").to_f64_vec(), vec![-1.0]);
    }

    #[test]
    fn converts_to_tensors_of_matching_dtype() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = write_temp(&dir, "u.idx", &idx_bytes(0x08, &[1, 2], &[7, 9]));
        let t = read_idx(&path).expect("valid").to_tensor().expect("tensor");
        assert_eq!((t.dtype(), t.dims()), (DType::U8, &[1, 2][..]));
        assert_eq!(t.to_bytes().expect("bytes"), vec![7, 9]);
        let payload: Vec<u8> = [-5i32, 70_000]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let path = write_temp(&dir, "i.idx", &idx_bytes(0x0C, &[2], &payload));
        let t = read_idx(&path).expect("valid").to_tensor().expect("tensor");
        assert_eq!(t.dtype(), DType::I64);
        let want: Vec<u8> = [-5i64, 70_000]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(t.to_bytes().expect("bytes"), want);
        let path = write_temp(&dir, "d.idx", &idx_bytes(0x0E, &[1], &2.5f64.to_be_bytes()));
        let t = read_idx(&path).expect("valid").to_tensor().expect("tensor");
        assert_eq!(t.to_bytes().expect("bytes"), 2.5f64.to_le_bytes().to_vec());
    }

    #[test]
    fn truncated_payload_names_file_and_sizes() {
        let msg = read_err(&idx_bytes(0x08, &[2, 3], &[1, 2, 3]));
        assert!(msg.contains("bad.idx"), "{msg}");
        assert!(msg.contains("2x3 U8 values (6 bytes"), "{msg}");
        assert!(msg.contains("has 3 bytes"), "{msg}");
    }

    #[test]
    fn trailing_data_is_rejected() {
        let msg = read_err(&idx_bytes(0x08, &[2], &[1, 2, 3]));
        assert!(msg.contains("has 3 bytes"), "{msg}");
    }

    #[test]
    fn wrong_magic_and_unknown_type_are_rejected() {
        let msg = read_err(b"PK\x03\x04rest");
        assert!(msg.contains("not an IDX file"), "{msg}");
        let msg = read_err(&idx_bytes(0x07, &[1], &[0]));
        assert!(msg.contains("unknown IDX element type code 0x07"), "{msg}");
        let msg = read_err(&[0, 0, 8, 0]);
        assert!(msg.contains("0 dimensions"), "{msg}");
    }

    #[test]
    fn truncated_header_is_rejected() {
        let msg = read_err(&[0, 0, 8]);
        assert!(
            msg.contains("ends inside its header (magic number)"),
            "{msg}"
        );
        let msg = read_err(&[0, 0, 8, 3, 0, 0, 0, 1]);
        assert!(msg.contains("dimension sizes"), "{msg}");
    }

    #[test]
    fn huge_declared_size_fails_without_allocating() {
        // 4 dims of u32::MAX f64 values overflow u64; 3 dims do not, and are
        // rejected against the file length before any allocation.
        let msg = read_err(&idx_bytes(0x0E, &[u32::MAX; 4], &[]));
        assert!(msg.contains("overflow"), "{msg}");
        let msg = read_err(&idx_bytes(0x08, &[u32::MAX, u32::MAX], &[1, 2]));
        assert!(msg.contains("has 2 bytes"), "{msg}");
    }

    #[test]
    fn gzip_declaring_more_than_deflate_can_hold_is_rejected() {
        let msg = read_err(&gzip(&idx_bytes(0x08, &[u32::MAX, u32::MAX], &[1, 2])));
        assert!(msg.contains("can hold at most"), "{msg}");
    }

    #[test]
    fn truncated_gzip_payload_is_rejected() {
        let msg = read_err(&gzip(&idx_bytes(0x08, &[100, 100], &[9; 50])));
        assert!(msg.contains("only 50 are present (truncated)"), "{msg}");
    }

    #[test]
    fn cut_gzip_stream_is_an_error() {
        let full = gzip(&idx_bytes(0x08, &[64], &[3; 64]));
        let err = read_err(&full[..full.len() - 6]);
        assert!(err.contains("bad.idx"), "{err}");
    }
}
