//! Token types as stored in `tokenizer.ggml.token_type`.

/// The role of a token in the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// Type 0: not specified (treated as normal).
    Undefined,
    /// Type 1: an ordinary piece of text.
    Normal,
    /// Type 2: the unknown token.
    Unknown,
    /// Type 3: a control token (BOS, EOS, chat markers); not parsed from text unless asked.
    Control,
    /// Type 4: a user-defined token, always matched in text before splitting.
    UserDefined,
    /// Type 5: unused slot.
    Unused,
    /// Type 6: a byte-fallback token `<0xXX>`.
    Byte,
}

impl TokenType {
    /// The type for a GGUF id; unknown ids count as normal.
    pub fn from_id(id: i64) -> TokenType {
        match id {
            0 => TokenType::Undefined,
            2 => TokenType::Unknown,
            3 => TokenType::Control,
            4 => TokenType::UserDefined,
            5 => TokenType::Unused,
            6 => TokenType::Byte,
            _ => TokenType::Normal,
        }
    }

    /// The GGUF id.
    pub fn id(self) -> i32 {
        match self {
            TokenType::Undefined => 0,
            TokenType::Normal => 1,
            TokenType::Unknown => 2,
            TokenType::Control => 3,
            TokenType::UserDefined => 4,
            TokenType::Unused => 5,
            TokenType::Byte => 6,
        }
    }

    /// True for tokens that are matched as whole units in text (control, user-defined,
    /// unknown).
    pub fn is_special(self) -> bool {
        matches!(
            self,
            TokenType::Control | TokenType::UserDefined | TokenType::Unknown
        )
    }
}
