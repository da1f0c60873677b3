//! Incremental decoding that only ever emits whole UTF-8 characters.

use super::codec::Tokenizer;
use super::error::Result;
use super::token_type::TokenType;

/// Turns a stream of token ids into text chunks, holding back bytes of a character
/// that is not yet complete.
#[derive(Debug, Clone, Default)]
pub struct StreamDecoder {
    pending: Vec<u8>,
    started: bool,
}

impl StreamDecoder {
    /// A decoder at the start of a sequence.
    pub fn new() -> StreamDecoder {
        StreamDecoder::default()
    }

    /// Adds one token and returns the text that is now complete (possibly empty).
    pub fn push(&mut self, tokenizer: &Tokenizer, id: u32) -> Result<String> {
        let mut piece = tokenizer.token_bytes(id, false)?;
        if !self.started {
            if piece.is_empty() && tokenizer.vocab().token_type(id)? == TokenType::Control {
                return Ok(String::new());
            }
            self.started = true;
            if tokenizer.strips_leading_space() && piece.first() == Some(&b' ') {
                piece = &piece[1..];
            }
        }
        self.pending.extend_from_slice(piece);
        Ok(self.take_complete())
    }

    /// Returns whatever is left, with incomplete characters as U+FFFD.
    pub fn finish(&mut self) -> String {
        let rest = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        rest
    }

    /// Removes and returns the longest prefix of whole characters; invalid sequences
    /// (as opposed to incomplete ones at the end) become U+FFFD.
    fn take_complete(&mut self) -> String {
        let mut out = String::new();
        let mut start = 0;
        loop {
            match std::str::from_utf8(&self.pending[start..]) {
                Ok(s) => {
                    out.push_str(s);
                    start = self.pending.len();
                    break;
                }
                Err(e) => {
                    let valid = start + e.valid_up_to();
                    out.push_str(
                        std::str::from_utf8(&self.pending[start..valid])
                            .expect("valid_up_to marks valid UTF-8"),
                    );
                    match e.error_len() {
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            start = valid + bad;
                        }
                        None => {
                            start = valid;
                            break;
                        }
                    }
                }
            }
        }
        self.pending.drain(..start);
        out
    }
}
