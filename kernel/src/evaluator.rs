//! The evcxr session: one thread owns the `CommandContext`, loads the runtime
//! as soon as the kernel starts, then runs cells, completions and inspections
//! in the order they arrive.

use crate::compile_errors;
use crate::interrupt::{CellWatch, InterruptRecord, KILL_AFTER};
use crate::iopub::{media_from_map, Iopub};
use crate::output::OutputRouter;
use crate::stdin::StdinBridge;
use crate::warmup::{RuntimeCrates, SESSION_HOOKS_CELL};
use evcxr::{CommandContext, EvalCallbacks, EvalOutputs};
use jupyter_protocol::{JupyterMessage, Media};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The result of running one cell.
#[derive(Debug)]
pub enum CellOutcome {
    /// The cell ran; `data` is its final value's rich output, if it had one.
    Ok { data: Option<Media> },
    /// The cell failed to compile, panicked, was interrupted or lost its process.
    Error {
        ename: String,
        evalue: String,
        traceback: Vec<String>,
    },
}

/// Completions for the code around a cursor (positions in characters).
#[derive(Debug, Default)]
pub struct CompletionAnswer {
    pub matches: Vec<String>,
    pub cursor_start: usize,
    pub cursor_end: usize,
}

/// What the session knows about the name under a cursor.
#[derive(Debug, Default)]
pub struct InspectAnswer {
    pub plain: String,
    pub html: String,
}

enum Request {
    Execute {
        code: String,
        parent: Box<JupyterMessage>,
        allow_stdin: bool,
        reply: oneshot::Sender<CellOutcome>,
    },
    Complete {
        code: String,
        cursor: usize,
        reply: oneshot::Sender<CompletionAnswer>,
    },
    Inspect {
        code: String,
        cursor: usize,
        reply: oneshot::Sender<Option<InspectAnswer>>,
    },
    Setup(String),
}

/// The kernel's handle on the evcxr session thread.
#[derive(Clone)]
pub struct Evaluator {
    requests: mpsc::Sender<Request>,
    ready: Arc<AtomicBool>,
    idle_since: Arc<Mutex<Option<Instant>>>,
    watch: Arc<CellWatch>,
}

impl Evaluator {
    /// Starts the session thread; it begins loading the runtime at once.
    pub fn spawn(iopub: Iopub, stdin: StdinBridge, crates: RuntimeCrates) -> Evaluator {
        let (requests, receiver) = mpsc::channel();
        let ready = Arc::new(AtomicBool::new(false));
        let watch = Arc::new(CellWatch::default());
        let idle_since = Arc::new(Mutex::new(None));
        let session_ready = Arc::clone(&ready);
        let session_idle_since = Arc::clone(&idle_since);
        let session_watch = Arc::clone(&watch);
        std::thread::Builder::new()
            .name("born-evcxr".into())
            .spawn(move || {
                let Some(mut session) = Session::start(iopub, stdin, session_watch, &crates) else {
                    return;
                };
                session_ready.store(true, Ordering::SeqCst);
                let set_idle_since = |since: Option<Instant>| {
                    if let Ok(mut idle) = session_idle_since.lock() {
                        *idle = since;
                    }
                };
                set_idle_since(Some(Instant::now()));
                for request in receiver {
                    set_idle_since(None);
                    session.handle(request);
                    set_idle_since(Some(Instant::now()));
                }
            })
            .expect("spawning the evcxr thread at start-up");
        Evaluator {
            requests,
            ready,
            idle_since,
            watch,
        }
    }

    /// Whether the runtime has finished loading.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Whether the runtime is loaded and the session has had nothing to do for `period`.
    pub fn has_idled_for(&self, period: Duration) -> bool {
        self.idle_since
            .lock()
            .is_ok_and(|since| since.is_some_and(|t| t.elapsed() >= period))
    }

    /// Interrupts the running cell; returns whether one was running.
    pub fn interrupt(&self) -> bool {
        self.watch.interrupt()
    }

