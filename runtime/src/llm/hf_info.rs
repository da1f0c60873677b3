//! What a Hugging Face model directory holds, as text for `born info`: architecture,
//! `config.json` values and how Born reads them, a tokenizer summary, and the tensor table
//! of every safetensors file (one file or the shards of `model.safetensors.index.json`).

use std::fmt::Write as _;
use std::path::Path;

use safetensors::SafeTensors;
use serde_json::Value;

use super::config::LlamaConfig;
use super::gpt2_config::Gpt2Config;
use super::tokenizer::Tokenizer;
use crate::{Error, Result};

/// Longest JSON value shown in full; longer ones are cut.
const MAX_SHOWN: usize = 200;

/// One tensor of a safetensors file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HfTensorInfo {
    /// Tensor name.
    pub name: String,
    /// Element type as safetensors spells it (`F32`, `BF16`, `I64`, ...).
    pub dtype: String,
    /// Row-major shape.
    pub shape: Vec<usize>,
    /// Bytes of data.
    pub n_bytes: usize,
    /// The file holding it, relative to the directory.
    pub file: String,
}

/// Reads the tensor table of an HF directory: `model.safetensors`, or the shards listed in
/// `model.safetensors.index.json`, each in file order; headers only (files are mapped,
/// not read).
pub fn hf_tensor_table(dir: &Path) -> Result<Vec<HfTensorInfo>> {
    let index_path = dir.join("model.safetensors.index.json");
    let index = read_json(&index_path)?;
    let files = match &index {
        Some(index) => shard_names(index, &index_path)?,
        None => vec!["model.safetensors".to_string()],
    };
    let mut table = Vec::new();
    for file in &files {
        table.extend(file_tensors(&dir.join(file), file)?);
    }
    if let Some(map) = index
        .as_ref()
        .and_then(|i| i.get("weight_map"))
        .and_then(Value::as_object)
    {
        for (name, file) in map {
            if !table
                .iter()
                .any(|t| &t.name == name && Some(t.file.as_str()) == file.as_str())
            {
                return Err(Error::format(
                    index_path.display().to_string(),
                    format!("the index puts {name} in {file}, which does not hold it"),
                ));
            }
        }
    }
    Ok(table)
}

/// The report `born info DIR` prints for a Hugging Face directory.
pub fn describe_hf_dir(dir: &Path) -> Result<String> {
    let config_path = dir.join("config.json");
    let config = read_json(&config_path)?.ok_or_else(|| {
        Error::format(
            dir.display().to_string(),
            "config.json is missing (not an HF model directory)",
        )
    })?;
    let mut out = String::new();
    let w = &mut out;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("(none)").to_string();
    let architectures = match config.get("architectures").and_then(Value::as_array) {
        Some(a) => a
            .iter()
            .map(|v| text(Some(v)))
            .collect::<Vec<_>>()
            .join(", "),
        None => "(none)".into(),
    };
    line(w, format!("directory: {}", dir.display()));
    line(
        w,
        format!(
            "architecture: {architectures} (model_type {})",
            text(config.get("model_type"))
        ),
    );
    line(w, format!("born reads: {}", born_reading(&config)));
    section(w, "config.json", &config);
    if let Some(generation) = read_json(&dir.join("generation_config.json"))? {
        section(w, "generation_config.json", &generation);
    }
    line(w, format!("\ntokenizer: {}", tokenizer_summary(dir)?));
    let table = hf_tensor_table(dir)?;
    let params: usize = table
        .iter()
        .map(|t| t.shape.iter().product::<usize>())
        .sum();
    let bytes: usize = table.iter().map(|t| t.n_bytes).sum();
    let mut files: Vec<&str> = table.iter().map(|t| t.file.as_str()).collect();
    files.dedup();
    line(
        w,
        format!(
            "\ntensors ({}, {params} parameters, {bytes} bytes, in {} file{}):",
            table.len(),
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        ),
    );
    let width = table.iter().map(|t| t.name.len()).max().unwrap_or(4).max(4);
    line(
        w,
        format!(
            "  {:width$}  {:6}  {:20}  {:>12}  file",
            "name", "dtype", "shape", "bytes"
        ),
    );
    for t in &table {
        let shape = format!("{:?}", t.shape);
        line(
            w,
            format!(
                "  {:width$}  {:6}  {shape:20}  {:>12}  {}",
                t.name, t.dtype, t.n_bytes, t.file
            ),
        );
    }
    Ok(out)
}

