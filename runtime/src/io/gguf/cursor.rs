//! A bounds-checked little-endian reader over the bytes of a GGUF file.

use super::error::{GgufError, Result};
use super::limits::MAX_STRING_LEN;

/// Reads little-endian fields from a byte slice; every read is checked against its end.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }

    /// The current offset.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left after the current offset.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes, advancing past them.
    pub(crate) fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8]> {
        let truncated = || GgufError::Truncated {
            what: what.to_string(),
            offset: self.pos as u64,
            needed: n,
            len: self.bytes.len() as u64,
        };
        let n_usize = usize::try_from(n).map_err(|_| truncated())?;
        if n_usize > self.remaining() {
            return Err(truncated());
        }
        let out = &self.bytes[self.pos..self.pos + n_usize];
        self.pos += n_usize;
        Ok(out)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let bytes = self.take(N as u64, what)?;
        Ok(bytes.try_into().expect("take returned exactly N bytes"))
    }

    /// A u8.
    pub(crate) fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    /// A little-endian u16.
    pub(crate) fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    /// A little-endian u32.
    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// A little-endian u64.
    pub(crate) fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A GGUF string: u64 length then UTF-8 bytes, length capped by `limit`.
    pub(crate) fn string(&mut self, what: &str, limit: u64) -> Result<String> {
        let len = self.u64(what)?;
        let limit = limit.min(MAX_STRING_LEN);
        if len > limit {
            return Err(GgufError::LimitExceeded {
                what: format!("length of {what}"),
                value: len,
                limit,
            });
        }
        let start = self.pos;
        let bytes = self.take(len, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|e| {
            GgufError::Invalid(format!("{what} at offset {start} is not valid UTF-8: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_are_errors() {
        let mut c = Cursor::new(&[1, 0, 0]);
        assert!(matches!(
            c.u32("x"),
            Err(GgufError::Truncated { needed: 4, .. })
        ));
        assert_eq!(c.u16("y").unwrap(), 1);
        assert!(c.take(u64::MAX, "z").is_err());
    }

    #[test]
    fn huge_string_lengths_are_rejected_before_allocating() {
        let mut bytes = u64::MAX.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"abc");
        let err = Cursor::new(&bytes).string("key", u64::MAX).unwrap_err();
        assert!(matches!(err, GgufError::LimitExceeded { .. }), "{err}");
    }
}
