//! Dequantization of the 256-value k-quant super-blocks Q2_K ... Q6_K.

use super::block_trait::QuantBlock;
use super::blocks::{
    k_scale_min, q3k_scales, BlockQ2_K, BlockQ3_K, BlockQ4_K, BlockQ5_K, BlockQ6_K, QK_K,
};
use super::GgmlType;

impl QuantBlock for BlockQ2_K {
    const TYPE: GgmlType = GgmlType::Q2_K;
    const VALUES: usize = QK_K;
    fn dequantize(&self, out: &mut [f32]) {
        let (d, dmin) = (self.d.to_f32(), self.dmin.to_f32());
        for (k, o) in out.iter_mut().enumerate() {
            let (half, shift, l) = (k / 128, (k % 128) / 32, k % 32);
            let q = (self.qs[half * 32 + l] >> (2 * shift)) & 3;
            let s = self.scales[k / 16];
            let dl = d * (s & 0x0F) as f32;
            let ml = dmin * (s >> 4) as f32;
            *o = dl * q as f32 - ml;
        }
    }
}

impl QuantBlock for BlockQ3_K {
    const TYPE: GgmlType = GgmlType::Q3_K;
    const VALUES: usize = QK_K;
    fn dequantize(&self, out: &mut [f32]) {
        let d = self.d.to_f32();
        let scales = q3k_scales(&self.scales);
        for (k, o) in out.iter_mut().enumerate() {
            let (half, shift, l) = (k / 128, (k % 128) / 32, k % 32);
            let low = ((self.qs[half * 32 + l] >> (2 * shift)) & 3) as i8;
            let high = ((self.hmask[l] >> (k / 32)) & 1) ^ 1;
            let q = low - ((high << 2) as i8);
            *o = (d * scales[k / 16] as f32) * q as f32;
        }
    }
}

impl QuantBlock for BlockQ4_K {
    const TYPE: GgmlType = GgmlType::Q4_K;
    const VALUES: usize = QK_K;
    fn dequantize(&self, out: &mut [f32]) {
        let (d, dmin) = (self.d.to_f32(), self.dmin.to_f32());
        let (sc, mn) = k_scale_min(&self.scales);
        for (k, o) in out.iter_mut().enumerate() {
            let (chunk, nibble, l) = (k / 64, (k % 64) / 32, k % 32);
            let q = (self.qs[chunk * 32 + l] >> (4 * nibble)) & 0x0F;
            let g = k / 32;
            *o = (d * sc[g] as f32) * q as f32 - dmin * mn[g] as f32;
        }
    }
}

impl QuantBlock for BlockQ5_K {
    const TYPE: GgmlType = GgmlType::Q5_K;
    const VALUES: usize = QK_K;
    fn dequantize(&self, out: &mut [f32]) {
        let (d, dmin) = (self.d.to_f32(), self.dmin.to_f32());
        let (sc, mn) = k_scale_min(&self.scales);
        for (k, o) in out.iter_mut().enumerate() {
            let (chunk, nibble, l) = (k / 64, (k % 64) / 32, k % 32);
            let low = (self.qs[chunk * 32 + l] >> (4 * nibble)) & 0x0F;
            let high = (self.qh[l] >> (k / 32)) & 1;
            let q = low | (high << 4);
            let g = k / 32;
            *o = (d * sc[g] as f32) * q as f32 - dmin * mn[g] as f32;
        }
    }
}

impl QuantBlock for BlockQ6_K {
    const TYPE: GgmlType = GgmlType::Q6_K;
    const VALUES: usize = QK_K;
    fn dequantize(&self, out: &mut [f32]) {
        let d = self.d.to_f32();
        for (k, o) in out.iter_mut().enumerate() {
            let half = k / 128;
            let (nibble, l64) = ((k % 128) / 64, k % 64);
            let (shift, l32) = ((k % 128) / 32, k % 32);
            let low = (self.ql[half * 64 + l64] >> (4 * nibble)) & 0x0F;
            let high = (self.qh[half * 32 + l32] >> (2 * shift)) & 3;
            let q = (low | (high << 4)) as i8 - 32;
            *o = (d * self.scales[k / 16] as f32) * q as f32;
        }
    }
}
