//! Born's native tensor file, `.born`: named tensors plus JSON metadata, with
//! a SHA-256 of the payload checked on load. The byte layout is documented in
//! [`crate::io::born_header`].

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use sha2::{Digest, Sha256};

use crate::io::atomic::write_atomic_via_path;
use crate::io::born_header::{
    parse_header, payload_start, BornHeader, TensorRecord, ValidatedHeader, ALIGNMENT, MAGIC,
    PRELUDE_LEN, VERSION,
};
use crate::io::file_error::{invalid_file, io_failure};
use crate::{DType, Error, Result, Tensor};

/// An open, validated `.born` file, memory-mapped; tensors are read on demand.
#[derive(Debug)]
pub struct BornFile {
    path: PathBuf,
    map: Mmap,
    header: BornHeader,
    dtypes: Vec<DType>,
    payload_start: usize,
}

impl BornFile {
    /// Opens `path`, checks its header, bounds and payload hash.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| io_failure("open .born file", &path, e))?;
        // SAFETY: the map is read-only. Born replaces files by rename, which
        // leaves mapped bytes intact; a third party truncating the file while
        // it is mapped is outside what any mmap-based reader can defend.
        let map =
            unsafe { Mmap::map(&file) }.map_err(|e| io_failure("map .born file", &path, e))?;
        let validated = validate(&map, &path)?;
        Ok(Self {
            path,
            map,
            header: validated.header,
            dtypes: validated.dtypes,
            payload_start: validated.payload_start,
        })
    }

    /// The metadata saved with the tensors.
    pub fn metadata(&self) -> &serde_json::Value {
        &self.header.metadata
    }

    /// Tensor names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.header
            .tensors
            .iter()
            .map(|r| r.name.as_str())
            .collect()
    }

    /// Dtype and dimensions of the tensor `name`, without reading its data.
    pub fn info(&self, name: &str) -> Option<(DType, &[usize])> {
        let index = self.index_of(name)?;
        Some((self.dtypes[index], &self.header.tensors[index].shape))
    }

    /// Reads the tensor `name`.
    pub fn tensor(&self, name: &str) -> Result<Tensor> {
        let index = self.index_of(name).ok_or_else(|| {
            Error::invalid(
                "BornFile::tensor",
                format!("{} has no tensor {name:?}", self.path.display()),
            )
        })?;
        self.read(index)
    }

    /// Reads every tensor, by name.
    pub fn tensors(&self) -> Result<BTreeMap<String, Tensor>> {
        (0..self.header.tensors.len())
            .map(|i| Ok((self.header.tensors[i].name.clone(), self.read(i)?)))
            .collect()
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.header.tensors.iter().position(|r| r.name == name)
    }

    fn read(&self, index: usize) -> Result<Tensor> {
        let record = &self.header.tensors[index];
        // parse_header checked offset + length against the payload length.
        let start = self.payload_start + record.offset as usize;
        let bytes = &self.map[start..start + record.length as usize];
        Tensor::from_bytes(bytes, self.dtypes[index], &record.shape)
    }
}

/// Checks the header, the bounds of every tensor and the payload hash of the
/// whole file in `bytes`.
fn validate(bytes: &[u8], path: &Path) -> Result<ValidatedHeader> {
    let validated = parse_header(bytes, path)?;
    let digest = hex(&Sha256::digest(&bytes[validated.payload_start..]));
    if digest != validated.header.payload_sha256 {
        return Err(invalid_file(
            path,
            format!(
                "payload SHA-256 is {digest}, the header records {} (file corrupted)",
                validated.header.payload_sha256
            ),
        ));
    }
    Ok(validated)
}

/// Loads every tensor and the metadata of a `.born` file.
pub fn load_born(path: impl AsRef<Path>) -> Result<(BTreeMap<String, Tensor>, serde_json::Value)> {
    let file = BornFile::open(path)?;
    let tensors = file.tensors()?;
    Ok((tensors, file.header.metadata))
}

