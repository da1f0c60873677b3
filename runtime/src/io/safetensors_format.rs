//! safetensors files (the Hugging Face format, also what PyTorch state dicts
//! are shared as), read through a memory map and written atomically.
//!
//! Names are kept as they are, so a PyTorch state dict's keys
//! (`features.0.weight`, `bn.num_batches_tracked`) round-trip unchanged.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use safetensors::tensor::{Metadata, TensorInfo};
use safetensors::{Dtype, SafeTensors, View};

use crate::io::atomic::write_atomic_via_path;
use crate::io::file_error::{invalid_file, io_failure};
use crate::{DType, Error, Result, Tensor};

/// Length of the little-endian header-size field at the start of the file.
const HEADER_SIZE_LEN: usize = 8;

/// An open, validated safetensors file, memory-mapped; tensors are read on demand.
#[derive(Debug)]
pub struct SafetensorsFile {
    path: PathBuf,
    map: Mmap,
    layout: Metadata,
    data_start: usize,
}

impl SafetensorsFile {
    /// Opens `path` and validates its header against the file's length.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| io_failure("open safetensors file", &path, e))?;
        // SAFETY: the map is read-only. Born replaces files by rename, which
        // leaves mapped bytes intact; a third party truncating the file while
        // it is mapped is outside what any mmap-based reader can defend.
        let map = unsafe { Mmap::map(&file) }
            .map_err(|e| io_failure("map safetensors file", &path, e))?;
        let (header_len, layout) = validate(&map, &path)?;
        Ok(Self {
            path,
            map,
            layout,
            data_start: HEADER_SIZE_LEN + header_len,
        })
    }

    /// Tensor names in file order.
    pub fn names(&self) -> Vec<String> {
        self.layout.offset_keys()
    }

    /// The string metadata stored in the header (`__metadata__`), if any.
    pub fn metadata(&self) -> Option<&HashMap<String, String>> {
        self.layout.metadata().as_ref()
    }

    /// Dtype and dimensions of `name` without reading it (`None`: no such
    /// tensor; `Some(Err)`: a dtype Born does not hold).
    pub fn info(&self, name: &str) -> Option<Result<(DType, &[usize])>> {
        let info = self.layout.info(name)?;
        Some(
            self.born_dtype(name, info)
                .map(|d| (d, info.shape.as_slice())),
        )
    }

    /// Reads the tensor `name`.
    pub fn tensor(&self, name: &str) -> Result<Tensor> {
        let info = self.layout.info(name).ok_or_else(|| {
            Error::invalid(
                "SafetensorsFile::tensor",
                format!("{} has no tensor {name:?}", self.path.display()),
            )
        })?;
        let dtype = self.born_dtype(name, info)?;
        // read_metadata checked that the offsets lie inside the data section.
        let (start, end) = info.data_offsets;
        let bytes = &self.map[self.data_start + start..self.data_start + end];
        Tensor::from_bytes(bytes, dtype, &info.shape)
    }

    /// Reads every tensor, by name.
    pub fn tensors(&self) -> Result<BTreeMap<String, Tensor>> {
        self.names()
            .into_iter()
            .map(|name| {
                let tensor = self.tensor(&name)?;
                Ok((name, tensor))
            })
            .collect()
    }

    fn born_dtype(&self, name: &str, info: &TensorInfo) -> Result<DType> {
        from_safetensors_dtype(info.dtype).ok_or_else(|| {
            invalid_file(
                &self.path,
                format!(
                    "tensor {name:?} has dtype {:?}, which Born does not hold \
                     (it reads F32, F64, F16, BF16, I64, U32, U8, BOOL)",
                    info.dtype
                ),
            )
        })
    }
}

/// Checks header size, JSON, dtype sizes, contiguous in-bounds offsets and
/// the total length of the whole file in `bytes`, before any tensor is touched.
fn validate(bytes: &[u8], path: &Path) -> Result<(usize, Metadata)> {
    SafeTensors::read_metadata(bytes)
        .map_err(|e| invalid_file(path, format!("not a valid safetensors file: {e}")))
}

/// Loads every tensor of a safetensors file.
pub fn load_safetensors(path: impl AsRef<Path>) -> Result<BTreeMap<String, Tensor>> {
    SafetensorsFile::open(path)?.tensors()
}

