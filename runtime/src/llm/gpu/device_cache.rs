//! The KV cache of a generation on the device its model runs on, so the generator
//! drives CPU and GPU models alike.

use super::cache::GpuKvCache;
use crate::llm::kv_cache::KvCache;
use crate::llm::language_model::LanguageModel;
use crate::llm::llama::LogitsFor;
use crate::{Error, Result};

/// A KV cache in host memory or on the GPU, matching where the model runs.
#[derive(Debug)]
pub enum DeviceCache {
    /// Keys and values in host memory.
    Cpu(KvCache),
    /// Keys and values on the GPU.
    Gpu(GpuKvCache),
}

impl DeviceCache {
    /// An empty cache for up to `max_len` positions on `lm`'s device.
    pub fn new(lm: &LanguageModel, max_len: usize) -> Result<DeviceCache> {
        Ok(match lm.gpu_network() {
            Some(g) => DeviceCache::Gpu(g.new_cache(max_len)?),
            None => DeviceCache::Cpu(lm.model().new_cache(max_len)),
        })
    }

    /// Runs `tokens` through `lm` after the cached positions (see
    /// [`crate::llm::LlamaModel::forward`]).
    pub fn forward(
        &mut self,
        lm: &LanguageModel,
        tokens: &[u32],
        which: LogitsFor,
    ) -> Result<Vec<f32>> {
        match (self, lm.gpu_network()) {
            (DeviceCache::Cpu(c), None) => lm.model().forward(tokens, c, which),
            (DeviceCache::Gpu(c), Some(g)) => g.forward(tokens, c, which),
            _ => Err(Error::invalid(
                "generate",
                "the KV cache and the model are on different devices",
            )),
        }
    }

    /// Positions cached so far.
    pub fn len(&self) -> usize {
        match self {
            DeviceCache::Cpu(c) => c.len(),
            DeviceCache::Gpu(c) => c.len(),
        }
    }

    /// Whether no position is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Most positions the cache holds.
    pub fn max_len(&self) -> usize {
        match self {
            DeviceCache::Cpu(c) => c.max_len(),
            DeviceCache::Gpu(c) => c.max_len(),
        }
    }

    /// The host cache, for steps that run only on the CPU (speculative decoding).
    pub fn cpu_mut(&mut self, op: &'static str) -> Result<&mut KvCache> {
        match self {
            DeviceCache::Cpu(c) => Ok(c),
            DeviceCache::Gpu(_) => Err(Error::invalid(
                op,
                "runs on the cpu only; move the model back with to_device(Device::Cpu)",
            )),
        }
    }
}
