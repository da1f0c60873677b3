//! The vocabulary shared by every tokenizer model: token texts, types, scores, the
//! bytes each token decodes to, and the special-token ids.

use rustc_hash::FxHashMap;

use super::error::{Result, TokenizerError};
use super::token_type::TokenType;

/// Special token ids and the flags that say when to add them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecialTokens {
    /// Beginning of sequence.
    pub bos: Option<u32>,
    /// End of sequence.
    pub eos: Option<u32>,
    /// Unknown token.
    pub unk: Option<u32>,
    /// Padding token.
    pub pad: Option<u32>,
    /// Whether encoding with special tokens adds BOS.
    pub add_bos: bool,
    /// Whether encoding with special tokens adds EOS.
    pub add_eos: bool,
}

/// Token texts with their types, scores and decoded bytes.
#[derive(Debug, Clone)]
pub struct Vocab {
    texts: Vec<String>,
    types: Vec<TokenType>,
    scores: Vec<f32>,
    pieces: Vec<Vec<u8>>,
    text_to_id: FxHashMap<String, u32>,
    special: SpecialTokens,
}

impl Vocab {
    /// Builds a vocabulary; `piece` gives the bytes a token decodes to (for normal,
    /// byte and user-defined tokens; control tokens decode to their text when shown).
    pub fn new(
        texts: Vec<String>,
        types: Vec<TokenType>,
        scores: Vec<f32>,
        special: SpecialTokens,
        mut piece: impl FnMut(&str, TokenType) -> Vec<u8>,
    ) -> Result<Vocab> {
        let n = texts.len();
        if n == 0 || n > u32::MAX as usize {
            return Err(TokenizerError::InvalidVocab(format!(
                "vocabulary size {n} must be between 1 and {}",
                u32::MAX
            )));
        }
        if types.len() != n || scores.len() != n {
            return Err(TokenizerError::InvalidVocab(format!(
                "{n} tokens but {} types and {} scores",
                types.len(),
                scores.len()
            )));
        }
        for (name, id) in [
            ("BOS", special.bos),
            ("EOS", special.eos),
            ("UNK", special.unk),
            ("PAD", special.pad),
        ] {
            if let Some(id) = id.filter(|&id| id as usize >= n) {
                return Err(TokenizerError::InvalidVocab(format!(
                    "{name} id {id} is outside the vocabulary of {n}"
                )));
            }
        }
        let mut text_to_id = FxHashMap::default();
        text_to_id.reserve(n);
        for (i, t) in texts.iter().enumerate() {
            text_to_id.insert(t.clone(), i as u32);
        }
        let pieces = texts
            .iter()
            .zip(&types)
            .map(|(t, &ty)| piece(t, ty))
            .collect();
        Ok(Vocab {
            texts,
            types,
            scores,
            pieces,
            text_to_id,
            special,
        })
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Always false: a vocabulary has at least one token.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The id of the token whose text is exactly `text`.
    pub fn id_of(&self, text: &str) -> Option<u32> {
        self.text_to_id.get(text).copied()
    }

    /// The text of token `id` as stored in the model file.
    pub fn text(&self, id: u32) -> Result<&str> {
        self.check(id).map(|i| self.texts[i].as_str())
    }

    /// The type of token `id`.
    pub fn token_type(&self, id: u32) -> Result<TokenType> {
        self.check(id).map(|i| self.types[i])
    }

    /// The score of token `id` (SentencePiece merge priority).
    pub fn score(&self, id: u32) -> Result<f32> {
        self.check(id).map(|i| self.scores[i])
    }

    /// The bytes token `id` decodes to in text.
    pub fn piece(&self, id: u32) -> Result<&[u8]> {
        self.check(id).map(|i| self.pieces[i].as_slice())
    }

    /// Special ids and BOS/EOS flags.
    pub fn special(&self) -> &SpecialTokens {
        &self.special
    }

    /// Token ids with their text and type, for every token matched whole in text.
    pub(crate) fn special_tokens(&self) -> impl Iterator<Item = (u32, &str, TokenType)> {
        self.types
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_special())
            .map(|(i, &t)| (i as u32, self.texts[i].as_str(), t))
    }

    /// Checks `id` and returns it as an index.
    fn check(&self, id: u32) -> Result<usize> {
        if (id as usize) < self.texts.len() {
            Ok(id as usize)
        } else {
            Err(TokenizerError::UnknownId {
                id,
                vocab_size: self.texts.len(),
            })
        }
    }
}
