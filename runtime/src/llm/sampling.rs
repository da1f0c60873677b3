//! Choosing the next token from logits: penalties, greedy, temperature, top-k, top-p
//! and min-p, with a seeded generator so runs repeat.

use crate::rng::Generator;
use crate::{Error, Result};

/// How to pick tokens and when to stop.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingParams {
    /// Softmax temperature; 0 picks the most likely token (greedy).
    pub temperature: f32,
    /// Keep only the `top_k` most likely tokens (0 = all).
    pub top_k: usize,
    /// Keep the smallest set of tokens whose probability reaches `top_p` (1 = all).
    pub top_p: f32,
    /// Drop tokens less likely than `min_p` times the most likely one (0 = none).
    pub min_p: f32,
    /// Divides positive (multiplies negative) logits of recent tokens (1 = off).
    pub repetition_penalty: f32,
    /// Subtracted once from the logit of every recent token (0 = off).
    pub presence_penalty: f32,
    /// Subtracted per occurrence from the logit of recent tokens (0 = off).
    pub frequency_penalty: f32,
    /// How many recent tokens the penalties look at.
    pub penalty_last_n: usize,
    /// Seed of the random generator.
    pub seed: u64,
    /// Most tokens to generate.
    pub max_tokens: usize,
    /// Generation stops before any of these strings (which are not emitted).
    pub stop: Vec<String>,
    /// Keep generating past the end-of-sequence token.
    pub ignore_eos: bool,
}

impl Default for SamplingParams {
    fn default() -> Self {
        SamplingParams {
            temperature: 0.8,
            top_k: 40,
            top_p: 0.95,
            min_p: 0.05,
            repetition_penalty: 1.0,
            presence_penalty: 0.0,
            frequency_penalty: 0.0,
            penalty_last_n: 64,
            seed: 42,
            max_tokens: 128,
            stop: Vec::new(),
            ignore_eos: false,
        }
    }
}

impl SamplingParams {
    /// Greedy decoding of up to `max_tokens` tokens.
    pub fn greedy(max_tokens: usize) -> SamplingParams {
        SamplingParams {
            temperature: 0.0,
            max_tokens,
            ..SamplingParams::default()
        }
    }

    /// Checks that every value is in range.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::invalid("SamplingParams", msg));
        if !(self.temperature >= 0.0 && self.temperature.is_finite()) {
            return bad(format!("temperature {} must be >= 0", self.temperature));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return bad(format!("top_p {} must be in (0, 1]", self.top_p));
        }
        if !(0.0..=1.0).contains(&self.min_p) {
            return bad(format!("min_p {} must be in [0, 1]", self.min_p));
        }
        if !(self.repetition_penalty > 0.0 && self.repetition_penalty.is_finite()) {
            return bad(format!(
                "repetition_penalty {} must be > 0",
                self.repetition_penalty
            ));
        }
        Ok(())
    }
}

/// Picks tokens according to [`SamplingParams`].
#[derive(Debug, Clone)]
pub struct Sampler {
    params: SamplingParams,
    rng: Generator,
}

impl Sampler {
    /// A sampler seeded with `params.seed`.
    pub fn new(params: SamplingParams) -> Result<Sampler> {
        params.validate()?;
        let rng = Generator::from_seed(params.seed);
        Ok(Sampler { params, rng })
    }

    /// The parameters.
    pub fn params(&self) -> &SamplingParams {
        &self.params
    }

    /// Picks the next token from `logits` given the tokens so far (`history`, for the
    /// penalties).
    pub fn sample(&mut self, logits: &[f32], history: &[u32]) -> Result<u32> {
        if logits.is_empty() {
            return Err(Error::invalid("Sampler::sample", "empty logits"));
        }
        let mut logits = logits.to_vec();
        self.apply_penalties(&mut logits, history);
        if self.params.temperature == 0.0 {
            return Ok(argmax(&logits));
        }
        let p = &self.params;
        let mut cand: Vec<(u32, f32)> = logits
            .iter()
            .enumerate()
            .filter(|(_, l)| l.is_finite())
            .map(|(i, &l)| (i as u32, l))
            .collect();
        if cand.is_empty() {
            return Err(Error::invalid("Sampler::sample", "no finite logit"));
        }
        cand.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        if p.top_k > 0 {
            cand.truncate(p.top_k);
        }
        let max = cand[0].1;
        let mut probs: Vec<f32> = cand
            .iter()
            .map(|(_, l)| ((l - max) / p.temperature).exp())
            .collect();
        let total: f32 = probs.iter().sum();
        probs.iter_mut().for_each(|q| *q /= total);
        let mut keep = probs.len();
        if p.top_p < 1.0 {
            let mut acc = 0.0;
            for (i, q) in probs.iter().enumerate() {
                acc += q;
                if acc >= p.top_p {
                    keep = i + 1;
                    break;
                }
            }
        }
        if p.min_p > 0.0 {
            let floor = probs[0] * p.min_p;
            keep = keep.min(probs.iter().take_while(|&&q| q >= floor).count().max(1));
        }
        let total: f32 = probs[..keep].iter().sum();
        let mut r = self.rng.uniform() as f32 * total;
        for (i, q) in probs[..keep].iter().enumerate() {
            if r < *q {
                return Ok(cand[i].0);
            }
            r -= q;
        }
        Ok(cand[keep - 1].0)
    }

