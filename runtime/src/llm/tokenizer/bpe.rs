//! BPE with a ranked merge list: byte-level (GPT-2 family: regex pre-tokenization,
//! merges on bytes) or on characters with byte fallback (SentencePiece-converted
//! Hugging Face tokenizers). Merges apply lowest rank first, leftmost on ties.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use super::byte_level;
use super::error::{Result, TokenizerError};
use super::pretokenizer::PreTokenizer;
use super::spm::SPACE_MARK;
use super::token_type::TokenType;
use super::vocab::Vocab;

/// Id of a byte string known to the model (a token, or a merge result that is not one).
type StringId = u32;

/// What the initial symbols of a word are.
#[derive(Debug, Clone)]
pub(crate) enum Symbols {
    /// One symbol per byte; token texts use GPT-2's byte-to-character mapping.
    Bytes,
    /// One symbol per character; characters without a token become `<0xXX>` tokens,
    /// or the unknown token.
    Chars {
        /// Token of each byte, for byte fallback.
        byte_tokens: Box<[Option<u32>; 256]>,
        /// The unknown token, used when a byte has no token.
        unk: Option<u32>,
    },
}

/// Which fragments SentencePiece-style models prefix with the `▁` of a leading space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrefixWhen {
    /// None.
    Never,
    /// The fragment at the start of the text only.
    First,
    /// Every fragment between special tokens.
    Always,
}

/// How SentencePiece-style models write spaces as `▁`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpacePrefix {
    /// Which fragments get a leading `▁`.
    pub(crate) when: PrefixWhen,
    /// Skip the prefix when the fragment already starts with a space (Metaspace
    /// pre-tokenizer), rather than always adding it (Prepend normalizer).
    pub(crate) unless_present: bool,
}

/// Merge table and pre-tokenizer of a BPE model.
#[derive(Debug, Clone)]
pub(crate) struct BpeModel {
    pre: Option<PreTokenizer>,
    ignore_merges: bool,
    symbols: Symbols,
    /// `Some` for models that write spaces as `▁`.
    metaspace: Option<SpacePrefix>,
    /// Byte strings to ids; ids below the vocabulary size are tokens.
    strings: FxHashMap<Vec<u8>, StringId>,
    /// (left, right) to (rank, merged).
    merges: FxHashMap<(StringId, StringId), (u32, StringId)>,
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

/// A queued merge: (rank, left, right, left id, right id, merged id).
type Candidate = Reverse<(u32, usize, usize, StringId, StringId, StringId)>;

/// Splits a GGUF-style `"left right"` merge at the first space after one character.
pub(crate) fn split_merge(rank: usize, merge: &str) -> Result<(String, String)> {
    let skip = merge.chars().next().map_or(0, char::len_utf8);
    match merge[skip..].find(' ').map(|p| p + skip) {
        Some(pos) => Ok((merge[..pos].to_string(), merge[pos + 1..].to_string())),
        None => Err(TokenizerError::InvalidVocab(format!(
            "merge #{rank} {merge:?} is not two pieces separated by a space"
        ))),
    }
}

impl BpeModel {
    /// Builds the model from the vocabulary and ranked merges (`merges[rank]`).
    pub(crate) fn new(
        vocab: &Vocab,
        merges: &[(String, String)],
        pre: Option<PreTokenizer>,
        symbols: Symbols,
        metaspace: Option<SpacePrefix>,
    ) -> Result<BpeModel> {
        let n_tokens = vocab.len() as u32;
        let byte_level = matches!(symbols, Symbols::Bytes);
        let raw = |s: &str| -> Vec<u8> {
            match byte_level.then(|| byte_level::decode(s)).flatten() {
                Some(bytes) => bytes,
                None => s.as_bytes().to_vec(),
            }
        };
        let mut strings = FxHashMap::default();
        strings.reserve(vocab.len() + merges.len() / 4);
        for id in 0..n_tokens {
            strings.insert(raw(vocab.text(id)?), id);
        }
        let mut next_id = n_tokens;
        let mut intern = |bytes: Vec<u8>| -> StringId {
            *strings.entry(bytes).or_insert_with(|| {
                next_id += 1;
                next_id - 1
            })
        };
        let mut table = FxHashMap::default();
        table.reserve(merges.len());
        for (rank, (left, right)) in merges.iter().enumerate() {
            let (left, right) = (raw(left), raw(right));
            let merged = [left.as_slice(), right.as_slice()].concat();
            let key = (intern(left), intern(right));
            let merged = intern(merged);
            table.entry(key).or_insert((rank as u32, merged));
        }
        let ignore_merges = pre.as_ref().is_some_and(PreTokenizer::ignore_merges);
        Ok(BpeModel {
            pre,
            ignore_merges,
            symbols,
            metaspace,
            strings,
            merges: table,
            n_tokens,
        })
    }