    /// Runs a cell.
    pub async fn execute(
        &self,
        code: String,
        parent: JupyterMessage,
        allow_stdin: bool,
    ) -> CellOutcome {
        let (reply, answer) = oneshot::channel();
        let request = Request::Execute {
            code,
            parent: Box::new(parent),
            allow_stdin,
            reply,
        };
        if self.requests.send(request).is_err() {
            return session_gone();
        }
        answer.await.unwrap_or_else(|_| session_gone())
    }

    /// Completes the code at `cursor` (in characters).
    pub async fn complete(&self, code: String, cursor: usize) -> CompletionAnswer {
        let (reply, answer) = oneshot::channel();
        if self
            .requests
            .send(Request::Complete {
                code,
                cursor,
                reply,
            })
            .is_err()
        {
            return CompletionAnswer::default();
        }
        answer.await.unwrap_or_default()
    }

    /// Runs `code` in the session before any cell sent later, with no
    /// frontend to show its output (a spare kernel moving its cell process
    /// into the surroundings of the kernel start it adopted).
    pub fn run_setup(&self, code: String) {
        // Busy from now: a spare idle before adoption is not idle after it.
        if let Ok(mut idle) = self.idle_since.lock() {
            *idle = None;
        }
        let _ = self.requests.send(Request::Setup(code));
    }

    /// Describes the name at `cursor` (in characters).
    pub async fn inspect(&self, code: String, cursor: usize) -> Option<InspectAnswer> {
        let (reply, answer) = oneshot::channel();
        if self
            .requests
            .send(Request::Inspect {
                code,
                cursor,
                reply,
            })
            .is_err()
        {
            return None;
        }
        answer.await.ok().flatten()
    }
}

fn session_gone() -> CellOutcome {
    error_outcome(
        "SessionError",
        "the evcxr session could not be started; see the kernel log".to_owned(),
        Vec::new(),
    )
}

fn error_outcome(ename: &str, evalue: String, traceback: Vec<String>) -> CellOutcome {
    let traceback = if traceback.is_empty() {
        vec![format!("{ename}: {evalue}")]
    } else {
        traceback
    };
    CellOutcome::Error {
        ename: ename.to_owned(),
        evalue,
        traceback,
    }
}

struct Session {
    context: CommandContext,
    output: OutputRouter,
    stdin: StdinBridge,
    watch: Arc<CellWatch>,
    load_error: Option<String>,
}

impl Session {
    fn start(
        iopub: Iopub,
        stdin: StdinBridge,
        watch: Arc<CellWatch>,
        crates: &RuntimeCrates,
    ) -> Option<Session> {
        let started = Instant::now();
        let (context, outputs) = match CommandContext::new() {
            Ok(pair) => pair,
            Err(error) => {
                tracing::error!("evcxr could not start: {error}");
                return None;
            }
        };
        let output = OutputRouter::spawn(outputs.stdout, outputs.stderr, iopub);
        let mut session = Session {
            context,
            output,
            stdin,
            watch,
            load_error: None,
        };
        if let Err(error) = session.context.execute(&crates.load_cell()) {
            session.load_error = Some(format!("loading the Born runtime failed: {error}"));
        } else if let Err(error) = session.install_hooks() {
            session.load_error = Some(format!("installing the session hooks failed: {error}"));
        }
        match &session.load_error {
            Some(error) => tracing::error!("{error}"),
            None => tracing::info!("runtime ready in {:.1} s", started.elapsed().as_secs_f64()),
        }
        Some(session)
    }

    fn install_hooks(&mut self) -> Result<EvalOutputs, evcxr::Error> {
        self.context.execute(SESSION_HOOKS_CELL)
    }

