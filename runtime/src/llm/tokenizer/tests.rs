//! Tokenizers against llama.cpp's test vectors, decoding and streaming.

use super::test_data::{vocab_path, vocab_tokenizer};
use super::*;

/// The (text, expected ids) cases of `ggml-vocab-<name>.gguf.inp/.out`.
fn cases(name: &str) -> Vec<(String, Vec<u32>)> {
    let base = vocab_path(name);
    let read = |ext: &str| {
        let path = format!("{}.{ext}", base.display());
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
    };
    let inp = read("inp");
    let out = read("out");
    let sep = "\n__ggml_vocab_test__\n";
    let mut texts = Vec::new();
    let mut rest = inp.as_str();
    while !rest.is_empty() {
        match rest.find(sep) {
            Some(p) => {
                texts.push(rest[..p].to_string());
                rest = &rest[p + sep.len()..];
            }
            None => {
                texts.push(rest.to_string());
                rest = "";
            }
        }
    }
    let ids: Vec<Vec<u32>> = out
        .lines()
        .map(|l| l.split_whitespace().map(|t| t.parse().unwrap()).collect())
        .collect();
    assert_eq!(
        texts.len(),
        ids.len(),
        "{name}: inputs and outputs differ in count"
    );
    texts.into_iter().zip(ids).collect()
}

