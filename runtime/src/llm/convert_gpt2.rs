//! Conversion of GPT-2 models between Hugging Face safetensors directories and GGUF
//! files with llama.cpp's names: Conv1D weights are transposed, the fused q/k/v
//! projection and the biases carried as they are.

use std::path::Path;

use serde_json::{json, Value};

use super::convert::{
    encoding_for, tokenizer_json, write_f32_safetensors, write_special_tokens, write_tokenizer,
};
use super::gpt2_config::Gpt2Config;
use super::names::{gpt2_gguf_to_hf, gpt2_hf_to_gguf, gpt2_is_conv1d_weight};
use super::weights::{transpose, SafetensorsWeights, TensorSource};
use crate::io::gguf::{GgufFile, GgufValue, GgufWriter};
use crate::quant::{quantize, GgmlType};
use crate::{Error, Result};

/// Writes the HF GPT-2 directory `dir` (whose `config.json` text is `config_json`) as a
/// GGUF file with matrices encoded as `ty`; returns notes for the user.
pub fn gpt2_hf_dir_to_gguf(
    dir: &Path,
    config_json: &str,
    out: &Path,
    ty: GgmlType,
) -> Result<Vec<String>> {
    let config = Gpt2Config::from_hf_json(config_json)?;
    let weights = SafetensorsWeights::open_dir(dir)?;
    let mut w = GgufWriter::new();
    let mut notes = Vec::new();
    write_config(&mut w, &config);
    for hf in weights.names() {
        let Some(name) = gpt2_hf_to_gguf(hf) else {
            notes.push(format!("skipped tensor {hf} (not part of a GPT-2 model)"));
            continue;
        };
        let t = weights.get_hf(hf).expect("listed names exist");
        let mut values = t.to_f32()?;
        let mut shape = t.shape.clone();
        if gpt2_is_conv1d_weight(hf) {
            let [rows, cols] = shape[..] else {
                return Err(Error::format(
                    "convert",
                    format!("{hf} has shape {shape:?}, expected a matrix"),
                ));
            };
            values = transpose(&values, rows, cols);
            shape = vec![cols, rows];
        }
        let enc = encoding_for(&name, &shape, ty, &mut notes);
        let dims: Vec<u64> = shape.iter().rev().map(|&d| d as u64).collect();
        w.add_tensor(&name, &dims, enc, quantize(enc, &values)?)?;
    }
    match std::fs::read_to_string(dir.join("tokenizer.json")) {
        Ok(json) => {
            if write_tokenizer(&mut w, &json, &mut notes)? {
                // GPT-2's own split (llama.cpp names it `gpt-2`); no BOS is added.
                w.set_metadata("tokenizer.ggml.pre", GgufValue::String("gpt-2".into()));
                write_special_tokens(&mut w, dir, &json)?;
            }
        }
        Err(_) => notes.push("no tokenizer.json: the GGUF file has no tokenizer".into()),
    }
    w.write(out)?;
    Ok(notes)
}

/// The `gpt2.*` hyper-parameters.
fn write_config(w: &mut GgufWriter, c: &Gpt2Config) {
    let u = |v: usize| GgufValue::U32(v as u32);
    w.set_metadata("general.architecture", GgufValue::String("gpt2".into()));
    for (key, v) in [
        ("context_length", c.max_seq_len),
        ("embedding_length", c.hidden_size),
        ("block_count", c.n_layers),
        ("feed_forward_length", c.intermediate_size),
        ("attention.head_count", c.n_heads),
    ] {
        w.set_metadata(format!("gpt2.{key}"), u(v));
    }
    w.set_metadata(
        "gpt2.attention.layer_norm_epsilon",
        GgufValue::F32(c.layer_norm_eps),
    );
}

/// Writes a GGUF GPT-2 file as an HF directory (f32 safetensors with Conv1D weights
/// `in × out`, `config.json`, and `tokenizer.json` for byte-level BPE tokenizers).
pub fn gpt2_gguf_to_hf_dir(file: &GgufFile, dir: &Path) -> Result<Vec<String>> {
    let c = Gpt2Config::from_gguf(file)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let mut notes = Vec::new();
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for info in file.tensors() {
        let Some(hf) = gpt2_gguf_to_hf(&info.name) else {
            notes.push(format!("skipped tensor {} (no HF counterpart)", info.name));
            continue;
        };
        let t = file.require(&info.name)?;
        let mut values = t.to_f32()?;
        let mut shape = t.shape.clone();
        if let (&[rows, cols], true) = (&shape[..], gpt2_is_conv1d_weight(&hf)) {
            values = transpose(&values, rows, cols);
            shape = vec![cols, rows];
        }
        tensors.push((hf, shape, bytemuck::cast_slice(&values).to_vec()));
    }
    write_f32_safetensors(dir, &tensors)?;
    let m = file.metadata();
    let (bos, eos) = (
        m.get_u64("tokenizer.ggml.bos_token_id")?,
        m.get_u64("tokenizer.ggml.eos_token_id")?,
    );
    let mut config = c.to_hf_json();
    config["tie_word_embeddings"] = json!(file.tensor("output.weight").is_none());
    config["bos_token_id"] = json!(bos);
    config["eos_token_id"] = json!(eos);
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
    match tokenizer_json(file)? {
        Some(t) => write("tokenizer.json", &t)?,
        None => notes.push("the GGUF tokenizer is not byte-level BPE: no tokenizer.json".into()),
    }
    Ok(notes)
}
