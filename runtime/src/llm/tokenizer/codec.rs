//! The `Tokenizer`: text to token ids and back, for every supported model kind.

use super::bpe::{BpeModel, PrefixWhen};
use super::error::Result;
use super::special::{Fragment, SpecialMatcher, StripRule};
use super::spm::{SpmModel, SPACE_MARK};
use super::tiktoken::TiktokenModel;
use super::token_type::TokenType;
use super::vocab::Vocab;

/// The algorithm that turns a text fragment into ids.
#[derive(Debug, Clone)]
pub(crate) enum Model {
    /// SentencePiece BPE with scores.
    Spm(Box<SpmModel>),
    /// Byte-level BPE with a merge list.
    Bpe(BpeModel),
    /// tiktoken ranks.
    Tiktoken(TiktokenModel),
}

/// A tokenizer loaded from a model file: encodes text to ids and decodes ids to text.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    vocab: Vocab,
    model: Model,
    specials: SpecialMatcher,
}

/// How [`Tokenizer::encode_with`] treats special tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Add BOS/EOS as the model's metadata asks.
    pub add_special: bool,
    /// Recognise control tokens (e.g. `<|im_start|>`) written in the text.
    pub parse_special: bool,
}

impl Tokenizer {
    /// A tokenizer from its parts.
    pub(crate) fn new(vocab: Vocab, model: Model, strip: &StripRule) -> Tokenizer {
        let specials = SpecialMatcher::new(&vocab, strip);
        Tokenizer {
            vocab,
            model,
            specials,
        }
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Number of tokens.
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// Beginning-of-sequence id.
    pub fn bos_id(&self) -> Option<u32> {
        self.vocab.special().bos
    }

    /// End-of-sequence id.
    pub fn eos_id(&self) -> Option<u32> {
        self.vocab.special().eos
    }

    /// The id of the token whose text is `text`.
    pub fn token_id(&self, text: &str) -> Option<u32> {
        self.vocab.id_of(text)
    }

    /// Encodes `text`, adding BOS/EOS as the model asks when `add_special` is set;
    /// control tokens written in the text are not recognised.
    pub fn encode(&self, text: &str, add_special: bool) -> Result<Vec<u32>> {
        self.encode_with(
            text,
            EncodeOptions {
                add_special,
                parse_special: false,
            },
        )
    }

    /// Encodes `text` with explicit options.
    pub fn encode_with(&self, text: &str, options: EncodeOptions) -> Result<Vec<u32>> {
        let special = self.vocab.special();
        let mut out = Vec::with_capacity(text.len() / 3 + 2);
        if options.add_special && special.add_bos {
            out.extend(special.bos);
        }
        let fragments = if text.is_empty() {
            Vec::new()
        } else {
            self.specials.partition(text, options.parse_special)
        };
        let mut after_special = true;
        for (i, fragment) in fragments.into_iter().enumerate() {
            match fragment {
                Fragment::Token(id) => {
                    out.push(id);
                    after_special = true;
                }
                Fragment::Text(t) => {
                    self.encode_fragment(t, i == 0, after_special, &mut out)?;
                    after_special = false;
                }
            }
        }
        if options.add_special && special.add_eos {
            out.extend(special.eos);
        }
        Ok(out)
    }

    /// Encodes one stretch of text with the model; `first` when it starts the text,
    /// `after_special` when it starts the text or follows a special token.
    fn encode_fragment(
        &self,
        text: &str,
        first: bool,
        after_special: bool,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        match &self.model {
            Model::Spm(spm) => {
                let mut escaped = String::with_capacity(text.len() + 3);
                if spm.add_space_prefix && after_special {
                    escaped.push(SPACE_MARK);
                }
                escaped.extend(text.chars().map(|c| if c == ' ' { SPACE_MARK } else { c }));
                spm.encode(&self.vocab, &escaped, out)
            }
            Model::Bpe(bpe) => bpe.encode(text, first, out),
            Model::Tiktoken(tt) => tt.encode(text, out),
        }
    }

    /// The bytes token `id` contributes to decoded text (empty for control tokens
    /// unless `show_special`).
    pub fn token_bytes(&self, id: u32, show_special: bool) -> Result<&[u8]> {
        let hidden = match self.vocab.token_type(id)? {
            TokenType::Control | TokenType::Unknown | TokenType::Unused => !show_special,
            _ => false,
        };
        if hidden {
            Ok(&[])
        } else {
            self.vocab.piece(id)
        }
    }

    /// Decodes ids to raw bytes, dropping control tokens and the leading space that
    /// SentencePiece models add.
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        let mut strip_space = self.strips_leading_space();
        for &id in ids {
            let piece = self.token_bytes(id, false)?;
            let piece = match (strip_space, piece.first()) {
                (true, Some(b' ')) => &piece[1..],
                _ => piece,
            };
            strip_space &= piece.is_empty() && self.vocab.token_type(id)? == TokenType::Control;
            out.extend_from_slice(piece);
        }
        Ok(out)
    }

    /// Decodes ids to text; invalid UTF-8 becomes U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.decode_bytes(ids)?).into_owned())
    }

    /// Whether decoding drops one leading space (SentencePiece's space prefix).
    pub(crate) fn strips_leading_space(&self) -> bool {
        match &self.model {
            Model::Spm(spm) => spm.add_space_prefix,
            Model::Bpe(bpe) => matches!(bpe.metaspace(), Some(p) if p.when != PrefixWhen::Never),
            Model::Tiktoken(_) => false,
        }
    }
}