    fn child_pid(&self) -> Option<u32> {
        let handle = self.context.process_handle();
        let child = handle.lock().ok()?;
        Some(child.id())
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::Execute {
                code,
                parent,
                allow_stdin,
                reply,
            } => {
                let outcome = self.execute(&code, &parent, allow_stdin);
                let _ = reply.send(outcome);
            }
            Request::Complete {
                code,
                cursor,
                reply,
            } => {
                let _ = reply.send(self.complete(&code, cursor));
            }
            Request::Inspect {
                code,
                cursor,
                reply,
            } => {
                let _ = reply.send(self.inspect(&code, cursor));
            }
            Request::Setup(code) => {
                if let Err(error) = self.context.execute(&code) {
                    tracing::error!("a setup cell failed: {error}");
                }
            }
        }
    }

    fn execute(&mut self, code: &str, parent: &JupyterMessage, allow_stdin: bool) -> CellOutcome {
        if let Some(error) = &self.load_error {
            return error_outcome("RuntimeLoadError", error.clone(), Vec::new());
        }
        let variables_before: Vec<String> = self
            .context
            .variables_and_types()
            .map(|(name, _)| name.to_owned())
            .filter(|name| name != "born_session_ready")
            .collect();
        self.output.begin_cell(parent);
        let pid = self.child_pid();
        if let Some(pid) = pid {
            self.watch.start(pid);
        }
        let stdin = self.stdin.clone();
        let parent_for_input = parent.clone();
        // The closure is written in place so its argument type (not exported by evcxr) is inferred.
        let mut callbacks = EvalCallbacks {
            input_reader: &move |request| {
                stdin.read(
                    &parent_for_input,
                    &request.prompt,
                    request.is_password,
                    allow_stdin,
                )
            },
        };
        let started = std::time::Instant::now();
        let result = self.context.execute_with_callbacks(code, &mut callbacks);
        let evaluated = started.elapsed();
        let record = self.watch.finish();
        let panic_message = self.output.end_cell(pid);
        if let (true, Ok(outputs)) = (tracing::enabled!(tracing::Level::DEBUG), &result) {
            let phases: Vec<String> = outputs
                .phases
                .iter()
                .map(|phase| format!("{} {} ms", phase.name, phase.duration.as_millis()))
                .collect();
            tracing::debug!(
                "cell evaluated in {} ms ({}), output delivered after {} ms",
                evaluated.as_millis(),
                phases.join(", "),
                started.elapsed().as_millis()
            );
        }
        let outcome = classify(result, code, record, panic_message, &variables_before);
        if matches!(&outcome, CellOutcome::Error { ename, .. } if ename == "ProcessLost" || ename == "Interrupted" && record.killed)
        {
            // evcxr started a fresh child: give it the session hooks again.
            if let Err(error) = self.install_hooks() {
                tracing::error!("re-installing the session hooks failed: {error}");
            }
        }
        outcome
    }

    fn complete(&mut self, code: &str, cursor: usize) -> CompletionAnswer {
        let byte_cursor = char_to_byte(code, cursor);
        let Ok(found) = self.context.completions(code, byte_cursor) else {
            return CompletionAnswer {
                cursor_start: cursor,
                cursor_end: cursor,
                ..Default::default()
            };
        };
        let mut matches: Vec<String> = Vec::new();
        for completion in found.completions {
            if !matches.contains(&completion.code) {
                matches.push(completion.code);
            }
        }
        CompletionAnswer {
            matches,
            cursor_start: byte_to_char(code, found.start_offset),
            cursor_end: byte_to_char(code, found.end_offset),
        }
    }

    fn inspect(&mut self, code: &str, cursor: usize) -> Option<InspectAnswer> {
        let end = identifier_end(code, char_to_byte(code, cursor));
        if end == 0 {
            return None;
        }
        let (plain, html) = self.context.hover_at(code, end).ok()?;
        if plain.trim().is_empty() || plain == "No documentation found" {
            return None;
        }
        Some(InspectAnswer { plain, html })
    }
}

