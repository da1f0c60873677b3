//! SentencePiece BPE (`tokenizer.ggml.model = llama`): merge adjacent pieces by score,
//! with byte fallback to `<0xXX>` tokens.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::error::{Result, TokenizerError};
use super::token_type::TokenType;
use super::vocab::Vocab;

/// The character SentencePiece uses for a space.
pub const SPACE_MARK: char = '▁';

/// SentencePiece settings derived from the vocabulary.
#[derive(Debug, Clone)]
pub(crate) struct SpmModel {
    /// Whether a space is put before text that starts a sequence or follows a special token.
    pub(crate) add_space_prefix: bool,
    byte_tokens: [Option<u32>; 256],
}

/// A piece of the text being merged: a byte range in a doubly linked list.
#[derive(Debug, Clone, Copy)]
struct Symbol {
    start: usize,
    len: usize,
    prev: Option<usize>,
    next: Option<usize>,
}

/// A candidate merge of two adjacent symbols.
#[derive(Debug, PartialEq)]
struct Bigram {
    score: f32,
    left: usize,
    right: usize,
    len: usize,
}

impl Eq for Bigram {}

impl Ord for Bigram {
    /// Highest score first; on equal scores the leftmost pair first.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(other.left.cmp(&self.left))
    }
}

impl PartialOrd for Bigram {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl SpmModel {
    /// The model for `vocab`, finding the `<0xXX>` byte tokens.
    pub(crate) fn new(vocab: &Vocab, add_space_prefix: bool) -> SpmModel {
        let mut byte_tokens = [None; 256];
        for (b, slot) in byte_tokens.iter_mut().enumerate() {
            *slot = vocab
                .id_of(&format!("<0x{b:02X}>"))
                .or_else(|| char::from_u32(b as u32).and_then(|c| vocab.id_of(&c.to_string())));
        }
        SpmModel {
            add_space_prefix,
            byte_tokens,
        }
    }

    /// The bytes a token decodes to: spaces restored, `<0xXX>` tokens as their byte.
    pub(crate) fn piece(text: &str, token_type: TokenType) -> Vec<u8> {
        match token_type {
            TokenType::Byte => parse_byte_token(text)
                .map(|b| vec![b])
                .unwrap_or_else(|| text.as_bytes().to_vec()),
            TokenType::Normal | TokenType::Undefined => text.replace(SPACE_MARK, " ").into_bytes(),
            _ => text.as_bytes().to_vec(),
        }
    }

    /// Tokenizes one text fragment (spaces already replaced by `▁`).
    pub(crate) fn encode(&self, vocab: &Vocab, text: &str, out: &mut Vec<u32>) -> Result<()> {
        let mut symbols: Vec<Symbol> = Vec::with_capacity(text.len());
        for (i, (start, c)) in text.char_indices().enumerate() {
            symbols.push(Symbol {
                start,
                len: c.len_utf8(),
                prev: i.checked_sub(1),
                next: None,
            });
            if i > 0 {
                symbols[i - 1].next = Some(i);
            }
        }
        let mut queue = BinaryHeap::new();
        for i in 1..symbols.len() {
            self.push_bigram(vocab, text, &symbols, Some(i - 1), Some(i), &mut queue);
        }
        while let Some(bigram) = queue.pop() {
            let (l, r) = (symbols[bigram.left], symbols[bigram.right]);
            if l.len == 0 || r.len == 0 || l.len + r.len != bigram.len {
                continue;
            }
            symbols[bigram.left].len += r.len;
            symbols[bigram.right].len = 0;
            symbols[bigram.left].next = r.next;
            if let Some(n) = r.next {
                symbols[n].prev = Some(bigram.left);
            }
            let left = symbols[bigram.left];
            self.push_bigram(
                vocab,
                text,
                &symbols,
                left.prev,
                Some(bigram.left),
                &mut queue,
            );
            self.push_bigram(
                vocab,
                text,
                &symbols,
                Some(bigram.left),
                left.next,
                &mut queue,
            );
        }
        let mut next = if symbols.is_empty() { None } else { Some(0) };
        while let Some(i) = next {
            let s = symbols[i];
            self.emit(vocab, &text[s.start..s.start + s.len], out)?;
            next = s.next;
        }
        Ok(())
    }

    /// Queues the merge of `left` and `right` if their concatenation is a token.
    fn push_bigram(
        &self,
        vocab: &Vocab,
        text: &str,
        symbols: &[Symbol],
        left: Option<usize>,
        right: Option<usize>,
        queue: &mut BinaryHeap<Bigram>,
    ) {
        let (Some(left), Some(right)) = (left, right) else {
            return;
        };
        let start = symbols[left].start;
        let len = symbols[left].len + symbols[right].len;
        if let Some(id) = vocab.id_of(&text[start..start + len]) {
            let score = vocab
                .score(id)
                .expect("ids from the vocabulary are in range");
            queue.push(Bigram {
                score,
                left,
                right,
                len,
            });
        }
    }

    /// Emits a final piece: its token, or its bytes as byte-fallback tokens.
    fn emit(&self, vocab: &Vocab, piece: &str, out: &mut Vec<u32>) -> Result<()> {
        if let Some(id) = vocab.id_of(piece) {
            out.push(id);
            return Ok(());
        }
        for &b in piece.as_bytes() {
            let id =
                self.byte_tokens[b as usize].ok_or(TokenizerError::NoTokenForByte { byte: b })?;
            out.push(id);
        }
        Ok(())
    }
}

/// The byte of a `<0xXX>` token.
fn parse_byte_token(text: &str) -> Option<u8> {
    let hex = text.strip_prefix("<0x")?.strip_suffix('>')?;
    (hex.len() == 2)
        .then(|| u8::from_str_radix(hex, 16).ok())
        .flatten()
}
