//! Placeholder for the runtime core's `DType` and `Tensor` (a byte-backed
//! tensor with the core's constructor and accessors); the core replaces it.

/// The element type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    BF16,
    /// 64-bit signed integer.
    I64,
    /// 32-bit unsigned integer.
    U32,
    /// 8-bit unsigned integer.
    U8,
    /// Boolean.
    Bool,
}

impl DType {
    /// Every dtype, in declaration order.
    pub const ALL: [DType; 8] = [
        DType::F32,
        DType::F64,
        DType::F16,
        DType::BF16,
        DType::I64,
        DType::U32,
        DType::U8,
        DType::Bool,
    ];

    /// Bytes per element.
    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::F32 | DType::U32 => 4,
            DType::F64 | DType::I64 => 8,
            DType::F16 | DType::BF16 => 2,
            DType::U8 | DType::Bool => 1,
        }
    }

    /// The PyTorch-style name ("float32", "int64", ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
            DType::I64 => "int64",
            DType::U32 => "uint32",
            DType::U8 => "uint8",
            DType::Bool => "bool",
        }
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for DType {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        DType::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| crate::Error::invalid("dtype", format!("unknown dtype name {s:?}")))
    }
}

/// A tensor held as contiguous little-endian bytes.
#[derive(Debug, Clone)]
pub struct Tensor {
    bytes: Vec<u8>,
    dtype: DType,
    dims: Vec<usize>,
}

impl Tensor {
    /// A tensor from little-endian bytes.
    pub fn from_bytes(bytes: &[u8], dtype: DType, dims: &[usize]) -> crate::Result<Self> {
        let expected = dims.iter().product::<usize>() * dtype.size_in_bytes();
        if bytes.len() != expected {
            return Err(crate::Error::invalid(
                "from_bytes",
                format!(
                    "{} bytes for {dtype} {dims:?} ({expected} needed)",
                    bytes.len()
                ),
            ));
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            dtype,
            dims: dims.to_vec(),
        })
    }

    /// The data as contiguous little-endian bytes.
    pub fn to_bytes(&self) -> crate::Result<Vec<u8>> {
        Ok(self.bytes.clone())
    }

    /// Dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// Element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
}
