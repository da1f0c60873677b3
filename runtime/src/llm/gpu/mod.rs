//! Llama-family inference on the GPU: weights uploaded once (block-quantized ones stay
//! encoded), a GPU KV cache, and the forward pass as WGSL kernels; logits come back to
//! the host once per call.

mod cache;
mod device_cache;
mod linear;
mod model;

#[cfg(test)]
mod tests;

pub use cache::GpuKvCache;
pub use device_cache::DeviceCache;
pub use model::GpuLlama;
