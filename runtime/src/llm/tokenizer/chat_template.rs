//! Chat templates (`tokenizer.chat_template` in GGUF, `chat_template` in Hugging Face
//! `tokenizer_config.json`) rendered with minijinja, configured as `transformers`
//! configures jinja2.

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, ErrorKind, Value};

use super::codec::Tokenizer;
use super::error::{Result, TokenizerError};
use crate::io::gguf::GgufFile;

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant`, ...
    pub role: String,
    /// The text of the turn.
    pub content: String,
}

impl ChatMessage {
    /// A message from `role` saying `content`.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// A Jinja chat template with the BOS/EOS strings it may refer to.
#[derive(Debug, Clone)]
pub struct ChatTemplate {
    source: String,
    bos_token: String,
    eos_token: String,
}

impl ChatTemplate {
    /// A template from its source; fails when the source does not compile.
    pub fn new(
        source: impl Into<String>,
        bos_token: impl Into<String>,
        eos_token: impl Into<String>,
    ) -> Result<ChatTemplate> {
        let template = ChatTemplate {
            source: source.into(),
            bos_token: bos_token.into(),
            eos_token: eos_token.into(),
        };
        environment()?
            .template_from_str(&template.source)
            .map_err(template_error)?;
        Ok(template)
    }

    /// The template in a GGUF file's `tokenizer.chat_template`, if any, with BOS/EOS
    /// texts from `tokenizer`.
    pub fn from_gguf(file: &GgufFile, tokenizer: &Tokenizer) -> Result<Option<ChatTemplate>> {
        let Some(source) = file.metadata().get_str("tokenizer.chat_template")? else {
            return Ok(None);
        };
        let text = |id: Option<u32>| -> Result<String> {
            Ok(match id {
                Some(id) => tokenizer.vocab().text(id)?.to_string(),
                None => String::new(),
            })
        };
        ChatTemplate::new(source, text(tokenizer.bos_id())?, text(tokenizer.eos_id())?).map(Some)
    }

    /// The template of a Hugging Face `tokenizer_config.json` (the default one when it
    /// lists several), if any.
    pub fn from_hf_config_json(json: &str) -> Result<Option<ChatTemplate>> {
        let config: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            TokenizerError::InvalidVocab(format!("tokenizer_config.json is not valid JSON: {e}"))
        })?;
        let source = match &config["chat_template"] {
            serde_json::Value::String(s) => Some(s.as_str()),
            serde_json::Value::Array(list) => list
                .iter()
                .find(|t| t["name"].as_str() == Some("default"))
                .or(list.first())
                .and_then(|t| t["template"].as_str()),
            _ => None,
        };
        let Some(source) = source else {
            return Ok(None);
        };
        // Special tokens appear as strings or as {"content": ...} objects.
        let token = |key: &str| -> String {
            let v = &config[key];
            v.as_str()
                .or_else(|| v["content"].as_str())
                .unwrap_or_default()
                .to_string()
        };
        ChatTemplate::new(source, token("bos_token"), token("eos_token")).map(Some)
    }

    /// The template source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders `messages`; `add_generation_prompt` appends the opening of the
    /// assistant's turn.
    pub fn render(&self, messages: &[ChatMessage], add_generation_prompt: bool) -> Result<String> {
        let messages: Vec<BTreeMap<&str, String>> = messages
            .iter()
            .map(|m| BTreeMap::from([("role", m.role.clone()), ("content", m.content.clone())]))
            .collect();
        let context = minijinja::context! {
            messages => messages,
            add_generation_prompt => add_generation_prompt,
            bos_token => self.bos_token.clone(),
            eos_token => self.eos_token.clone(),
        };
        environment()?
            .render_str(&self.source, context)
            .map_err(template_error)
    }
}

/// A minijinja environment that behaves like `transformers`' jinja2 setup.
fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(template_error)?;
    env.set_syntax(syntax);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.add_function(
        "raise_exception",
        |message: String| -> std::result::Result<Value, minijinja::Error> {
            Err(minijinja::Error::new(ErrorKind::InvalidOperation, message))
        },
    );
    Ok(env)
}

/// A template failure as a tokenizer error.
fn template_error(e: minijinja::Error) -> TokenizerError {
    TokenizerError::Template(e.to_string())
}
