//! Language-model output streamed into the cell as it is generated, with the speed
//! shown at the end.

use std::fmt;

use born::llm::{GenerationStats, LanguageModel, SamplingParams, TextGenerator};

use crate::handle::display;
use crate::mime_bundle::MimeBundle;
use crate::text_stream::TextStream;

/// The text a streamed generation produced, with its counts and speeds.
#[derive(Debug, Clone)]
pub struct StreamedText {
    /// The generated text (without the prompt).
    pub text: String,
    /// Token counts and speeds.
    pub stats: GenerationStats,
}

impl fmt::Display for StreamedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Generates a continuation of `prompt` with `model`, streaming it into the cell, then
/// shows the speed (tokens/s) below it.
pub fn stream_generate(
    model: &LanguageModel,
    prompt: &str,
    params: &SamplingParams,
) -> born::Result<StreamedText> {
    let generator = TextGenerator::new(model, params.clone());
    stream_generation(&generator, prompt, TextStream::new())
}

/// Runs `generator` on `prompt`, appending each piece of text to `stream` (shown in the
/// cell and updated in place), then shows the speed below it.
pub fn stream_generation(
    generator: &TextGenerator<'_>,
    prompt: &str,
    mut stream: TextStream,
) -> born::Result<StreamedText> {
    let result = generator.generate_with(prompt, |piece| {
        stream.push(piece);
        Ok(())
    });
    stream.finish();
    let stats = result?;
    display(&MimeBundle::text(speed_line(&stats)));
    Ok(StreamedText {
        text: stream.text().to_string(),
        stats,
    })
}

/// `64 tokens · 85.3 tokens/s (prompt: 5 tokens, 310.2 tokens/s)`, plus the draft
/// acceptance when a draft model was used.
pub fn speed_line(stats: &GenerationStats) -> String {
    let mut line = format!(
        "{} tokens · {:.1} tokens/s (prompt: {} tokens, {:.1} tokens/s)",
        stats.generated_tokens,
        stats.decode_tokens_per_sec(),
        stats.prompt_tokens,
        stats.prefill_tokens_per_sec()
    );
    if let Some(rate) = stats.acceptance_rate() {
        line.push_str(&format!(" · draft acceptance {:.0}%", rate * 100.0));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::capture;

    fn tiny_model() -> LanguageModel {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/llm/tiny-llama"
        );
        LanguageModel::load(dir).expect("the tiny-llama fixture loads")
    }

    #[test]
    fn streams_pieces_in_order_and_ends_with_the_full_text_and_speed() {
        let model = tiny_model();
        let params = SamplingParams {
            ignore_eos: true,
            ..SamplingParams::greedy(24)
        };
        let want = model.generate("First Citizen", &params).expect("generate");
        let generator = TextGenerator::new(&model, params);
        // No throttling: every piece becomes an envelope.
        let stream = TextStream::new().max_updates_per_second(1e9);
        let (result, sent) =
            capture::envelopes(|| stream_generation(&generator, "First Citizen", stream));
        let streamed = result.expect("streamed generation");
        assert_eq!(streamed.text, want);
        assert_eq!(streamed.stats.generated_tokens, 24);

        let kinds: Vec<&str> = sent.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert!(sent.len() >= 3, "{kinds:?}");
        assert_eq!(kinds[0], "display");
        assert!(kinds[1..kinds.len() - 1].iter().all(|k| *k == "update"));
        assert_eq!(kinds[kinds.len() - 1], "display");
        let stream_id = &sent[0]["display_id"];
        let texts: Vec<&str> = sent[..sent.len() - 1]
            .iter()
            .map(|e| {
                assert_eq!(&e["display_id"], stream_id);
                e["data"]["text/plain"].as_str().unwrap()
            })
            .collect();
        for pair in texts.windows(2) {
            assert!(pair[1].starts_with(pair[0]) && pair[1].len() > pair[0].len());
        }
        assert_eq!(*texts.last().unwrap(), want);
        let speed = sent[sent.len() - 1]["data"]["text/plain"].as_str().unwrap();
        assert!(
            speed.starts_with("24 tokens · ") && speed.contains("tokens/s"),
            "{speed}"
        );
        assert_ne!(&sent[sent.len() - 1]["display_id"], stream_id);
    }

    #[test]
    fn invalid_parameters_are_an_error_and_show_nothing() {
        let model = tiny_model();
        let params = SamplingParams {
            temperature: -1.0,
            ..SamplingParams::greedy(4)
        };
        let (result, sent) = capture::envelopes(|| stream_generate(&model, "First", &params));
        assert!(result.is_err());
        assert!(sent.is_empty(), "{sent:?}");
    }
}
