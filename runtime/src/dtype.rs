//! Element types: the `DType` tag and the `WithDType` trait tying Rust types to it.

use crate::backend::cpu::CpuStorage;
use half::{bf16, f16};

/// The element type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// 32-bit float (the default).
    F32,
    /// 64-bit float.
    F64,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    BF16,
    /// 64-bit signed integer (indices).
    I64,
    /// 32-bit unsigned integer.
    U32,
    /// 8-bit unsigned integer.
    U8,
    /// Boolean (comparison results, masks).
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

    /// Whether the dtype is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64 | DType::F16 | DType::BF16)
    }

    /// Whether the dtype is an integer type (bool excluded).
    pub fn is_int(self) -> bool {
        matches!(self, DType::I64 | DType::U32 | DType::U8)
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
            .or(match s {
                "f32" | "float" => Some(DType::F32),
                "f64" | "double" => Some(DType::F64),
                "f16" | "half" => Some(DType::F16),
                "bf16" => Some(DType::BF16),
                "i64" | "long" => Some(DType::I64),
                "u32" => Some(DType::U32),
                "u8" => Some(DType::U8),
                _ => None,
            })
            .ok_or_else(|| crate::Error::invalid("dtype", format!("unknown dtype name {s:?}")))
    }
}

/// A Rust type that can be a tensor element.
pub trait WithDType:
    Copy + Send + Sync + PartialOrd + PartialEq + std::fmt::Debug + 'static
{
    /// The matching dtype tag.
    const DTYPE: DType;
    /// Converts to f64 (bool: 0 or 1).
    fn to_f64(self) -> f64;
    /// Converts from f64, saturating or truncating like an `as` cast.
    fn from_f64(v: f64) -> Self;
    /// Borrows the elements of a CPU storage of this dtype.
    fn cpu_slice(storage: &CpuStorage) -> Option<&[Self]>;
    /// Wraps a vector into a CPU storage.
    fn into_cpu(data: Vec<Self>) -> CpuStorage;
    /// Appends the little-endian bytes of the value.
    fn write_le(self, out: &mut Vec<u8>);
    /// Reads a value from exactly `size_in_bytes` little-endian bytes.
    fn read_le(bytes: &[u8]) -> Self;
}

macro_rules! with_dtype_num {
    ($t:ty, $dt:ident, $to:expr, $from:expr) => {
        impl WithDType for $t {
            const DTYPE: DType = DType::$dt;
            fn to_f64(self) -> f64 {
                $to(self)
            }
            fn from_f64(v: f64) -> Self {
                $from(v)
            }
            fn cpu_slice(storage: &CpuStorage) -> Option<&[Self]> {
                match storage {
                    CpuStorage::$dt(v) => Some(v),
                    _ => None,
                }
            }
            fn into_cpu(data: Vec<Self>) -> CpuStorage {
                CpuStorage::$dt(data)
            }
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read_le(bytes: &[u8]) -> Self {
                let mut buf = [0u8; std::mem::size_of::<$t>()];
                buf.copy_from_slice(bytes);
                <$t>::from_le_bytes(buf)
            }
        }
    };
}

with_dtype_num!(f32, F32, |v: f32| v as f64, |v: f64| v as f32);
with_dtype_num!(f64, F64, |v: f64| v, |v: f64| v);
with_dtype_num!(f16, F16, |v: f16| v.to_f64(), f16::from_f64);
with_dtype_num!(bf16, BF16, |v: bf16| v.to_f64(), bf16::from_f64);
with_dtype_num!(i64, I64, |v: i64| v as f64, |v: f64| v as i64);
with_dtype_num!(u32, U32, |v: u32| v as f64, |v: f64| v as u32);
with_dtype_num!(u8, U8, |v: u8| v as f64, |v: f64| v as u8);

impl WithDType for bool {
    const DTYPE: DType = DType::Bool;
    fn to_f64(self) -> f64 {
        if self {
            1.0
        } else {
            0.0
        }
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    fn cpu_slice(storage: &CpuStorage) -> Option<&[Self]> {
        match storage {
            CpuStorage::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn into_cpu(data: Vec<Self>) -> CpuStorage {
        CpuStorage::Bool(data)
    }
    fn write_le(self, out: &mut Vec<u8>) {
        out.push(self as u8);
    }
    fn read_le(bytes: &[u8]) -> Self {
        bytes[0] != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_names() {
        assert_eq!(DType::F32.size_in_bytes(), 4);
        assert_eq!(DType::BF16.size_in_bytes(), 2);
        assert_eq!(DType::I64.name(), "int64");
        assert!(DType::F16.is_float());
        assert!(!DType::U8.is_float());
        assert_eq!("float64".parse::<DType>().unwrap(), DType::F64);
        assert!("float128".parse::<DType>().is_err());
    }

    #[test]
    fn le_roundtrip() {
        let mut b = Vec::new();
        (-3.5f32).write_le(&mut b);
        assert_eq!(f32::read_le(&b), -3.5);
        assert_eq!(bf16::from_f64(1.5).to_f64(), 1.5);
    }
}