/// Atomically writes named tensors and metadata as a `.born` file.
///
/// Tensors are streamed one at a time, so memory use stays near the largest
/// tensor, not the whole file.
pub fn save_born<'a, S: AsRef<str>>(
    path: impl AsRef<Path>,
    tensors: impl IntoIterator<Item = (S, &'a Tensor)>,
    metadata: &serde_json::Value,
) -> Result<()> {
    let path = path.as_ref();
    let tensors: Vec<(String, &Tensor)> = tensors
        .into_iter()
        .map(|(name, t)| (name.as_ref().to_string(), t))
        .collect();
    let mut header = plan_header(&tensors, metadata, path)?;
    write_atomic_via_path(path, |temp| {
        let file = File::create(temp).map_err(|e| io_failure("create", temp, e))?;
        let mut out = BufWriter::new(file);
        let header_bytes = header_json(&header, temp)?;
        write_prelude(&mut out, &header_bytes, temp)?;
        header.payload_sha256 = write_payload(&mut out, &tensors, &header, temp)?;
        let file = out
            .into_inner()
            .map_err(|e| io_failure("write", temp, e.into_error()))?;
        // The hash has the same length as the placeholder, so the header
        // keeps its size and the payload does not move.
        let final_bytes = header_json(&header, temp)?;
        if final_bytes.len() != header_bytes.len() {
            return Err(Error::invalid(
                "save_born",
                format!(
                    "header changed size from {} to {} bytes when the hash was filled in",
                    header_bytes.len(),
                    final_bytes.len()
                ),
            ));
        }
        rewrite_header(file, &final_bytes, temp)
    })
}

/// The header with each tensor's place in the payload (hash still a placeholder).
fn plan_header(
    tensors: &[(String, &Tensor)],
    metadata: &serde_json::Value,
    path: &Path,
) -> Result<BornHeader> {
    let mut records = Vec::with_capacity(tensors.len());
    let mut offset = 0u64;
    let mut seen = std::collections::HashSet::new();
    for (name, tensor) in tensors {
        if !seen.insert(name.as_str()) {
            return Err(Error::invalid(
                "save_born",
                format!("tensor name {name:?} given twice for {}", path.display()),
            ));
        }
        let dtype = tensor.dtype();
        let shape = tensor.dims().to_vec();
        let length = (shape.iter().product::<usize>() * dtype.size_in_bytes()) as u64;
        offset = offset.next_multiple_of(ALIGNMENT);
        records.push(TensorRecord {
            name: name.clone(),
            dtype: dtype.name().to_string(),
            shape,
            offset,
            length,
        });
        offset += length;
    }
    Ok(BornHeader {
        metadata: metadata.clone(),
        payload_len: offset,
        payload_sha256: "0".repeat(64),
        tensors: records,
    })
}

fn header_json(header: &BornHeader, path: &Path) -> Result<Vec<u8>> {
    serde_json::to_vec(header)
        .map_err(|e| Error::invalid("save_born", format!("{}: header: {e}", path.display())))
}

/// Writes magic, version, header and the padding up to the payload.
fn write_prelude(out: &mut impl Write, header: &[u8], path: &Path) -> Result<()> {
    let start = payload_start(header.len() as u64).expect("header size fits in u64");
    let padding = start as usize - PRELUDE_LEN - header.len();
    let mut prelude = Vec::with_capacity(start as usize);
    prelude.extend_from_slice(&MAGIC);
    prelude.extend_from_slice(&VERSION.to_le_bytes());
    prelude.extend_from_slice(&(header.len() as u64).to_le_bytes());
    prelude.extend_from_slice(header);
    prelude.resize(prelude.len() + padding, 0);
    out.write_all(&prelude)
        .map_err(|e| io_failure("write", path, e))
}

/// Streams each tensor's bytes at its planned offset; returns the payload hash.
fn write_payload(
    out: &mut impl Write,
    tensors: &[(String, &Tensor)],
    header: &BornHeader,
    path: &Path,
) -> Result<String> {
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    for ((_, tensor), record) in tensors.iter().zip(&header.tensors) {
        let padding = vec![0u8; (record.offset - written) as usize];
        let bytes = tensor.to_bytes()?;
        if bytes.len() as u64 != record.length {
            return Err(Error::invalid(
                "save_born",
                format!(
                    "tensor {:?} gave {} bytes, expected {}",
                    record.name,
                    bytes.len(),
                    record.length
                ),
            ));
        }
        for chunk in [&padding, &bytes] {
            hasher.update(chunk);
            out.write_all(chunk)
                .map_err(|e| io_failure("write", path, e))?;
        }
        written = record.offset + record.length;
    }
    Ok(hex(&hasher.finalize()))
}

/// Overwrites the header JSON in place (same length as the one written first).
fn rewrite_header(mut file: File, header: &[u8], path: &Path) -> Result<()> {
    file.seek(SeekFrom::Start(PRELUDE_LEN as u64))
        .and_then(|_| file.write_all(header))
        .map_err(|e| io_failure("write header of", path, e))
}