    /// Repetition, presence and frequency penalties over the last `penalty_last_n`
    /// tokens of `history`.
    fn apply_penalties(&self, logits: &mut [f32], history: &[u32]) {
        let p = &self.params;
        if p.repetition_penalty == 1.0 && p.presence_penalty == 0.0 && p.frequency_penalty == 0.0 {
            return;
        }
        let recent = &history[history.len().saturating_sub(p.penalty_last_n)..];
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for &t in recent {
            match counts.iter_mut().find(|(id, _)| *id == t) {
                Some((_, c)) => *c += 1,
                None => counts.push((t, 1)),
            }
        }
        for (t, c) in counts {
            let Some(l) = logits.get_mut(t as usize) else {
                continue;
            };
            if *l > 0.0 {
                *l /= p.repetition_penalty;
            } else {
                *l *= p.repetition_penalty;
            }
            *l -= c as f32 * p.frequency_penalty + p.presence_penalty;
        }
    }
}

/// Index of the largest value (the first one on ties).
pub fn argmax(x: &[f32]) -> u32 {
    let mut best = 0;
    for (i, v) in x.iter().enumerate() {
        if *v > x[best] {
            best = i;
        }
    }
    best as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampler(f: impl FnOnce(&mut SamplingParams)) -> Sampler {
        let mut p = SamplingParams {
            top_k: 0,
            top_p: 1.0,
            min_p: 0.0,
            temperature: 1.0,
            ..SamplingParams::default()
        };
        f(&mut p);
        Sampler::new(p).expect("valid params")
    }

    fn histogram(s: &mut Sampler, logits: &[f32], n: usize) -> Vec<usize> {
        let mut h = vec![0; logits.len()];
        for _ in 0..n {
            h[s.sample(logits, &[]).expect("sample") as usize] += 1;
        }
        h
    }

    #[test]
    fn greedy_takes_argmax() {
        let mut s = sampler(|p| p.temperature = 0.0);
        assert_eq!(s.sample(&[0.1, 3.0, 2.9], &[]).expect("sample"), 1);
    }

    #[test]
    fn temperature_one_follows_softmax() {
        let logits = [0.0, 1.0f32.ln(), 3.0f32.ln()]; // probabilities 1/5, 1/5, 3/5
        let h = histogram(&mut sampler(|_| {}), &logits, 20000);
        assert!((h[2] as f32 / 20000.0 - 0.6).abs() < 0.02, "{h:?}");
        assert!((h[0] as f32 / 20000.0 - 0.2).abs() < 0.02, "{h:?}");
    }

    #[test]
    fn top_k_top_p_min_p_cut_the_tail() {
        let logits = [4.0, 3.0, 2.0, 1.0, 0.0];
        let h = histogram(&mut sampler(|p| p.top_k = 2), &logits, 2000);
        assert!(h[2..].iter().all(|&c| c == 0) && h[1] > 0, "{h:?}");
        // probabilities ≈ .64 .24 .09 .03 .01: top_p 0.8 keeps two tokens.
        let h = histogram(&mut sampler(|p| p.top_p = 0.8), &logits, 2000);
        assert!(h[2..].iter().all(|&c| c == 0) && h[1] > 0, "{h:?}");
        // min_p 0.2: 0.09 / 0.64 < 0.2 drops all but two.
        let h = histogram(&mut sampler(|p| p.min_p = 0.2), &logits, 2000);
        assert!(h[2..].iter().all(|&c| c == 0) && h[1] > 0, "{h:?}");
    }

    #[test]
    fn same_seed_same_tokens() {
        let logits: Vec<f32> = (0..50).map(|i| (i as f32 * 0.3).sin()).collect();
        let run = || histogram(&mut sampler(|p| p.seed = 9), &logits, 100);
        assert_eq!(run(), run());
    }

    #[test]
    fn penalties_change_the_greedy_choice() {
        let logits = [2.0, 1.9, -1.0];
        let mut s = sampler(|p| {
            p.temperature = 0.0;
            p.repetition_penalty = 1.2;
        });
        assert_eq!(s.sample(&logits, &[0]).expect("sample"), 1);
        let mut s = sampler(|p| {
            p.temperature = 0.0;
            p.frequency_penalty = 0.06;
        });
        assert_eq!(s.sample(&logits, &[0]).expect("sample"), 0);
        assert_eq!(s.sample(&logits, &[0, 0]).expect("sample"), 1);
        let mut s = sampler(|p| {
            p.temperature = 0.0;
            p.presence_penalty = 0.2;
        });
        assert_eq!(s.sample(&logits, &[0]).expect("sample"), 1);
        // Negative logits are pushed further down by the repetition penalty.
        let mut s = sampler(|p| {
            p.temperature = 0.0;
            p.repetition_penalty = 2.0;
        });
        assert_eq!(s.sample(&[-1.0, -1.5], &[0]).expect("sample"), 1);
    }

    #[test]
    fn invalid_params_are_errors() {
        for f in [
            (|p: &mut SamplingParams| p.temperature = -1.0) as fn(&mut SamplingParams),
            |p| p.top_p = 0.0,
            |p| p.min_p = 2.0,
            |p| p.repetition_penalty = 0.0,
        ] {
            let mut p = SamplingParams::default();
            f(&mut p);
            assert!(Sampler::new(p).is_err());
        }
    }
}