/// Encodes every case without special tokens and checks ids and the decoded text.
fn check_vocab(name: &str) {
    let tok = vocab_tokenizer(name);
    let cases = cases(name);
    assert_eq!(cases.len(), 46);
    let mut failures = Vec::new();
    for (text, expected) in &cases {
        let ids = tok.encode(text, false).unwrap();
        if &ids != expected {
            failures.push(format!(
                "{text:?}\n  got      {ids:?}\n  expected {expected:?}"
            ));
        }
        assert_eq!(
            &tok.decode(expected).unwrap(),
            text,
            "{name}: decode of {text:?}"
        );
    }
    assert!(
        failures.is_empty(),
        "{name}: {} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn llama_spm_vectors() {
    check_vocab("llama-spm");
}

#[test]
fn phi3_vectors() {
    check_vocab("phi-3");
}

#[test]
fn llama_bpe_vectors() {
    check_vocab("llama-bpe");
}

#[test]
fn gpt2_vectors() {
    check_vocab("gpt-2");
}

#[test]
fn qwen2_vectors() {
    check_vocab("qwen2");
}

#[test]
fn bos_eos_and_special_parsing() {
    let tok = vocab_tokenizer("llama-bpe");
    assert_eq!(tok.bos_id(), Some(128000));
    let plain = tok.encode("Hello", true).unwrap();
    assert_eq!(plain, vec![128000, 9906]);
    let text = "<|start_header_id|>user";
    let parsed = tok
        .encode_with(
            text,
            EncodeOptions {
                add_special: false,
                parse_special: true,
            },
        )
        .unwrap();
    assert_eq!(parsed, vec![128006, 882]);
    let literal = tok.encode(text, false).unwrap();
    assert!(literal.len() > 2 && !literal.contains(&128006));
    assert_eq!(tok.decode(&parsed).unwrap(), "user");

    let spm = vocab_tokenizer("llama-spm");
    assert_eq!(spm.encode("Hello", true).unwrap()[0], 1);
    let qwen = vocab_tokenizer("qwen2");
    assert_eq!(
        qwen.encode("Hi", true).unwrap(),
        qwen.encode("Hi", false).unwrap()
    );
}

#[test]
fn byte_fallback_and_streaming_never_split_characters() {
    let tok = vocab_tokenizer("llama-spm");
    let text = "a 🦙 ⁂ b";
    let ids = tok.encode(text, true).unwrap();
    assert!(ids
        .iter()
        .any(|&id| tok.vocab().token_type(id).unwrap() == TokenType::Byte));
    let mut stream = StreamDecoder::new();
    let mut joined = String::new();
    for &id in &ids {
        let chunk = stream.push(tok, id).unwrap();
        joined.push_str(&chunk);
    }
    joined.push_str(&stream.finish());
    assert_eq!(joined, text);
    assert!(tok.decode(&[u32::MAX]).is_err());
}

#[test]
fn stream_decoder_holds_partial_utf8_and_replaces_invalid() {
    let tok = vocab_tokenizer("gpt-2");
    let ids = tok.encode("€ and 🚀", false).unwrap();
    let mut stream = StreamDecoder::new();
    let chunks: Vec<String> = ids
        .iter()
        .map(|&id| stream.push(tok, id).unwrap())
        .collect();
    assert!(chunks.iter().all(|c| !c.contains('\u{FFFD}')));
    assert_eq!(chunks.concat(), "€ and 🚀");
    // A lone continuation byte is invalid, not incomplete.
    let lone = tok
        .token_id(&byte_level::byte_to_char(0x80).to_string())
        .unwrap();
    let mut stream = StreamDecoder::new();
    assert_eq!(stream.push(tok, lone).unwrap(), "\u{FFFD}");
    let lead = tok
        .token_id(&byte_level::byte_to_char(0xE2).to_string())
        .unwrap();
    assert_eq!(stream.push(tok, lead).unwrap(), "");
    assert_eq!(stream.finish(), "\u{FFFD}");
}

/// Encodes the fixture corpus with a tiktoken encoding and compares with Python.
fn check_tiktoken(encoding: TiktokenEncoding, name: &str) {
    use super::test_data::{tiktoken_rank_file, tokenizer_fixture};
    let tok = Tokenizer::from_tiktoken_file(tiktoken_rank_file(name), encoding).unwrap();
    let corpus = tokenizer_fixture("tiktoken-corpus.txt");
    let cases: Vec<&str> = corpus
        .split("\n__case__\n")
        .filter(|c| !c.is_empty())
        .collect();
    let expected = tokenizer_fixture(&format!("tiktoken-{name}.out"));
    let expected: Vec<Vec<u32>> = expected
        .lines()
        .map(|l| l.split_whitespace().map(|t| t.parse().unwrap()).collect())
        .collect();
    assert_eq!(cases.len(), expected.len());
    for (text, ids) in cases.iter().zip(&expected) {
        assert_eq!(&tok.encode(text, false).unwrap(), ids, "{name}: {text:?}");
        assert_eq!(&tok.decode(ids).unwrap(), text);
    }
    let eot = tok.token_id("<|endoftext|>").unwrap();
    let with_special = tok
        .encode_with(
            "a<|endoftext|>",
            EncodeOptions {
                add_special: false,
                parse_special: true,
            },
        )
        .unwrap();
    assert_eq!(with_special.last(), Some(&eot));
}

#[test]
fn tiktoken_cl100k_matches_python() {
    check_tiktoken(TiktokenEncoding::Cl100kBase, "cl100k_base");
}

#[test]
fn tiktoken_rank_files_are_validated() {
    let err = Tokenizer::from_tiktoken_ranks("YQ== 4000000000\n", TiktokenEncoding::Cl100kBase);
    assert!(err.unwrap_err().to_string().contains("ranks up to"));
    let err = Tokenizer::from_tiktoken_ranks("YQ==\n", TiktokenEncoding::Cl100kBase);
    assert!(err.unwrap_err().to_string().contains("line 1"));
    let err = Tokenizer::from_tiktoken_ranks("*** 1\n", TiktokenEncoding::Cl100kBase);
    assert!(err.unwrap_err().to_string().contains("base64"));
}

#[test]
fn tiktoken_o200k_matches_python() {
    check_tiktoken(TiktokenEncoding::O200kBase, "o200k_base");
}

/// Encodes the corpus with a small `tokenizer.json` and compares with Python `tokenizers`.
fn check_hf(name: &str) {
    use super::test_data::tokenizer_fixture;
    let tok = Tokenizer::from_hf_json(&tokenizer_fixture(&format!("hf-{name}.json"))).unwrap();
    let corpus =
        tokenizer_fixture("tiktoken-corpus.txt") + &tokenizer_fixture("hf-extra-cases.txt");
    let cases: Vec<&str> = corpus
        .split("\n__case__\n")
        .filter(|c| !c.is_empty())
        .collect();
    let expected = tokenizer_fixture(&format!("hf-{name}.out"));
    let expected: Vec<Vec<u32>> = expected
        .lines()
        .map(|l| l.split_whitespace().map(|t| t.parse().unwrap()).collect())
        .collect();
    assert_eq!(cases.len(), expected.len());
    let decoded: Vec<String> =
        serde_json::from_str(&tokenizer_fixture(&format!("hf-{name}.decoded.json"))).unwrap();
    let options = EncodeOptions {
        add_special: true,
        parse_special: true,
    };
    for ((text, ids), python_text) in cases.iter().zip(&expected).zip(&decoded) {
        assert_eq!(
            &tok.encode_with(text, options).unwrap(),
            ids,
            "{name}: {text:?}"
        );
        assert_eq!(
            &tok.decode(ids).unwrap(),
            python_text,
            "{name}: decode of {text:?}"
        );
    }
}

#[test]
fn hf_byte_level_bpe_matches_python_tokenizers() {
    check_hf("bytelevel");
}

#[test]
fn hf_sentencepiece_style_bpe_matches_python_tokenizers() {
    check_hf("spm");
}

#[test]
fn hf_metaspace_bpe_matches_python_tokenizers() {
    check_hf("metaspace");
}

#[test]
fn hf_unsupported_parts_are_named() {
    let err =
        Tokenizer::from_hf_json(r#"{"model": {"type": "WordPiece", "vocab": {}}}"#).unwrap_err();
    assert!(err.to_string().contains("WordPiece"), "{err}");
    let err = Tokenizer::from_hf_json(
        r#"{"normalizer": {"type": "NFKC"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("NFKC"), "{err}");
    assert!(Tokenizer::from_hf_json("{not json").is_err());
}

#[test]
fn chat_templates_render_like_jinja2() {
    use super::test_data::tokenizer_fixture;
    let fixture: serde_json::Value =
        serde_json::from_str(&tokenizer_fixture("chat-templates.json")).unwrap();
    let messages = |v: &serde_json::Value| -> Vec<ChatMessage> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| ChatMessage::new(m["role"].as_str().unwrap(), m["content"].as_str().unwrap()))
            .collect()
    };
    let mut inline = std::collections::HashMap::new();
    let mut from_files = std::collections::HashMap::new();
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["template"].as_str().unwrap();
        let template = match case["source"].as_str() {
            Some(source) => {
                inline.insert(name.to_string(), source.to_string());
                let (bos, eos) = (
                    case["bos_token"].as_str().unwrap(),
                    case["eos_token"].as_str().unwrap(),
                );
                ChatTemplate::new(source, bos, eos).unwrap()
            }
            None => from_files
                .entry(name.to_string())
                .or_insert_with(|| {
                    let file = crate::io::gguf::GgufFile::open(vocab_path(name)).unwrap();
                    ChatTemplate::from_gguf(&file, vocab_tokenizer(name))
                        .unwrap()
                        .unwrap()
                })
                .clone(),
        };
        let gen = case["add_generation_prompt"].as_bool().unwrap();
        let got = template.render(&messages(&case["messages"]), gen).unwrap();
        assert_eq!(
            got,
            case["expected"].as_str().unwrap(),
            "{name} (generation prompt {gen})"
        );
    }
    let rejected = &fixture["rejected"];
    let source = &inline[rejected["template"].as_str().unwrap()];
    let template = ChatTemplate::new(source.as_str(), "<s>", "</s>").unwrap();
    let err = template
        .render(&messages(&rejected["messages"]), false)
        .unwrap_err();
    assert!(err.to_string().contains("roles must alternate"), "{err}");
    assert!(ChatTemplate::new("{% if %}", "", "").is_err());
}