/// Lowercase hex of a byte string.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tensor(dtype: DType, dims: &[usize], seed: u8) -> Tensor {
        let n = dims.iter().product::<usize>() * dtype.size_in_bytes();
        let bytes: Vec<u8> = (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect();
        Tensor::from_bytes(&bytes, dtype, dims).expect("valid tensor")
    }

    fn sample_tensors() -> BTreeMap<String, Tensor> {
        let mut map = BTreeMap::new();
        map.insert("fc.weight".to_string(), tensor(DType::F32, &[3, 5], 1));
        map.insert("fc.bias".to_string(), tensor(DType::F64, &[3], 2));
        map.insert("emb".to_string(), tensor(DType::BF16, &[2, 2], 3));
        map.insert("half".to_string(), tensor(DType::F16, &[7], 4));
        map.insert("steps".to_string(), tensor(DType::I64, &[], 5));
        map.insert("ids".to_string(), tensor(DType::U32, &[4], 6));
        map.insert("img".to_string(), tensor(DType::U8, &[1, 3], 7));
        map.insert(
            "mask".to_string(),
            Tensor::from_bytes(&[1, 0, 1], DType::Bool, [3]).expect("bool"),
        );
        map.insert("empty".to_string(), tensor(DType::F32, &[0, 4], 8));
        map
    }

    fn assert_same(a: &BTreeMap<String, Tensor>, b: &BTreeMap<String, Tensor>) {
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (name, t) in a {
            let u = &b[name];
            assert_eq!((t.dtype(), t.dims()), (u.dtype(), u.dims()), "{name}");
            assert_eq!(
                t.to_bytes().expect("bytes"),
                u.to_bytes().expect("bytes"),
                "{name}"
            );
        }
    }

    fn saved_file(dir: &tempfile::TempDir) -> (PathBuf, Vec<u8>) {
        let path = dir.path().join("model.born");
        save_born(&path, &sample_tensors(), &json!({"epoch": 3, "lr": 0.01})).expect("save");
        let bytes = std::fs::read(&path).expect("read back");
        (path, bytes)
    }

    /// A file with the given header fields around `payload` (hash filled in
    /// unless the header has one).
    fn craft(mut header: Value, payload: &[u8]) -> Vec<u8> {
        let fields = header.as_object_mut().expect("object");
        fields.entry("metadata").or_insert(Value::Null);
        fields.entry("payload_len").or_insert(json!(payload.len()));
        fields
            .entry("payload_sha256")
            .or_insert_with(|| json!(hex(&Sha256::digest(payload))));
        let header = serde_json::to_vec(&header).expect("json");
        let start = payload_start(header.len() as u64).expect("small") as usize;
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        out.resize(start, 0);
        out.extend_from_slice(payload);
        out
    }

    fn open_err(bytes: &[u8]) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bad.born");
        std::fs::write(&path, bytes).expect("write");
        BornFile::open(&path)
            .expect_err("bad file must fail")
            .to_string()
    }

    /// The error for a file's bytes, checked in memory (as `open` checks the map).
    fn validate_err(bytes: &[u8]) -> String {
        validate(bytes, Path::new("mem.born"))
            .expect_err("bad bytes must fail")
            .to_string()
    }

    fn record(name: &str, dtype: &str, shape: Value, offset: u64, length: u64) -> Value {
        json!({"name": name, "dtype": dtype, "shape": shape, "offset": offset, "length": length})
    }

    use serde_json::Value;

    #[test]
    fn round_trips_every_dtype_with_metadata() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, _) = saved_file(&dir);
        let (tensors, metadata) = load_born(&path).expect("load");
        assert_same(&sample_tensors(), &tensors);
        assert_eq!(metadata, json!({"epoch": 3, "lr": 0.01}));
        let file = BornFile::open(&path).expect("open");
        assert_eq!(file.info("fc.weight"), Some((DType::F32, &[3usize, 5][..])));
        assert!(file
            .tensor("nope")
            .expect_err("missing")
            .to_string()
            .contains("\"nope\""));
    }

    #[test]
    fn tensors_are_aligned_to_64_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, bytes) = saved_file(&dir);
        let checked = parse_header(&bytes, &path).expect("valid");
        assert_eq!(checked.payload_start % 64, 0);
        assert!(checked.header.tensors.iter().all(|r| r.offset % 64 == 0));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_, bytes) = saved_file(&dir);
        for len in 0..bytes.len() {
            validate_err(&bytes[..len]);
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(open_err(&longer).contains("should have"));
    }

    #[test]
    fn every_payload_byte_is_covered_by_the_hash() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, bytes) = saved_file(&dir);
        let start = parse_header(&bytes, &path).expect("valid").payload_start;
        for i in start..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            assert!(validate_err(&bad).contains("SHA-256"), "byte {i}");
        }
    }

    #[test]
    fn header_byte_flips_never_panic() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, bytes) = saved_file(&dir);
        let start = parse_header(&bytes, &path).expect("valid").payload_start;
        for i in 0..start {
            for flip in [0x01u8, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= flip;
                // Some flips (in metadata digits) still give a valid file;
                // what matters is an answer, not a panic.
                let _ = validate(&bad, &path);
            }
        }
    }

    #[test]
    fn wrong_magic_and_version_are_rejected() {
        let good = craft(json!({"tensors": []}), &[]);
        let mut bad = good.clone();
        bad[1] = b'X';
        assert!(open_err(&bad).contains("not a .born file"));
        let mut bad = good;
        bad[8] = 9;
        assert!(open_err(&bad).contains("version 9"));
    }

    #[test]
    fn huge_declared_sizes_are_rejected_before_allocation() {
        let mut bad = craft(json!({"tensors": []}), &[]);
        bad[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(open_err(&bad).contains("header length"));
        let msg = open_err(&craft(json!({"tensors": [], "payload_len": u64::MAX}), &[]));
        assert!(msg.contains("more than 2^64"), "{msg}");
        let huge_shape = record("w", "float32", json!([u64::MAX, u64::MAX]), 0, 4);
        let msg = open_err(&craft(json!({"tensors": [huge_shape]}), &[0; 4]));
        assert!(msg.contains("more than 2^64"), "{msg}");
        let wrong_len = record("w", "float32", json!([1_000_000]), 0, 4);
        let msg = open_err(&craft(json!({"tensors": [wrong_len]}), &[0; 4]));
        assert!(
            msg.contains("needs 4000000 bytes, the table says 4"),
            "{msg}"
        );
    }

    #[test]
    fn out_of_bounds_and_overlapping_ranges_are_rejected() {
        let past_end = record("w", "uint8", json!([8]), 4, 8);
        let msg = open_err(&craft(json!({"tensors": [past_end]}), &[0; 8]));
        assert!(msg.contains("outside the 8-byte payload"), "{msg}");
        let wrapping = record("w", "uint8", json!([8]), u64::MAX - 2, 8);
        let msg = open_err(&craft(json!({"tensors": [wrapping]}), &[0; 8]));
        assert!(msg.contains("outside"), "{msg}");
        let a = record("a", "float32", json!([2]), 0, 8);
        let b = record("b", "uint8", json!([4]), 6, 4);
        let msg = open_err(&craft(json!({"tensors": [b, a]}), &[0; 16]));
        assert!(
            msg.contains("\"a\" (bytes 0..8) and \"b\" (bytes 6..10) overlap"),
            "{msg}"
        );
    }

    #[test]
    fn bad_tables_are_rejected() {
        let a = record("a", "uint8", json!([1]), 0, 1);
        let msg = open_err(&craft(json!({"tensors": [a.clone(), a]}), &[0; 2]));
        assert!(msg.contains("appears twice"), "{msg}");
        let odd = record("a", "complex64", json!([1]), 0, 8);
        let msg = open_err(&craft(json!({"tensors": [odd]}), &[0; 8]));
        assert!(msg.contains("unknown dtype \"complex64\""), "{msg}");
        let msg = open_err(&craft(json!({"tensors": "none"}), &[]));
        assert!(msg.contains("not valid .born JSON"), "{msg}");
    }

    #[test]
    fn hash_mismatch_names_both_digests() {
        let a = record("a", "uint8", json!([2]), 0, 2);
        let wrong = "ab".repeat(32);
        let msg = open_err(&craft(
            json!({"tensors": [a], "payload_sha256": wrong}),
            &[1, 2],
        ));
        assert!(msg.contains(&wrong) && msg.contains("corrupted"), "{msg}");
    }

    #[test]
    fn padding_must_be_zero() {
        let mut bad = craft(json!({"tensors": []}), &[]);
        let last = bad.len() - 1;
        bad[last] = 7;
        assert!(open_err(&bad).contains("padding"));
    }

    #[test]
    fn overwriting_keeps_an_open_file_readable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, _) = saved_file(&dir);
        let open = BornFile::open(&path).expect("open");
        let replacement = BTreeMap::from([("x".to_string(), tensor(DType::U8, &[2], 0))]);
        save_born(&path, &replacement, &Value::Null).expect("overwrite");
        assert_same(
            &sample_tensors(),
            &open.tensors().expect("old mapping still valid"),
        );
        assert_same(&replacement, &load_born(&path).expect("new file").0);
    }

    #[test]
    fn duplicate_names_are_refused_when_saving() {
        let dir = tempfile::tempdir().expect("temp dir");
        let t = tensor(DType::U8, &[1], 0);
        let err = save_born(
            dir.path().join("d.born"),
            [("a", &t), ("a", &t)],
            &Value::Null,
        )
        .expect_err("duplicate");
        assert!(err.to_string().contains("given twice"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
    }
}
