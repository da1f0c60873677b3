//! Routes the child's stdout and stderr to IOPub while a cell runs: text as
//! `stream` messages (batched), envelopes as display messages.

use crate::child::{STDERR_SYNC_MARKER, STDERR_SYNC_SIGNAL};
use crate::envelope::{classify, Envelope, StdoutLine};
use crate::iopub::{media_from_map, Iopub};
use crossbeam_channel::{select, Receiver, Sender};
use jupyter_protocol::{
    ClearOutput, DisplayData, JupyterMessage, Stdio, StreamContent, Transient, UpdateDisplayData,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long printed text may wait to be batched with the next lines.
const STREAM_BATCH_WINDOW: Duration = Duration::from_millis(25);
/// How long a flush waits for the child's stderr marker.
const STDERR_SYNC_TIMEOUT: Duration = Duration::from_millis(1500);

/// What the router knows about the running cell.
#[derive(Default)]
struct CellState {
    parent: Option<JupyterMessage>,
    panic_message: Option<String>,
}

/// The kernel-side handle of the output router.
#[derive(Clone)]
pub struct OutputRouter {
    cell: Arc<Mutex<CellState>>,
    flush_requests: Sender<FlushRequest>,
}

struct FlushRequest {
    child_pid: Option<u32>,
    done: Sender<()>,
}

impl OutputRouter {
    /// Starts the routing thread over evcxr's output channels.
    pub fn spawn(stdout: Receiver<String>, stderr: Receiver<String>, iopub: Iopub) -> OutputRouter {
        let cell = Arc::new(Mutex::new(CellState::default()));
        let (flush_requests, flush_receiver) = crossbeam_channel::unbounded();
        let mut worker = RouterWorker {
            cell: Arc::clone(&cell),
            iopub,
            pending: None,
        };
        std::thread::Builder::new()
            .name("born-output".into())
            .spawn(move || worker.run(stdout, stderr, flush_receiver))
            .expect("spawning the output thread at start-up");
        OutputRouter {
            cell,
            flush_requests,
        }
    }

    /// Routes output to `parent` from now on.
    pub fn begin_cell(&self, parent: &JupyterMessage) {
        let mut cell = lock(&self.cell);
        cell.parent = Some(parent.clone());
        cell.panic_message = None;
    }

    /// Delivers every line the cell wrote (stderr included) before returning,
    /// then stops routing to the cell. Returns the panic message, if the cell panicked.
    pub fn end_cell(&self, child_pid: Option<u32>) -> Option<String> {
        let (done, finished) = crossbeam_channel::bounded(1);
        if self
            .flush_requests
            .send(FlushRequest { child_pid, done })
            .is_ok()
        {
            let _ = finished.recv_timeout(STDERR_SYNC_TIMEOUT * 2);
        }
        let mut cell = lock(&self.cell);
        cell.parent = None;
        cell.panic_message.take()
    }
}

fn lock(cell: &Mutex<CellState>) -> std::sync::MutexGuard<'_, CellState> {
    // A poisoned lock only means a routing thread panicked mid-update; the state is still usable.
    cell.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct PendingText {
    stream: Stdio,
    text: String,
    since: Instant,
}

struct RouterWorker {
    cell: Arc<Mutex<CellState>>,
    iopub: Iopub,
    pending: Option<PendingText>,
}

impl RouterWorker {
    fn run(
        &mut self,
        stdout: Receiver<String>,
        stderr: Receiver<String>,
        flushes: Receiver<FlushRequest>,
    ) {
        loop {
            let wait = self
                .pending
                .as_ref()
                .map(|p| STREAM_BATCH_WINDOW.saturating_sub(p.since.elapsed()))
                .unwrap_or(Duration::from_secs(3600));
            select! {
                recv(stdout) -> line => match line {
                    Ok(line) => self.on_stdout(&line),
                    Err(_) => return,
                },
                recv(stderr) -> line => match line {
                    Ok(line) => { self.on_stderr(line); }
                    Err(_) => return,
                },
                recv(flushes) -> request => match request {
                    Ok(request) => self.flush_cell(request, &stdout, &stderr),
                    Err(_) => return,
                },
                default(wait) => self.send_pending(),
            }
        }
    }

    /// Asks the child for the stderr marker and routes everything up to it.
    fn flush_cell(
        &mut self,
        request: FlushRequest,
        stdout: &Receiver<String>,
        stderr: &Receiver<String>,
    ) {
        let synced = request.child_pid.is_some_and(|pid| {
            // SAFETY: kill(2) with a pid we started; at worst the process is gone (ESRCH).
            unsafe { libc::kill(pid as libc::pid_t, STDERR_SYNC_SIGNAL) == 0 }
        });
        let deadline = Instant::now() + STDERR_SYNC_TIMEOUT;
        if synced {
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                select! {
                    recv(stdout) -> line => if let Ok(line) = line { self.on_stdout(&line) },
                    recv(stderr) -> line => match line {
                        Ok(line) => if self.on_stderr(line) { break },
                        Err(_) => break,
                    },
                    default(left) => break,
                }
            }
        }
        while let Ok(line) = stdout.try_recv() {
            self.on_stdout(&line);
        }
        self.send_pending();
        let _ = request.done.send(());
    }

    fn on_stdout(&mut self, line: &str) {
        match classify(line) {
            StdoutLine::Text(text) => self.push_text(Stdio::Stdout, text),
            StdoutLine::Envelope(envelope) => {
                self.send_pending();
                self.on_envelope(envelope);
            }
            StdoutLine::Malformed { line, reason } => {
                tracing::warn!("malformed display envelope ({reason})");
                let shown = line.trim_start_matches('\u{1e}');
                self.push_text(Stdio::Stdout, shown);
            }
        }
    }

    /// Returns true when the line is the stderr sync marker.
    fn on_stderr(&mut self, line: String) -> bool {
        if line == STDERR_SYNC_MARKER {
            return true;
        }
        self.push_text(Stdio::Stderr, &line);
        false
    }

    fn push_text(&mut self, stream: Stdio, text: &str) {
        if self
            .pending
            .as_ref()
            .is_some_and(|p| !same_stream(&p.stream, &stream))
        {
            self.send_pending();
        }
        let pending = self.pending.get_or_insert_with(|| PendingText {
            stream,
            text: String::new(),
            since: Instant::now(),
        });
        pending.text.push_str(text);
        pending.text.push('\n');
    }

    fn send_pending(&mut self) {
        if let Some(pending) = self.pending.take() {
            self.publish(StreamContent {
                name: pending.stream,
                text: pending.text,
            });
        }
    }

    fn on_envelope(&mut self, envelope: Envelope) {
        match envelope {
            Envelope::Display {
                display_id,
                data,
                metadata,
            } => self.publish(DisplayData {
                data: media_from_map(data),
                metadata,
                transient: Some(Transient {
                    display_id: Some(display_id),
                }),
            }),
            Envelope::Update {
                display_id,
                data,
                metadata,
            } => self.publish(UpdateDisplayData {
                data: media_from_map(data),
                metadata,
                transient: Transient {
                    display_id: Some(display_id),
                },
            }),
            Envelope::Clear { wait } => self.publish(ClearOutput { wait }),
            Envelope::Panic { message } => lock(&self.cell).panic_message = Some(message),
        }
    }

    fn publish(&self, content: impl Into<jupyter_protocol::JupyterMessageContent>) {
        let parent = lock(&self.cell).parent.clone();
        match parent {
            Some(parent) => self.iopub.send(content, &parent),
            None => tracing::debug!("output outside of a cell dropped"),
        }
    }
}

fn same_stream(a: &Stdio, b: &Stdio) -> bool {
    matches!(
        (a, b),
        (Stdio::Stdout, Stdio::Stdout) | (Stdio::Stderr, Stdio::Stderr)
    )
}