/// Appends one line.
fn line(out: &mut String, text: String) {
    out.push_str(&text);
    out.push('\n');
}

/// Appends `title (N entries):` and one `key = value` line per entry of a JSON object.
fn section(out: &mut String, title: &str, value: &Value) {
    let Some(map) = value.as_object() else {
        line(out, format!("\n{title}: {}", shown(value)));
        return;
    };
    line(out, format!("\n{title} ({} entries):", map.len()));
    for (key, v) in map {
        line(out, format!("  {key} = {}", shown(v)));
    }
}

/// A JSON value as compact text, cut after [`MAX_SHOWN`] bytes.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.len() <= MAX_SHOWN {
        return text;
    }
    let cut = (0..=MAX_SHOWN)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}... ({} chars)", &text[..cut], text.chars().count())
}

/// How Born's loaders read `config.json`, or why they cannot.
fn born_reading(config: &Value) -> String {
    let json = config.to_string();
    let reading = if config.get("model_type").and_then(Value::as_str) == Some("gpt2") {
        Gpt2Config::from_hf_json(&json).map(|c| {
            format!(
                "gpt2, vocab {}, hidden {}, {} layers, {} heads, feed-forward {}, context {}",
                c.vocab_size,
                c.hidden_size,
                c.n_layers,
                c.n_heads,
                c.intermediate_size,
                c.max_seq_len
            )
        })
    } else {
        LlamaConfig::from_hf_json(&json).map(|c| {
            format!(
                "{}, vocab {}, hidden {}, {} layers, {} heads ({} key/value) of {}, \
                 feed-forward {}, context {}, rope base {}{}",
                c.architecture,
                c.vocab_size,
                c.hidden_size,
                c.n_layers,
                c.n_heads,
                c.n_kv_heads,
                c.head_dim,
                c.intermediate_size,
                c.max_seq_len,
                c.rope_theta,
                if c.rope_scaling.is_some() {
                    " with llama3 scaling"
                } else {
                    ""
                }
            )
        })
    };
    reading.unwrap_or_else(|e| format!("not a model Born runs ({e})"))
}

/// Kind and size of `tokenizer.json`, Born's BOS/EOS and whether a chat template ships.
fn tokenizer_summary(dir: &Path) -> Result<String> {
    let path = dir.join("tokenizer.json");
    let Some(json) = read_json(&path)? else {
        return Ok("no tokenizer.json".into());
    };
    let model = &json["model"];
    let count = |v: &Value| match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    let added = json["added_tokens"].as_array();
    let special = added.map_or(0, |a| a.iter().filter(|t| t["special"] == true).count());
    let mut out = format!(
        "{} model, {} vocabulary entries, {} merges, {} added tokens ({special} special)",
        model["type"].as_str().unwrap_or("BPE"),
        count(&model["vocab"]),
        count(&model["merges"]),
        added.map_or(0, Vec::len),
    );
    match Tokenizer::from_hf_file(&path) {
        Ok(t) => {
            let name = |id: Option<u32>| match id {
                Some(id) => {
                    let text = t.vocab().text(id).unwrap_or("?");
                    format!("{text:?} ({id})")
                }
                None => "none".into(),
            };
            let _ = write!(
                out,
                "; Born: {} tokens, bos {}, eos {}",
                t.vocab_size(),
                name(t.bos_id()),
                name(t.eos_id())
            );
        }
        Err(e) => {
            let _ = write!(out, "; Born cannot load it: {e}");
        }
    }
    let template = read_json(&dir.join("tokenizer_config.json"))?
        .and_then(|c| c.get("chat_template").cloned());
    out.push_str(match template {
        Some(Value::Null) | None => "; no chat template",
        Some(_) => "; chat template in tokenizer_config.json",
    });
    Ok(out)
}

