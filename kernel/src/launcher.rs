//! The kernel process Jupyter starts, when a spare kernel takes over its
//! connection: it stays alive as long as the spare serves, shows the spare's
//! log as its own, and passes on SIGINT and SIGTERM. If it is killed, the spare
//! sees its lifeline close and shuts down.

use crate::spare::{SpareReply, SpareRequest, SpareSlot, HANDSHAKE_TIMEOUT, INTERRUPT, TERMINATE};
use crate::surroundings::Surroundings;
use anyhow::Context;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::signal::unix::{signal, SignalKind};

/// Hands `connection_file` to the spare waiting for this kernel build; returns
/// the lifeline to it, or None (the kernel then starts its own session).
pub fn adopt_spare(connection_file: &Path, template: Option<&Path>) -> Option<UnixStream> {
    let slot = SpareSlot::for_this_kernel(template)?;
    let stream = UnixStream::connect(&slot.socket).ok()?;
    match hand_over(&stream, connection_file) {
        Ok(leftover) => {
            let _ = std::io::stderr().write_all(&leftover);
            Some(stream)
        }
        Err(error) => {
            tracing::warn!("the spare kernel did not take over: {error:#}");
            None
        }
    }
}

/// Sends the adoption request and reads the reply; returns log bytes that
/// arrived after it.
fn hand_over(stream: &UnixStream, connection_file: &Path) -> anyhow::Result<Vec<u8>> {
    let connection_file = std::path::absolute(connection_file)
        .with_context(|| format!("resolving {}", connection_file.display()))?;
    let request = SpareRequest::Adopt {
        connection_file,
        surroundings: Surroundings::of_this_process().context("reading this process's cwd")?,
    };
    let mut line = serde_json::to_string(&request)?;
    line.push('\n');
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
    (&*stream)
        .write_all(line.as_bytes())
        .context("sending the request")?;
    let mut reader = BufReader::new(stream);
    let mut answer = String::new();
    reader.read_line(&mut answer).context("reading the reply")?;
    let reply: SpareReply =
        serde_json::from_str(&answer).with_context(|| format!("parsing the reply {answer:?}"))?;
    if !reply.adopted {
        anyhow::bail!(
            "{}",
            reply.error.unwrap_or_else(|| "no reason given".into())
        );
    }
    stream.set_read_timeout(None)?;
    Ok(reader.buffer().to_vec())
}

/// Relays the spare's log to stderr and signals to the spare until it exits.
pub fn relay(lifeline: UnixStream) -> anyhow::Result<()> {
    lifeline.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let stream = tokio::net::UnixStream::from_std(lifeline)?;
        let (mut from_spare, mut to_spare) = stream.into_split();
        let mut sigint = signal(SignalKind::interrupt())?;
        let mut sigterm = signal(SignalKind::terminate())?;
        let mut stderr = tokio::io::stderr();
        let mut buf = vec![0u8; 8192];
        loop {
            tokio::select! {
                read = from_spare.read(&mut buf) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let _ = stderr.write_all(&buf[..n]).await;
                    }
                },
                _ = sigint.recv() => {
                    let _ = to_spare.write_all(&[INTERRUPT]).await;
                }
                _ = sigterm.recv() => {
                    let _ = to_spare.write_all(&[TERMINATE]).await;
                }
            }
        }
        Ok(())
    })
}
