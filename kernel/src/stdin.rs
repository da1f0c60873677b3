//! The stdin channel: `input_request` to the frontend for `evcxr_input` prompts,
//! answered by its `input_reply`.

use jupyter_protocol::{InputRequest, JupyterMessage, JupyterMessageContent};
use jupyter_zmq_client::KernelStdinConnection;
use tokio::sync::mpsc;

struct Prompt {
    parent: JupyterMessage,
    prompt: String,
    password: bool,
    answer: std::sync::mpsc::Sender<String>,
}

/// A handle the evcxr thread uses to ask the frontend for a line of input.
#[derive(Clone)]
pub struct StdinBridge {
    prompts: mpsc::UnboundedSender<Prompt>,
}

/// Prompts waiting for the stdin socket (a spare kernel has none until adopted).
pub struct PendingPrompts {
    receiver: mpsc::UnboundedReceiver<Prompt>,
}

impl PendingPrompts {
    /// Starts the task that owns the stdin socket and answers the prompts.
    pub fn serve_on(self, mut connection: KernelStdinConnection) {
        let mut receiver = self.receiver;
        tokio::spawn(async move {
            while let Some(prompt) = receiver.recv().await {
                let value = ask(&mut connection, &prompt).await.unwrap_or_else(|error| {
                    tracing::warn!("input request failed: {error}");
                    String::new()
                });
                let _ = prompt.answer.send(value);
            }
        });
    }
}

impl StdinBridge {
    /// A bridge whose prompts wait until [`PendingPrompts::serve_on`] gets a socket.
    pub fn detached() -> (StdinBridge, PendingPrompts) {
        let (prompts, receiver) = mpsc::unbounded_channel::<Prompt>();
        (StdinBridge { prompts }, PendingPrompts { receiver })
    }

    /// Asks the frontend of `parent` for a line; blocks until it answers.
    /// Returns an empty line when the frontend does not accept input.
    pub fn read(
        &self,
        parent: &JupyterMessage,
        prompt: &str,
        password: bool,
        allowed: bool,
    ) -> String {
        if !allowed {
            tracing::warn!("the frontend does not accept input; the cell reads an empty line");
            return String::new();
        }
        let (answer, value) = std::sync::mpsc::channel();
        let request = Prompt {
            parent: parent.clone(),
            prompt: prompt.to_owned(),
            password,
            answer,
        };
        if self.prompts.send(request).is_err() {
            return String::new();
        }
        value.recv().unwrap_or_default()
    }
}

async fn ask(connection: &mut KernelStdinConnection, prompt: &Prompt) -> anyhow::Result<String> {
    let request = InputRequest {
        prompt: prompt.prompt.clone(),
        password: prompt.password,
    }
    .as_child_of(&prompt.parent);
    connection.send(request).await?;
    loop {
        match crate::wire::read(connection).await {
            Ok(verified) => {
                if let JupyterMessageContent::InputReply(reply) = verified.message.content {
                    return Ok(reply.value);
                }
            }
            Err(crate::wire::ReadError::Closed(reason)) => {
                anyhow::bail!("stdin socket closed: {reason}")
            }
            Err(crate::wire::ReadError::Invalid(reason)) => {
                tracing::warn!("dropped a stdin message: {reason}")
            }
        }
    }
}
