//! Conversion between Hugging Face safetensors directories and GGUF files, with the
//! q/k row permutation for RoPE and the byte-level BPE tokenizer carried across.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};

use super::config::{LlamaConfig, RopeLayout};
use super::convert_gpt2::{gpt2_gguf_to_hf_dir, gpt2_hf_dir_to_gguf};
use super::names::{gguf_to_hf, hf_to_gguf};
use super::network::is_gpt2_config;
use super::rope::{permute_half_to_interleaved, permute_interleaved_to_half};
use super::tokenizer::{ChatTemplate, Tokenizer};
use super::weights::{SafetensorsWeights, TensorSource};
use crate::io::gguf::{GgufArray, GgufFile, GgufValue, GgufWriter};
use crate::quant::{quantize, GgmlType};
use crate::{Error, Result};

/// Weight encodings `born convert` writes.
pub const CONVERT_TYPES: [GgmlType; 6] = [
    GgmlType::F32,
    GgmlType::F16,
    GgmlType::Q8_0,
    GgmlType::Q4_0,
    GgmlType::Q4_K,
    GgmlType::Q6_K,
];

/// Writes the HF directory `dir` (Llama, Qwen2 or GPT-2) as a GGUF file with matrices encoded as `ty` (rows
/// that are not whole blocks of `ty` fall back to F16); returns notes for the user.
pub fn hf_dir_to_gguf(dir: &Path, out: &Path, ty: GgmlType) -> Result<Vec<String>> {
    if !CONVERT_TYPES.contains(&ty) {
        return Err(Error::invalid(
            "convert",
            format!(
                "type {} is not one of F32, F16, Q8_0, Q4_0, Q4_K, Q6_K",
                ty.name()
            ),
        ));
    }
    let read = |name: &str| {
        let p = dir.join(name);
        std::fs::read_to_string(&p).map_err(|e| Error::io(p.display().to_string(), e))
    };
    let config_json = read("config.json")?;
    if is_gpt2_config(&config_json)? {
        return gpt2_hf_dir_to_gguf(dir, &config_json, out, ty);
    }
    let config = LlamaConfig::from_hf_json(&config_json)?;
    let weights = SafetensorsWeights::open_dir(dir)?;
    let arch = if config.architecture == "qwen2" {
        "qwen2"
    } else {
        "llama"
    };
    let mut w = GgufWriter::new();
    let mut notes = Vec::new();
    write_config(&mut w, arch, &config);
    for hf in weights.names() {
        let Some(name) = hf_to_gguf(hf) else {
            notes.push(format!("skipped tensor {hf} (not part of a Llama model)"));
            continue;
        };
        let t = weights.get_hf(hf).expect("listed names exist");
        let mut values = t.to_f32()?;
        let dims: Vec<u64> = t.shape.iter().rev().map(|&d| d as u64).collect();
        if arch == "llama" && (name.contains("attn_q.") || name.contains("attn_k.")) {
            let heads = if name.contains("attn_q.") {
                config.n_heads
            } else {
                config.n_kv_heads
            };
            let cols = if t.shape.len() == 2 { t.shape[1] } else { 1 };
            values = permute_half_to_interleaved(&values, heads, cols);
        }
        let enc = encoding_for(&name, &t.shape, ty, &mut notes);
        w.add_tensor(&name, &dims, enc, quantize(enc, &values)?)?;
    }
    match std::fs::read_to_string(dir.join("tokenizer.json")) {
        Ok(json) => {
            if write_tokenizer(&mut w, &json, &mut notes)? {
                write_special_tokens(&mut w, dir, &json)?;
            }
        }
        Err(_) => notes.push("no tokenizer.json: the GGUF file has no tokenizer".into()),
    }
    w.write(out)?;
    Ok(notes)
}