/// The distinct shard names of a `model.safetensors.index.json`, sorted; names that
/// leave the directory are errors.
fn shard_names(index: &Value, index_path: &Path) -> Result<Vec<String>> {
    let ctx = || index_path.display().to_string();
    let map = index
        .get("weight_map")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::format(ctx(), "weight_map is missing"))?;
    let mut files = Vec::new();
    for file in map.values() {
        let f = file
            .as_str()
            .ok_or_else(|| Error::format(ctx(), format!("shard {file} is not a file name")))?;
        if f.contains('/') || f.contains('\\') || f.contains("..") {
            return Err(Error::format(
                ctx(),
                format!("shard name {f:?} leaves the directory"),
            ));
        }
        files.push(f.to_string());
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The tensors of one safetensors file in the order of their data.
fn file_tensors(path: &Path, file: &str) -> Result<Vec<HfTensorInfo>> {
    let ctx = || path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| Error::io(ctx(), e))?;
    // SAFETY: the mapping is read-only and only its header is parsed while it lives.
    let mmap = unsafe { memmap2::Mmap::map(&f) }.map_err(|e| Error::io(ctx(), e))?;
    let (_, metadata) =
        SafeTensors::read_metadata(&mmap).map_err(|e| Error::format(ctx(), e.to_string()))?;
    let mut tensors: Vec<(usize, HfTensorInfo)> = metadata
        .tensors()
        .into_iter()
        .map(|(name, info)| {
            let (start, end) = info.data_offsets;
            let t = HfTensorInfo {
                name,
                dtype: format!("{:?}", info.dtype),
                shape: info.shape.clone(),
                n_bytes: end - start,
                file: file.to_string(),
            };
            (start, t)
        })
        .collect();
    tensors.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    Ok(tensors.into_iter().map(|(_, t)| t).collect())
}

