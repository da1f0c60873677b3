//! tiktoken rank files (`cl100k_base`, `o200k_base`): base64 byte strings with ranks,
//! encoded by merging the lowest-ranked adjacent pair first.

use rustc_hash::FxHashMap;

use super::error::{Result, TokenizerError};
use super::pretokenizer::PreTokenizer;

/// Split pattern of `cl100k_base`.
pub const CL100K_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";
/// Split pattern of `o200k_base`.
pub const O200K_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"\p{N}{1,3}",
    "|",
    r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
    "|",
    r"\s*[\r\n]+",
    "|",
    r"\s+(?!\S)",
    "|",
    r"\s+",
);

/// A known tiktoken encoding: its split pattern and special tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TiktokenEncoding {
    /// GPT-3.5/GPT-4 encoding.
    Cl100kBase,
    /// GPT-4o encoding.
    O200kBase,
}

impl TiktokenEncoding {
    /// The encoding for a name such as `cl100k_base`, or a rank file name containing it.
    pub fn from_name(name: &str) -> Option<TiktokenEncoding> {
        if name.contains("cl100k") {
            Some(TiktokenEncoding::Cl100kBase)
        } else if name.contains("o200k") {
            Some(TiktokenEncoding::O200kBase)
        } else {
            None
        }
    }

    /// The regex that splits text before merging.
    pub fn pattern(self) -> &'static str {
        match self {
            TiktokenEncoding::Cl100kBase => CL100K_PATTERN,
            TiktokenEncoding::O200kBase => O200K_PATTERN,
        }
    }

    /// Special tokens and their ids.
    pub fn special_tokens(self) -> &'static [(&'static str, u32)] {
        match self {
            TiktokenEncoding::Cl100kBase => &[
                ("<|endoftext|>", 100257),
                ("<|fim_prefix|>", 100258),
                ("<|fim_middle|>", 100259),
                ("<|fim_suffix|>", 100260),
                ("<|endofprompt|>", 100276),
            ],
            TiktokenEncoding::O200kBase => {
                &[("<|endoftext|>", 199999), ("<|endofprompt|>", 200018)]
            }
        }
    }
}

/// Byte strings with ranks, and the split pattern.
#[derive(Debug, Clone)]
pub(crate) struct TiktokenModel {
    ranks: FxHashMap<Vec<u8>, u32>,
    pre: PreTokenizer,
}

impl TiktokenModel {
    /// The model for `ranks` split by `pattern`.
    pub(crate) fn new(ranks: FxHashMap<Vec<u8>, u32>, pattern: &str) -> Result<TiktokenModel> {
        Ok(TiktokenModel {
            ranks,
            pre: PreTokenizer::from_pattern(pattern)?,
        })
    }

    /// Tokenizes one text fragment.
    pub(crate) fn encode(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        for piece in self.pre.split(text)? {
            let bytes = piece.as_bytes();
            match self.ranks.get(bytes) {
                Some(&rank) => out.push(rank),
                None => self.merge(bytes, out)?,
            }
        }
        Ok(())
    }

    /// Merges the lowest-ranked adjacent pair until no pair is a token.
    fn merge(&self, piece: &[u8], out: &mut Vec<u32>) -> Result<()> {
        // bounds[i]..bounds[i + 1] is part i.
        let mut bounds: Vec<usize> = (0..=piece.len()).collect();
        let rank_of = |bounds: &[usize], i: usize| -> u32 {
            if i + 2 < bounds.len() {
                self.ranks
                    .get(&piece[bounds[i]..bounds[i + 2]])
                    .copied()
                    .unwrap_or(u32::MAX)
            } else {
                u32::MAX
            }
        };
        let mut pair_ranks: Vec<u32> = (0..bounds.len() - 1).map(|i| rank_of(&bounds, i)).collect();
        while let Some((i, _)) = pair_ranks
            .iter()
            .enumerate()
            .filter(|&(_, &r)| r != u32::MAX)
            .min_by_key(|&(i, &r)| (r, i))
        {
            bounds.remove(i + 1);
            pair_ranks.remove(i + 1);
            pair_ranks[i] = rank_of(&bounds, i);
            if i > 0 {
                pair_ranks[i - 1] = rank_of(&bounds, i - 1);
            }
        }
        for w in bounds.windows(2) {
            let part = &piece[w[0]..w[1]];
            let rank = self.ranks.get(part).ok_or_else(|| {
                TokenizerError::InvalidVocab(format!(
                    "rank file has no token for bytes {part:02x?}"
                ))
            })?;
            out.push(*rank);
        }
        Ok(())
    }
}

/// Parses a `.tiktoken` rank file: one `base64 rank` pair per line.
pub(crate) fn parse_rank_file(text: &str) -> Result<FxHashMap<Vec<u8>, u32>> {
    let mut ranks = FxHashMap::default();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        let bad =
            |why: &str| TokenizerError::InvalidVocab(format!("rank file line {}: {why}", n + 1));
        let (token, rank) = line
            .split_once(' ')
            .ok_or_else(|| bad("expected `base64 rank`"))?;
        let rank: u32 = rank
            .trim()
            .parse()
            .map_err(|_| bad("rank is not a number"))?;
        let bytes = decode_base64(token).ok_or_else(|| bad("invalid base64"))?;
        ranks.insert(bytes, rank);
    }
    Ok(ranks)
}

/// Decodes standard base64 with optional padding.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=').as_bytes();
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        out.extend_from_slice(&acc.to_be_bytes()[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("IQ==").unwrap(), b"!");
        assert_eq!(decode_base64("YWJj").unwrap(), b"abc");
        assert!(decode_base64("a").is_none());
        assert!(decode_base64("a*bc").is_none());
    }
}