/// The encoding of tensor `name` of `shape` when matrices are wanted as `ty`: vectors
/// stay F32, matrices whose rows are not whole blocks of `ty` become F16 (with a note).
pub(super) fn encoding_for(
    name: &str,
    shape: &[usize],
    ty: GgmlType,
    notes: &mut Vec<String>,
) -> GgmlType {
    match shape {
        [_, cols] if cols.is_multiple_of(ty.block_size()) => ty,
        [_, cols] => {
            notes.push(format!("{name}: rows of {cols} values stored as F16"));
            GgmlType::F16
        }
        _ => GgmlType::F32,
    }
}

/// The `{arch}.*` hyper-parameters.
fn write_config(w: &mut GgufWriter, arch: &str, c: &LlamaConfig) {
    let u = |v: usize| GgufValue::U32(v as u32);
    w.set_metadata("general.architecture", GgufValue::String(arch.into()));
    for (key, v) in [
        ("context_length", c.max_seq_len),
        ("embedding_length", c.hidden_size),
        ("block_count", c.n_layers),
        ("feed_forward_length", c.intermediate_size),
        ("attention.head_count", c.n_heads),
        ("attention.head_count_kv", c.n_kv_heads),
        ("attention.key_length", c.head_dim),
        ("attention.value_length", c.head_dim),
        ("rope.dimension_count", c.rope_dim),
    ] {
        w.set_metadata(format!("{arch}.{key}"), u(v));
    }
    w.set_metadata(
        format!("{arch}.attention.layer_norm_rms_epsilon"),
        GgufValue::F32(c.rms_norm_eps),
    );
    w.set_metadata(
        format!("{arch}.rope.freq_base"),
        GgufValue::F32(c.rope_theta),
    );
}

/// BOS/EOS ids (`generation_config.json`, else `config.json`), whether BOS is added (as
/// the `tokenizer.json` does) and the chat template of `tokenizer_config.json`.
pub(super) fn write_special_tokens(
    w: &mut GgufWriter,
    dir: &Path,
    tokenizer_json: &str,
) -> Result<()> {
    let read_json = |name: &str| -> Result<Option<Value>> {
        let p = dir.join(name);
        match std::fs::read_to_string(&p) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Error::format(p.display().to_string(), e.to_string())),
            Err(_) => Ok(None),
        }
    };
    let configs: Vec<Value> = [
        read_json("generation_config.json")?,
        read_json("config.json")?,
    ]
    .into_iter()
    .flatten()
    .collect();
    for (key, gguf_key) in [
        ("bos_token_id", "tokenizer.ggml.bos_token_id"),
        ("eos_token_id", "tokenizer.ggml.eos_token_id"),
    ] {
        let id = configs.iter().find_map(|c| match &c[key] {
            Value::Array(ids) => ids.first().and_then(Value::as_u64),
            v => v.as_u64(),
        });
        if let Some(id) = id.and_then(|id| u32::try_from(id).ok()) {
            w.set_metadata(gguf_key, GgufValue::U32(id));
        }
    }
    let add_bos = Tokenizer::from_hf_json(tokenizer_json)?
        .vocab()
        .special()
        .add_bos;
    w.set_metadata("tokenizer.ggml.add_bos_token", GgufValue::Bool(add_bos));
    if let Some(config) = read_json("tokenizer_config.json")? {
        if let Some(t) = ChatTemplate::from_hf_config_json(&config.to_string())? {
            w.set_metadata(
                "tokenizer.chat_template",
                GgufValue::String(t.source().to_string()),
            );
        }
    }
    Ok(())
}

