//! A faster path for evcxr's per-cell `cargo build`.
//!
//! Every cell makes evcxr run `cargo build` in the session's compile
//! directory. With the runtime loaded, cargo spends 130-200 ms of each cell
//! reading some 140 manifests and re-resolving some 200 locked packages,
//! only to find that nothing but the cell crate (`ctx`) needs compiling.
//!
//! evcxr finds cargo through `rustup which cargo`, so the kernel points
//! `RUSTUP_TOOLCHAIN` at a directory of its own whose `bin/cargo` is this
//! binary and whose other tools link to the real toolchain. As that cargo:
//! - a `build` whose inputs (arguments, working directory, environment,
//!   `Cargo.toml`, `Cargo.lock`, `.cargo/config.toml`) match the last real
//!   build's re-runs the `ctx` compile command that build recorded;
//! - anything else runs the real cargo. A real `build` records the `ctx`
//!   compile command (this binary, as cargo's `RUSTC_WORKSPACE_WRAPPER`,
//!   writes it) and the inputs it ran with.
//!
//! Dependencies are not re-checked on the fast path: a session never rebuilds
//! the runtime it has already loaded into its cell process anyway.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::env::consts::{DLL_PREFIX, DLL_SUFFIX};
use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The shim toolchain's directory inside the session's compile directory.
pub const SHIM_DIR_NAME: &str = ".born-toolchain";
/// Marks the toolchain directory this kernel made, so that processes it
/// starts can tell its `RUSTUP_TOOLCHAIN` from one a user set.
const SHIM_DIR_ENV: &str = "BORN_CARGO_SHIM";
/// Where the real cargo build asks the wrapper to record the `ctx` compile.
const RECORD_ENV: &str = "BORN_FAST_BUILD_RECORD";
/// The file in the shim directory that names the real cargo.
const REAL_CARGO_FILE: &str = "real-cargo";
/// The recorded compile, relative to the compile directory.
const PLAN_FILE: &str = "target/born-fast-build.json";
/// The crate evcxr compiles cells into.
const CELL_CRATE: &str = "ctx";
/// Variables that belong to one cargo run (its jobserver) and are not replayed.
const PER_RUN_VARIABLES: [&str; 4] = ["CARGO_MAKEFLAGS", "MAKEFLAGS", "MFLAGS", RECORD_ENV];
/// Cargo's exit status for a failed build.
const CARGO_FAILURE: i32 = 101;

/// Makes `dir` a toolchain whose cargo is this binary and points
/// `RUSTUP_TOOLCHAIN` at it, so the evcxr session started next uses it.
///
/// Does nothing when rustup is missing or the user chose a toolchain through
/// `RUSTUP_TOOLCHAIN`: evcxr then runs the real cargo, only slower.
/// Call it before any thread starts: it sets environment variables.
pub fn route_evcxr_cargo(dir: &Path) {
    if std::env::var_os("RUSTUP_TOOLCHAIN").is_some() {
        return;
    }
    match make_shim_toolchain(dir) {
        Ok(()) => {
            std::env::set_var("RUSTUP_TOOLCHAIN", dir);
            std::env::set_var(SHIM_DIR_ENV, dir);
        }
        Err(error) => tracing::warn!("cells will build through plain cargo: {error:#}"),
    }
}

/// Removes a `RUSTUP_TOOLCHAIN` inherited from a kernel's shim, so that cell
/// processes, spares and other tools this binary starts see the user's own.
/// Call it first thing in `main`, before any thread starts.
pub fn forget_inherited_shim() {
    if let Some(shim) = std::env::var_os(SHIM_DIR_ENV) {
        if std::env::var_os("RUSTUP_TOOLCHAIN").as_ref() == Some(&shim) {
            std::env::remove_var("RUSTUP_TOOLCHAIN");
        }
        std::env::remove_var(SHIM_DIR_ENV);
    }
}

