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
