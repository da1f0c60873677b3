//! Streaming text generation: batched prefill, token-by-token decoding (optionally
//! speculative with a draft model), UTF-8-safe text pieces, stop strings and speeds.

use std::collections::VecDeque;
use std::fmt;
use std::time::Instant;

use super::gpu::DeviceCache;
use super::language_model::LanguageModel;
use super::llama::LogitsFor;
use super::sampling::{Sampler, SamplingParams};
use super::speculative::{speculative_step, DraftState};
use super::stop::StopMatcher;
use super::tokenizer::StreamDecoder;
use crate::{Error, Result};

/// Prompt tokens processed per forward pass during prefill.
pub const PREFILL_BATCH: usize = 256;

/// Counts and timings of one generation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerationStats {
    /// Tokens in the prompt.
    pub prompt_tokens: usize,
    /// Tokens generated (EOS included when it ended the run).
    pub generated_tokens: usize,
    /// Seconds spent on the prompt (and the first token).
    pub prefill_secs: f64,
    /// Seconds spent generating the remaining tokens.
    pub decode_secs: f64,
    /// Draft tokens proposed (speculative decoding).
    pub draft_proposed: usize,
    /// Draft tokens the target model accepted.
    pub draft_accepted: usize,
    /// The generated token ids.
    pub tokens: Vec<u32>,
}

impl GenerationStats {
    /// Prompt tokens per second.
    pub fn prefill_tokens_per_sec(&self) -> f64 {
        self.prompt_tokens as f64 / self.prefill_secs.max(1e-9)
    }

    /// Generated tokens per second after the first.
    pub fn decode_tokens_per_sec(&self) -> f64 {
        self.generated_tokens.saturating_sub(1) as f64 / self.decode_secs.max(1e-9)
    }

    /// Share of draft tokens accepted, when a draft model was used.
    pub fn acceptance_rate(&self) -> Option<f64> {
        (self.draft_proposed > 0).then(|| self.draft_accepted as f64 / self.draft_proposed as f64)
    }
}

impl fmt::Display for GenerationStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "prompt: {} tokens, {:.1} tok/s; generated: {} tokens, {:.1} tok/s",
            self.prompt_tokens,
            self.prefill_tokens_per_sec(),
            self.generated_tokens,
            self.decode_tokens_per_sec()
        )?;
        if let Some(rate) = self.acceptance_rate() {
            write!(f, "; draft acceptance {:.0}%", rate * 100.0)?;
        }
        Ok(())
    }
}

/// Generates text from a model with fixed sampling parameters.
#[derive(Debug, Clone)]
pub struct TextGenerator<'m> {
    model: &'m LanguageModel,
    draft: Option<(&'m LanguageModel, usize)>,
    params: SamplingParams,
}

impl<'m> TextGenerator<'m> {
    /// A generator for `model`.
    pub fn new(model: &'m LanguageModel, params: SamplingParams) -> TextGenerator<'m> {
        TextGenerator {
            model,
            draft: None,
            params,
        }
    }

    /// Uses `draft` to propose `draft_len` tokens per step (speculative decoding); the
    /// output is the same as without it.
    pub fn with_draft(mut self, draft: &'m LanguageModel, draft_len: usize) -> TextGenerator<'m> {
        self.draft = Some((draft, draft_len.max(1)));
        self
    }

    /// Starts generating from `prompt`; iterate to get text pieces.
    pub fn stream(&self, prompt: &str) -> Result<Generation<'m>> {
        self.stream_tokens(self.model.encode(prompt)?)
    }

    /// Starts generating after the token ids `prompt`.
    pub fn stream_tokens(&self, prompt: Vec<u32>) -> Result<Generation<'m>> {
        Generation::new(self.model, self.draft, self.params.clone(), prompt)
    }

    /// Generates from `prompt`, passing each text piece to `on_piece`.
    pub fn generate_with(
        &self,
        prompt: &str,
        mut on_piece: impl FnMut(&str) -> Result<()>,
    ) -> Result<GenerationStats> {
        let mut g = self.stream(prompt)?;
        for piece in &mut g {
            on_piece(&piece?)?;
        }
        Ok(g.stats())
    }
}

/// An ongoing generation: an iterator of text pieces (never half a character).
pub struct Generation<'m> {
    model: &'m LanguageModel,
    draft: Option<DraftState<'m>>,
    cache: DeviceCache,
    sampler: Sampler,
    tokens: Vec<u32>,
    prompt_len: usize,
    queue: VecDeque<u32>,
    decoder: StreamDecoder,
    stop: StopMatcher,
    started: bool,
    exhausted: bool,
    done: bool,
    stats: GenerationStats,
}