fn make_shim_toolchain(dir: &Path) -> anyhow::Result<()> {
    let output = Command::new("rustup")
        .args(["which", "cargo"])
        .output()
        .context("running `rustup which cargo`")?;
    anyhow::ensure!(
        output.status.success(),
        "`rustup which cargo` failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let real_cargo = PathBuf::from(String::from_utf8(output.stdout)?.trim());
    let real_bin = real_cargo
        .parent()
        .with_context(|| format!("{} has no parent directory", real_cargo.display()))?;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).with_context(|| format!("creating {}", bin.display()))?;
    std::fs::create_dir_all(dir.join("lib"))?;
    let exe = std::env::current_exe().context("locating born-kernel")?;
    std::os::unix::fs::symlink(&exe, bin.join("cargo"))
        .with_context(|| format!("linking {}", bin.join("cargo").display()))?;
    for entry in std::fs::read_dir(real_bin)
        .with_context(|| format!("listing {}", real_bin.display()))?
        .flatten()
    {
        if entry.file_name() != "cargo" {
            std::os::unix::fs::symlink(entry.path(), bin.join(entry.file_name()))?;
        }
    }
    std::fs::write(
        dir.join(REAL_CARGO_FILE),
        real_cargo.as_os_str().as_encoded_bytes(),
    )?;
    Ok(())
}

/// Runs as cargo when this binary was started through the shim's `bin/cargo`;
/// returns `None` otherwise.
pub fn run_if_cargo() -> Option<i32> {
    let argv0 = PathBuf::from(std::env::args_os().next()?);
    if argv0.file_name()? != "cargo" {
        return None;
    }
    let shim_dir = argv0.parent()?.parent()?.to_path_buf();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    Some(match run_as_cargo(&shim_dir, &args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: born-kernel's cargo front failed: {error:#}");
            CARGO_FAILURE
        }
    })
}

fn run_as_cargo(shim_dir: &Path, args: &[OsString]) -> anyhow::Result<i32> {
    let real_cargo_file = shim_dir.join(REAL_CARGO_FILE);
    let real_cargo = PathBuf::from(OsString::from_vec(
        std::fs::read(&real_cargo_file)
            .with_context(|| format!("reading {}", real_cargo_file.display()))?,
    ));
    let mut real = Command::new(&real_cargo);
    real.args(args);
    if std::env::var_os("RUSTUP_TOOLCHAIN").is_some_and(|t| Path::new(&t) == shim_dir) {
        real.env_remove("RUSTUP_TOOLCHAIN").env_remove(SHIM_DIR_ENV);
    }
    // A wrapper of evcxr's own (sccache, or its dylib wrapper) stays in charge.
    let wrapped = ["RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    if wrapped || args.first().is_none_or(|command| command != "build") {
        return exit_code_of(real.status(), &real_cargo);
    }
    let crate_dir = std::env::current_dir().context("reading the working directory")?;
    let plan_path = crate_dir.join(PLAN_FILE);
    let key = inputs_key(&crate_dir, args);
    if let Some(plan) = Plan::read(&plan_path).filter(|plan| plan.key == key) {
        // A compiler that cannot start any more (a toolchain update) falls back to cargo.
        if let Ok(code) = plan.replay() {
            return Ok(code);
        }
    }
    let _ = std::fs::remove_file(&plan_path);
    let pending = plan_path.with_extension("pending");
    let _ = std::fs::remove_file(&pending);
    let exe = std::env::current_exe().context("locating born-kernel")?;
    let status = real
        .env("RUSTC_WORKSPACE_WRAPPER", exe)
        .env(RECORD_ENV, &pending)
        .status();
    if status.as_ref().is_ok_and(|s| s.success()) {
        if let Some(mut plan) = Plan::read(&pending) {
            // Cargo may have written Cargo.lock: the key is taken after it ran.
            plan.key = inputs_key(&crate_dir, args);
            plan.write(&plan_path);
        }
    }
    let _ = std::fs::remove_file(&pending);
    exit_code_of(status, &real_cargo)
}

fn exit_code_of(
    status: std::io::Result<std::process::ExitStatus>,
    program: &Path,
) -> anyhow::Result<i32> {
    let status = status.with_context(|| format!("running {}", program.display()))?;
    Ok(if status.success() { 0 } else { CARGO_FAILURE })
}

