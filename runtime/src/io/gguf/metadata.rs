//! The key/value metadata of a GGUF file, parsed and with typed accessors.

use std::collections::HashMap;

use super::cursor::Cursor;
use super::error::{GgufError, Result};
use super::limits::{MAX_ARRAY_DEPTH, MAX_ARRAY_LEN, MAX_STRING_LEN};
use super::value::{GgufArray, GgufValue, GgufValueType};

/// Ordered GGUF metadata with lookup by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GgufMetadata {
    entries: Vec<(String, GgufValue)>,
    index: HashMap<String, usize>,
}

impl GgufMetadata {
    /// Empty metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`, replacing an earlier value in place.
    pub fn insert(&mut self, key: impl Into<String>, value: GgufValue) {
        let key = key.into();
        match self.index.get(&key) {
            Some(&i) => self.entries[i].1 = value,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &GgufValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&GgufValue> {
        self.index.get(key).map(|&i| &self.entries[i].1)
    }

    /// The string at `key`; an error if present with another type.
    pub fn get_str(&self, key: &str) -> Result<Option<&str>> {
        self.typed(key, "a string", GgufValue::as_str)
    }

    /// The non-negative integer at `key` (any integer width).
    pub fn get_u64(&self, key: &str) -> Result<Option<u64>> {
        self.typed(key, "a non-negative integer", GgufValue::as_u64)
    }

    /// The number at `key` as f64 (any numeric type).
    pub fn get_f64(&self, key: &str) -> Result<Option<f64>> {
        self.typed(key, "a number", GgufValue::as_f64)
    }

    /// The bool at `key`.
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>> {
        self.typed(key, "a bool", GgufValue::as_bool)
    }

    /// The array at `key`.
    pub fn get_array(&self, key: &str) -> Result<Option<&GgufArray>> {
        self.typed(key, "an array", GgufValue::as_array)
    }

    /// Applies `convert` to the value at `key`, naming the expected type on mismatch.
    fn typed<'a, T>(
        &'a self,
        key: &str,
        expected: &str,
        convert: impl Fn(&'a GgufValue) -> Option<T>,
    ) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => convert(v).map(Some).ok_or_else(|| GgufError::Metadata {
                key: key.to_string(),
                problem: format!("expected {expected}, found {:?} value {v}", v.value_type()),
            }),
        }
    }

    /// Parses `count` key/value pairs.
    pub(crate) fn parse(cursor: &mut Cursor<'_>, count: u64) -> Result<GgufMetadata> {
        let mut metadata = GgufMetadata::new();
        for i in 0..count {
            let key = cursor.string(&format!("metadata key #{i}"), super::limits::MAX_KEY_LEN)?;
            let type_id = cursor.u32(&format!("type of metadata {key:?}"))?;
            let value_type = value_type(type_id, &key)?;
            let value = read_value(cursor, value_type, &key, 0)?;
            if metadata.get(&key).is_some() {
                return Err(GgufError::Metadata {
                    key,
                    problem: "duplicate key".into(),
                });
            }
            metadata.insert(key, value);
        }
        Ok(metadata)
    }
}

/// The value type for a tag read under `key`.
fn value_type(id: u32, key: &str) -> Result<GgufValueType> {
    GgufValueType::from_id(id).ok_or_else(|| GgufError::Metadata {
        key: key.to_string(),
        problem: format!("unknown value type {id}"),
    })
}

/// Reads one value of type `t`.
fn read_value(c: &mut Cursor<'_>, t: GgufValueType, key: &str, depth: usize) -> Result<GgufValue> {
    use GgufValueType as T;
    let what = || format!("value of {key:?}");
    Ok(match t {
        T::U8 => GgufValue::U8(c.u8(&what())?),
        T::I8 => GgufValue::I8(c.u8(&what())? as i8),
        T::U16 => GgufValue::U16(c.u16(&what())?),
        T::I16 => GgufValue::I16(c.u16(&what())? as i16),
        T::U32 => GgufValue::U32(c.u32(&what())?),
        T::I32 => GgufValue::I32(c.u32(&what())? as i32),
        T::F32 => GgufValue::F32(f32::from_bits(c.u32(&what())?)),
        T::Bool => GgufValue::Bool(c.u8(&what())? != 0),
        T::String => GgufValue::String(c.string(&what(), MAX_STRING_LEN)?),
        T::U64 => GgufValue::U64(c.u64(&what())?),
        T::I64 => GgufValue::I64(c.u64(&what())? as i64),
        T::F64 => GgufValue::F64(f64::from_bits(c.u64(&what())?)),
        T::Array => GgufValue::Array(read_array(c, key, depth + 1)?),
    })
}

/// Reads an array header and its elements, checking the count against caps and the
/// bytes left before allocating.
fn read_array(c: &mut Cursor<'_>, key: &str, depth: usize) -> Result<GgufArray> {
    if depth > MAX_ARRAY_DEPTH {
        return Err(GgufError::LimitExceeded {
            what: format!("array nesting depth of {key:?}"),
            value: depth as u64,
            limit: MAX_ARRAY_DEPTH as u64,
        });
    }
    let elem = value_type(c.u32(&format!("array element type of {key:?}"))?, key)?;
    let count = c.u64(&format!("array length of {key:?}"))?;
    if count > MAX_ARRAY_LEN {
        return Err(GgufError::LimitExceeded {
            what: format!("array length of {key:?}"),
            value: count,
            limit: MAX_ARRAY_LEN,
        });
    }
    // Smallest encoding of one element: scalars their size, strings their u64 length,
    // arrays their type and count.
    let min_elem = elem.scalar_size().unwrap_or(match elem {
        GgufValueType::String => 8,
        _ => 12,
    }) as u64;
    let needed = count * min_elem;
    if needed > c.remaining() as u64 {
        return Err(GgufError::Truncated {
            what: format!("{count} array elements of {key:?}"),
            offset: c.position() as u64,
            needed,
            len: (c.position() + c.remaining()) as u64,
        });
    }
    let n = count as usize;
    macro_rules! scalars {
        ($variant:ident, $read:expr) => {{
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push($read);
            }
            GgufArray::$variant(v)
        }};
    }
    let what = format!("array element of {key:?}");
    let w = what.as_str();
    Ok(match elem {
        GgufValueType::U8 => GgufArray::U8(c.take(count, w)?.to_vec()),
        GgufValueType::I8 => GgufArray::I8(c.take(count, w)?.iter().map(|&b| b as i8).collect()),
        GgufValueType::U16 => scalars!(U16, c.u16(w)?),
        GgufValueType::I16 => scalars!(I16, c.u16(w)? as i16),
        GgufValueType::U32 => scalars!(U32, c.u32(w)?),
        GgufValueType::I32 => scalars!(I32, c.u32(w)? as i32),
        GgufValueType::F32 => scalars!(F32, f32::from_bits(c.u32(w)?)),
        GgufValueType::Bool => GgufArray::Bool(c.take(count, w)?.iter().map(|&b| b != 0).collect()),
        GgufValueType::String => scalars!(String, c.string(w, MAX_STRING_LEN)?),
        GgufValueType::U64 => scalars!(U64, c.u64(w)?),
        GgufValueType::I64 => scalars!(I64, c.u64(w)? as i64),
        GgufValueType::F64 => scalars!(F64, f64::from_bits(c.u64(w)?)),
        GgufValueType::Array => scalars!(Array, read_array(c, key, depth + 1)?),
    })
}
