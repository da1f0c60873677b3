//! Token streams cut into random training windows.

use crate::rng::Generator;
use crate::{Error, Result, Tensor};

/// A sequence of token ids from which batches of next-token windows are drawn.
#[derive(Debug, Clone)]
pub struct TokenDataset {
    tokens: Vec<u32>,
}

impl TokenDataset {
    /// A dataset over `tokens` (a whole corpus, encoded).
    pub fn new(tokens: Vec<u32>) -> TokenDataset {
        TokenDataset { tokens }
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The token ids.
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// The first `fraction` of the tokens and the rest (e.g. training and validation).
    pub fn split(&self, fraction: f64) -> Result<(TokenDataset, TokenDataset)> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(Error::invalid(
                "TokenDataset::split",
                format!("fraction {fraction} is outside 0..=1"),
            ));
        }
        let at = (self.tokens.len() as f64 * fraction).round() as usize;
        Ok((
            TokenDataset::new(self.tokens[..at].to_vec()),
            TokenDataset::new(self.tokens[at..].to_vec()),
        ))
    }

    /// `batch` windows of `len` tokens at random offsets: inputs and the targets one
    /// token later, both `[batch, len]` i64.
    pub fn batch(&self, rng: &mut Generator, batch: usize, len: usize) -> Result<(Tensor, Tensor)> {
        if batch == 0 || len == 0 || self.tokens.len() < len + 1 {
            return Err(Error::invalid(
                "TokenDataset::batch",
                format!(
                    "{batch} windows of {len} tokens (+1 target) from {} tokens",
                    self.tokens.len()
                ),
            ));
        }
        let starts = (self.tokens.len() - len) as u64;
        let mut inputs = Vec::with_capacity(batch * len);
        let mut targets = Vec::with_capacity(batch * len);
        for _ in 0..batch {
            let s = (rng.next_u64() % starts) as usize;
            inputs.extend(self.tokens[s..s + len].iter().map(|&t| t as i64));
            targets.extend(self.tokens[s + 1..s + len + 1].iter().map(|&t| t as i64));
        }
        Ok((
            Tensor::from_vec(inputs, (batch, len))?,
            Tensor::from_vec(targets, (batch, len))?,
        ))
    }
}