/// `tokenizer.ggml.*` metadata from a byte-level BPE `tokenizer.json`; false when it is
/// not one (nothing written).
pub(super) fn write_tokenizer(
    w: &mut GgufWriter,
    json: &str,
    notes: &mut Vec<String>,
) -> Result<bool> {
    let v: Value =
        serde_json::from_str(json).map_err(|e| Error::format("tokenizer.json", e.to_string()))?;
    let model = &v["model"];
    let byte_level = json.contains("\"ByteLevel\"");
    if model["type"] != "BPE" || !byte_level {
        notes.push("tokenizer.json is not byte-level BPE: the GGUF file has no tokenizer".into());
        return Ok(false);
    }
    let vocab = model["vocab"]
        .as_object()
        .ok_or_else(|| Error::format("tokenizer.json", "model.vocab is missing"))?;
    let mut tokens: Vec<(u64, String)> = vocab
        .iter()
        .filter_map(|(t, id)| id.as_u64().map(|id| (id, t.clone())))
        .collect();
    let mut special = HashMap::new();
    for a in v["added_tokens"].as_array().into_iter().flatten() {
        if let (Some(id), Some(text)) = (a["id"].as_u64(), a["content"].as_str()) {
            if !tokens.iter().any(|(i, _)| *i == id) {
                tokens.push((id, text.to_string()));
            }
            special.insert(id, a["special"].as_bool().unwrap_or(false));
        }
    }
    tokens.sort();
    if tokens
        .iter()
        .enumerate()
        .any(|(i, (id, _))| *id != i as u64)
    {
        return Err(Error::format(
            "tokenizer.json",
            "token ids are not 0..n without gaps",
        ));
    }
    let merges: Vec<String> = model["merges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| match m {
            Value::String(s) => Some(s.clone()),
            Value::Array(p) => Some(format!("{} {}", p.first()?.as_str()?, p.get(1)?.as_str()?)),
            _ => None,
        })
        .collect();
    let types: Vec<i32> = tokens
        .iter()
        .map(|(id, _)| match special.get(id) {
            Some(true) => 3,
            Some(false) => 4,
            None => 1,
        })
        .collect();
    let pre = if json.contains("\\p{N}{1,3}") {
        "llama-bpe"
    } else {
        "default"
    };
    let s = |x: &str| GgufValue::String(x.into());
    w.set_metadata("tokenizer.ggml.model", s("gpt2"));
    w.set_metadata("tokenizer.ggml.pre", s(pre));
    w.set_metadata(
        "tokenizer.ggml.tokens",
        GgufValue::Array(GgufArray::String(
            tokens.into_iter().map(|(_, t)| t).collect(),
        )),
    );
    w.set_metadata(
        "tokenizer.ggml.token_type",
        GgufValue::Array(GgufArray::I32(types)),
    );
    w.set_metadata(
        "tokenizer.ggml.merges",
        GgufValue::Array(GgufArray::String(merges)),
    );
    Ok(true)
}