/// Atomically writes named tensors as a safetensors file, with optional
/// string metadata (PyTorch writers put `{"format": "pt"}` there).
///
/// The layout is the `safetensors` library's (tensors sorted by dtype
/// alignment, then name), so the bytes equal what Python's `save_file` writes
/// for the same tensors and metadata.
pub fn save_safetensors<'a, S: AsRef<str>>(
    path: impl AsRef<Path>,
    tensors: impl IntoIterator<Item = (S, &'a Tensor)>,
    metadata: Option<HashMap<String, String>>,
) -> Result<()> {
    let path = path.as_ref();
    let mut views = Vec::new();
    for (name, tensor) in tensors {
        let name = name.as_ref().to_string();
        if views
            .iter()
            .any(|(n, _): &(String, TensorBytes)| *n == name)
        {
            return Err(Error::invalid(
                "save_safetensors",
                format!("tensor name {name:?} given twice for {}", path.display()),
            ));
        }
        views.push((name, TensorBytes::of(tensor)?));
    }
    write_atomic_via_path(path, |temp| {
        safetensors::serialize_to_file(views, metadata, temp)
            .map_err(|e| invalid_file(temp, format!("writing safetensors failed: {e}")))
    })
}

/// A tensor's bytes with its safetensors dtype and shape, for the writer.
struct TensorBytes {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl TensorBytes {
    fn of(tensor: &Tensor) -> Result<Self> {
        Ok(Self {
            dtype: to_safetensors_dtype(tensor.dtype()),
            shape: tensor.dims().to_vec(),
            bytes: tensor.to_bytes()?,
        })
    }
}

impl View for TensorBytes {
    fn dtype(&self) -> Dtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// The safetensors dtype for a Born dtype.
fn to_safetensors_dtype(dtype: DType) -> Dtype {
    match dtype {
        DType::F32 => Dtype::F32,
        DType::F64 => Dtype::F64,
        DType::F16 => Dtype::F16,
        DType::BF16 => Dtype::BF16,
        DType::I64 => Dtype::I64,
        DType::U32 => Dtype::U32,
        DType::U8 => Dtype::U8,
        DType::Bool => Dtype::BOOL,
    }
}

/// The Born dtype for a safetensors dtype, if Born holds it.
fn from_safetensors_dtype(dtype: Dtype) -> Option<DType> {
    Some(match dtype {
        Dtype::F32 => DType::F32,
        Dtype::F64 => DType::F64,
        Dtype::F16 => DType::F16,
        Dtype::BF16 => DType::BF16,
        Dtype::I64 => DType::I64,
        Dtype::U32 => DType::U32,
        Dtype::U8 => DType::U8,
        Dtype::BOOL => DType::Bool,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use half::f16;
    use serde_json::Value;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/io");

    fn fixture(name: &str) -> PathBuf {
        Path::new(FIXTURES).join(name)
    }

    fn pt_metadata() -> Option<HashMap<String, String>> {
        Some(HashMap::from([("format".to_string(), "pt".to_string())]))
    }

    /// Little-endian bytes of the JSON values for a numpy dtype name.
    fn expected_bytes(dtype: &str, values: &[Value]) -> Vec<u8> {
        let f = |v: &Value| v.as_f64().expect("number");
        values
            .iter()
            .flat_map(|v| match dtype {
                "float32" => (f(v) as f32).to_le_bytes().to_vec(),
                "float64" => f(v).to_le_bytes().to_vec(),
                "float16" => f16::from_f64(f(v)).to_le_bytes().to_vec(),
                "int64" => v.as_i64().expect("int").to_le_bytes().to_vec(),
                "uint32" => (v.as_u64().expect("uint") as u32).to_le_bytes().to_vec(),
                "uint8" => vec![v.as_u64().expect("uint") as u8],
                "bool" => vec![u8::from(v.as_bool().expect("bool"))],
                other => panic!("fixture dtype {other} not covered"),
            })
            .collect()
    }

    fn open_err(bytes: &[u8]) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bad.safetensors");
        std::fs::write(&path, bytes).expect("write");
        SafetensorsFile::open(&path)
            .and_then(|f| f.tensors())
            .expect_err("bad file must fail")
            .to_string()
    }

    #[test]
    fn loads_file_written_by_python_safetensors() {
        let expected: serde_json::Map<String, Value> = serde_json::from_str(
            &std::fs::read_to_string(fixture("python_written.json")).expect("fixture json"),
        )
        .expect("valid json");
        let file = SafetensorsFile::open(fixture("python_written.safetensors")).expect("open");
        assert_eq!(file.metadata(), pt_metadata().as_ref());
        let tensors = file.tensors().expect("read all");
        assert_eq!(tensors.len(), expected.len());
        for (name, want) in &expected {
            let t = &tensors[name];
            let dtype = want["dtype"].as_str().expect("dtype");
            assert_eq!(t.dtype().name(), dtype, "{name}");
            let shape: Vec<usize> = serde_json::from_value(want["shape"].clone()).expect("shape");
            assert_eq!(t.dims(), &shape[..], "{name}");
            let values = want["values"].as_array().expect("values");
            assert_eq!(
                t.to_bytes().expect("bytes"),
                expected_bytes(dtype, values),
                "{name}"
            );
        }
    }

    #[test]
    fn writer_output_equals_python_writer_byte_for_byte() {
        let tensors = load_safetensors(fixture("python_written.safetensors")).expect("load");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("born.safetensors");
        save_safetensors(&path, &tensors, pt_metadata()).expect("save");
        let ours = std::fs::read(&path).expect("read back");
        if std::env::var_os("BORN_WRITE_FIXTURES").is_some() {
            std::fs::write(fixture("born_written.safetensors"), &ours).expect("write fixture");
        }
        let python = std::fs::read(fixture("python_written.safetensors")).expect("fixture");
        assert_eq!(ours, python);
        // The committed Born-written file (checked in Python by
        // make_safetensors.py --check) is what this writer still produces.
        let committed = std::fs::read(fixture("born_written.safetensors")).expect("fixture");
        assert_eq!(ours, committed);
    }

    #[test]
    fn round_trips_bf16_and_keeps_state_dict_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("m.safetensors");
        let w = Tensor::from_bytes(&[0x80, 0x3f, 0x00, 0xc0], DType::BF16, [2]).expect("bf16");
        let name = "model.layers.0.self_attn.q_proj.weight";
        save_safetensors(&path, [(name, &w)], None).expect("save");
        let back = load_safetensors(&path).expect("load");
        assert_eq!(back.keys().collect::<Vec<_>>(), vec![name]);
        assert_eq!(back[name].dtype(), DType::BF16);
        assert_eq!(
            back[name].to_bytes().expect("bytes"),
            vec![0x80, 0x3f, 0x00, 0xc0]
        );
        assert!(SafetensorsFile::open(&path)
            .expect("open")
            .metadata()
            .is_none());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = std::fs::read(fixture("python_written.safetensors")).expect("fixture");
        for len in 0..bytes.len() {
            let err = validate(&bytes[..len], Path::new("cut.safetensors"));
            assert!(err.is_err(), "{len} bytes");
        }
    }

    /// A file from a raw header string and data.
    fn craft(header: &str, data: &[u8]) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn lying_headers_are_rejected() {
        let mut huge = craft("{}", &[]);
        huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(open_err(&huge).contains("header too large"));
        let msg = open_err(b"\x10\x00\x00\x00\x00\x00\x00\x00{}");
        assert!(msg.contains("invalid header length"), "{msg}");
        let msg = open_err(&craft("not json", &[]));
        assert!(
            msg.contains("bad.safetensors") && msg.contains("JSON"),
            "{msg}"
        );
        let big = r#"{"w":{"dtype":"F32","shape":[18446744073709551615,4],"data_offsets":[0,16]}}"#;
        assert!(open_err(&craft(big, &[0; 16])).contains("not a valid safetensors file"));
        let short = r#"{"w":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}}"#;
        assert!(open_err(&craft(short, &[0; 16])).contains("not a valid safetensors file"));
        let overlap = r#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#;
        assert!(open_err(&craft(overlap, &[0; 8])).contains("invalid offset"));
    }

    #[test]
    fn unsupported_dtype_names_the_tensor() {
        let header = r#"{"idx":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#;
        let msg = open_err(&craft(header, &[0; 8]));
        assert!(msg.contains("\"idx\" has dtype I32"), "{msg}");
    }
}
