//! Speculative decoding: a small draft model proposes tokens greedily, the target
//! model scores them all in one pass and keeps those it would have chosen itself, so
//! the output is exactly the target's.

use super::kv_cache::KvCache;
use super::language_model::LanguageModel;
use super::llama::LogitsFor;
use super::network::Network;
use super::sampling::{argmax, Sampler};
use crate::{Error, Result};

/// The draft model and its cache (which holds the same tokens as the target's).
pub(crate) struct DraftState<'m> {
    model: &'m Network,
    cache: KvCache,
    draft_len: usize,
}

impl<'m> DraftState<'m> {
    /// Checks that the vocabularies agree and makes an empty cache.
    pub(crate) fn new(
        target: &LanguageModel,
        draft: &'m LanguageModel,
        draft_len: usize,
        max_len: usize,
    ) -> Result<DraftState<'m>> {
        let (tv, dv) = (target.model().vocab_size(), draft.model().vocab_size());
        if tv != dv {
            return Err(Error::invalid(
                "speculative decoding",
                format!("draft vocabulary of {dv} tokens differs from the target's {tv}"),
            ));
        }
        Ok(DraftState {
            model: draft.model(),
            cache: draft.model().new_cache(max_len),
            draft_len,
        })
    }

    /// Runs the prompt through the draft model.
    pub(crate) fn prefill(&mut self, prompt: &[u32]) -> Result<()> {
        for chunk in prompt.chunks(super::generator::PREFILL_BATCH) {
            self.model
                .forward(chunk, &mut self.cache, LogitsFor::Last)?;
        }
        Ok(())
    }
}

/// One speculative step after `history` (whose last token is in neither cache yet):
/// returns the sampled tokens (at least one), the number proposed and the number of
/// draft tokens accepted.
pub(crate) fn speculative_step(
    target: &Network,
    draft: &mut DraftState<'_>,
    cache: &mut KvCache,
    sampler: &mut Sampler,
    history: &[u32],
    remaining: usize,
) -> Result<(Vec<u32>, usize, usize)> {
    let last = *history.last().expect("history holds at least the prompt");
    let room = cache
        .max_len()
        .min(draft.cache.max_len())
        .saturating_sub(cache.len() + 1);
    let k = draft.draft_len.min(room).min(remaining.saturating_sub(1));
    let start = cache.len();
    let mut batch = vec![last];
    for _ in 0..k {
        let input = *batch.last().expect("batch starts with the last token");
        let logits = draft
            .model
            .forward(&[input], &mut draft.cache, LogitsFor::Last)?;
        batch.push(argmax(&logits));
    }
    let logits = target.forward(&batch, cache, LogitsFor::All)?;
    let vocab = target.vocab_size();
    let mut seq = history.to_vec();
    let mut sampled = Vec::new();
    let mut accepted = 0;
    for (i, row) in logits.chunks_exact(vocab).enumerate() {
        let t = sampler.sample(row, &seq)?;
        sampled.push(t);
        seq.push(t);
        if i < k && t == batch[i + 1] {
            accepted += 1;
        } else {
            break;
        }
    }
    cache.truncate(start + 1 + accepted);
    if accepted == k {
        draft
            .model
            .forward(&[batch[k]], &mut draft.cache, LogitsFor::Last)?;
    } else {
        draft.cache.truncate(start + 1 + accepted);
    }
    Ok((sampled, k, accepted))
}
