//! Splitting text around special tokens before the model's own tokenization.

use super::token_type::TokenType;
use super::vocab::Vocab;

/// A stretch of input: raw text to tokenize, or an already-identified token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fragment<'t> {
    /// Text for the model.
    Text(&'t str),
    /// A special token found in the text.
    Token(u32),
}

/// One special token and how it absorbs neighbouring whitespace.
#[derive(Debug, Clone)]
struct SpecialToken {
    text: String,
    id: u32,
    token_type: TokenType,
    lstrip: bool,
    rstrip: bool,
}

/// Which special tokens swallow whitespace before (`lstrip`) or after (`rstrip`) them.
#[derive(Debug, Clone, Default)]
pub(crate) enum StripRule {
    /// None do.
    #[default]
    None,
    /// Phi-3: all but `<unk>`, `<s>` and `<|endoftext|>` strip on the right.
    Phi3,
    /// Per token id: (lstrip, rstrip).
    PerToken(std::collections::HashMap<u32, (bool, bool)>),
}

impl StripRule {
    /// (lstrip, rstrip) of a token.
    fn flags(&self, id: u32, text: &str) -> (bool, bool) {
        match self {
            StripRule::None => (false, false),
            StripRule::Phi3 => (false, !matches!(text, "<unk>" | "<s>" | "<|endoftext|>")),
            StripRule::PerToken(map) => map.get(&id).copied().unwrap_or_default(),
        }
    }
}

/// Finds special tokens in text, longest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct SpecialMatcher {
    tokens: Vec<SpecialToken>,
}

impl SpecialMatcher {
    /// The matcher for every control, user-defined and unknown token of `vocab`.
    pub(crate) fn new(vocab: &Vocab, strip: &StripRule) -> SpecialMatcher {
        let mut tokens: Vec<SpecialToken> = vocab
            .special_tokens()
            .filter(|(_, text, _)| !text.is_empty())
            .map(|(id, text, token_type)| {
                let (lstrip, rstrip) = strip.flags(id, text);
                SpecialToken {
                    text: text.to_string(),
                    id,
                    token_type,
                    lstrip,
                    rstrip,
                }
            })
            .collect();
        tokens.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then(a.id.cmp(&b.id)));
        SpecialMatcher { tokens }
    }

    /// Splits `text` into fragments. User-defined tokens are always matched; control
    /// and unknown tokens only when `parse_special` is set.
    pub(crate) fn partition<'t>(&self, text: &'t str, parse_special: bool) -> Vec<Fragment<'t>> {
        let mut fragments = vec![Fragment::Text(text)];
        for special in &self.tokens {
            if !parse_special && special.token_type != TokenType::UserDefined {
                continue;
            }
            let mut next = Vec::with_capacity(fragments.len());
            for fragment in fragments {
                match fragment {
                    Fragment::Token(_) => next.push(fragment),
                    Fragment::Text(s) => split_on(s, special, &mut next),
                }
            }
            fragments = next;
        }
        fragments
    }
}

/// Whitespace that stripping special tokens absorb.
fn is_space(c: char) -> bool {
    c.is_ascii_whitespace() || c == '\x0b'
}

/// Appends the pieces of `text` split at each occurrence of `special`.
fn split_on<'t>(text: &'t str, special: &SpecialToken, out: &mut Vec<Fragment<'t>>) {
    let mut rest = text;
    while let Some(pos) = rest.find(special.text.as_str()) {
        let mut left = &rest[..pos];
        if special.lstrip {
            left = left.trim_end_matches(is_space);
        }
        if !left.is_empty() {
            out.push(Fragment::Text(left));
        }
        out.push(Fragment::Token(special.id));
        rest = &rest[pos + special.text.len()..];
        if special.rstrip {
            rest = rest.trim_start_matches(is_space);
        }
    }
    if !rest.is_empty() {
        out.push(Fragment::Text(rest));
    }
}