/// Maps evcxr's result and what the kernel saw during the cell to an outcome.
fn classify(
    result: Result<EvalOutputs, evcxr::Error>,
    code: &str,
    record: InterruptRecord,
    panic_message: Option<String>,
    variables_before: &[String],
) -> CellOutcome {
    let lost = if variables_before.is_empty() {
        "none".to_owned()
    } else {
        variables_before.join(", ")
    };
    match result {
        Err(evcxr::Error::SubprocessTerminated(reason)) if record.killed => error_outcome(
            "Interrupted",
            format!(
                "the cell ignored the interrupt for {} s, so its process was stopped and the session \
                 was reset; variables lost: {lost}",
                KILL_AFTER.as_secs()
            ),
            vec![format!("Interrupted: {reason}")],
        ),
        Err(evcxr::Error::SubprocessTerminated(reason)) => error_outcome(
            "ProcessLost",
            format!(
                "the cell's process ended ({}); the session was reset in a fresh process; \
                 variables lost: {lost}",
                reason.trim()
            ),
            Vec::new(),
        ),
        Err(evcxr::Error::CompilationErrors(errors)) => {
            let (evalue, traceback) = compile_errors::describe(&errors, code);
            error_outcome("CompileError", evalue, traceback)
        }
        Err(evcxr::Error::TypeRedefinedVariablesLost(names)) => error_outcome(
            "VariablesLost",
            format!("a type was redefined, so these variables were lost: {}", names.join(", ")),
            Vec::new(),
        ),
        Err(error) => error_outcome("EvalError", error.to_string(), Vec::new()),
        Ok(_) if panic_message.is_some() => error_outcome(
            "Panic",
            format!(
                "{}; variables defined before this cell are kept",
                panic_message.unwrap_or_default()
            ),
            Vec::new(),
        ),
        Ok(_) if record.interrupted => error_outcome(
            "Interrupted",
            "the cell was interrupted; earlier variables are kept".to_owned(),
            Vec::new(),
        ),
        Ok(outputs) => {
            let data = (!outputs.content_by_mime_type.is_empty()).then(|| {
                media_from_map(
                    outputs
                        .content_by_mime_type
                        .into_iter()
                        .map(|(mime, content)| (mime, serde_json::Value::String(content)))
                        .collect(),
                )
            });
            CellOutcome::Ok { data }
        }
    }
}

/// The byte offset of character `chars` in `text` (clamped to the end).
fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// The character position of byte offset `bytes` in `text`.
fn byte_to_char(text: &str, bytes: usize) -> usize {
    text.get(..bytes.min(text.len()))
        .map_or(0, |s| s.chars().count())
}

/// The end of the identifier the byte offset `at` is in or just after.
fn identifier_end(code: &str, at: usize) -> usize {
    let rest = &code[at..];
    let extra = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    at + extra
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_conversions_respect_multibyte_characters() {
        let code = "let é = 1; é";
        assert_eq!(char_to_byte(code, 4), 4);
        assert_eq!(char_to_byte(code, 5), 6);
        assert_eq!(byte_to_char(code, 6), 5);
        assert_eq!(char_to_byte(code, 100), code.len());
    }

    #[test]
    fn identifier_end_extends_to_the_end_of_the_name() {
        assert_eq!(identifier_end("foo.bar_baz(1)", 5), 11);
        assert_eq!(identifier_end("x", 1), 1);
    }

    #[test]
    fn a_killed_cell_names_the_lost_variables() {
        let record = InterruptRecord {
            interrupted: true,
            killed: true,
        };
        let result = Err(evcxr::Error::SubprocessTerminated("signal 9".into()));
        let CellOutcome::Error { ename, evalue, .. } =
            classify(result, "", record, None, &["a".into(), "model".into()])
        else {
            panic!("expected an error");
        };
        assert_eq!(ename, "Interrupted");
        assert!(evalue.contains("a, model"), "{evalue}");
    }
}
