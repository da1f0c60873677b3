//! `born`: the command-line face of Born's LLM pipeline (tokenize, detokenize, info,
//! generate, convert, bench).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use born::io::gguf::GgufFile;
use born::llm::gpu::GpuLlama;
use born::llm::tokenizer::{EncodeOptions, TiktokenEncoding, Tokenizer};
use born::llm::{LanguageModel, LogitsFor, SamplingParams, TextGenerator};
use born::quant::GgmlType;
use born::Device;
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
    /// Print a model's architecture, metadata or config, tokenizer and tensor table.
    Info {
        /// A GGUF file or a Hugging Face directory.
        model: PathBuf,
    },
    /// Generate text: the prompt and the continuation go to stdout, the speed to stderr.
    Generate {
        /// A GGUF file or a Hugging Face directory.
        model: PathBuf,
        /// The prompt.
        #[arg(long)]
        prompt: String,
        /// Most tokens to generate.
        #[arg(long, default_value_t = 128)]
        max_tokens: usize,
        /// Sampling temperature (0 = greedy).
        #[arg(long, default_value_t = 0.8)]
        temperature: f32,
        /// Keep the K most likely tokens (0 = all).
        #[arg(long, default_value_t = 40)]
        top_k: usize,
        /// Nucleus sampling threshold.
        #[arg(long, default_value_t = 0.95)]
        top_p: f32,
        /// Drop tokens below this fraction of the best one's probability.
        #[arg(long, default_value_t = 0.05)]
        min_p: f32,
        /// Repetition penalty (1 = off).
        #[arg(long, default_value_t = 1.0)]
        repeat_penalty: f32,
        /// Random seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Stop before this string (repeatable).
        #[arg(long)]
        stop: Vec<String>,
        /// A smaller model with the same vocabulary for speculative decoding.
        #[arg(long)]
        draft: Option<PathBuf>,
        /// Tokens the draft model proposes per step.
        #[arg(long, default_value_t = 4)]
        draft_tokens: usize,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Where the network runs: cpu or gpu.
        #[arg(long, default_value = "cpu")]
        device: String,
    },
    /// Convert an HF safetensors directory to GGUF, or a GGUF file to an HF directory.
    Convert {
        /// An HF directory or a GGUF file.
        input: PathBuf,
        /// The GGUF file or HF directory to write.
        output: PathBuf,
        /// Weight encoding of the GGUF file: F32, F16, Q8_0, Q4_0, Q4_K or Q6_K.
        #[arg(long = "type", default_value = "F16")]
        ggml_type: String,
    },
    /// Measure prompt processing and generation speed.
    Bench {
        /// A GGUF file or a Hugging Face directory.
        model: PathBuf,
        /// Prompt length in tokens.
        #[arg(long, default_value_t = 64)]
        prompt_tokens: usize,
        /// Tokens to generate.
        #[arg(long, default_value_t = 64)]
        decode_tokens: usize,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Where the network runs: cpu or gpu.
        #[arg(long, default_value = "cpu")]
        device: String,
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
        Command::Generate {
            model,
            prompt,
            max_tokens,
            temperature,
            top_k,
            top_p,
            min_p,
            repeat_penalty,
            seed,
            stop,
            draft,
            draft_tokens,
            threads,
            device,
        } => {
            let params = SamplingParams {
                temperature,
                top_k,
                top_p,
                min_p,
                repetition_penalty: repeat_penalty,
                seed,
                max_tokens,
                stop,
                ..SamplingParams::default()
            };
            let run = Run {
                draft: draft.as_deref(),
                draft_tokens,
                device: &device,
            };
            set_threads(threads).and_then(|()| generate(&model, &prompt, params, run))
        }
        Command::Convert {
            input,
            output,
            ggml_type,
        } => convert(&input, &output, &ggml_type),
        Command::Bench {
            model,
            prompt_tokens,
            decode_tokens,
            threads,
            device,
        } => {
            set_threads(threads).and_then(|()| bench(&model, prompt_tokens, decode_tokens, &device))
        }
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
    if model.is_dir() {
        let report = born::llm::hf_info::describe_hf_dir(model)?;
        std::io::stdout().lock().write_all(report.as_bytes())?;
        return Ok(());
    }
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

/// Sizes the global worker pool.
fn set_threads(threads: Option<usize>) -> CliResult {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    Ok(())
}

/// The `--device` option.
fn parse_device(name: &str) -> Result<Device, Box<dyn std::error::Error>> {
    match name.to_ascii_lowercase().as_str() {
        "cpu" => Ok(Device::Cpu),
        "gpu" => Ok(Device::gpu()?),
        other => Err(format!("unknown device {other:?} (cpu or gpu)").into()),
    }
}

/// How `born generate` runs: draft model and device.
struct Run<'a> {
    draft: Option<&'a Path>,
    draft_tokens: usize,
    device: &'a str,
}