/// Runs as the workspace rustc wrapper of a real build started by
/// [`run_if_cargo`]: records the cell crate's compile command, then becomes
/// that rustc. Returns only when this process is not such a wrapper.
pub fn run_if_recording_wrapper() {
    let Some(pending) = std::env::var_os(RECORD_ENV) else {
        return;
    };
    let mut args = std::env::args_os().skip(1);
    let Some(rustc) = args.next() else {
        return;
    };
    let args: Vec<OsString> = args.collect();
    let compiles_cell = args
        .windows(2)
        .any(|pair| pair[0] == "--crate-name" && pair[1] == CELL_CRATE);
    if compiles_cell {
        // Arguments or variables that are not UTF-8 are left unrecorded: cargo then runs each time.
        if let (Ok(cwd), Some(args), Some(env)) = (
            std::env::current_dir(),
            args.iter()
                .map(|a| a.to_str().map(str::to_owned))
                .collect::<Option<Vec<String>>>(),
            replayable(std::env::vars_os()),
        ) {
            let plan = Plan {
                key: String::new(),
                program: PathBuf::from(&rustc),
                args,
                cwd,
                env,
            };
            plan.write(Path::new(&pending));
        }
    }
    use std::os::unix::process::CommandExt;
    let error = Command::new(&rustc)
        .args(&args)
        .env_remove(RECORD_ENV)
        .exec();
    eprintln!("error: running {}: {error}", Path::new(&rustc).display());
    std::process::exit(CARGO_FAILURE);
}

/// The environment of a recorded compile, less what belongs to one cargo run.
/// `None` when a variable is not UTF-8.
fn replayable(
    vars: impl Iterator<Item = (OsString, OsString)>,
) -> Option<BTreeMap<String, String>> {
    let mut env = BTreeMap::new();
    for (name, value) in vars {
        let (name, value) = (name.into_string().ok()?, value.into_string().ok()?);
        if !PER_RUN_VARIABLES.contains(&name.as_str()) {
            env.insert(name, value);
        }
    }
    Some(env)
}

/// One recorded compile of the cell crate.
#[derive(Serialize, Deserialize)]
struct Plan {
    /// [`inputs_key`] of the build that recorded it.
    key: String,
    program: PathBuf,
    args: Vec<String>,
    cwd: PathBuf,
    env: BTreeMap<String, String>,
}

impl Plan {
    fn read(path: &Path) -> Option<Plan> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    /// Best effort: without the file the next build simply runs cargo.
    fn write(&self, path: &Path) {
        if let Ok(json) = serde_json::to_vec(self) {
            let _ = std::fs::write(path, json);
        }
    }

    /// Compiles the cell crate as the recorded build did and reports the
    /// library the way cargo does (a `compiler-artifact` line on stdout),
    /// which is where evcxr looks for it. Returns cargo's exit status.
    fn replay(&self) -> anyhow::Result<i32> {
        let status = self.command().status();
        let code = exit_code_of(status, &self.program)?;
        if code == 0 {
            let library = self
                .output_dir()
                .join(format!("{DLL_PREFIX}{CELL_CRATE}{DLL_SUFFIX}"));
            let message = serde_json::json!({
                "reason": "compiler-artifact",
                "target": { "name": CELL_CRATE },
                "filenames": [library],
            });
            println!("{message}");
        }
        Ok(code)
    }

    /// The `--out-dir` of the recorded compile.
    fn output_dir(&self) -> PathBuf {
        let dir = self
            .args
            .windows(2)
            .find(|pair| pair[0] == "--out-dir")
            .map(|pair| PathBuf::from(&pair[1]))
            .unwrap_or_default();
        self.cwd.join(dir)
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .current_dir(&self.cwd)
            .env_clear()
            .envs(&self.env);
        command
    }
}