/// Writes a GGUF Llama/Qwen2/GPT-2 file as an HF directory (f32 safetensors, `config.json`,
/// and `tokenizer.json` for byte-level BPE tokenizers); returns notes for the user.
pub fn gguf_to_hf_dir(path: &Path, dir: &Path) -> Result<Vec<String>> {
    let file = GgufFile::open(path)?;
    if file.architecture() == Some("gpt2") {
        return gpt2_gguf_to_hf_dir(&file, dir);
    }
    let c = LlamaConfig::from_gguf(&file)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let mut notes = Vec::new();
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for info in file.tensors() {
        let Some(hf) = gguf_to_hf(&info.name) else {
            notes.push(format!("skipped tensor {} (no HF counterpart)", info.name));
            continue;
        };
        let t = file.require(&info.name)?;
        let mut values = t.to_f32()?;
        if c.rope_layout == RopeLayout::Interleaved
            && (info.name.contains("attn_q.") || info.name.contains("attn_k."))
        {
            let heads = if info.name.contains("attn_q.") {
                c.n_heads
            } else {
                c.n_kv_heads
            };
            let cols = if t.shape.len() == 2 { t.shape[1] } else { 1 };
            values = permute_interleaved_to_half(&values, heads, cols);
        }
        tensors.push((hf, t.shape.clone(), bytemuck::cast_slice(&values).to_vec()));
    }
    write_f32_safetensors(dir, &tensors)?;
    let tied = file.tensor("output.weight").is_none();
    let m = file.metadata();
    let eos = m.get_u64("tokenizer.ggml.eos_token_id")?;
    let bos = m.get_u64("tokenizer.ggml.bos_token_id")?;
    let config = json!({
        "architectures": [if c.architecture == "qwen2" { "Qwen2ForCausalLM" } else { "LlamaForCausalLM" }],
        "model_type": if c.architecture == "qwen2" { "qwen2" } else { "llama" },
        "vocab_size": c.vocab_size, "hidden_size": c.hidden_size,
        "intermediate_size": c.intermediate_size, "num_hidden_layers": c.n_layers,
        "num_attention_heads": c.n_heads, "num_key_value_heads": c.n_kv_heads,
        "head_dim": c.head_dim, "rms_norm_eps": c.rms_norm_eps, "rope_theta": c.rope_theta,
        "max_position_embeddings": c.max_seq_len, "tie_word_embeddings": tied,
        "bos_token_id": bos, "eos_token_id": eos, "torch_dtype": "float32",
    });
    let write = |name: &str, v: &Value| {
        let p = dir.join(name);
        let text = serde_json::to_string_pretty(v).expect("JSON values serialize");
        std::fs::write(&p, text).map_err(|e| Error::io(p.display().to_string(), e))
    };
    write("config.json", &config)?;
    write(
        "generation_config.json",
        &json!({"bos_token_id": bos, "eos_token_id": eos}),
    )?;
    if let Some(template) = m.get_str("tokenizer.chat_template")? {
        let token = |id: Option<u64>| -> Value {
            let texts = match m.get_array("tokenizer.ggml.tokens") {
                Ok(Some(GgufArray::String(t))) => t,
                _ => return Value::Null,
            };
            id.and_then(|i| texts.get(i as usize))
                .map_or(Value::Null, |t| Value::String(t.clone()))
        };
        write(
            "tokenizer_config.json",
            &json!({"chat_template": template, "bos_token": token(bos), "eos_token": token(eos)}),
        )?;
    }
    match tokenizer_json(&file)? {
        Some(t) => write("tokenizer.json", &t)?,
        None => notes.push("the GGUF tokenizer is not byte-level BPE: no tokenizer.json".into()),
    }
    Ok(notes)
}

/// A `tokenizer.json` for a GGUF `gpt2` tokenizer.
pub(super) fn tokenizer_json(file: &GgufFile) -> Result<Option<Value>> {
    let m = file.metadata();
    if m.get_str("tokenizer.ggml.model")? != Some("gpt2") {
        return Ok(None);
    }
    let (Some(GgufArray::String(tokens)), Some(GgufArray::String(merges))) = (
        m.get_array("tokenizer.ggml.tokens")?,
        m.get_array("tokenizer.ggml.merges")?,
    ) else {
        return Ok(None);
    };
    let types: Vec<u64> = match m.get_array("tokenizer.ggml.token_type")? {
        Some(GgufArray::I32(t)) => t.iter().map(|&x| x as u64).collect(),
        _ => vec![1; tokens.len()],
    };
    let vocab: serde_json::Map<String, Value> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), json!(i)))
        .collect();
    let added: Vec<Value> = tokens
        .iter()
        .zip(&types)
        .enumerate()
        .filter(|(_, (_, &ty))| ty == 3 || ty == 4)
        .map(|(i, (t, &ty))| {
            json!({"id": i, "content": t, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": ty == 4, "special": ty == 3})
        })
        .collect();
    Ok(Some(json!({
        "version": "1.0",
        "added_tokens": added,
        "normalizer": null,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                  "ignore_merges": false, "vocab": vocab, "merges": merges},
    })))
}