#[test]
fn chat_template_from_hf_config() {
    let config = r#"{"bos_token": {"content": "<s>"}, "eos_token": "</s>",
        "chat_template": [{"name": "tool_use", "template": "x"},
                          {"name": "default", "template": "{{ bos_token }}{{ messages[0]['content'] }}{{ eos_token }}"}]}"#;
    let template = ChatTemplate::from_hf_config_json(config).unwrap().unwrap();
    let out = template
        .render(&[ChatMessage::new("user", "hi")], false)
        .unwrap();
    assert_eq!(out, "<s>hi</s>");
    assert!(ChatTemplate::from_hf_config_json("{}").unwrap().is_none());
}

#[test]
fn random_text_round_trips_through_every_tokenizer() {
    use super::test_data::{tiktoken_rank_file, tokenizer_fixture};
    let pool: Vec<char> = "aZ09 \n\t\r.,'!?-_ßéü€😀🦙中文한국ไทยা\u{301}\u{200d}\u{a0}<>|/\\\""
        .chars()
        .collect();
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let texts: Vec<String> = (0..60)
        .map(|_| {
            let len = (next() % 40) as usize;
            (0..len)
                .map(|_| pool[(next() % pool.len() as u64) as usize])
                .collect()
        })
        .collect();
    let mut owned: Vec<(String, Tokenizer)> = vec![(
        "cl100k".into(),
        Tokenizer::from_tiktoken_file(
            tiktoken_rank_file("cl100k_base"),
            TiktokenEncoding::Cl100kBase,
        )
        .unwrap(),
    )];
    for name in ["bytelevel", "spm"] {
        let json = tokenizer_fixture(&format!("hf-{name}.json"));
        owned.push((
            format!("hf-{name}"),
            Tokenizer::from_hf_json(&json).unwrap(),
        ));
    }
    let tokenizers: Vec<(String, &Tokenizer)> =
        ["llama-spm", "phi-3", "llama-bpe", "gpt-2", "qwen2"]
            .iter()
            .map(|n| (n.to_string(), vocab_tokenizer(n)))
            .chain(owned.iter().map(|(n, t)| (n.clone(), t)))
            .collect();
    for (name, tok) in tokenizers {
        for text in &texts {
            let ids = tok.encode(text, true).unwrap();
            assert_eq!(
                &tok.decode(&ids).unwrap(),
                text,
                "{name}: {text:?} -> {ids:?}"
            );
            let mut stream = StreamDecoder::new();
            let mut streamed = String::new();
            for &id in &ids {
                streamed += &stream.push(tok, id).unwrap();
            }
            streamed += &stream.finish();
            assert_eq!(&streamed, text, "{name}: streamed {text:?}");
        }
    }
}
