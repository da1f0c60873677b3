//! Each kernel's own evcxr compile directory, cloned from the warm template
//! that `born-kernel install` built, and removed when the kernel exits.
//!
//! The template holds the compiled runtime (about a gigabyte). Cloning hard-links
//! the compiler outputs of dependencies (libraries and metadata, which rustc and
//! the linker replace by renaming rather than rewriting) and copies the files
//! that are rewritten in place: fingerprints, dep-info, object files, the cell
//! libraries evcxr copies over. Incremental-compilation caches are left out:
//! rustc rewrites their files in place, and they only speed up rebuilding the
//! runtime itself. A kernel that was killed before it could clean up leaves its
//! directory behind; the next kernel to start removes directories whose owner
//! process is gone.

use anyhow::Context;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Names of this kernel's compile directories under the temporary directory.
const PREFIX: &str = "born-kernel-";
/// The file inside a compile directory that names the kernel process owning it.
const OWNER_FILE: &str = "born-kernel.pid";
/// A directory without an owner file this old is an abandoned, half-made one.
const ORPHAN_AGE: Duration = Duration::from_secs(3600);

/// This kernel's own evcxr compile directory, removed when the kernel exits.
pub struct Workdir {
    path: PathBuf,
}

impl Workdir {
    /// Creates a fresh directory under the system temporary directory, cloned
    /// from `template` when it exists, after removing abandoned ones.
    pub fn create(template: Option<&Path>) -> anyhow::Result<Workdir> {
        Workdir::create_in(&std::env::temp_dir(), template)
    }

    fn create_in(parent: &Path, template: Option<&Path>) -> anyhow::Result<Workdir> {
        remove_abandoned(parent);
        let path = parent.join(format!("{PREFIX}{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        let workdir = Workdir { path };
        fs::write(
            workdir.path.join(OWNER_FILE),
            std::process::id().to_string(),
        )
        .with_context(|| format!("writing the owner file in {}", workdir.path.display()))?;
        if let Some(template) = template.filter(|t| t.is_dir()) {
            clone_tree(template, &workdir.path, false).with_context(|| {
                format!(
                    "cloning the runtime template {} into {}",
                    template.display(),
                    workdir.path.display()
                )
            })?;
        }
        Ok(workdir)
    }

    /// Makes this the compile directory of the evcxr session started next
    /// (evcxr reads it from `EVCXR_TMPDIR`), with its cell builds going
    /// through the cargo front. Sets environment variables: call it before
    /// any thread starts.
    pub fn make_current(&self) {
        std::env::set_var("EVCXR_TMPDIR", &self.path);
        crate::fast_build::route_evcxr_cargo(&self.path.join(crate::fast_build::SHIM_DIR_NAME));
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Removes compile directories of kernels that are no longer running.
fn remove_abandoned(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let is_workdir = entry.file_name().to_string_lossy().starts_with(PREFIX);
        let path = entry.path();
        if is_workdir && path.is_dir() && is_abandoned(&path) {
            tracing::info!("removing an abandoned kernel directory {}", path.display());
            let _ = fs::remove_dir_all(&path);
        }
    }
}

fn is_abandoned(dir: &Path) -> bool {
    match fs::read_to_string(dir.join(OWNER_FILE)) {
        Ok(owner) => match owner.trim().parse::<libc::pid_t>() {
            Ok(pid) => !process_exists(pid),
            Err(_) => true,
        },
        Err(_) => fs::metadata(dir)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age > ORPHAN_AGE),
    }
}

fn process_exists(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Copies `from` into `to` (which exists), keeping modification times, which
/// cargo compares to decide what is fresh. `in_outputs` is true below a
/// directory of dependency compiler outputs, whose files are hard-linked.
fn clone_tree(from: &Path, to: &Path, in_outputs: bool) -> anyhow::Result<()> {
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() && entry.file_name() == "incremental" {
            continue;
        } else if kind.is_dir() {
            fs::create_dir(&target).with_context(|| format!("creating {}", target.display()))?;
            let outputs = in_outputs || holds_dependency_outputs(&entry.file_name());
            clone_tree(&source, &target, outputs)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&source)?, &target)
                .with_context(|| format!("linking {}", target.display()))?;
        } else if entry.file_name() == OWNER_FILE {
            continue;
        } else if in_outputs && is_replaced_not_rewritten(&source) {
            link_or_copy(&source, &target)?;
        } else {
            copy_with_times(&source, &target)?;
        }
    }
    Ok(())
}

/// Cargo's directories of compiler outputs and build-script results.
fn holds_dependency_outputs(name: &std::ffi::OsStr) -> bool {
    name == "deps" || name == "build"
}

/// Dep-info and object files are written in place by rustc and LLVM.
fn is_replaced_not_rewritten(file: &Path) -> bool {
    file.extension().is_none_or(|ext| ext != "d" && ext != "o")
}

