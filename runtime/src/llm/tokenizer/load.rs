//! Building tokenizers from GGUF metadata and from tiktoken rank files.

use std::path::Path;

use super::bpe::{split_merge, BpeModel, Symbols};
use super::codec::{Model, Tokenizer};
use super::error::{Result, TokenizerError};
use super::pretokenizer::PreTokenizer;
use super::special::StripRule;
use super::spm::SpmModel;
use super::tiktoken::{parse_rank_file, TiktokenEncoding, TiktokenModel};
use super::token_type::TokenType;
use super::vocab::{SpecialTokens, Vocab};
use crate::io::gguf::{GgufArray, GgufFile, GgufMetadata};

/// Tokenizer models this crate reads from `tokenizer.ggml.model`.
const SUPPORTED_MODELS: &str = "llama, gpt2";

impl Tokenizer {
    /// Opens a GGUF file and builds its tokenizer.
    pub fn from_gguf_path(path: impl AsRef<Path>) -> Result<Tokenizer> {
        Tokenizer::from_gguf(&GgufFile::open(path)?)
    }

    /// Builds the tokenizer described by a GGUF file's `tokenizer.ggml.*` metadata.
    pub fn from_gguf(file: &GgufFile) -> Result<Tokenizer> {
        let m = file.metadata();
        let model = m
            .get_str("tokenizer.ggml.model")?
            .ok_or_else(|| missing("tokenizer.ggml.model"))?;
        let texts = match m.get_array("tokenizer.ggml.tokens")? {
            Some(GgufArray::String(t)) => t.clone(),
            _ => return Err(missing("tokenizer.ggml.tokens (an array of strings)")),
        };
        let n = texts.len();
        let types = match m.get_array("tokenizer.ggml.token_type")? {
            Some(a) => numbers(a, n, "tokenizer.ggml.token_type")?
                .into_iter()
                .map(|t| TokenType::from_id(t as i64))
                .collect(),
            None => vec![TokenType::Normal; n],
        };
        let scores = match m.get_array("tokenizer.ggml.scores")? {
            Some(a) => numbers(a, n, "tokenizer.ggml.scores")?
                .into_iter()
                .map(|s| s as f32)
                .collect(),
            None => vec![0.0; n],
        };
        let pre = m.get_str("tokenizer.ggml.pre")?.unwrap_or("default");
        let is_llama3 = matches!(pre, "llama3" | "llama-v3" | "llama-bpe" | "falcon3");
        let special = special_tokens(m, model == "llama" || is_llama3)?;
        let name = m.get_str("general.name")?.unwrap_or("").to_lowercase();
        let strip = if name.contains("phi3") || name.contains("phi-3") {
            StripRule::Phi3
        } else {
            StripRule::None
        };
        match model {
            "llama" => {
                let vocab = Vocab::new(texts, types, scores, special, SpmModel::piece)?;
                let prefix = m
                    .get_bool("tokenizer.ggml.add_space_prefix")?
                    .unwrap_or(true);
                let spm = SpmModel::new(&vocab, prefix);
                Ok(Tokenizer::new(vocab, Model::Spm(Box::new(spm)), &strip))
            }
            "gpt2" => {
                let merges = match m.get_array("tokenizer.ggml.merges")? {
                    Some(GgufArray::String(v)) => v,
                    _ => return Err(missing("tokenizer.ggml.merges (an array of strings)")),
                };
                let merges = merges
                    .iter()
                    .enumerate()
                    .map(|(rank, m)| split_merge(rank, m))
                    .collect::<Result<Vec<_>>>()?;
                let vocab = Vocab::new(texts, types, scores, special, BpeModel::byte_level_piece)?;
                let pre = PreTokenizer::for_family(pre)?;
                let bpe = BpeModel::new(&vocab, &merges, Some(pre), Symbols::Bytes, None)?;
                Ok(Tokenizer::new(vocab, Model::Bpe(bpe), &strip))
            }
            other => Err(TokenizerError::Unsupported {
                what: "tokenizer model",
                name: other.to_string(),
                supported: SUPPORTED_MODELS.into(),
            }),
        }
    }

