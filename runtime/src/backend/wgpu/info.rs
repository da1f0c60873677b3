//! The u32 info block each kernel reads at binding 0 (layout in `shaders/common.wgsl`).

use crate::{Error, Result};

/// Words before the shape in the info block.
const HEADER: usize = 8;

/// A word-level view: offset and strides in u32 words.
#[derive(Debug, Clone)]
pub struct WordView {
    /// First word.
    pub offset: usize,
    /// Word stride of each dimension.
    pub strides: Vec<usize>,
}

/// Narrows a size to a u32 kernel argument, naming `op` when it does not fit.
pub fn word(v: usize, op: &'static str) -> Result<u32> {
    u32::try_from(v).map_err(|_| {
        Error::invalid(
            op,
            format!("size {v} exceeds the gpu kernels' 32-bit indexing"),
        )
    })
}

/// The info block for a strided kernel over `shape` with `views` (each of `shape`'s rank).
pub fn strided(
    op: &'static str,
    shape: &[usize],
    opcode: u32,
    params: [u32; 5],
    views: &[WordView],
) -> Result<Vec<u32>> {
    let count: usize = shape.iter().product();
    let mut info = Vec::with_capacity(HEADER + shape.len() * (1 + views.len()) + views.len());
    info.push(word(count, op)?);
    info.push(word(shape.len(), op)?);
    info.push(opcode);
    info.extend_from_slice(&params);
    for &d in shape {
        info.push(word(d, op)?);
    }
    for v in views {
        info.push(word(v.offset, op)?);
        for &s in &v.strides {
            info.push(word(s, op)?);
        }
    }
    Ok(info)
}

/// f32 bits of a parameter.
pub fn f(v: f64) -> u32 {
    (v as f32).to_bits()
}
