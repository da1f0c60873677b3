//! Atomic file replacement: write a temporary file beside the target, flush it
//! to disk, then rename it over the target.
//!
//! A reader sees either the old file or the complete new one, never a partial
//! write, even if the process dies mid-way; a file memory-mapped from the old
//! version stays valid because the rename replaces the directory entry, not the
//! bytes.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::io::file_error::io_failure;
use crate::{Error, Result};

/// Distinguishes temporary files of concurrent writes within one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Atomically replaces `path` with what `write` puts into the given writer.
pub fn write_atomic(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    write_atomic_via_path(path, |temp| {
        let file = File::create(temp).map_err(|e| io_failure("create", temp, e))?;
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        out.flush().map_err(|e| io_failure("write", temp, e))
    })
}

/// Atomically replaces `path` with the file that `write` creates at the
/// temporary path it is given (for writers that want a path, not a stream).
pub fn write_atomic_via_path(
    path: impl AsRef<Path>,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let path = path.as_ref();
    let temp = temp_path_for(path)?;
    let result = write(&temp).and_then(|()| persist(&temp, path));
    if result.is_err() {
        // The temporary file is ours and useless now; a failed removal leaves
        // only a hidden stray file, so the original error is what matters.
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// A fresh hidden name in the target's own folder (same file system, so the
/// rename is atomic).
fn temp_path_for(path: &Path) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        Error::invalid(
            "atomic write",
            format!("{} has no file name", path.display()),
        )
    })?;
    let unique = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp_name = format!(
        ".{}.{}-{unique}.tmp",
        name.to_string_lossy(),
        std::process::id()
    );
    Ok(path.with_file_name(temp_name))
}

/// Flushes the temporary file to disk, renames it over `path`, and flushes
/// the folder so the rename itself survives a crash.
fn persist(temp: &Path, path: &Path) -> Result<()> {
    OpenOptions::new()
        .write(true)
        .open(temp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_failure("flush to disk", temp, e))?;
    std::fs::rename(temp, path).map_err(|e| io_failure("rename temporary file onto", path, e))?;
    sync_parent_dir(path)
}

/// Flushes the folder entry of `path` (a no-op where folders cannot be opened).
fn sync_parent_dir(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(parent)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| io_failure("flush folder", parent, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list temp dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.bin");
        std::fs::write(&path, b"old").expect("seed file");
        write_atomic(&path, |w| {
            w.write_all(b"new contents")
                .map_err(|e| io_failure("write", Path::new("test"), e))
        })
        .expect("atomic write");
        assert_eq!(std::fs::read(&path).expect("read back"), b"new contents");
        assert_eq!(entries(dir.path()), vec!["out.bin"]);
    }

    #[test]
    fn failed_write_keeps_old_file_and_removes_temporary() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.bin");
        std::fs::write(&path, b"old").expect("seed file");
        let err = write_atomic(&path, |w| {
            w.write_all(b"partial").expect("buffered write");
            Err(Error::invalid("test writer", "writer gave up"))
        })
        .expect_err("writer failed");
        assert!(err.to_string().contains("writer gave up"));
        assert_eq!(std::fs::read(&path).expect("read back"), b"old");
        assert_eq!(entries(dir.path()), vec!["out.bin"]);
    }

    #[test]
    fn missing_folder_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("no-such-dir").join("out.bin");
        let err = write_atomic(&path, |_| Ok(())).expect_err("no folder");
        assert!(err.to_string().contains("no-such-dir"), "{err}");
    }

    #[test]
    fn path_based_writer_is_persisted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("x.txt");
        write_atomic_via_path(&path, |temp| {
            std::fs::write(temp, b"via path").map_err(|e| io_failure("write", temp, e))
        })
        .expect("atomic write");
        assert_eq!(std::fs::read(&path).expect("read back"), b"via path");
    }
}