    /// Loads a tiktoken rank file (e.g. `cl100k_base.tiktoken`) for a known encoding.
    pub fn from_tiktoken_file(
        path: impl AsRef<Path>,
        encoding: TiktokenEncoding,
    ) -> Result<Tokenizer> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TokenizerError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Tokenizer::from_tiktoken_ranks(&text, encoding)
    }

    /// Builds a tiktoken tokenizer from the text of a rank file.
    pub fn from_tiktoken_ranks(rank_file: &str, encoding: TiktokenEncoding) -> Result<Tokenizer> {
        let ranks = parse_rank_file(rank_file)?;
        let specials = encoding.special_tokens();
        let size = ranks
            .values()
            .chain(specials.iter().map(|(_, id)| id))
            .max()
            .map_or(0, |&m| m as usize + 1);
        if size > 2 * ranks.len() + 1024 {
            return Err(TokenizerError::InvalidVocab(format!(
                "ranks up to {size} for {} tokens",
                ranks.len()
            )));
        }
        let mut pieces: Vec<Option<Vec<u8>>> = vec![None; size];
        for (bytes, &rank) in &ranks {
            pieces[rank as usize] = Some(bytes.clone());
        }
        let mut types = vec![TokenType::Normal; size];
        let mut texts: Vec<String> = pieces
            .iter()
            .enumerate()
            .map(|(i, p)| match p {
                Some(b) => String::from_utf8_lossy(b).into_owned(),
                None => {
                    types[i] = TokenType::Unused;
                    String::new()
                }
            })
            .collect();
        for &(text, id) in specials {
            texts[id as usize] = text.to_string();
            types[id as usize] = TokenType::Control;
        }
        let special = SpecialTokens {
            eos: specials.first().map(|&(_, id)| id),
            ..SpecialTokens::default()
        };
        let mut raw = pieces.into_iter();
        let vocab = Vocab::new(texts, types, vec![0.0; size], special, |text, ty| {
            let bytes = raw.next().flatten();
            match ty {
                TokenType::Normal => bytes.unwrap_or_default(),
                _ => text.as_bytes().to_vec(),
            }
        })?;
        let model = TiktokenModel::new(ranks, encoding.pattern())?;
        Ok(Tokenizer::new(
            vocab,
            Model::Tiktoken(model),
            &StripRule::None,
        ))
    }
}

/// Error for a required metadata key that is absent.
fn missing(key: &str) -> TokenizerError {
    TokenizerError::InvalidVocab(format!("missing metadata {key}"))
}

/// A numeric array of exactly `n` elements, as f64.
fn numbers(a: &GgufArray, n: usize, key: &str) -> Result<Vec<f64>> {
    let v: Vec<f64> = match a {
        GgufArray::I32(v) => v.iter().map(|&x| x.into()).collect(),
        GgufArray::U32(v) => v.iter().map(|&x| x.into()).collect(),
        GgufArray::F32(v) => v.iter().map(|&x| x.into()).collect(),
        GgufArray::I8(v) => v.iter().map(|&x| x.into()).collect(),
        GgufArray::U8(v) => v.iter().map(|&x| x.into()).collect(),
        other => {
            return Err(TokenizerError::InvalidVocab(format!(
                "{key} has {:?} elements, expected numbers",
                other.element_type()
            )))
        }
    };
    if v.len() != n {
        return Err(TokenizerError::InvalidVocab(format!(
            "{key} has {} elements for {n} tokens",
            v.len()
        )));
    }
    Ok(v)
}

/// Special ids and BOS/EOS flags; `bos_default` is the add-BOS default of the model.
fn special_tokens(m: &GgufMetadata, bos_default: bool) -> Result<SpecialTokens> {
    let id = |key: &str| -> Result<Option<u32>> {
        Ok(m.get_u64(key)?.and_then(|v| u32::try_from(v).ok()))
    };
    Ok(SpecialTokens {
        bos: id("tokenizer.ggml.bos_token_id")?,
        eos: id("tokenizer.ggml.eos_token_id")?,
        unk: id("tokenizer.ggml.unknown_token_id")?,
        pad: id("tokenizer.ggml.padding_token_id")?,
        add_bos: m
            .get_bool("tokenizer.ggml.add_bos_token")?
            .unwrap_or(bos_default),
        add_eos: m.get_bool("tokenizer.ggml.add_eos_token")?.unwrap_or(false),
    })
}
