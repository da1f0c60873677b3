//! Spare kernels: a `born-kernel spare` process loads the runtime ahead of
//! time and waits on a Unix socket; the next kernel Jupyter starts hands it the
//! connection file and stays as the process Jupyter watches (see `launcher`),
//! so a kernel is ready in about a second instead of half a minute.
//!
//! One spare waits per kernel build (executable, template and runtime crates):
//! a lock file held while it waits keeps out a second one. A kernel spawns a
//! replacement once its session has been idle for a few seconds. A spare nobody adopts
//! exits after `BORN_SPARE_IDLE_SECS` (default 20 minutes); `BORN_SPARE=0`
//! turns spares off. The socket lives in a directory only this user can open,
//! because the connection file it receives holds the session's signing key.

use crate::evaluator::Evaluator;
use crate::server::{self, Prepared};
use crate::surroundings::Surroundings;
use crate::warmup::RuntimeCrates;
use crate::workdir::Workdir;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// How long an unadopted spare waits before it exits, unless `BORN_SPARE_IDLE_SECS` says.
const DEFAULT_IDLE: Duration = Duration::from_secs(20 * 60);
/// How long a kernel's session must have been idle (runtime loaded, no cell
/// running) before it starts the next spare, so the spare's loading does not
/// compete with the cells someone is running.
const REPLENISH_AFTER_IDLE: Duration = Duration::from_secs(5);
/// How long either side waits for the other's line during the hand-over.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Lifeline byte: interrupt the running cell.
pub const INTERRUPT: u8 = b'i';
/// Lifeline byte: shut down.
pub const TERMINATE: u8 = b't';

/// What a kernel start asks of a waiting spare.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpareRequest {
    /// Serve this connection file, in the surroundings of the process Jupyter started.
    Adopt {
        connection_file: PathBuf,
        surroundings: Surroundings,
    },
    /// Exit without serving.
    Stop,
}

/// The spare's answer to an adoption request.
#[derive(Debug, Serialize, Deserialize)]
pub struct SpareReply {
    /// Whether the spare now serves the connection.
    pub adopted: bool,
    /// Why it does not, when it does not.
    pub error: Option<String>,
}

/// Whether spares are on (`BORN_SPARE=0` turns them off).
fn enabled() -> bool {
    std::env::var("BORN_SPARE").map_or(true, |v| v != "0")
}

/// The socket and lock file of the spare for this kernel build.
pub struct SpareSlot {
    /// Where the waiting spare listens.
    pub socket: PathBuf,
    lock: PathBuf,
}

impl SpareSlot {
    /// The slot for kernels of this executable, `template` and runtime crates;
    /// None when spares are off or no private directory is available.
    pub fn for_this_kernel(template: Option<&Path>) -> Option<SpareSlot> {
        if !enabled() {
            return None;
        }
        let dir = private_dir()
            .map_err(|error| tracing::warn!("spare kernels are off: {error:#}"))
            .ok()?;
        let key = build_key(template);
        Some(SpareSlot {
            socket: dir.join(format!("{key}.sock")),
            lock: dir.join(format!("{key}.lock")),
        })
    }

    /// Takes the slot's lock, or None when another spare holds it.
    fn try_lock(&self) -> anyhow::Result<Option<File>> {
        let file = File::create(&self.lock)
            .with_context(|| format!("opening the spare lock {}", self.lock.display()))?;
        // SAFETY: flock on a descriptor this function owns.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        Ok(locked.then_some(file))
    }
}