/// Writes `(name, shape, little-endian f32 bytes)` tensors as `dir/model.safetensors`.
pub(super) fn write_f32_safetensors(
    dir: &Path,
    tensors: &[(String, Vec<usize>, Vec<u8>)],
) -> Result<()> {
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(n, shape, bytes)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes)
                .map(|v| (n.clone(), v))
                .map_err(|e| Error::format(n.clone(), e.to_string()))
        })
        .collect::<Result<_>>()?;
    let st = dir.join("model.safetensors");
    safetensors::serialize_to_file(views, None, &st)
        .map_err(|e| Error::format(st.display().to_string(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::tests::fixture;
    use crate::llm::{LanguageModel, LogitsFor, SamplingParams};

    fn logits(lm: &LanguageModel, ids: &[u32]) -> Vec<f32> {
        let mut cache = lm.model().new_cache(64);
        lm.model()
            .forward(ids, &mut cache, LogitsFor::All)
            .expect("forward")
    }

    #[test]
    fn hf_to_gguf_and_back_keeps_the_model() {
        let tmp = std::env::temp_dir().join(format!("born-convert-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).expect("temp dir");
        let ids = [0u32, 40, 41, 260, 300, 7];
        for src in ["tiny-llama", "tiny-qwen2", "tiny-gpt2"] {
            let hf = LanguageModel::load(fixture(src)).expect("HF model");
            let want = logits(&hf, &ids);
            let gguf = tmp.join(format!("{src}.gguf"));
            hf_dir_to_gguf(&fixture(src), &gguf, GgmlType::F32).expect("HF to GGUF");
            let g = LanguageModel::load(&gguf).expect("converted GGUF");
            let back = tmp.join(format!("{src}-back"));
            gguf_to_hf_dir(&gguf, &back).expect("GGUF to HF");
            let h = LanguageModel::load(&back).expect("converted back");
            for lm in [&g, &h] {
                let got = logits(lm, &ids);
                let worst = got
                    .iter()
                    .zip(&want)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0f32, f32::max);
                assert!(worst < 1e-4, "{src}: logits differ by {worst}");
                assert_eq!(
                    lm.encode("First Citizen").expect("encode"),
                    hf.encode("First Citizen").expect("encode")
                );
            }
        }
        std::fs::remove_dir_all(&tmp).expect("clean up");
    }

    #[test]
    fn quantized_conversions_load_and_generate() {
        let tmp = std::env::temp_dir().join(format!("born-convert-q-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).expect("temp dir");
        let ids = [0u32, 40, 41, 260, 300, 7];
        for src in ["tiny-llama", "tiny-gpt2"] {
            let want = logits(&LanguageModel::load(fixture(src)).expect("HF model"), &ids);
            // Bounds about twice the differences measured on these fixtures.
            for (ty, tol) in [
                (GgmlType::F16, 0.01),
                (GgmlType::Q8_0, 0.3),
                (GgmlType::Q4_0, 5.0),
                (GgmlType::Q4_K, 1.0),
                (GgmlType::Q6_K, 0.3),
            ] {
                let out = tmp.join(format!("{src}-{}.gguf", ty.name()));
                let notes = hf_dir_to_gguf(&fixture(src), &out, ty).expect("convert");
                // Rows of 64 or 128 values are not whole 256-value K-quant blocks.
                let k_quant = ty.block_size() == 256;
                assert_eq!(k_quant, !notes.is_empty(), "{src} {ty}: {notes:?}");
                let lm = LanguageModel::load(&out).expect("load");
                let worst = logits(&lm, &ids)
                    .iter()
                    .zip(&want)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0f32, f32::max);
                assert!(worst < tol, "{src} {ty}: logits differ by {worst}");
                let params = SamplingParams {
                    ignore_eos: true,
                    ..SamplingParams::greedy(8)
                };
                let text = lm.generate("First", &params).expect("generate");
                assert!(!text.is_empty());
            }
        }
        assert!(
            hf_dir_to_gguf(&fixture("tiny-llama"), &tmp.join("x.gguf"), GgmlType::Q2_K).is_err()
        );
        std::fs::remove_dir_all(&tmp).expect("clean up");
    }
}
