//! Per-layer key/value cache of a decoder, growing one position at a time.

use crate::{Error, Result};

/// Keys and values of every layer for the positions seen so far, row-major
/// `[position][kv_head][head_dim]`.
#[derive(Debug, Clone)]
pub struct KvCache {
    keys: Vec<Vec<f32>>,
    values: Vec<Vec<f32>>,
    kv_dim: usize,
    len: usize,
    max_len: usize,
}

impl KvCache {
    /// An empty cache for `n_layers` layers of `kv_dim` values per position, holding
    /// at most `max_len` positions.
    pub fn new(n_layers: usize, kv_dim: usize, max_len: usize) -> KvCache {
        KvCache {
            keys: vec![Vec::new(); n_layers],
            values: vec![Vec::new(); n_layers],
            kv_dim,
            len: 0,
            max_len,
        }
    }

    /// Positions committed so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no position is cached.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Most positions the cache accepts.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Checks that `n` more positions fit.
    pub fn check_room(&self, n: usize) -> Result<()> {
        if self.len + n > self.max_len {
            return Err(Error::invalid(
                "KvCache",
                format!(
                    "{} cached + {n} new positions exceed the context length {}",
                    self.len, self.max_len
                ),
            ));
        }
        Ok(())
    }

    /// Appends keys and values of new positions to `layer` (not yet committed).
    pub fn append(&mut self, layer: usize, k: &[f32], v: &[f32]) {
        self.keys[layer].extend_from_slice(k);
        self.values[layer].extend_from_slice(v);
    }

    /// Keys and values of `layer` for all appended positions.
    pub fn layer(&self, layer: usize) -> (&[f32], &[f32]) {
        (&self.keys[layer], &self.values[layer])
    }

    /// Makes the positions appended to every layer part of the cache.
    pub fn commit(&mut self, n: usize) {
        self.len += n;
    }

    /// Forgets every position from `len` on (rolls back rejected draft tokens, or a
    /// forward pass that failed halfway).
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
        let keep = self.len * self.kv_dim;
        for buf in self.keys.iter_mut().chain(self.values.iter_mut()) {
            buf.truncate(keep);
        }
    }

    /// Runs a forward pass `f` over `n` new positions as one step: refused when they do
    /// not fit, committed when `f` succeeds, rolled back to the old length when it fails.
    pub fn extend_with<R>(
        &mut self,
        n: usize,
        f: impl FnOnce(&mut Self) -> Result<R>,
    ) -> Result<R> {
        self.check_room(n)?;
        let start = self.len;
        let result = f(self);
        match &result {
            Ok(_) => self.commit(n),
            Err(_) => self.truncate(start),
        }
        result
    }

    /// Empties the cache.
    pub fn clear(&mut self) {
        self.truncate(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_commit_truncate() {
        let mut c = KvCache::new(2, 2, 3);
        for layer in 0..2 {
            c.append(layer, &[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0]);
        }
        c.commit(2);
        assert_eq!(c.len(), 2);
        assert!(c.check_room(2).is_err());
        c.truncate(1);
        assert_eq!(c.layer(1), (&[1.0, 2.0][..], &[5.0, 6.0][..]));
        // Appended but uncommitted positions are dropped too.
        c.append(0, &[9.0, 9.0], &[9.0, 9.0]);
        c.truncate(1);
        assert_eq!(c.layer(0).0, &[1.0, 2.0]);
    }
}