impl<'m> Generation<'m> {
    /// Prepares a generation after `prompt`.
    fn new(
        model: &'m LanguageModel,
        draft: Option<(&'m LanguageModel, usize)>,
        params: SamplingParams,
        prompt: Vec<u32>,
    ) -> Result<Generation<'m>> {
        if prompt.is_empty() {
            return Err(Error::invalid("generate", "the prompt has no tokens"));
        }
        if draft.is_some() && model.gpu_network().is_some() {
            return Err(Error::invalid(
                "generate",
                "speculative decoding runs on the cpu only; generate without a draft model \
                 on the gpu",
            ));
        }
        let max_len = prompt.len() + params.max_tokens;
        let draft = match draft {
            Some((d, k)) => Some(DraftState::new(model, d, k, max_len)?),
            None => None,
        };
        let stop = StopMatcher::new(&params.stop);
        let exhausted = params.max_tokens == 0;
        Ok(Generation {
            cache: DeviceCache::new(model, max_len)?,
            sampler: Sampler::new(params)?,
            prompt_len: prompt.len(),
            stats: GenerationStats {
                prompt_tokens: prompt.len(),
                ..GenerationStats::default()
            },
            tokens: prompt,
            model,
            draft,
            queue: VecDeque::new(),
            decoder: StreamDecoder::new(),
            stop,
            started: false,
            exhausted,
            done: false,
        })
    }

    /// Counts and timings so far.
    pub fn stats(&self) -> GenerationStats {
        let mut s = self.stats.clone();
        s.tokens = self.tokens[self.prompt_len..].to_vec();
        s.generated_tokens = s.tokens.len();
        s
    }

    /// Records a sampled token; returns whether generation may continue after it.
    fn accept(&mut self, t: u32) -> bool {
        self.tokens.push(t);
        self.queue.push_back(t);
        let eos = !self.sampler.params().ignore_eos && self.model.eos_ids().contains(&t);
        let full = self.tokens.len() - self.prompt_len >= self.sampler.params().max_tokens;
        if eos || full {
            self.exhausted = true;
        }
        !self.exhausted
    }

    /// Runs the model for the next token(s).
    fn step(&mut self) -> Result<()> {
        crate::interrupt::check()?;
        let t0 = Instant::now();
        let model = self.model.model();
        let lm = self.model;
        if !self.started {
            let mut logits = Vec::new();
            for chunk in self.tokens.chunks(PREFILL_BATCH) {
                logits = self.cache.forward(lm, chunk, LogitsFor::Last)?;
            }
            if let Some(d) = &mut self.draft {
                d.prefill(&self.tokens)?;
            }
            let t = self.sampler.sample(&logits, &self.tokens)?;
            self.accept(t);
            self.started = true;
            self.stats.prefill_secs += t0.elapsed().as_secs_f64();
            return Ok(());
        }
        let last = *self.tokens.last().expect("a started generation has tokens");
        if self.cache.len() + 1 > self.cache.max_len() {
            self.exhausted = true;
            return Ok(());
        }
        let remaining = self.sampler.params().max_tokens + self.prompt_len - self.tokens.len();
        match &mut self.draft {
            Some(d) => {
                let (sampled, proposed, accepted) = speculative_step(
                    model,
                    d,
                    self.cache.cpu_mut("speculative decoding")?,
                    &mut self.sampler,
                    &self.tokens,
                    remaining,
                )?;
                self.stats.draft_proposed += proposed;
                self.stats.draft_accepted += accepted;
                for t in sampled {
                    if !self.accept(t) {
                        break;
                    }
                }
            }
            None => {
                let logits = self.cache.forward(lm, &[last], LogitsFor::Last)?;
                let t = self.sampler.sample(&logits, &self.tokens)?;
                self.accept(t);
            }
        }
        self.stats.decode_secs += t0.elapsed().as_secs_f64();
        Ok(())
    }

    /// Text still held by the decoder and the stop matcher, at the end.
    fn flush(&mut self) -> String {
        self.done = true;
        let rest = self.decoder.finish();
        let (mut out, stopped) = self.stop.push(&rest);
        if !stopped {
            out.push_str(&self.stop.finish());
        }
        out
    }

    /// The next piece of text, running the model as needed.
    fn next_piece(&mut self) -> Result<Option<String>> {
        loop {
            if self.done {
                return Ok(None);
            }
            if let Some(t) = self.queue.pop_front() {
                if !self.sampler.params().ignore_eos && self.model.eos_ids().contains(&t) {
                    self.queue.clear();
                    let rest = self.flush();
                    return Ok((!rest.is_empty()).then_some(rest));
                }
                let piece = self.decoder.push(self.model.tokenizer(), t)?;
                let (out, stopped) = self.stop.push(&piece);
                if stopped {
                    self.done = true;
                    self.queue.clear();
                }
                if !out.is_empty() {
                    return Ok(Some(out));
                }
                continue;
            }
            if self.exhausted {
                let rest = self.flush();
                return Ok((!rest.is_empty()).then_some(rest));
            }
            self.step()?;
        }
    }
}

impl Iterator for Generation<'_> {
    type Item = Result<String>;

    fn next(&mut self) -> Option<Result<String>> {
        match self.next_piece() {
            Ok(p) => p.map(Ok),
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