/// A digest of everything that decides what `cargo build` does in `crate_dir`
/// besides the cell's source: the arguments, the directory, the environment
/// and the manifest, lock and configuration files.
fn inputs_key(crate_dir: &Path, args: &[OsString]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    args.hash(&mut hasher);
    crate_dir.hash(&mut hasher);
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(name, _)| !PER_RUN_VARIABLES.iter().any(|v| name == v))
        .collect();
    env.sort();
    env.hash(&mut hasher);
    for file in ["Cargo.toml", "Cargo.lock", ".cargo/config.toml"] {
        std::fs::read(crate_dir.join(file)).ok().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"ctx\"\n").unwrap();
        dir
    }

    #[test]
    fn the_key_follows_manifest_lock_and_arguments() {
        let dir = crate_dir();
        let args: Vec<OsString> = vec!["build".into(), "--message-format=json".into()];
        let key = inputs_key(dir.path(), &args);
        assert_eq!(key, inputs_key(dir.path(), &args), "same inputs, same key");

        std::fs::write(dir.path().join("Cargo.lock"), "version = 4\n").unwrap();
        let with_lock = inputs_key(dir.path(), &args);
        assert_ne!(key, with_lock, "a new lock file changes the key");

        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"ctx\"\n[dependencies]\nrand = \"0.9\"\n",
        )
        .unwrap();
        assert_ne!(
            with_lock,
            inputs_key(dir.path(), &args),
            "a new dependency changes the key"
        );

        let check: Vec<OsString> = vec!["check".into()];
        assert_ne!(
            inputs_key(dir.path(), &args),
            inputs_key(dir.path(), &check)
        );
    }

    #[test]
    fn the_source_of_the_cell_is_not_part_of_the_key() {
        let dir = crate_dir();
        let args: Vec<OsString> = vec!["build".into()];
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "fn a() {}").unwrap();
        let key = inputs_key(dir.path(), &args);
        std::fs::write(dir.path().join("src/lib.rs"), "fn b() {}").unwrap();
        assert_eq!(key, inputs_key(dir.path(), &args));
    }

    #[test]
    fn a_recorded_compile_leaves_out_the_jobserver_and_the_record_request() {
        let env = replayable(
            [
                ("CARGO_PKG_NAME", "ctx"),
                ("CARGO_MAKEFLAGS", "-j --jobserver-fds=3,4"),
                ("MAKEFLAGS", "-j"),
                (RECORD_ENV, "/tmp/pending"),
            ]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into())),
        )
        .expect("all UTF-8");
        assert_eq!(env.keys().collect::<Vec<_>>(), ["CARGO_PKG_NAME"]);
        let not_utf8 = OsString::from_vec(vec![0xff, 0xfe]);
        assert!(replayable([("PATH".into(), not_utf8)].into_iter()).is_none());
    }

    #[test]
    fn a_plan_round_trips_and_replays_with_exactly_its_environment() {
        let dir = crate_dir();
        let path = dir.path().join("plan.json");
        let plan = Plan {
            key: "k".into(),
            program: "/bin/sh".into(),
            args: vec![
                "-c".into(),
                "test \"$X\" = 1 && test -z \"$HOME\" && test \"$(pwd)\" = \"$WANT\"".into(),
            ],
            cwd: dir.path().to_path_buf(),
            env: BTreeMap::from([
                ("X".to_string(), "1".to_string()),
                ("WANT".to_string(), dir.path().display().to_string()),
            ]),
        };
        plan.write(&path);
        let read = Plan::read(&path).expect("plan reads back");
        assert_eq!(read.key, "k");
        assert!(read.command().status().expect("runs").success());
        assert!(Plan::read(&dir.path().join("missing.json")).is_none());
    }

    #[test]
    fn the_library_is_reported_in_the_recorded_output_directory() {
        let plan = Plan {
            key: String::new(),
            program: "rustc".into(),
            args: [
                "--crate-name",
                "ctx",
                "--out-dir",
                "target/deps",
                "-C",
                "opt-level=2",
            ]
            .map(String::from)
            .to_vec(),
            cwd: "/tmp/session".into(),
            env: BTreeMap::new(),
        };
        assert_eq!(plan.output_dir(), Path::new("/tmp/session/target/deps"));
    }
}