fn link_or_copy(source: &Path, target: &Path) -> anyhow::Result<()> {
    // A template on another file system cannot be linked: copy it instead.
    if fs::hard_link(source, target).is_ok() {
        return Ok(());
    }
    copy_with_times(source, target)
}

fn copy_with_times(source: &Path, target: &Path) -> anyhow::Result<()> {
    fs::copy(source, target)
        .with_context(|| format!("copying {} to {}", source.display(), target.display()))?;
    let metadata = fs::metadata(source)?;
    let times = fs::FileTimes::new()
        .set_accessed(metadata.accessed()?)
        .set_modified(metadata.modified()?);
    let file = fs::File::options().write(true).open(target)?;
    file.set_times(times)
        .with_context(|| format!("setting the times of {}", target.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("workdir-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn workdir_is_owned_and_removed_on_drop() {
        let parent = scratch("drop");
        let workdir = Workdir::create_in(&parent, None).unwrap();
        let path = workdir.path.clone();
        let owner = fs::read_to_string(path.join(OWNER_FILE)).unwrap();
        assert_eq!(owner, std::process::id().to_string());
        drop(workdir);
        assert!(!path.exists());
        fs::remove_dir_all(parent).unwrap();
    }

    #[test]
    fn outputs_are_linked_rewritten_files_copied_and_caches_left_out() {
        let parent = scratch("clone");
        let template = parent.join("template");
        let deps = template.join("target/debug/deps");
        fs::create_dir_all(&deps).unwrap();
        fs::write(deps.join("libborn-1.rlib"), b"rlib").unwrap();
        fs::write(deps.join("born-1.d"), b"dep info").unwrap();
        fs::write(deps.join("born-1.cgu.o"), b"object").unwrap();
        fs::create_dir_all(template.join("target/debug/incremental/born-1")).unwrap();
        fs::create_dir_all(template.join("target/debug/.fingerprint/born-1")).unwrap();
        fs::write(
            template.join("target/debug/.fingerprint/born-1/lib-born"),
            b"f",
        )
        .unwrap();
        fs::write(template.join("target/debug/libcode_1.so"), b"cell").unwrap();
        std::os::unix::fs::symlink("libcode_1.so", template.join("target/debug/link.so")).unwrap();
        let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        fs::File::options()
            .write(true)
            .open(template.join("target/debug/libcode_1.so"))
            .unwrap()
            .set_modified(old)
            .unwrap();

        let workdir = Workdir::create_in(&parent, Some(&template)).unwrap();
        let clone = workdir.path.join("target/debug");
        let inode = |p: &Path| fs::metadata(p).unwrap().ino();
        assert_eq!(
            inode(&clone.join("deps/libborn-1.rlib")),
            inode(&deps.join("libborn-1.rlib"))
        );
        assert_ne!(
            inode(&clone.join("deps/born-1.d")),
            inode(&deps.join("born-1.d"))
        );
        assert_ne!(
            inode(&clone.join("deps/born-1.cgu.o")),
            inode(&deps.join("born-1.cgu.o"))
        );
        assert!(!clone.join("incremental").exists());
        let fingerprint = ".fingerprint/born-1/lib-born";
        assert_ne!(
            inode(&clone.join(fingerprint)),
            inode(&template.join("target/debug").join(fingerprint))
        );
        let cell = clone.join("libcode_1.so");
        assert_eq!(fs::read(&cell).unwrap(), b"cell");
        assert_eq!(fs::metadata(&cell).unwrap().modified().unwrap(), old);
        assert_eq!(
            fs::read_link(clone.join("link.so")).unwrap(),
            Path::new("libcode_1.so")
        );
        drop(workdir);
        fs::remove_dir_all(parent).unwrap();
    }

    #[test]
    fn directories_of_dead_kernels_are_removed_and_live_ones_kept() {
        let parent = scratch("sweep");
        let live = parent.join(format!("{PREFIX}live"));
        fs::create_dir_all(&live).unwrap();
        fs::write(live.join(OWNER_FILE), std::process::id().to_string()).unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead_pid = child.id();
        child.wait().unwrap();
        let dead = parent.join(format!("{PREFIX}dead"));
        fs::create_dir_all(dead.join("target")).unwrap();
        fs::write(dead.join(OWNER_FILE), dead_pid.to_string()).unwrap();
        let fresh_without_owner = parent.join(format!("{PREFIX}starting"));
        fs::create_dir_all(&fresh_without_owner).unwrap();
        let unrelated = parent.join("other-dir");
        fs::create_dir_all(&unrelated).unwrap();

        let workdir = Workdir::create_in(&parent, None).unwrap();
        assert!(live.exists());
        assert!(!dead.exists());
        assert!(fresh_without_owner.exists());
        assert!(unrelated.exists());
        drop(workdir);
        fs::remove_dir_all(parent).unwrap();
    }
}