/// Parses the JSON file at `path`, or `None` when it does not exist.
fn read_json(path: &Path) -> Result<Option<Value>> {
    if !path.exists() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::format(path.display().to_string(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use safetensors::tensor::TensorView;
    use safetensors::Dtype;
    use serde_json::json;

    use super::*;
    use crate::llm::tests::fixture;

    /// A fresh temporary directory.
    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("born-hf-info-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }

    /// Writes a safetensors file of zero-filled tensors `(name, dtype, shape)`.
    fn write_shard(path: &Path, tensors: &[(&str, Dtype, Vec<usize>)]) {
        let data: Vec<Vec<u8>> = tensors
            .iter()
            .map(|(_, dtype, shape)| {
                vec![0u8; shape.iter().product::<usize>() * dtype.bitsize() / 8]
            })
            .collect();
        let views: Vec<(String, TensorView<'_>)> = tensors
            .iter()
            .zip(&data)
            .map(|((name, dtype, shape), bytes)| {
                let view = TensorView::new(*dtype, shape.clone(), bytes).expect("sizes agree");
                (name.to_string(), view)
            })
            .collect();
        safetensors::serialize_to_file(views, None, path).expect("write shard");
    }

    #[test]
    fn tiny_llama_report_shows_config_tokenizer_and_tensors() {
        let report = describe_hf_dir(&fixture("tiny-llama")).expect("report");
        for want in [
            "architecture: LlamaForCausalLM (model_type llama)",
            "born reads: llama, vocab 320, hidden 64, 2 layers, 4 heads (2 key/value) of 16, \
             feed-forward 128, context 256, rope base 10000",
            "config.json (25 entries):",
            "  rope_parameters = {\"rope_theta\":10000.0,\"rope_type\":\"default\"}",
            "generation_config.json (7 entries):",
            "; Born: 320 tokens, bos none, eos none; no chat template",
            "tensors (21, 115008 parameters, 460032 bytes, in 1 file):",
        ] {
            assert!(report.contains(want), "{want:?} missing from:\n{report}");
        }
        let row = report
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with("model.layers.1.mlp.down_proj.weight ")
            })
            .expect("a row for down_proj");
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "model.layers.1.mlp.down_proj.weight",
                "F32",
                "[64,",
                "128]",
                "32768",
                "model.safetensors"
            ]
        );
        // Same names and shapes as the loader sees.
        let weights = crate::llm::weights::SafetensorsWeights::open_dir(&fixture("tiny-llama"))
            .expect("weights");
        let table = hf_tensor_table(&fixture("tiny-llama")).expect("table");
        let mut names: Vec<&str> = table.iter().map(|t| t.name.as_str()).collect();
        names.sort();
        assert_eq!(names, weights.names());
        for t in &table {
            let raw = weights.get_hf(&t.name).expect("loaded");
            assert_eq!(
                (&raw.shape, raw.data.len()),
                (&t.shape, t.n_bytes),
                "{}",
                t.name
            );
        }
    }

    #[test]
    fn sharded_directory_lists_every_shard() {
        let dir = temp_dir("sharded");
        std::fs::write(
            dir.join("config.json"),
            json!({"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3"}).to_string(),
        )
        .expect("config");
        write_shard(
            &dir.join("model-00001-of-00002.safetensors"),
            &[
                ("a.weight", Dtype::F32, vec![2, 3]),
                ("a.ids", Dtype::I64, vec![4]),
            ],
        );
        write_shard(
            &dir.join("model-00002-of-00002.safetensors"),
            &[("b.bias", Dtype::BF16, vec![5])],
        );
        let map = json!({
            "a.weight": "model-00001-of-00002.safetensors",
            "a.ids": "model-00001-of-00002.safetensors",
            "b.bias": "model-00002-of-00002.safetensors",
        });
        let index = dir.join("model.safetensors.index.json");
        std::fs::write(&index, json!({"weight_map": map}).to_string()).expect("index");
        let table = hf_tensor_table(&dir).expect("table");
        let rows: HashMap<&str, (&str, &[usize], usize, &str)> = table
            .iter()
            .map(|t| {
                (
                    t.name.as_str(),
                    (t.dtype.as_str(), &t.shape[..], t.n_bytes, t.file.as_str()),
                )
            })
            .collect();
        let first = "model-00001-of-00002.safetensors";
        assert_eq!(rows.len(), 3);
        assert_eq!(rows["a.weight"], ("F32", &[2, 3][..], 24, first));
        assert_eq!(rows["a.ids"], ("I64", &[4][..], 32, first));
        assert_eq!(
            rows["b.bias"],
            ("BF16", &[5][..], 10, "model-00002-of-00002.safetensors")
        );
        let report = describe_hf_dir(&dir).expect("report");
        assert!(
            report.contains("tensors (3, 15 parameters, 66 bytes, in 2 files):"),
            "{report}"
        );
        assert!(
            report.contains("born reads: not a model Born runs ("),
            "{report}"
        );
        assert!(report.contains("tokenizer: no tokenizer.json"), "{report}");

        // An index naming a tensor its shard lacks, or a shard outside the directory.
        let mut bad = map.clone();
        bad["c.missing"] = json!(first);
        std::fs::write(&index, json!({"weight_map": bad}).to_string()).expect("index");
        let e = hf_tensor_table(&dir).expect_err("c.missing is in no shard");
        assert!(e.to_string().contains("c.missing"), "{e}");
        std::fs::write(
            &index,
            json!({"weight_map": {"x": "../x.safetensors"}}).to_string(),
        )
        .expect("index");
        assert!(hf_tensor_table(&dir).is_err());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn damaged_directories_are_errors() {
        let dir = temp_dir("damaged");
        assert!(describe_hf_dir(&dir).is_err(), "no config.json");
        std::fs::write(dir.join("config.json"), "{\"model_type\": \"llama\"}").expect("config");
        let e = describe_hf_dir(&dir).expect_err("no weights");
        assert!(e.to_string().contains("model.safetensors"), "{e}");
        // A header that claims more bytes than the file has.
        let mut bytes = 1_000_000u64.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"{}");
        std::fs::write(dir.join("model.safetensors"), bytes).expect("shard");
        assert!(hf_tensor_table(&dir).is_err());
        std::fs::write(dir.join("config.json"), "{not json").expect("config");
        assert!(describe_hf_dir(&dir).is_err());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
