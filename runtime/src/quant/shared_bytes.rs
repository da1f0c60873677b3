//! Byte buffers shared without copying: a memory-mapped file or an owned vector.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

/// Something that owns a stable byte buffer.
pub trait ByteSource: Send + Sync + 'static {
    /// The bytes.
    fn bytes(&self) -> &[u8];
}

impl ByteSource for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
}

impl ByteSource for memmap2::Mmap {
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// A cheap-to-clone view of a range of a shared byte buffer.
#[derive(Clone)]
pub struct SharedBytes {
    source: Arc<dyn ByteSource>,
    range: Range<usize>,
}

impl SharedBytes {
    /// All bytes of `source`.
    pub fn new(source: Arc<dyn ByteSource>) -> SharedBytes {
        let len = source.bytes().len();
        SharedBytes {
            source,
            range: 0..len,
        }
    }

    /// Takes ownership of a vector.
    pub fn from_vec(bytes: Vec<u8>) -> SharedBytes {
        SharedBytes::new(Arc::new(bytes))
    }

    /// A sub-range (relative to this view), or `None` when it is out of bounds.
    pub fn slice(&self, range: Range<usize>) -> Option<SharedBytes> {
        if range.start > range.end || range.end > self.range.len() {
            return None;
        }
        Some(SharedBytes {
            source: Arc::clone(&self.source),
            range: self.range.start + range.start..self.range.start + range.end,
        })
    }

    /// The bytes of this view.
    pub fn as_slice(&self) -> &[u8] {
        &self.source.bytes()[self.range.clone()]
    }
}

impl Deref for SharedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.range.len())
    }
}
