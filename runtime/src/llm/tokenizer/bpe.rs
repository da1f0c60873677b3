//! Byte-level BPE (`tokenizer.ggml.model = gpt2`): regex pre-tokenization, then merges
//! applied lowest rank first on the bytes of each piece.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::byte_level;
use super::error::{Result, TokenizerError};
use super::pretokenizer::PreTokenizer;
use super::token_type::TokenType;
use super::vocab::Vocab;

/// Id of a byte string known to the model (a token, or a merge result that is not one).
type StringId = u32;

/// Merge table and pre-tokenizer of a byte-level BPE model.
#[derive(Debug, Clone)]
pub(crate) struct BpeModel {
    pre: PreTokenizer,
    /// Byte strings to ids; ids below the vocabulary size are tokens.
    strings: HashMap<Vec<u8>, StringId>,
    /// (left, right) to (rank, merged).
    merges: HashMap<(StringId, StringId), (u32, StringId)>,
    n_tokens: u32,
}

/// A piece of the word being merged.
#[derive(Debug, Clone, Copy)]
struct Symbol {
    id: Option<StringId>,
    start: usize,
    len: usize,
    prev: Option<usize>,
    next: Option<usize>,
}

impl BpeModel {
    /// Builds the model from the vocabulary and the `"left right"` merge list.
    pub(crate) fn new(vocab: &Vocab, merges: &[String], pre: PreTokenizer) -> Result<BpeModel> {
        let n_tokens = vocab.len() as u32;
        let mut strings = HashMap::with_capacity(vocab.len() + merges.len() / 4);
        for id in 0..n_tokens {
            let text = vocab.text(id)?;
            let bytes = byte_level::decode(text).unwrap_or_else(|| text.as_bytes().to_vec());
            strings.insert(bytes, id);
        }
        let mut intern = |bytes: Vec<u8>| -> StringId {
            let next = (n_tokens as usize + strings.len()) as StringId;
            *strings.entry(bytes).or_insert(next)
        };
        let mut table = HashMap::with_capacity(merges.len());
        for (rank, merge) in merges.iter().enumerate() {
            // The first piece is at least one character, so search from the second.
            let skip = merge.chars().next().map_or(0, char::len_utf8);
            let split = merge[skip..].find(' ').map(|p| p + skip);
            let Some(pos) = split else {
                return Err(TokenizerError::InvalidVocab(format!(
                    "merge #{rank} {merge:?} is not two pieces separated by a space"
                )));
            };
            let decode = |s: &str| byte_level::decode(s).unwrap_or_else(|| s.as_bytes().to_vec());
            let (left, right) = (decode(&merge[..pos]), decode(&merge[pos + 1..]));
            let merged = [left.as_slice(), right.as_slice()].concat();
            let key = (intern(left), intern(right));
            let merged = intern(merged);
            table.entry(key).or_insert((rank as u32, merged));
        }
        Ok(BpeModel {
            pre,
            strings,
            merges: table,
            n_tokens,
        })
    }

    /// The bytes a token decodes to: byte-level characters mapped back to bytes.
    pub(crate) fn piece(text: &str, token_type: TokenType) -> Vec<u8> {
        match token_type {
            TokenType::Normal | TokenType::Undefined | TokenType::Byte => {
                byte_level::decode(text).unwrap_or_else(|| text.as_bytes().to_vec())
            }
            _ => text.as_bytes().to_vec(),
        }
    }

    /// Tokenizes one text fragment.
    pub(crate) fn encode(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        for word in self.pre.split(text)? {
            self.encode_word(word.as_bytes(), out);
        }
        Ok(())
    }

    /// Merges the bytes of one pre-token piece and emits the resulting tokens.
    fn encode_word(&self, word: &[u8], out: &mut Vec<u32>) {
        if self.pre.ignore_merges() {
            if let Some(&id) = self.strings.get(word).filter(|&&id| id < self.n_tokens) {
                out.push(id);
                return;
            }
        }
        let mut symbols: Vec<Symbol> = (0..word.len())
            .map(|i| Symbol {
                id: self.strings.get(&word[i..i + 1]).copied(),
                start: i,
                len: 1,
                prev: i.checked_sub(1),
                next: (i + 1 < word.len()).then_some(i + 1),
            })
            .collect();
        let mut queue = BinaryHeap::new();
        for i in 1..symbols.len() {
            self.push_pair(&symbols, Some(i - 1), Some(i), &mut queue);
        }
        while let Some(Reverse((_, left, right, left_id, right_id, merged))) = queue.pop() {
            let (l, r) = (symbols[left], symbols[right]);
            if l.len == 0 || r.len == 0 || l.id != Some(left_id) || r.id != Some(right_id) {
                continue;
            }
            symbols[left].len += r.len;
            symbols[left].id = Some(merged);
            symbols[left].next = r.next;
            symbols[right].len = 0;
            if let Some(n) = r.next {
                symbols[n].prev = Some(left);
            }
            let l = symbols[left];
            self.push_pair(&symbols, l.prev, Some(left), &mut queue);
            self.push_pair(&symbols, Some(left), l.next, &mut queue);
        }
        let mut next = (!symbols.is_empty()).then_some(0);
        while let Some(i) = next {
            let s = symbols[i];
            match s.id.filter(|&id| id < self.n_tokens) {
                Some(id) => out.push(id),
                None => {
                    // Not a token: fall back to single-byte tokens, dropping bytes without one.
                    for b in &word[s.start..s.start + s.len] {
                        let id = self.strings.get(std::slice::from_ref(b));
                        if let Some(&id) = id.filter(|&&id| id < self.n_tokens) {
                            out.push(id);
                        }
                    }
                }
            }
            next = s.next;
        }
    }

    /// Queues the merge of two adjacent symbols when the merge table has it.
    #[allow(clippy::type_complexity)]
    fn push_pair(
        &self,
        symbols: &[Symbol],
        left: Option<usize>,
        right: Option<usize>,
        queue: &mut BinaryHeap<Reverse<(u32, usize, usize, StringId, StringId, StringId)>>,
    ) {
        let (Some(left), Some(right)) = (left, right) else {
            return;
        };
        let (Some(l), Some(r)) = (symbols[left].id, symbols[right].id) else {
            return;
        };
        if let Some(&(rank, merged)) = self.merges.get(&(l, r)) {
            queue.push(Reverse((rank, left, right, l, r, merged)));
        }
    }
}
