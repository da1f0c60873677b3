//! A vectorisable `exp` for f32 slices (polynomial after range reduction, about 1 ulp),
//! compiled for AVX-512 or AVX2+FMA when the CPU has them.

const LOG2E: f32 = std::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Adding then subtracting this rounds to the nearest integer without a libm call.
const ROUND_MAGIC: f32 = 12_582_912.0;
const OVERFLOW: f32 = 88.722_84;
const UNDERFLOW: f32 = -87.336_55;

#[inline(always)]
fn exp_one(x: f32) -> f32 {
    let xc = x.clamp(UNDERFLOW, OVERFLOW);
    // Round-to-nearest through the magic constant: its low mantissa bits then hold n.
    let t = xc * LOG2E + ROUND_MAGIC;
    let n = t - ROUND_MAGIC;
    let ni = (t.to_bits() as i32).wrapping_sub(ROUND_MAGIC.to_bits() as i32);
    let r = xc - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let y = p * r * r + r + 1.0;
    // 2^n built from exponent bits, split in two factors so n = 128 (x just under the
    // overflow bound) still fits.
    let half = ni >> 1;
    let s1 = f32::from_bits(((half + 127) as u32) << 23);
    let s2 = f32::from_bits((((ni - half) + 127) as u32) << 23);
    let v = y * s1 * s2;
    // Independent selects (not an if/else chain) so the loop vectorises.
    let v = if x > OVERFLOW { f32::INFINITY } else { v };
    let v = if x < UNDERFLOW { 0.0 } else { v };
    if x.is_nan() {
        x
    } else {
        v
    }
}

#[inline(always)]
fn exp_slice_generic(src: &[f32], dst: &mut [f32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = exp_one(s);
    }
}

#[inline(always)]
fn exp_sub_generic(src: &[f32], shift: f32, dst: &mut [f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut chunks = dst.chunks_exact_mut(8).zip(src.chunks_exact(8));
    for (d, s) in &mut chunks {
        for i in 0..8 {
            d[i] = exp_one(s[i] - shift);
            acc[i] += d[i];
        }
    }
    let done = src.len() / 8 * 8;
    let mut tail = 0.0;
    for (d, &s) in dst[done..].iter_mut().zip(&src[done..]) {
        *d = exp_one(s - shift);
        tail += *d;
    }
    acc.iter().sum::<f32>() + tail
}

#[inline(always)]
fn max_generic(src: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 16];
    let mut chunks = src.chunks_exact(16);
    for c in &mut chunks {
        for i in 0..16 {
            acc[i] = acc[i].max(c[i]);
        }
    }
    acc.iter()
        .chain(chunks.remainder())
        .fold(f32::NEG_INFINITY, |a, &b| a.max(b))
}

/// The widest vector extension usable for these kernels.
#[derive(Clone, Copy, PartialEq)]
enum Simd {
    Avx512,
    Avx2,
    Baseline,
}

fn simd() -> Simd {
    static LEVEL: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
            if avx2 && is_x86_feature_detected!("avx512f") {
                return Simd::Avx512;
            }
            if avx2 {
                return Simd::Avx2;
            }
        }
        Simd::Baseline
    })
}

/// Defines `$name`, which runs `$generic` compiled for the best instruction set available.
macro_rules! multiversion {
    ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty => $generic:ident) => {
        $(#[$doc])*
        pub fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx2,fma")]
            fn avx512($($arg: $ty),*) -> $ret {
                $generic($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            fn avx2($($arg: $ty),*) -> $ret {
                $generic($($arg),*)
            }
            match simd() {
                // SAFETY: the CPU supports the enabled features (checked at run time).
                #[cfg(target_arch = "x86_64")]
                Simd::Avx512 => unsafe { avx512($($arg),*) },
                // SAFETY: as above.
                #[cfg(target_arch = "x86_64")]
                Simd::Avx2 => unsafe { avx2($($arg),*) },
                _ => $generic($($arg),*),
            }
        }
    };
}

multiversion!(
    /// `dst[i] = exp(src[i])`.
    exp_f32(src: &[f32], dst: &mut [f32]) -> () => exp_slice_generic
);

multiversion!(
    /// `dst[i] = exp(src[i] - shift)`, returning the sum of the results.
    exp_sub_sum_f32(src: &[f32], shift: f32, dst: &mut [f32]) -> f32 => exp_sub_generic
);

multiversion!(
    /// The largest value, ignoring NaN (-inf for an empty slice).
    max_f32(src: &[f32]) -> f32 => max_generic
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std_exp_within_two_ulp() {
        let xs: Vec<f32> = (-1960..=2000).map(|i| i as f32 * 0.0443).collect();
        let mut out = vec![0.0; xs.len()];
        exp_f32(&xs, &mut out);
        for (&x, &y) in xs.iter().zip(&out) {
            let want = x.exp();
            let ulp = (want.to_bits() as i64 - y.to_bits() as i64).abs();
            assert!(
                ulp <= 2 || (want == 0.0 && y == 0.0),
                "exp({x}) = {y}, want {want}"
            );
        }
    }

    #[test]
    fn special_values() {
        let xs = [
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NAN,
            0.0,
            100.0,
            -100.0,
            88.7,
        ];
        let mut out = [0.0; 7];
        exp_f32(&xs, &mut out);
        assert_eq!(out[0], 0.0);
        assert_eq!(out[1], f32::INFINITY);
        assert!(out[2].is_nan());
        assert_eq!(out[3], 1.0);
        assert_eq!(out[4], f32::INFINITY);
        assert_eq!(out[5], 0.0);
        assert!((out[6] / 88.7f32.exp() - 1.0).abs() < 1e-6);
        let mut d = [0.0; 3];
        let s = exp_sub_sum_f32(&[1.0, 2.0, 3.0], 3.0, &mut d);
        assert!((s - (1.0 + (-1f32).exp() + (-2f32).exp())).abs() < 1e-6);
    }
}
