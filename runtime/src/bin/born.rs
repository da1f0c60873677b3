//! `born`: the command-line face of Born's LLM pipeline (tokenize, detokenize, info).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use born::io::gguf::GgufFile;
use born::llm::tokenizer::{EncodeOptions, TiktokenEncoding, Tokenizer};
use clap::{Parser, Subcommand};

/// Born's LLM tools.
#[derive(Parser)]
#[command(
    name = "born",
    version,
    about = "Born's LLM tools: tokenizers and model files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
enum Command {
    /// Read text from stdin (all bytes, exactly) and print its token ids on one line.
    Tokenize {
        /// A GGUF file, a Hugging Face directory or tokenizer.json, or a tiktoken rank
        /// file (cl100k_base / o200k_base).
        model: PathBuf,
        /// Do not add BOS/EOS even when the model asks for them.
        #[arg(long)]
        no_bos: bool,
        /// Recognise control tokens such as `<|im_start|>` written in the text.
        #[arg(long)]
        parse_special: bool,
    },
    /// Read token ids from stdin and write the text they decode to.
    Detokenize {
        /// A GGUF file, a Hugging Face directory or tokenizer.json, or a tiktoken rank file.
        model: PathBuf,
    },
    /// Print a GGUF file's architecture, metadata and tensor table.
    Info {
        /// A GGUF file.
        model: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tokenize {
            model,
            no_bos,
            parse_special,
        } => tokenize(&model, !no_bos, parse_special),
        Command::Detokenize { model } => detokenize(&model),
        Command::Info { model } => info(&model),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("born: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Any error, shown with its message.
type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Loads the tokenizer of a GGUF file, a Hugging Face directory or `tokenizer.json`,
/// or a tiktoken rank file.
fn load_tokenizer(model: &Path) -> Result<Tokenizer, Box<dyn std::error::Error>> {
    if model.is_dir() {
        return Ok(Tokenizer::from_hf_file(model.join("tokenizer.json"))?);
    }
    let name = model.file_name().unwrap_or_default().to_string_lossy();
    if name.ends_with(".json") {
        return Ok(Tokenizer::from_hf_file(model)?);
    }
    if name.ends_with(".tiktoken") {
        let encoding = TiktokenEncoding::from_name(&name).ok_or_else(|| {
            format!(
                "{}: unknown tiktoken encoding (expected cl100k_base or o200k_base)",
                model.display()
            )
        })?;
        return Ok(Tokenizer::from_tiktoken_file(model, encoding)?);
    }
    Ok(Tokenizer::from_gguf_path(model)?)
}

/// `born tokenize`.
fn tokenize(model: &Path, add_special: bool, parse_special: bool) -> CliResult {
    let tokenizer = load_tokenizer(model)?;
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input)?;
    let text = String::from_utf8(input).map_err(|e| format!("stdin is not valid UTF-8: {e}"))?;
    let ids = tokenizer.encode_with(
        &text,
        EncodeOptions {
            add_special,
            parse_special,
        },
    )?;
    let line: Vec<String> = ids.iter().map(u32::to_string).collect();
    writeln!(std::io::stdout().lock(), "{}", line.join(" "))?;
    Ok(())
}

/// `born detokenize`.
fn detokenize(model: &Path) -> CliResult {
    let tokenizer = load_tokenizer(model)?;
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let ids = input
        .split_whitespace()
        .map(|t| {
            t.parse::<u32>()
                .map_err(|_| format!("not a token id: {t:?}"))
        })
        .collect::<Result<Vec<u32>, String>>()?;
    let bytes = tokenizer.decode_bytes(&ids)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(())
}

/// `born info`.
fn info(model: &Path) -> CliResult {
    let file = GgufFile::open(model)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "file: {}", model.display())?;
    writeln!(
        out,
        "gguf version {}, {} bytes, alignment {}, data at offset {}",
        file.version(),
        file.file_len(),
        file.alignment(),
        file.data_offset()
    )?;
    writeln!(
        out,
        "architecture: {}",
        file.architecture().unwrap_or("(none)")
    )?;
    writeln!(out, "\nmetadata ({} entries):", file.metadata().len())?;
    for (key, value) in file.metadata().iter() {
        let mut shown = value.to_string();
        if shown.len() > 200 {
            let cut = (0..=200)
                .rev()
                .find(|&i| shown.is_char_boundary(i))
                .unwrap_or(0);
            shown = format!("{}... ({} chars)", &shown[..cut], shown.chars().count());
        }
        writeln!(out, "  {key} ({:?}) = {shown}", value.value_type())?;
    }
    let tensors = file.tensors();
    let total: u64 = tensors.iter().map(|t| t.n_bytes).sum();
    writeln!(out, "\ntensors ({}, {total} bytes):", tensors.len())?;
    let width = tensors
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "  {:width$}  {:7}  {:20}  {:>12}  {:>12}",
        "name", "type", "shape", "offset", "bytes"
    )?;
    for t in tensors {
        let shape = format!("{:?}", t.shape());
        writeln!(
            out,
            "  {:width$}  {:7}  {:20}  {:>12}  {:>12}",
            t.name,
            t.ggml_type.name(),
            shape,
            t.offset,
            t.n_bytes
        )?;
    }
    Ok(())
}
