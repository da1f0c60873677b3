//! A trained model and tokenizer survive saving: the Hugging Face directory and the GGUF
//! conversion load through the inference code with the same tokens and logits.

use super::*;
use crate::llm::config::LlamaConfig;
use crate::llm::convert::hf_dir_to_gguf;
use crate::llm::tokenizer::{ChatMessage, Tokenizer};
use crate::llm::{LanguageModel, LogitsFor, SamplingParams};
use crate::nn::Module;
use crate::quant::GgmlType;

const CORPUS: &str = "First Citizen:\nBefore we proceed any further, hear me speak.\n\n\
All:\nSpeak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?\n\n\
All:\nResolved. resolved.\n\nFirst Citizen:\nFirst, you know Caius Marcius is chief enemy to the people.\n\n\
All:\nWe know't, we know't.\n\nFirst Citizen:\nLet us kill him, and we'll have corn at our own price.\n";

const TEMPLATE: &str =
    "{% for m in messages %}{{ m.role | upper }}:\n{{ m.content }}\n\n{% endfor %}\
{% if add_generation_prompt %}ASSISTANT:\n{% endif %}";

/// A fresh directory under the system temp dir.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("born-trainable-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn bpe_learns_merges_and_round_trips_through_tokenizer_json() {
    let bpe = TrainedBpe::train(CORPUS, 300).expect("train");
    assert_eq!(bpe.vocab_size(), 300);
    let tok = bpe.tokenizer();
    let text = "First Citizen:\nWe know't — ünïcödé 🎭 and  spaces\tand 123456.";
    let ids = tok.encode(text, true).expect("encode");
    assert_eq!(tok.decode(&ids).expect("decode"), text);
    let corpus_ids = tok.encode(CORPUS, true).expect("encode corpus");
    assert!(
        corpus_ids.len() * 3 < CORPUS.len() * 2,
        "{} tokens for {} bytes",
        corpus_ids.len(),
        CORPUS.len()
    );
    assert!(corpus_ids.iter().all(|&i| i < bpe.end_of_text_id()));
    assert_eq!(tok.token_id(END_OF_TEXT), Some(bpe.end_of_text_id()));
    // 257 tokens: bytes only.
    let bytes = TrainedBpe::train(CORPUS, 257).expect("byte level");
    assert_eq!(
        bytes.tokenizer().encode("abc", true).expect("encode").len(),
        3
    );
    assert!(TrainedBpe::train(CORPUS, 256).is_err());

    let dir = temp_dir("bpe");
    bpe.save(dir.join("tokenizer.json")).expect("save");
    let reloaded = Tokenizer::from_hf_file(dir.join("tokenizer.json")).expect("reload");
    assert_eq!(reloaded.encode(text, true).expect("encode"), ids);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn windows_are_shifted_by_one() {
    let data = TokenDataset::new((0..50).collect());
    let mut rng = crate::rng::Generator::from_seed(3);
    let (x, y) = data.batch(&mut rng, 4, 8).expect("batch");
    assert_eq!(x.dims(), [4, 8]);
    let (x, y) = (x.to_vec::<i64>().expect("x"), y.to_vec::<i64>().expect("y"));
    assert!(x.iter().zip(&y).all(|(a, b)| a + 1 == *b));
    let (train, valid) = data.split(0.9).expect("split");
    assert_eq!((train.len(), valid.len()), (45, 5));
    assert!(valid.batch(&mut rng, 1, 5).is_err());
}

#[test]
fn training_lowers_the_loss() {
    crate::manual_seed(1);
    let bpe = TrainedBpe::train(CORPUS, 280).expect("train");
    let ids = bpe.tokenizer().encode(CORPUS, true).expect("encode");
    let config = LlamaConfig::for_training(bpe.vocab_size(), 32, 1, 2, 32);
    let model = TrainableLlama::new(config).expect("model");
    let options = TrainerOptions {
        batch_size: 8,
        seq_len: 16,
        learning_rate: 1e-2,
        warmup_steps: 5,
        ..TrainerOptions::default()
    };
    let data = TokenDataset::new(ids);
    let mut trainer = LmTrainer::new(model, data.clone(), options).expect("trainer");
    let before = trainer.evaluate(&data, 4).expect("evaluate");
    assert!(
        (before - (280f64).ln()).abs() < 0.5,
        "initial loss {before}"
    );
    for _ in 0..60 {
        trainer.step().expect("step");
    }
    let after = trainer.evaluate(&data, 4).expect("evaluate");
    assert_eq!(trainer.steps(), 60);
    assert!(after < before * 0.6, "loss {before} -> {after}");
}