    /// Makes whole pieces that are tokens skip merging (Llama 3 convention).
    pub(crate) fn with_ignore_merges(mut self, ignore: bool) -> BpeModel {
        self.ignore_merges = ignore;
        self
    }

    /// Where a `▁` space prefix goes, for models that write spaces as `▁`.
    pub(crate) fn metaspace(&self) -> Option<SpacePrefix> {
        self.metaspace
    }

    /// The bytes a token decodes to: byte-level characters mapped back to bytes.
    pub(crate) fn byte_level_piece(text: &str, token_type: TokenType) -> Vec<u8> {
        match token_type {
            TokenType::Normal | TokenType::Undefined | TokenType::Byte => {
                byte_level::decode(text).unwrap_or_else(|| text.as_bytes().to_vec())
            }
            _ => text.as_bytes().to_vec(),
        }
    }

    /// Tokenizes one text fragment; `first` is true for the fragment at the start of the
    /// text.
    pub(crate) fn encode(&self, text: &str, first: bool, out: &mut Vec<u32>) -> Result<()> {
        let escaped;
        let text = match self.metaspace {
            None => text,
            Some(prefix) => {
                let mut s = String::with_capacity(text.len() + 3);
                let wanted = match prefix.when {
                    PrefixWhen::Never => false,
                    PrefixWhen::First => first,
                    PrefixWhen::Always => true,
                };
                if wanted && !(prefix.unless_present && text.starts_with(' ')) {
                    s.push(SPACE_MARK);
                }
                s.extend(text.chars().map(|c| if c == ' ' { SPACE_MARK } else { c }));
                escaped = s;
                &escaped
            }
        };
        match &self.pre {
            Some(pre) => {
                for word in pre.split(text)? {
                    self.encode_word(word, out)?;
                }
                Ok(())
            }
            None => self.encode_word(text, out),
        }
    }

    /// Merges the symbols of one pre-token piece and emits the resulting tokens.
    fn encode_word(&self, word: &str, out: &mut Vec<u32>) -> Result<()> {
        let bytes = word.as_bytes();
        if self.ignore_merges {
            if let Some(&id) = self.strings.get(bytes).filter(|&&id| id < self.n_tokens) {
                out.push(id);
                return Ok(());
            }
        }
        let mut symbols = self.initial_symbols(word);
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
                None => self.fall_back(&bytes[s.start..s.start + s.len], out)?,
            }
            next = s.next;
        }
        Ok(())
    }

    /// One symbol per byte or per character, linked in order.
    fn initial_symbols(&self, word: &str) -> Vec<Symbol> {
        let spans: Vec<(usize, usize)> = match self.symbols {
            Symbols::Bytes => (0..word.len()).map(|i| (i, 1)).collect(),
            Symbols::Chars { .. } => word
                .char_indices()
                .map(|(i, c)| (i, c.len_utf8()))
                .collect(),
        };
        let n = spans.len();
        spans
            .into_iter()
            .enumerate()
            .map(|(k, (start, len))| Symbol {
                id: self
                    .strings
                    .get(&word.as_bytes()[start..start + len])
                    .copied(),
                start,
                len,
                prev: k.checked_sub(1),
                next: (k + 1 < n).then_some(k + 1),
            })
            .collect()
    }

    /// Tokens for bytes that did not merge into a token.
    fn fall_back(&self, bytes: &[u8], out: &mut Vec<u32>) -> Result<()> {
        match &self.symbols {
            Symbols::Bytes => {
                // Byte-level vocabularies have every byte; a missing one is dropped.
                for b in bytes {
                    let id = self.strings.get(std::slice::from_ref(b));
                    if let Some(&id) = id.filter(|&&id| id < self.n_tokens) {
                        out.push(id);
                    }
                }
            }
            Symbols::Chars { byte_tokens, unk } => {
                for &b in bytes {
                    let id = byte_tokens[b as usize]
                        .or(*unk)
                        .ok_or(TokenizerError::NoTokenForByte { byte: b })?;
                    out.push(id);
                }
            }
        }
        Ok(())
    }

    /// Queues the merge of two adjacent symbols when the merge table has it.
    fn push_pair(
        &self,
        symbols: &[Symbol],
        left: Option<usize>,
        right: Option<usize>,
        queue: &mut BinaryHeap<Candidate>,
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
