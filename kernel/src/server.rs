//! The kernel process: binds the five sockets from the connection file and
//! serves them until shutdown.

use crate::evaluator::Evaluator;
use crate::history::History;
use crate::iopub::{Iopub, IopubBacklog};
use crate::replay::ReplayGuard;
use crate::shell::{Handlers, Next};
use crate::stdin::{PendingPrompts, StdinBridge};
use crate::warmup::RuntimeCrates;
use crate::wire::{self, ReadError, Verified};
use anyhow::{bail, Context};
use jupyter_protocol::{ConnectionInfo, JupyterMessage};
use jupyter_zmq_client::{
    create_kernel_control_connection, create_kernel_heartbeat_connection,
    create_kernel_iopub_xpub_connection, create_kernel_shell_connection,
    create_kernel_stdin_connection,
};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;

/// Reads and validates a connection file.
pub fn read_connection_file(path: &Path) -> anyhow::Result<ConnectionInfo> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the connection file {}", path.display()))?;
    let info: ConnectionInfo = serde_json::from_str(&text)
        .with_context(|| format!("parsing the connection file {}", path.display()))?;
    if !info.key.is_empty() && info.signature_scheme != "hmac-sha256" {
        bail!(
            "the connection file asks for signature scheme {:?}; this kernel supports hmac-sha256",
            info.signature_scheme
        );
    }
    Ok(info)
}

/// A kernel session started before its sockets exist: the runtime begins
/// loading at once, and output waits for the sockets.
pub struct Prepared {
    iopub: Iopub,
    backlog: IopubBacklog,
    prompts: PendingPrompts,
    evaluator: Evaluator,
}

impl Prepared {
    /// Starts the evcxr session, which loads the runtime crates.
    pub fn start(crates: RuntimeCrates) -> Prepared {
        let (iopub, backlog) = Iopub::detached();
        let (stdin, prompts) = StdinBridge::detached();
        let evaluator = Evaluator::spawn(iopub.clone(), stdin, crates);
        Prepared {
            iopub,
            backlog,
            prompts,
            evaluator,
        }
    }

    /// The session's evaluator.
    pub fn evaluator(&self) -> &Evaluator {
        &self.evaluator
    }
}

/// Serves the kernel until a shutdown request, a SIGTERM, or (for an adopted
/// spare) the end of the `lifeline` to the process Jupyter started.
pub async fn serve(
    info: ConnectionInfo,
    prepared: Prepared,
    lifeline: Option<UnixStream>,
) -> anyhow::Result<()> {
    let session_id = uuid::Uuid::new_v4().to_string();
    let Prepared {
        iopub,
        backlog,
        prompts,
        evaluator,
    } = prepared;
    backlog.publish_on(create_kernel_iopub_xpub_connection(&info, &session_id).await?);
    let shell = create_kernel_shell_connection(&info, &session_id).await?;
    let mut control = create_kernel_control_connection(&info, &session_id).await?;
    prompts.serve_on(create_kernel_stdin_connection(&info, &session_id).await?);
    let mut heartbeat = create_kernel_heartbeat_connection(&info).await?;
    tokio::spawn(async move { while heartbeat.single_heartbeat().await.is_ok() {} });

    let guard = Arc::new(ReplayGuard::default());
    let (shutdown_tx, mut shutdown_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    if let Some(lifeline) = lifeline {
        crate::spare::watch_lifeline(lifeline, evaluator.clone(), shutdown_tx.clone());
    }

    // Control runs beside the shell so interrupts and shutdowns get through a busy cell.
    let control_evaluator = evaluator.clone();
    let control_guard = Arc::clone(&guard);
    let control_iopub = iopub.clone();
    let control_shutdown = shutdown_tx.clone();
    tokio::spawn(async move {
        let mut handlers = Handlers {
            iopub: control_iopub,
            evaluator: control_evaluator,
            history: History::open(None),
            execution_count: 0,
        };
        loop {
            let message = match next_message(wire::read(&mut control).await, &control_guard).await {
                Received::Message(message) => message,
                Received::Dropped => continue,
                Received::Closed => break,
            };
            let (reply, next) = handlers.dispatch(&message).await;
            if let Some(reply) = reply {
                let _ = control.send(reply).await;
            }
            if let Next::Shutdown = next {
                let _ = control_shutdown.send(());
            }
        }
    });

    // A terminated kernel shuts down like a requested shutdown, so its
    // compile directory is removed.
    let terminate_shutdown = shutdown_tx.clone();
    tokio::spawn(async move {
        let Ok(mut sigterm) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return;
        };
        if sigterm.recv().await.is_some() {
            let _ = terminate_shutdown.send(());
        }
    });

    let interrupt_evaluator = evaluator.clone();
    tokio::spawn(async move {
        let Ok(mut sigint) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        else {
            return;
        };
        while sigint.recv().await.is_some() {
            interrupt_evaluator.interrupt();
        }
    });

    let (mut shell_writer, mut shell_reader) = shell.split();
    let mut handlers = Handlers {
        iopub: iopub.clone(),
        evaluator,
        history: History::open(History::default_path()),
        execution_count: 0,
    };
    loop {
        let received = tokio::select! {
            read = wire::read(&mut shell_reader) => next_message(read, &guard).await,
            _ = shutdown_rx.recv() => break,
        };
        let message = match received {
            Received::Message(message) => message,
            Received::Dropped => continue,
            Received::Closed => break,
        };
        iopub.busy(&message);
        let (reply, next) = handlers.dispatch(&message).await;
        if let Some(reply) = reply {
            if let Err(error) = shell_writer.send(reply).await {
                tracing::warn!("shell reply failed: {error}");
            }
        }
        iopub.idle(&message);
        if let Next::Shutdown = next {
            break;
        }
    }
    // Let the last idle and replies leave before the sockets close.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    Ok(())
}

enum Received {
    Message(Box<JupyterMessage>),
    Dropped,
    Closed,
}

/// Verifies what a socket read returned: bad signatures, unparsable messages
/// and replays are dropped (and logged), never handled.
async fn next_message(read: Result<Verified, ReadError>, guard: &ReplayGuard) -> Received {
    match read {
        Ok(Verified { message, signature }) => {
            if guard.first_sighting(&signature).await {
                Received::Message(Box::new(message))
            } else {
                tracing::warn!(
                    "dropped a replayed {} message (id {})",
                    message.header.msg_type,
                    message.header.msg_id
                );
                Received::Dropped
            }
        }
        Err(ReadError::Closed(reason)) => {
            tracing::error!("socket closed: {reason}");
            Received::Closed
        }
        Err(ReadError::Invalid(reason)) => {
            tracing::warn!("dropped an invalid message: {reason}");
            Received::Dropped
        }
    }
}
