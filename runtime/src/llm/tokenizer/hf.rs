//! Building tokenizers from Hugging Face `tokenizer.json` files (BPE models: byte-level
//! like GPT-2/Llama 3/Qwen2, or SentencePiece-converted like Llama 2 and Mistral).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::bpe::{split_merge, BpeModel, PrefixWhen, SpacePrefix, Symbols};
use super::codec::{Model, Tokenizer};
use super::error::{Result, TokenizerError};
use super::pretokenizer::PreTokenizer;
use super::special::StripRule;
use super::spm::{SpmModel, SPACE_MARK};
use super::token_type::TokenType;
use super::vocab::{SpecialTokens, Vocab};

/// The regex of the `ByteLevel` pre-tokenizer when it splits by itself.
const BYTE_LEVEL_REGEX: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// What the pre-tokenizer and normalizer of a `tokenizer.json` amount to.
#[derive(Debug, Default)]
struct Pipeline {
    patterns: Vec<String>,
    byte_level: bool,
    metaspace: Option<SpacePrefix>,
}

impl Tokenizer {
    /// Loads a Hugging Face `tokenizer.json`.
    pub fn from_hf_file(path: impl AsRef<Path>) -> Result<Tokenizer> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TokenizerError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Tokenizer::from_hf_json(&text)
    }

    /// Builds a tokenizer from the text of a Hugging Face `tokenizer.json`.
    pub fn from_hf_json(json: &str) -> Result<Tokenizer> {
        let root: Value = serde_json::from_str(json)
            .map_err(|e| invalid(format!("tokenizer.json is not valid JSON: {e}")))?;
        let model = &root["model"];
        let kind = model["type"].as_str().unwrap_or("BPE");
        if kind != "BPE" {
            return Err(TokenizerError::Unsupported {
                what: "tokenizer.json model",
                name: kind.to_string(),
                supported: "BPE".into(),
            });
        }
        let mut pipeline = Pipeline::default();
        read_normalizer(&root["normalizer"], &mut pipeline)?;
        read_pre_tokenizer(&root["pre_tokenizer"], &mut pipeline)?;
        let (texts, types, strip) = read_vocab(model, &root["added_tokens"], &pipeline)?;
        let id_of = |name: &str| texts.iter().position(|t| t == name).map(|i| i as u32);
        let special = read_template(&root["post_processor"], &id_of, model)?;
        let merges = read_merges(&model["merges"])?;
        let n = texts.len();
        let vocab = if pipeline.byte_level {
            Vocab::new(
                texts,
                types,
                vec![0.0; n],
                special,
                BpeModel::byte_level_piece,
            )?
        } else {
            Vocab::new(texts, types, vec![0.0; n], special, SpmModel::piece)?
        };
        let symbols = if pipeline.byte_level {
            Symbols::Bytes
        } else {
            let byte_fallback = model["byte_fallback"].as_bool().unwrap_or(false);
            let mut byte_tokens = Box::new([None; 256]);
            if byte_fallback {
                for (b, slot) in byte_tokens.iter_mut().enumerate() {
                    *slot = vocab.id_of(&format!("<0x{b:02X}>"));
                }
            }
            let unk = model["unk_token"].as_str().and_then(|u| vocab.id_of(u));
            Symbols::Chars { byte_tokens, unk }
        };
        let pre = if pipeline.patterns.is_empty() {
            None
        } else {
            Some(PreTokenizer::from_patterns(&pipeline.patterns)?)
        };
        let bpe = BpeModel::new(&vocab, &merges, pre, symbols, pipeline.metaspace)?
            .with_ignore_merges(model["ignore_merges"].as_bool().unwrap_or(false));
        Ok(Tokenizer::new(vocab, Model::Bpe(bpe), &strip))
    }
}

/// A tokenizer-description error.
fn invalid(message: String) -> TokenizerError {
    TokenizerError::InvalidVocab(message)
}

/// An unsupported component of a `tokenizer.json`.
fn unsupported(what: &'static str, node: &Value, supported: &str) -> TokenizerError {
    TokenizerError::Unsupported {
        what,
        name: node["type"].as_str().unwrap_or("?").to_string(),
        supported: supported.into(),
    }
}