#[test]
fn saved_model_reloads_with_the_same_logits_from_hf_and_gguf() {
    crate::manual_seed(7);
    let bpe = TrainedBpe::train(CORPUS, 290).expect("train");
    let mut config = LlamaConfig::for_training(bpe.vocab_size(), 64, 2, 4, 48);
    config.n_kv_heads = 2;
    let model = TrainableLlama::new(config).expect("model");
    // A few steps so that no weight keeps its initial value.
    let data = TokenDataset::new(bpe.tokenizer().encode(CORPUS, true).expect("encode"));
    let options = TrainerOptions {
        batch_size: 4,
        seq_len: 24,
        ..TrainerOptions::default()
    };
    let mut trainer = LmTrainer::new(model, data, options).expect("trainer");
    for _ in 0..3 {
        trainer.step().expect("step");
    }
    let model = trainer.model();
    let names: Vec<String> = model.state_dict().into_keys().collect();
    assert!(names.contains(&"model.layers.1.self_attn.k_proj.weight".to_string()));
    assert!(names.contains(&"model.embed_tokens.weight".to_string()));
    assert!(names.contains(&"lm_head.weight".to_string()));

    let dir = temp_dir("export");
    let hf = dir.join("hf");
    model
        .save_hf_dir(&hf, &bpe, Some(TEMPLATE))
        .expect("save HF directory");
    let prompt = "First Citizen:\nSpeak";
    let ids = bpe.tokenizer().encode(prompt, true).expect("encode");
    let want = model.logits(&ids).expect("training logits");
    let vocab = bpe.vocab_size();

    let gguf = dir.join("model-f32.gguf");
    hf_dir_to_gguf(&hf, &gguf, GgmlType::F32).expect("convert to GGUF");
    let f16 = dir.join("model-f16.gguf");
    hf_dir_to_gguf(&hf, &f16, GgmlType::F16).expect("convert to F16 GGUF");
    let mut greedy = Vec::new();
    for (path, tol) in [(&hf, 1e-4), (&gguf, 1e-4), (&f16, 2e-2)] {
        let lm = LanguageModel::load(path).expect("reload");
        assert_eq!(lm.encode(prompt).expect("encode"), ids, "{path:?}");
        assert_eq!(lm.eos_ids(), [bpe.end_of_text_id()], "{path:?}");
        let mut cache = lm.model().new_cache(64);
        let got = lm
            .model()
            .forward(&ids, &mut cache, LogitsFor::All)
            .expect("forward");
        assert_eq!(got.len(), ids.len() * vocab);
        let diff = max_diff(&got, &want);
        assert!(diff < tol, "{path:?}: logits differ by {diff}");
        let chat = lm.chat_template().expect("the template travels along");
        let rendered = chat
            .render(&[ChatMessage::new("user", "Speak.")], true)
            .expect("render");
        assert_eq!(rendered, "USER:\nSpeak.\n\nASSISTANT:\n");
        let params = SamplingParams {
            ignore_eos: true,
            ..SamplingParams::greedy(12)
        };
        greedy.push(lm.generate(prompt, &params).expect("generate"));
    }
    assert_eq!(greedy[0], greedy[1]);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn bad_shapes_are_errors() {
    let config = LlamaConfig::for_training(300, 32, 1, 2, 8);
    let model = TrainableLlama::new(config.clone()).expect("model");
    let too_long = crate::Tensor::zeros_dtype((1, 9), crate::DType::I64).expect("ids");
    assert!(model.forward(&too_long).is_err());
    let ids = crate::Tensor::zeros_dtype((2, 4), crate::DType::I64).expect("ids");
    let targets = crate::Tensor::zeros_dtype((2, 3), crate::DType::I64).expect("ids");
    assert!(model.loss(&ids, &targets).is_err());
    let mut interleaved = config;
    interleaved.rope_layout = crate::llm::RopeLayout::Interleaved;
    assert!(TrainableLlama::new(interleaved).is_err());
    let data = TokenDataset::new(vec![1; 8]);
    let options = TrainerOptions::default();
    assert!(LmTrainer::new(model, data, options).is_err());
}

/// A file under `tests/fixtures/llm/trained-bpe/`.
fn bpe_fixture(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/llm/trained-bpe"
    ))
    .join(name)
}

#[test]
fn trained_bpe_matches_the_fixture_and_hf_tokenizers() {
    let bpe = TrainedBpe::train(CORPUS, 300).expect("train");
    let path = bpe_fixture("tokenizer.json");
    if std::env::var_os("BORN_WRITE_FIXTURES").is_some() {
        bpe.save(&path).expect("write the fixture");
    }
    let read = |p: &std::path::Path| -> serde_json::Value {
        let text = std::fs::read_to_string(p).expect("fixture exists");
        serde_json::from_str(&text).expect("fixture is JSON")
    };
    let trained: serde_json::Value = serde_json::from_str(&bpe.to_json()).expect("JSON");
    assert_eq!(
        trained,
        read(&path),
        "training repeats the committed tokenizer.json"
    );
    // Ids from the Hugging Face `tokenizers` library on the same tokenizer.json.
    let reference = read(&bpe_fixture("reference.json"));
    let cases = reference["cases"].as_array().expect("cases");
    assert!(cases.len() >= 8);
    for case in cases {
        let text = case["text"].as_str().expect("text");
        let want: Vec<u32> = case["ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|v| v.as_u64().expect("id") as u32)
            .collect();
        let ids = bpe.tokenizer().encode(text, true).expect("encode");
        assert_eq!(ids, want, "{text:?}");
        assert_eq!(bpe.tokenizer().decode(&ids).expect("decode"), text);
    }
}
