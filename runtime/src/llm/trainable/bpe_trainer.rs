//! Learning a byte-level BPE tokenizer from text: words split with Llama 3's
//! pre-tokenizer, the most frequent adjacent pair merged until the vocabulary is full.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};

use super::super::tokenizer::byte_level::byte_to_char;
use super::super::tokenizer::{PreTokenizer, Tokenizer, LLAMA3};
use crate::{Error, Result};

/// The end-of-text token every trained vocabulary ends with.
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// A byte-level BPE tokenizer learned from a corpus, with its `tokenizer.json`.
#[derive(Debug, Clone)]
pub struct TrainedBpe {
    json: Value,
    tokenizer: Tokenizer,
}

/// A distinct pre-token word: its symbols and how often it occurs.
struct Word {
    symbols: Vec<u32>,
    count: u64,
}

impl TrainedBpe {
    /// Learns merges from `text` until the vocabulary holds `vocab_size` tokens (256 bytes,
    /// the merges, and `<|endoftext|>`), or no pair occurs twice. `vocab_size` 257 gives a
    /// byte-level (character-level for ASCII) tokenizer.
    pub fn train(text: &str, vocab_size: usize) -> Result<TrainedBpe> {
        if !(257..=1 << 20).contains(&vocab_size) {
            return Err(Error::invalid(
                "TrainedBpe::train",
                format!("vocab_size {vocab_size} is outside 257..=1048576 (256 bytes + end of text at least)"),
            ));
        }
        let mut words = count_words(text)?;
        let mut texts: Vec<String> = (0..=255u8).map(|b| byte_to_char(b).to_string()).collect();
        let mut merges: Vec<(u32, u32)> = Vec::new();
        let mut pairs = count_pairs(&words);
        while texts.len() + 1 < vocab_size {
            crate::interrupt::check()?;
            // Most frequent pair; ties go to the smallest ids so runs repeat exactly.
            let Some((&pair, &count)) = pairs
                .iter()
                .filter(|entry| *entry.1 > 0)
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            else {
                break;
            };
            if count < 2 {
                break;
            }
            let id = texts.len() as u32;
            texts.push(format!(
                "{}{}",
                texts[pair.0 as usize], texts[pair.1 as usize]
            ));
            merges.push(pair);
            for word in &mut words {
                if word.symbols.windows(2).any(|w| (w[0], w[1]) == pair) {
                    add_pairs(&mut pairs, &word.symbols, word.count, false);
                    word.symbols = merge(&word.symbols, pair, id);
                    add_pairs(&mut pairs, &word.symbols, word.count, true);
                }
            }
        }
        let json = tokenizer_json(&texts, &merges);
        let tokenizer = Tokenizer::from_hf_json(&json.to_string())?;
        Ok(TrainedBpe { json, tokenizer })
    }

    /// The tokenizer, ready to encode and decode.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Number of tokens, `<|endoftext|>` included.
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.vocab_size()
    }

    /// Id of `<|endoftext|>`.
    pub fn end_of_text_id(&self) -> u32 {
        (self.vocab_size() - 1) as u32
    }

    /// The Hugging Face `tokenizer.json` text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.json).expect("JSON values serialize")
    }

    /// Writes `tokenizer.json` to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_json()).map_err(|e| Error::io(path.display().to_string(), e))
    }
}

/// Distinct words of `text` (byte symbols) with their counts, in first-seen order.
fn count_words(text: &str) -> Result<Vec<Word>> {
    let pre = PreTokenizer::from_pattern(LLAMA3)?;
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut words: Vec<Word> = Vec::new();
    for piece in pre.split(text)? {
        let i = *index.entry(piece).or_insert_with(|| {
            words.push(Word {
                symbols: piece.bytes().map(u32::from).collect(),
                count: 0,
            });
            words.len() - 1
        });
        words[i].count += 1;
    }
    Ok(words)
}

/// Occurrences of every adjacent symbol pair, weighted by word counts.
fn count_pairs(words: &[Word]) -> HashMap<(u32, u32), u64> {
    let mut pairs = HashMap::new();
    for w in words {
        add_pairs(&mut pairs, &w.symbols, w.count, true);
    }
    pairs
}

/// Adds (or removes) the pairs of one word `count` times.
fn add_pairs(pairs: &mut HashMap<(u32, u32), u64>, symbols: &[u32], count: u64, add: bool) {
    for w in symbols.windows(2) {
        let c = pairs.entry((w[0], w[1])).or_insert(0);
        *c = if add {
            *c + count
        } else {
            c.saturating_sub(count)
        };
    }
}

/// `symbols` with every non-overlapping occurrence of `pair` (left to right) replaced by `id`.
fn merge(symbols: &[u32], pair: (u32, u32), id: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(symbols.len());
    let mut i = 0;
    while i < symbols.len() {
        if i + 1 < symbols.len() && (symbols[i], symbols[i + 1]) == pair {
            out.push(id);
            i += 2;
        } else {
            out.push(symbols[i]);
            i += 1;
        }
    }
    out
}

/// A Llama 3-style `tokenizer.json`: Split(regex) + ByteLevel, BPE with `ignore_merges`,
/// `<|endoftext|>` as the last (special) token, no BOS.
fn tokenizer_json(texts: &[String], merges: &[(u32, u32)]) -> Value {
    let vocab: serde_json::Map<String, Value> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), json!(i)))
        .collect();
    let merges: Vec<String> = merges
        .iter()
        .map(|&(a, b)| format!("{} {}", texts[a as usize], texts[b as usize]))
        .collect();
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [{
            "id": texts.len(), "content": END_OF_TEXT, "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": false, "special": true
        }],
        "normalizer": null,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3}, "behavior": "Isolated", "invert": false},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}
        ]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
            "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
            "ignore_merges": true, "vocab": vocab, "merges": merges
        }
    })
}
