//! Text corpora: Tiny Shakespeare from `$BORN_DATA/text` or the repository's shared data.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// File name of the Tiny Shakespeare corpus.
pub const TINY_SHAKESPEARE: &str = "tinyshakespeare.txt";

/// Candidate paths of `text/<name>`, most specific first.
fn candidates(name: &str) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(root) = std::env::var_os("BORN_DATA") {
        paths.push(PathBuf::from(root).join("text").join(name));
    }
    // The shared data folder beside the repository this crate was built from.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    paths.push(repo.join("../shared/data/text").join(name));
    paths
}

/// Path of the text corpus `name` under `$BORN_DATA/text` or the repository's
/// `../shared/data/text`, or an error saying where to put it.
pub fn find_text(name: &str) -> Result<PathBuf> {
    let paths = candidates(name);
    if let Some(p) = paths.iter().find(|p| p.is_file()) {
        return Ok(p.clone());
    }
    let looked: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    Err(Error::msg(format!(
        "{name} not found: looked at {}. Put the file there, or set BORN_DATA to a folder \
         with a text/{name} file",
        looked.join(", ")
    )))
}

/// The Tiny Shakespeare corpus (about 1.1 million characters of plays).
pub fn tiny_shakespeare() -> Result<String> {
    let path = find_text(TINY_SHAKESPEARE)?;
    std::fs::read_to_string(&path).map_err(|e| Error::io(path.display().to_string(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_corpus_names_the_places_looked_at() {
        let err = find_text("no-such-corpus.txt")
            .expect_err("absent")
            .to_string();
        assert!(
            err.contains("BORN_DATA") && err.contains("shared/data/text"),
            "{err}"
        );
    }

    #[test]
    fn tiny_shakespeare_is_found() {
        let text = tiny_shakespeare().expect(
            "tinyshakespeare.txt: set BORN_DATA or put shared/data/text/ beside the repository",
        );
        assert!(text.starts_with("First Citizen:"));
        assert_eq!(text.chars().count(), 1_115_394);
    }
}