/// Accepts the SentencePiece-style `Prepend("▁")` + `Replace(" ", "▁")` normalizer.
fn read_normalizer(node: &Value, p: &mut Pipeline) -> Result<()> {
    let supported = "Sequence, Prepend(\"▁\"), Replace(\" \", \"▁\")";
    match node["type"].as_str() {
        None => Ok(()),
        Some("Sequence") => {
            for n in node["normalizers"].as_array().into_iter().flatten() {
                read_normalizer(n, p)?;
            }
            Ok(())
        }
        Some("Prepend") if node["prepend"].as_str() == Some("▁") => {
            p.metaspace = Some(SpacePrefix {
                when: PrefixWhen::Always,
                unless_present: false,
            });
            Ok(())
        }
        Some("Replace")
            if node["pattern"]["String"].as_str() == Some(" ")
                && node["content"].as_str() == Some("▁") =>
        {
            p.metaspace.get_or_insert(SpacePrefix {
                when: PrefixWhen::Never,
                unless_present: false,
            });
            Ok(())
        }
        Some(_) => Err(unsupported("normalizer", node, supported)),
    }
}

/// Collects regex splits, byte-level mapping and Metaspace settings.
fn read_pre_tokenizer(node: &Value, p: &mut Pipeline) -> Result<()> {
    let supported = "Sequence, Split (Isolated), ByteLevel, Metaspace (split: false)";
    match node["type"].as_str() {
        None => Ok(()),
        Some("Sequence") => {
            for n in node["pretokenizers"].as_array().into_iter().flatten() {
                read_pre_tokenizer(n, p)?;
            }
            Ok(())
        }
        Some("Split") => {
            if node["behavior"].as_str() != Some("Isolated")
                || node["invert"].as_bool() == Some(true)
            {
                return Err(invalid(format!(
                    "Split pre-tokenizer {node} is not Isolated"
                )));
            }
            let pattern = match (
                node["pattern"]["Regex"].as_str(),
                node["pattern"]["String"].as_str(),
            ) {
                (Some(r), _) => r.to_string(),
                (None, Some(s)) => fancy_regex::escape(s).into_owned(),
                _ => {
                    return Err(invalid(format!(
                        "Split pre-tokenizer {node} has no pattern"
                    )))
                }
            };
            p.patterns.push(pattern);
            Ok(())
        }
        Some("ByteLevel") => {
            if node["add_prefix_space"].as_bool() == Some(true) {
                return Err(invalid(
                    "ByteLevel with add_prefix_space is not supported".into(),
                ));
            }
            if node["use_regex"].as_bool().unwrap_or(true) {
                p.patterns.push(BYTE_LEVEL_REGEX.into());
            }
            p.byte_level = true;
            Ok(())
        }
        Some("Metaspace") if node["split"].as_bool() != Some(true) => {
            if node["replacement"]
                .as_str()
                .is_some_and(|r| r != SPACE_MARK.to_string())
            {
                return Err(invalid(format!("Metaspace replacement in {node} is not ▁")));
            }
            let when = match node["prepend_scheme"].as_str() {
                Some("never") => PrefixWhen::Never,
                Some("first") => PrefixWhen::First,
                _ => PrefixWhen::Always,
            };
            p.metaspace = Some(SpacePrefix {
                when,
                unless_present: true,
            });
            Ok(())
        }
        Some(_) => Err(unsupported("pre-tokenizer", node, supported)),
    }
}

