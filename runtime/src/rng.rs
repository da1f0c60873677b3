//! The process-wide random generator (xoshiro256**), seedable so runs repeat exactly.

use std::sync::Mutex;

/// A xoshiro256** generator.
#[derive(Debug, Clone)]
pub struct Generator {
    s: [u64; 4],
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Generator {
    /// A generator whose whole stream is determined by `seed`.
    pub fn from_seed(seed: u64) -> Self {
        let mut st = seed;
        Generator {
            s: [
                splitmix(&mut st),
                splitmix(&mut st),
                splitmix(&mut st),
                splitmix(&mut st),
            ],
        }
    }

    /// The generator's whole state, to store in a checkpoint.
    pub fn state(&self) -> [u64; 4] {
        self.s
    }

    /// A generator continuing exactly from a state returned by [`Generator::state`].
    ///
    /// The all-zero state is the one xoshiro cannot leave; it is refused.
    pub fn from_state(state: [u64; 4]) -> crate::Result<Self> {
        if state == [0; 4] {
            return Err(crate::Error::msg(
                "rng::Generator::from_state: the all-zero state is not a valid xoshiro256** state",
            ));
        }
        Ok(Generator { s: state })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal pairs by the Box-Muller transform.
    pub fn normal_pair(&mut self) -> (f64, f64) {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u2;
        (r * theta.cos(), r * theta.sin())
    }

    /// Uniform integer in `[low, high)`; `high > low` is the caller's invariant.
    pub fn int_in(&mut self, low: i64, high: i64) -> i64 {
        let span = (high as i128 - low as i128) as u128;
        // Rejection sampling keeps the distribution exactly uniform.
        let zone = u64::MAX as u128 - (u64::MAX as u128 + 1) % span;
        loop {
            let v = self.next_u64() as u128;
            if v <= zone {
                return (low as i128 + (v % span) as i128) as i64;
            }
        }
    }
}

fn global() -> &'static Mutex<Generator> {
    static GLOBAL: std::sync::OnceLock<Mutex<Generator>> = std::sync::OnceLock::new();
    GLOBAL.get_or_init(|| {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5EED);
        Mutex::new(Generator::from_seed(seed))
    })
}

/// Reseeds the process-wide generator: what follows repeats exactly for a given seed.
pub fn manual_seed(seed: u64) {
    *global().lock().unwrap_or_else(|e| e.into_inner()) = Generator::from_seed(seed);
}

/// The process-wide generator's state (see [`set_state`]).
pub fn state() -> [u64; 4] {
    with_generator(|g| g.state())
}

/// Continues the process-wide generator from a state taken with [`state`]:
/// what follows repeats exactly what followed then.
pub fn set_state(state: [u64; 4]) -> crate::Result<()> {
    let restored = Generator::from_state(state)?;
    with_generator(|g| *g = restored);
    Ok(())
}

/// Runs `f` with exclusive access to the process-wide generator.
pub fn with_generator<R>(f: impl FnOnce(&mut Generator) -> R) -> R {
    f(&mut global().lock().unwrap_or_else(|e| e.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_streams_repeat_and_look_uniform() {
        let mut a = Generator::from_seed(7);
        let mut b = Generator::from_seed(7);
        assert_eq!(a.next_u64(), b.next_u64());
        let n = 20000;
        let mean = (0..n).map(|_| a.uniform()).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n / 2 {
            let (x, y) = a.normal_pair();
            s += x + y;
            s2 += x * x + y * y;
        }
        assert!((s / n as f64).abs() < 0.03);
        assert!((s2 / n as f64 - 1.0).abs() < 0.05);
        let saved = a.state();
        let ahead: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let mut again = Generator::from_state(saved).expect("valid state");
        assert_eq!((0..5).map(|_| again.next_u64()).collect::<Vec<_>>(), ahead);
        assert!(Generator::from_state([0; 4]).is_err());
        assert!((0..1000)
            .map(|_| a.int_in(-3, 4))
            .all(|v| (-3..4).contains(&v)));
    }
}
