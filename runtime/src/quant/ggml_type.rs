//! The ggml tensor element types: ids as stored in GGUF, block sizes and byte sizes.

use std::fmt;

/// A ggml tensor element type (the `type` field of a GGUF tensor info).
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GgmlType {
    /// 32-bit float.
    F32,
    /// IEEE half float.
    F16,
    /// 4-bit, one f16 scale per 32 values.
    Q4_0,
    /// 4-bit, f16 scale and minimum per 32 values.
    Q4_1,
    /// 5-bit, one f16 scale per 32 values.
    Q5_0,
    /// 5-bit, f16 scale and minimum per 32 values.
    Q5_1,
    /// 8-bit, one f16 scale per 32 values.
    Q8_0,
    /// 8-bit with scale and sum per 32 values (activation format).
    Q8_1,
    /// 2-bit k-quant, super-blocks of 256.
    Q2_K,
    /// 3-bit k-quant, super-blocks of 256.
    Q3_K,
    /// 4-bit k-quant, super-blocks of 256.
    Q4_K,
    /// 5-bit k-quant, super-blocks of 256.
    Q5_K,
    /// 6-bit k-quant, super-blocks of 256.
    Q6_K,
    /// 8-bit k-quant (activation format), super-blocks of 256.
    Q8_K,
    /// Importance-matrix 2-bit (xxs).
    IQ2_XXS,
    /// Importance-matrix 2-bit (xs).
    IQ2_XS,
    /// Importance-matrix 3-bit (xxs).
    IQ3_XXS,
    /// Importance-matrix 1-bit (s).
    IQ1_S,
    /// Non-linear 4-bit, blocks of 32.
    IQ4_NL,
    /// Importance-matrix 3-bit (s).
    IQ3_S,
    /// Importance-matrix 2-bit (s).
    IQ2_S,
    /// Non-linear 4-bit, super-blocks of 256.
    IQ4_XS,
    /// 8-bit signed integer.
    I8,
    /// 16-bit signed integer.
    I16,
    /// 32-bit signed integer.
    I32,
    /// 64-bit signed integer.
    I64,
    /// 64-bit float.
    F64,
    /// Importance-matrix 1-bit (m).
    IQ1_M,
    /// bfloat16.
    BF16,
    /// Ternary, 1.69 bits.
    TQ1_0,
    /// Ternary, 2 bits.
    TQ2_0,
    /// Microscaling FP4.
    MXFP4,
}

impl GgmlType {
    /// Every type, in id order.
    pub const ALL: [GgmlType; 32] = [
        GgmlType::F32,
        GgmlType::F16,
        GgmlType::Q4_0,
        GgmlType::Q4_1,
        GgmlType::Q5_0,
        GgmlType::Q5_1,
        GgmlType::Q8_0,
        GgmlType::Q8_1,
        GgmlType::Q2_K,
        GgmlType::Q3_K,
        GgmlType::Q4_K,
        GgmlType::Q5_K,
        GgmlType::Q6_K,
        GgmlType::Q8_K,
        GgmlType::IQ2_XXS,
        GgmlType::IQ2_XS,
        GgmlType::IQ3_XXS,
        GgmlType::IQ1_S,
        GgmlType::IQ4_NL,
        GgmlType::IQ3_S,
        GgmlType::IQ2_S,
        GgmlType::IQ4_XS,
        GgmlType::I8,
        GgmlType::I16,
        GgmlType::I32,
        GgmlType::I64,
        GgmlType::F64,
        GgmlType::IQ1_M,
        GgmlType::BF16,
        GgmlType::TQ1_0,
        GgmlType::TQ2_0,
        GgmlType::MXFP4,
    ];

    /// The numeric id used in GGUF files.
    pub fn id(self) -> u32 {
        self.layout().0
    }

    /// The type for a GGUF id, or `None` for an unknown id.
    pub fn from_id(id: u32) -> Option<GgmlType> {
        GgmlType::ALL.into_iter().find(|t| t.id() == id)
    }

    /// Number of values in one block.
    pub fn block_size(self) -> usize {
        self.layout().1
    }

    /// Number of bytes in one block.
    pub fn type_size(self) -> usize {
        self.layout().2
    }

    /// The ggml name, e.g. `Q4_K`.
    pub fn name(self) -> &'static str {
        self.layout().3
    }

    /// The type whose ggml name is `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<GgmlType> {
        GgmlType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }

    /// Bytes needed for `n_values` values, or `None` when `n_values` is not a whole
    /// number of blocks or the size overflows.
    pub fn bytes_for(self, n_values: u64) -> Option<u64> {
        let block = self.block_size() as u64;
        if !n_values.is_multiple_of(block) {
            return None;
        }
        (n_values / block).checked_mul(self.type_size() as u64)
    }

    /// (id, block size, block bytes, name).
    fn layout(self) -> (u32, usize, usize, &'static str) {
        use GgmlType::*;
        match self {
            F32 => (0, 1, 4, "F32"),
            F16 => (1, 1, 2, "F16"),
            Q4_0 => (2, 32, 18, "Q4_0"),
            Q4_1 => (3, 32, 20, "Q4_1"),
            Q5_0 => (6, 32, 22, "Q5_0"),
            Q5_1 => (7, 32, 24, "Q5_1"),
            Q8_0 => (8, 32, 34, "Q8_0"),
            Q8_1 => (9, 32, 40, "Q8_1"),
            Q2_K => (10, 256, 84, "Q2_K"),
            Q3_K => (11, 256, 110, "Q3_K"),
            Q4_K => (12, 256, 144, "Q4_K"),
            Q5_K => (13, 256, 176, "Q5_K"),
            Q6_K => (14, 256, 210, "Q6_K"),
            Q8_K => (15, 256, 292, "Q8_K"),
            IQ2_XXS => (16, 256, 66, "IQ2_XXS"),
            IQ2_XS => (17, 256, 74, "IQ2_XS"),
            IQ3_XXS => (18, 256, 98, "IQ3_XXS"),
            IQ1_S => (19, 256, 50, "IQ1_S"),
            IQ4_NL => (20, 32, 18, "IQ4_NL"),
            IQ3_S => (21, 256, 110, "IQ3_S"),
            IQ2_S => (22, 256, 82, "IQ2_S"),
            IQ4_XS => (23, 256, 136, "IQ4_XS"),
            I8 => (24, 1, 1, "I8"),
            I16 => (25, 1, 2, "I16"),
            I32 => (26, 1, 4, "I32"),
            I64 => (27, 1, 8, "I64"),
            F64 => (28, 1, 8, "F64"),
            IQ1_M => (29, 256, 56, "IQ1_M"),
            BF16 => (30, 1, 2, "BF16"),
            TQ1_0 => (34, 256, 54, "TQ1_0"),
            TQ2_0 => (35, 256, 66, "TQ2_0"),
            MXFP4 => (39, 32, 17, "MXFP4"),
        }
    }
}

impl fmt::Display for GgmlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        for t in GgmlType::ALL {
            assert_eq!(GgmlType::from_id(t.id()), Some(t));
            assert_eq!(GgmlType::from_name(t.name()), Some(t));
        }
        assert_eq!(GgmlType::from_id(4), None);
        assert_eq!(GgmlType::from_id(1000), None);
    }

    #[test]
    fn bytes_for_needs_whole_blocks() {
        assert_eq!(GgmlType::Q4_0.bytes_for(64), Some(36));
        assert_eq!(GgmlType::Q4_0.bytes_for(33), None);
        assert_eq!(GgmlType::F32.bytes_for(u64::MAX), None);
    }
}
