//! ggml block layouts as `#[repr(C)]` structs, each with a size check against ggml.

use half::f16;

/// Values per legacy block (Q4_0 ... Q8_0).
pub const QK: usize = 32;
/// Values per k-quant super-block.
pub const QK_K: usize = 256;
/// Bytes of packed 6-bit scales and mins in Q4_K/Q5_K.
pub const K_SCALE_SIZE: usize = 12;

/// Q4_0: 32 4-bit values, offset 8, one scale.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ4_0 {
    /// Scale.
    pub d: f16,
    /// Low nibbles: values 0..16; high nibbles: values 16..32.
    pub qs: [u8; QK / 2],
}

/// Q4_1: 32 4-bit values with scale and minimum.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ4_1 {
    /// Scale.
    pub d: f16,
    /// Minimum.
    pub m: f16,
    /// Nibbles as in Q4_0.
    pub qs: [u8; QK / 2],
}

/// Q5_0: 32 5-bit values, offset 16, one scale.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ5_0 {
    /// Scale.
    pub d: f16,
    /// Fifth bits, one per value (little-endian u32).
    pub qh: [u8; 4],
    /// Low four bits as in Q4_0.
    pub qs: [u8; QK / 2],
}

/// Q5_1: 32 5-bit values with scale and minimum.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ5_1 {
    /// Scale.
    pub d: f16,
    /// Minimum.
    pub m: f16,
    /// Fifth bits.
    pub qh: [u8; 4],
    /// Low four bits.
    pub qs: [u8; QK / 2],
}

/// Q8_0: 32 signed bytes, one scale.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ8_0 {
    /// Scale.
    pub d: f16,
    /// Quantized values.
    pub qs: [i8; QK],
}

/// Q2_K: 256 2-bit values in 16 groups with 4-bit scales and mins.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ2_K {
    /// Low nibble: scale, high nibble: min, per group of 16.
    pub scales: [u8; QK_K / 16],
    /// Packed 2-bit values.
    pub qs: [u8; QK_K / 4],
    /// Super-block scale for the scales.
    pub d: f16,
    /// Super-block scale for the mins.
    pub dmin: f16,
}

/// Q3_K: 256 3-bit values in 16 groups with 6-bit scales.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ3_K {
    /// High bits (set bit: no offset).
    pub hmask: [u8; QK_K / 8],
    /// Low two bits.
    pub qs: [u8; QK_K / 4],
    /// Packed 6-bit scales.
    pub scales: [u8; 12],
    /// Super-block scale.
    pub d: f16,
}

/// Q4_K: 256 4-bit values in 8 groups with 6-bit scales and mins.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ4_K {
    /// Super-block scale for the scales.
    pub d: f16,
    /// Super-block scale for the mins.
    pub dmin: f16,
    /// Packed 6-bit scales and mins.
    pub scales: [u8; K_SCALE_SIZE],
    /// Nibbles: each 32 bytes hold two groups (low, then high nibbles).
    pub qs: [u8; QK_K / 2],
}

/// Q5_K: 256 5-bit values in 8 groups with 6-bit scales and mins.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ5_K {
    /// Super-block scale for the scales.
    pub d: f16,
    /// Super-block scale for the mins.
    pub dmin: f16,
    /// Packed 6-bit scales and mins.
    pub scales: [u8; K_SCALE_SIZE],
    /// Fifth bits: bit `g` of byte `l` belongs to value `32 g + l`.
    pub qh: [u8; QK_K / 8],
    /// Low four bits as in Q4_K.
    pub qs: [u8; QK_K / 2],
}

/// Q6_K: 256 6-bit values in 16 groups with 8-bit scales.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockQ6_K {
    /// Low four bits.
    pub ql: [u8; QK_K / 2],
    /// High two bits.
    pub qh: [u8; QK_K / 4],
    /// Signed group scales.
    pub scales: [i8; QK_K / 16],
    /// Super-block scale.
    pub d: f16,
}

const _: () = assert!(std::mem::size_of::<BlockQ4_0>() == 18);
const _: () = assert!(std::mem::size_of::<BlockQ4_1>() == 20);
const _: () = assert!(std::mem::size_of::<BlockQ5_0>() == 22);
const _: () = assert!(std::mem::size_of::<BlockQ5_1>() == 24);
const _: () = assert!(std::mem::size_of::<BlockQ8_0>() == 34);
const _: () = assert!(std::mem::size_of::<BlockQ2_K>() == 84);
const _: () = assert!(std::mem::size_of::<BlockQ3_K>() == 110);
const _: () = assert!(std::mem::size_of::<BlockQ4_K>() == 144);
const _: () = assert!(std::mem::size_of::<BlockQ5_K>() == 176);
const _: () = assert!(std::mem::size_of::<BlockQ6_K>() == 210);

macro_rules! impl_pod {
    ($($t:ty),*) => {$(
        // SAFETY: repr(C), only u8/i8/f16 fields, no padding (sizes asserted above).
        unsafe impl bytemuck::Zeroable for $t {}
        // SAFETY: as above; every bit pattern is valid.
        unsafe impl bytemuck::Pod for $t {}
    )*};
}
impl_pod!(
    BlockQ4_0, BlockQ4_1, BlockQ5_0, BlockQ5_1, BlockQ8_0, BlockQ2_K, BlockQ3_K, BlockQ4_K,
    BlockQ5_K, BlockQ6_K
);

/// Unpacks the eight 6-bit (scale, min) pairs of Q4_K/Q5_K.
pub fn k_scale_min(scales: &[u8; K_SCALE_SIZE]) -> ([u8; 8], [u8; 8]) {
    let mut sc = [0u8; 8];
    let mut mn = [0u8; 8];
    for j in 0..4 {
        sc[j] = scales[j] & 0x3F;
        mn[j] = scales[j + 4] & 0x3F;
        sc[j + 4] = (scales[j + 8] & 0x0F) | ((scales[j] >> 2) & 0x30);
        mn[j + 4] = (scales[j + 8] >> 4) | ((scales[j + 4] >> 2) & 0x30);
    }
    (sc, mn)
}

/// Unpacks the sixteen signed 6-bit scales of Q3_K.
pub fn q3k_scales(scales: &[u8; 12]) -> [i8; 16] {
    let mut out = [0i8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        let low = if i < 8 {
            scales[i] & 0x0F
        } else {
            scales[i - 8] >> 4
        };
        let high = (scales[8 + i % 4] >> (2 * (i / 4))) & 0x03;
        *o = ((low | (high << 4)) as i8) - 32;
    }
    out
}