/// `born generate`.
fn generate(model: &Path, prompt: &str, params: SamplingParams, run: Run<'_>) -> CliResult {
    let device = parse_device(run.device)?;
    let mut lm = LanguageModel::load(model)?;
    lm.to_device(device)?;
    let draft = run.draft.map(LanguageModel::load).transpose()?;
    let mut generator = TextGenerator::new(&lm, params);
    if let Some(d) = &draft {
        generator = generator.with_draft(d, run.draft_tokens);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(prompt.as_bytes())?;
    out.flush()?;
    let stats = generator.generate_with(prompt, |piece| {
        out.write_all(piece.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| born::Error::io("writing to stdout", e))
    })?;
    writeln!(out)?;
    eprintln!("{stats}");
    Ok(())
}

/// `born convert`.
fn convert(input: &Path, output: &Path, ggml_type: &str) -> CliResult {
    let notes = if input.is_dir() {
        let ty = GgmlType::from_name(&ggml_type.to_uppercase()).ok_or_else(|| {
            format!("unknown type {ggml_type:?} (F32, F16, Q8_0, Q4_0, Q4_K, Q6_K)")
        })?;
        born::llm::convert::hf_dir_to_gguf(input, output, ty)?
    } else {
        born::llm::convert::gguf_to_hf_dir(input, output)?
    };
    for n in notes {
        eprintln!("note: {n}");
    }
    eprintln!("wrote {}", output.display());
    Ok(())
}

/// `born bench`: prefill and decode speed on synthetic token ids, with the process CPU
/// time of each phase (comparable between runs when other programs share the CPU).
fn bench(model: &Path, prompt_tokens: usize, decode_tokens: usize, device: &str) -> CliResult {
    let device = parse_device(device)?;
    let m = born::llm::language_model::load_network(model)?;
    let vocab = m.config().vocab_size as u32;
    let prompt: Vec<u32> = (0..prompt_tokens.max(1) as u32)
        .map(|i| (i * 7919 + 13) % vocab)
        .collect();
    let max_len = prompt.len() + decode_tokens + 1;
    let gpu = match device {
        Device::Gpu => Some(GpuLlama::upload(&m)?),
        Device::Cpu => None,
    };
    let mut cpu_cache = m.new_cache(max_len);
    let mut gpu_cache = gpu.as_ref().map(|g| g.new_cache(max_len)).transpose()?;
    let mut forward = |tokens: &[u32]| match (&gpu, &mut gpu_cache) {
        (Some(g), Some(c)) => g.forward(tokens, c, LogitsFor::Last),
        _ => m.forward(tokens, &mut cpu_cache, LogitsFor::Last),
    };
    let (t0, c0) = (std::time::Instant::now(), process_cpu_seconds());
    let mut logits = forward(&prompt)?;
    let (prefill, prefill_cpu) = (t0.elapsed().as_secs_f64(), process_cpu_seconds() - c0);
    let (t0, c0) = (std::time::Instant::now(), process_cpu_seconds());
    for _ in 0..decode_tokens {
        let next = born::llm::sampling::argmax(&logits);
        logits = forward(&[next])?;
    }
    let (decode, decode_cpu) = (t0.elapsed().as_secs_f64(), process_cpu_seconds() - c0);
    let c = m.config();
    let on = match device {
        Device::Gpu => format!("gpu {}", born::backend::wgpu::describe_gpu()?),
        Device::Cpu => format!("cpu, {} threads", rayon::current_num_threads()),
    };
    println!(
        "model: {} ({} layers, hidden {}, vocab {}), {on}",
        model.display(),
        c.n_layers,
        c.hidden_size,
        c.vocab_size,
    );
    println!(
        "prefill: {} tokens in {prefill:.3} s = {:.2} tok/s (cpu {prefill_cpu:.3} s)",
        prompt.len(),
        prompt.len() as f64 / prefill
    );
    println!(
        "decode: {decode_tokens} tokens in {decode:.3} s = {:.2} tok/s (cpu {decode_cpu:.3} s)",
        decode_tokens as f64 / decode.max(1e-9)
    );
    Ok(())
}

/// CPU time used so far by all threads of this process, in seconds (0 where unknown).
fn process_cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec.
        if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
        }
    }
    0.0
}