/// Token texts and types by id (model vocabulary plus added tokens), and the strip
/// flags of added tokens.
fn read_vocab(
    model: &Value,
    added: &Value,
    p: &Pipeline,
) -> Result<(Vec<String>, Vec<TokenType>, StripRule)> {
    let vocab = model["vocab"]
        .as_object()
        .ok_or_else(|| invalid("model.vocab is not an object".into()))?;
    let mut entries: Vec<(u32, String, TokenType)> = Vec::with_capacity(vocab.len());
    for (text, id) in vocab {
        let id = id
            .as_u64()
            .and_then(|i| u32::try_from(i).ok())
            .ok_or_else(|| invalid(format!("vocab id of {text:?} is not a u32")))?;
        let is_byte =
            !p.byte_level && text.len() == 6 && text.starts_with("<0x") && text.ends_with('>');
        let ty = if is_byte {
            TokenType::Byte
        } else {
            TokenType::Normal
        };
        entries.push((id, text.clone(), ty));
    }
    let mut strip = HashMap::new();
    for token in added.as_array().into_iter().flatten() {
        let (Some(id), Some(text)) = (token["id"].as_u64(), token["content"].as_str()) else {
            return Err(invalid(format!("added token {token} lacks id or content")));
        };
        let id =
            u32::try_from(id).map_err(|_| invalid(format!("added token id {id} is not a u32")))?;
        let special = token["special"].as_bool().unwrap_or(false);
        let ty = if special {
            TokenType::Control
        } else {
            TokenType::UserDefined
        };
        entries.push((id, text.to_string(), ty));
        let flags = (
            token["lstrip"].as_bool().unwrap_or(false),
            token["rstrip"].as_bool().unwrap_or(false),
        );
        strip.insert(id, flags);
    }
    let size = entries.iter().map(|e| e.0 as usize + 1).max().unwrap_or(0);
    if size > entries.len().saturating_mul(2) + 1024 {
        return Err(invalid(format!(
            "token ids up to {size} for {} tokens",
            entries.len()
        )));
    }
    let mut texts = vec![String::new(); size];
    let mut types = vec![TokenType::Unused; size];
    for (id, text, ty) in entries {
        texts[id as usize] = text;
        types[id as usize] = ty;
    }
    Ok((texts, types, StripRule::PerToken(strip)))
}

/// Merges as (left, right) pairs, from `"left right"` strings or two-element arrays.
fn read_merges(node: &Value) -> Result<Vec<(String, String)>> {
    let list = node
        .as_array()
        .ok_or_else(|| invalid("model.merges is not an array".into()))?;
    list.iter()
        .enumerate()
        .map(|(rank, m)| match m {
            Value::String(s) => split_merge(rank, s),
            Value::Array(pair) => match (
                pair.first().and_then(Value::as_str),
                pair.get(1).and_then(Value::as_str),
            ) {
                (Some(l), Some(r)) if pair.len() == 2 => Ok((l.to_string(), r.to_string())),
                _ => Err(invalid(format!(
                    "merge #{rank} {m} is not a pair of strings"
                ))),
            },
            _ => Err(invalid(format!(
                "merge #{rank} {m} is not a string or a pair"
            ))),
        })
        .collect()
}

/// BOS/EOS from a `TemplateProcessing` post-processor (possibly inside a Sequence).
fn read_template(
    node: &Value,
    id_of: &dyn Fn(&str) -> Option<u32>,
    model: &Value,
) -> Result<SpecialTokens> {
    let unk = model["unk_token"].as_str().and_then(id_of);
    let template = match node["type"].as_str() {
        Some("TemplateProcessing") => Some(node),
        Some("Sequence") => node["processors"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["type"].as_str() == Some("TemplateProcessing")),
        _ => None,
    };
    let Some(items) = template.and_then(|t| t["single"].as_array()) else {
        return Ok(SpecialTokens {
            unk,
            ..SpecialTokens::default()
        });
    };
    let special_id = |item: &Value| -> Result<Option<u32>> {
        let Some(name) = item["SpecialToken"]["id"].as_str() else {
            return Ok(None);
        };
        id_of(name)
            .map(Some)
            .ok_or_else(|| invalid(format!("template token {name:?} is not in the vocabulary")))
    };
    let bos = match items.first() {
        Some(item) => special_id(item)?,
        None => None,
    };
    let eos = match items.last().filter(|_| items.len() > 1) {
        Some(item) => special_id(item)?,
        None => None,
    };
    Ok(SpecialTokens {
        bos,
        eos,
        unk,
        pad: None,
        add_bos: bos.is_some(),
        add_eos: eos.is_some(),
    })
}
