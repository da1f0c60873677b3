//! Locating the shared test data (`$BORN_DATA` or `<repo>/../shared/data`).

use std::path::PathBuf;

/// The shared data directory; panics with instructions when it is missing.
pub(crate) fn data_dir() -> PathBuf {
    let candidates = [
        std::env::var_os("BORN_DATA").map(PathBuf::from),
        Some(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data"
        ))),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("tokenizers/ggml-vocab").is_dir())
        .unwrap_or_else(|| {
            panic!(
                "shared test data not found: set BORN_DATA or put the data directory (with \
                 tokenizers/ggml-vocab/*.gguf) at <repo>/../shared/data"
            )
        })
}

/// Path of `ggml-vocab-<name>.gguf`.
pub(crate) fn vocab_path(name: &str) -> PathBuf {
    data_dir().join(format!("tokenizers/ggml-vocab/ggml-vocab-{name}.gguf"))
}

/// Path of a tiktoken rank file shipped in the `tiktoken-rs` crate's sources, which
/// cargo unpacks into its registry because the crate is a dev-dependency.
pub(crate) fn tiktoken_rank_file(name: &str) -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = cargo_home.join("registry/src");
    std::fs::read_dir(&registry)
        .into_iter()
        .flatten()
        .flatten()
        .map(|index| {
            index
                .path()
                .join(format!("tiktoken-rs-0.12.1/assets/{name}.tiktoken"))
        })
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name}.tiktoken not found under {}: the dev-dependency tiktoken-rs 0.12.1 \
                 provides it (`cargo fetch` downloads it)",
                registry.display()
            )
        })
}

/// Text of `tests/fixtures/tokenizers/<name>`.
pub(crate) fn tokenizer_fixture(name: &str) -> String {
    let path = format!(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/tokenizers/{}"
        ),
        name
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The tokenizer of `ggml-vocab-<name>.gguf`, loaded once per test process.
pub(crate) fn vocab_tokenizer(name: &str) -> &'static super::Tokenizer {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, &'static super::Tokenizer>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(&tok) = cache.lock().expect("cache lock").get(name) {
        return tok;
    }
    let tok = super::Tokenizer::from_gguf_path(vocab_path(name))
        .unwrap_or_else(|e| panic!("cannot load the {name} vocabulary: {e}"));
    let tok: &'static super::Tokenizer = Box::leak(Box::new(tok));
    let mut cache = cache.lock().expect("cache lock");
    cache.entry(name.to_string()).or_insert(tok)
}