/// `$BORN_SPARE_DIR`, else `born-spares` in `$XDG_RUNTIME_DIR` or the temporary
/// directory, created private; refused when another user could enter it.
fn private_dir() -> anyhow::Result<PathBuf> {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = match std::env::var_os("BORN_SPARE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => match std::env::var_os("XDG_RUNTIME_DIR") {
            Some(runtime) => PathBuf::from(runtime).join("born-spares"),
            None => std::env::temp_dir().join(format!("born-spares-{uid}")),
        },
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let meta = fs::symlink_metadata(&dir).with_context(|| format!("reading {}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != uid || meta.permissions().mode() & 0o077 != 0 {
        anyhow::bail!(
            "{} must be a directory of user {uid} that only its owner can open",
            dir.display()
        );
    }
    Ok(dir)
}

/// A name that changes whenever the executable, the template or the runtime
/// crates change, so a kernel never adopts a spare of another build.
fn build_key(template: Option<&Path>) -> String {
    fn modified(path: &Path) -> Option<SystemTime> {
        fs::metadata(path).and_then(|m| m.modified()).ok()
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let exe = std::env::current_exe().ok();
    exe.hash(&mut hasher);
    exe.as_deref().and_then(modified).hash(&mut hasher);
    template.hash(&mut hasher);
    // `install` runs cells in the template, rewriting this file, after each rebuild.
    template
        .and_then(|t| modified(&t.join("src").join("lib.rs")))
        .hash(&mut hasher);
    let crates = RuntimeCrates::locate();
    crates.runtime.hash(&mut hasher);
    crates.display.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Removes the socket file when the spare stops listening.
struct Listening {
    listener: UnixListener,
    socket: PathBuf,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.socket);
    }
}

/// `born-kernel spare`: loads the runtime, waits to be adopted, then serves
/// the adopting kernel's connection until it shuts down.
pub fn run_spare(template: Option<PathBuf>) -> anyhow::Result<()> {
    let Some(slot) = SpareSlot::for_this_kernel(template.as_deref()) else {
        return Ok(());
    };
    let Some(lock) = slot.try_lock()? else {
        tracing::info!("a spare kernel is already waiting");
        return Ok(());
    };
    let _ = fs::remove_file(&slot.socket);
    let listening = Listening {
        listener: UnixListener::bind(&slot.socket)
            .with_context(|| format!("listening on {}", slot.socket.display()))?,
        socket: slot.socket.clone(),
    };
    let workdir = Workdir::create(template.as_deref())?;
    workdir.make_current();
    let prepared = Prepared::start(RuntimeCrates::locate());
    let Some((lifeline, connection_file, surroundings)) = wait_for_adoption(&listening.listener)?
    else {
        return Ok(());
    };
    // Free the slot at once so the next spare can start waiting.
    drop(listening);
    drop(lock);
    let info = server::read_connection_file(&connection_file)?;
    // From now on the kernel's log goes to the process Jupyter started.
    // SAFETY: both descriptors are open; dup2 replaces stderr atomically.
    unsafe { libc::dup2(lifeline.as_raw_fd(), libc::STDERR_FILENO) };
    tracing::info!(
        "a spare kernel (pid {}) serves this connection",
        std::process::id()
    );
    // This process moves now (a cell process started later inherits it); the
    // running cell process moves in a setup cell before any user cell.
    let changes = surroundings.changes_from_current();
    changes.apply_here();
    prepared.evaluator().run_setup(changes.cell());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(async {
        replenish_when_idle(prepared.evaluator().clone(), template.clone());
        server::serve(info, prepared, Some(lifeline)).await
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    drop(workdir);
    result
}

/// Accepts hand-over requests until one adopts this spare (its lifeline,
/// connection file and surroundings), a stop request, or the idle limit.
fn wait_for_adoption(
    listener: &UnixListener,
) -> anyhow::Result<Option<(UnixStream, PathBuf, Surroundings)>> {
    let idle = std::env::var("BORN_SPARE_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(DEFAULT_IDLE, Duration::from_secs);
    let deadline = Instant::now() + idle;
    listener.set_nonblocking(true)?;
    while Instant::now() < deadline {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(error) => return Err(error).context("accepting a kernel start"),
        };
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
        match read_request(&stream) {
            Ok(SpareRequest::Stop) => return Ok(None),
            Ok(SpareRequest::Adopt {
                connection_file,
                surroundings,
            }) => match server::read_connection_file(&connection_file) {
                Ok(_) => {
                    send_reply(&stream, true, None)?;
                    stream.set_read_timeout(None)?;
                    return Ok(Some((stream, connection_file, surroundings)));
                }
                Err(error) => {
                    let _ = send_reply(&stream, false, Some(format!("{error:#}")));
                }
            },
            Err(error) => {
                tracing::warn!("ignored a malformed spare request: {error:#}");
                let _ = send_reply(&stream, false, Some(format!("{error:#}")));
            }
        }
    }
    tracing::info!(
        "no kernel adopted this spare in {} s; exiting",
        idle.as_secs()
    );
    Ok(None)
}

/// Reads one request line (at most 1 MiB).
fn read_request(stream: &UnixStream) -> anyhow::Result<SpareRequest> {
    let mut line = String::new();
    BufReader::new(stream.take(1 << 20))
        .read_line(&mut line)
        .context("reading the request")?;
    serde_json::from_str(&line).context("parsing the request")
}

fn send_reply(mut stream: &UnixStream, adopted: bool, error: Option<String>) -> anyhow::Result<()> {
    let mut line = serde_json::to_string(&SpareReply { adopted, error })?;
    line.push('\n');
    stream.write_all(line.as_bytes())?;
    Ok(())
}

/// Interrupts on [`INTERRUPT`], and shuts the kernel down on [`TERMINATE`] or
/// when the process Jupyter started is gone (the lifeline closes).
pub fn watch_lifeline(
    mut lifeline: UnixStream,
    evaluator: Evaluator,
    shutdown: tokio::sync::mpsc::UnboundedSender<()>,
) {
    std::thread::Builder::new()
        .name("born-lifeline".into())
        .spawn(move || {
            let mut buf = [0u8; 64];
            loop {
                let n = match lifeline.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                for &byte in &buf[..n] {
                    match byte {
                        INTERRUPT => {
                            evaluator.interrupt();
                        }
                        TERMINATE => {
                            let _ = shutdown.send(());
                        }
                        _ => {}
                    }
                }
            }
            // stderr is this lifeline: writing to it now would fail (and
            // `eprintln!`, the log's fallback, panics on failure).
            silence_stderr();
            let _ = shutdown.send(());
        })
        .expect("spawning the lifeline thread");
}

/// Points stderr at /dev/null.
fn silence_stderr() {
    if let Ok(null) = File::options().write(true).open("/dev/null") {
        // SAFETY: both descriptors are open; dup2 replaces stderr atomically.
        unsafe { libc::dup2(null.as_raw_fd(), libc::STDERR_FILENO) };
    }
}

/// Starts the next spare once this kernel's session has been idle a while.
pub fn replenish_when_idle(evaluator: Evaluator, template: Option<PathBuf>) {
    if !enabled() {
        return;
    }
    tokio::spawn(async move {
        while !evaluator.has_idled_for(REPLENISH_AFTER_IDLE) {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        if let Err(error) = spawn_spare(template.as_deref()) {
            tracing::warn!("could not start a spare kernel: {error:#}");
        }
    });
}

/// Starts a detached `born-kernel spare` (it exits at once if one is waiting).
pub fn spawn_spare(template: Option<&Path>) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("finding the born-kernel executable")?;
    let mut command = Command::new(exe);
    command.arg("spare");
    if let Some(template) = template {
        command.arg("--template").arg(template);
    }
    command
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe; the spare leaves this kernel's
    // process group so signals meant for this kernel do not reach it.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = command.spawn().context("spawning born-kernel spare")?;
    // Reap it if it exits while this kernel runs.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Asks the spare waiting for this build (with `template`) to exit; returns
/// whether one was waiting.
pub fn stop_spare(template: Option<&Path>) -> bool {
    let Some(slot) = SpareSlot::for_this_kernel(template) else {
        return false;
    };
    let Ok(mut stream) = UnixStream::connect(&slot.socket) else {
        return false;
    };
    let request = serde_json::to_string(&SpareRequest::Stop).expect("a plain enum serialises");
    stream.write_all(format!("{request}\n").as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_replies_round_trip_as_json_lines() {
        let request = SpareRequest::Adopt {
            connection_file: "/run/kernel-1.json".into(),
            surroundings: Surroundings {
                cwd: "/notebooks".into(),
                env: vec![("A".into(), "1".into())],
            },
        };
        let text = serde_json::to_string(&request).expect("serialise");
        assert!(!text.contains('\n'));
        let SpareRequest::Adopt {
            connection_file, ..
        } = serde_json::from_str(&text).expect("parse")
        else {
            panic!("expected an adoption");
        };
        assert_eq!(connection_file, PathBuf::from("/run/kernel-1.json"));
        let stop = serde_json::to_string(&SpareRequest::Stop).expect("serialise");
        assert!(matches!(
            serde_json::from_str(&stop).expect("parse"),
            SpareRequest::Stop
        ));
    }

    #[test]
    fn the_build_key_depends_on_the_template() {
        assert_eq!(build_key(None), build_key(None));
        assert_ne!(build_key(None), build_key(Some(Path::new("/elsewhere"))));
    }

    #[test]
    fn only_one_holder_gets_the_lock() {
        let dir = std::env::temp_dir().join(format!("born-spare-lock-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("dir");
        let slot = SpareSlot {
            socket: dir.join("k.sock"),
            lock: dir.join("k.lock"),
        };
        let first = slot.try_lock().expect("lock").expect("the first holder");
        assert!(slot.try_lock().expect("lock").is_none());
        drop(first);
        assert!(slot.try_lock().expect("lock").is_some());
        fs::remove_dir_all(&dir).expect("clean up");
    }
}
