//! Pre-tokenizers: the regular expressions that split text into words before BPE,
//! one set per model family (`tokenizer.ggml.pre`).

use fancy_regex::Regex;

use super::error::{Result, TokenizerError};

/// GPT-2's split: contractions, letters, digits, other symbols, whitespace.
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";
/// Llama 3's split: case-insensitive contractions, digits in groups of up to three.
pub(crate) const LLAMA3: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// Qwen2's split: as Llama 3 but single digits.
const QWEN2: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// First pass of the split used when no family is named.
const DEFAULT_PUNCT: &str = r"[\p{P}\$\+<=>\^~\|]+";

/// Pre-tokenizer families by `tokenizer.ggml.pre` name, with their regex passes and
/// whether whole words found in the vocabulary skip BPE.
const FAMILIES: &[(&[&str], &[&str], bool)] = &[
    (
        &["llama3", "llama-v3", "llama-bpe", "falcon3"],
        &[LLAMA3],
        true,
    ),
    (
        &["gpt-2", "gpt2", "mpt", "olmo", "jais", "trillion"],
        &[GPT2],
        false,
    ),
    (&["qwen2", "deepseek-r1-qwen"], &[QWEN2], false),
    (
        &["default", ""],
        &[DEFAULT_PUNCT, GPT2, r"\p{N}+", "[0-9][0-9][0-9]"],
        false,
    ),
];

/// Splits text into pre-token pieces with a sequence of regex passes.
#[derive(Debug, Clone)]
pub struct PreTokenizer {
    passes: Vec<Regex>,
    ignore_merges: bool,
}

impl PreTokenizer {
    /// The pre-tokenizer for a `tokenizer.ggml.pre` family name.
    pub fn for_family(name: &str) -> Result<PreTokenizer> {
        let (_, patterns, ignore_merges) = FAMILIES
            .iter()
            .find(|(names, _, _)| names.contains(&name))
            .ok_or_else(|| TokenizerError::Unsupported {
                what: "pre-tokenizer",
                name: name.to_string(),
                supported: FAMILIES
                    .iter()
                    .flat_map(|(n, _, _)| n.iter())
                    .filter(|n| !n.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        Ok(PreTokenizer {
            passes: patterns.iter().map(|p| compile(p)).collect::<Result<_>>()?,
            ignore_merges: *ignore_merges,
        })
    }

    /// A pre-tokenizer from one regex.
    pub fn from_pattern(pattern: &str) -> Result<PreTokenizer> {
        PreTokenizer::from_patterns(&[pattern])
    }

    /// A pre-tokenizer applying several regexes in turn, each splitting the pieces of
    /// the previous one.
    pub fn from_patterns<S: AsRef<str>>(patterns: &[S]) -> Result<PreTokenizer> {
        Ok(PreTokenizer {
            passes: patterns
                .iter()
                .map(|p| compile(p.as_ref()))
                .collect::<Result<_>>()?,
            ignore_merges: false,
        })
    }

    /// Whether a piece that is itself a token is emitted without BPE merges.
    pub fn ignore_merges(&self) -> bool {
        self.ignore_merges
    }

    /// Splits `text` into pieces; text no pattern matches becomes a piece of its own,
    /// so the pieces always concatenate back to `text`.
    pub fn split<'t>(&self, text: &'t str) -> Result<Vec<&'t str>> {
        let mut pieces = vec![text];
        for regex in &self.passes {
            let mut next = Vec::with_capacity(pieces.len());
            for piece in pieces {
                split_keeping_gaps(regex, piece, &mut next)?;
            }
            pieces = next;
        }
        Ok(pieces)
    }
}

/// Compiles a pattern, reporting failures as tokenizer errors.
fn compile(pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|e| TokenizerError::Regex(format!("{pattern:?}: {e}")))
}

/// Appends the matches of `regex` in `text` and the unmatched text between them.
fn split_keeping_gaps<'t>(regex: &Regex, text: &'t str, out: &mut Vec<&'t str>) -> Result<()> {
    let mut last = 0;
    for m in regex.find_iter(text) {
        let m = m.map_err(|e| TokenizerError::Regex(e.to_string()))?;
        if m.start() > last {
            out.push(&text[last..m.start()]);
        }
        if m.end() > m.start() {
            out.push(m.as_str());
        }
        last = m.end();
    }
    if last < text.len() {
        out.push(&text[last..]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_split_keeps_every_byte() {
        let p = PreTokenizer::for_family("gpt-2").unwrap();
        let text = "Hello world's  12345 !!\n\tend  ";
        let pieces = p.split(text).unwrap();
        assert_eq!(pieces.concat(), text);
        assert_eq!(&pieces[..4], &["Hello", " world", "'s", " "]);
    }

    #[test]
    fn llama3_groups_digits_by_three() {
        let p = PreTokenizer::for_family("llama-bpe").unwrap();
        assert_eq!(p.split("1234567").unwrap(), vec!["123", "456", "7"]);
        assert!(p.ignore_merges());
        assert!(PreTokenizer::for_family("nope").is_err());
    }
}
