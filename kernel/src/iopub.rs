//! The IOPub publisher: one task owns the socket; everyone else sends through a channel.

use jupyter_protocol::{IoPubWelcome, JupyterMessage, JupyterMessageContent, Media, Status};
use jupyter_zmq_client::{KernelIoPubXPubConnection, SubscriptionEvent};
use tokio::sync::mpsc;

/// A cheap, cloneable handle that publishes messages on IOPub, in the order sent.
#[derive(Clone)]
pub struct Iopub {
    sender: mpsc::UnboundedSender<JupyterMessage>,
}

/// Messages published before the IOPub socket exists (a spare kernel loading
/// its runtime before a frontend adopts it), waiting for that socket.
pub struct IopubBacklog {
    receiver: mpsc::UnboundedReceiver<JupyterMessage>,
}

impl IopubBacklog {
    /// Starts the publishing task on the current tokio runtime: the waiting
    /// messages go first, then everything sent later, in order.
    pub fn publish_on(self, mut connection: KernelIoPubXPubConnection) {
        let mut receiver = self.receiver;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    message = receiver.recv() => {
                        let Some(message) = message else { break };
                        if let Err(error) = connection.send(message).await {
                            tracing::warn!("iopub send failed: {error}");
                        }
                    }
                    event = connection.recv_subscription() => {
                        // JEP 65: greet each new subscriber so it knows output will reach it.
                        if let Ok(SubscriptionEvent::Subscribe(topic)) = event {
                            let welcome: JupyterMessage = IoPubWelcome::new(topic).into();
                            if let Err(error) = connection.send(welcome).await {
                                tracing::warn!("iopub welcome failed: {error}");
                            }
                        }
                    }
                }
            }
        });
    }
}

impl Iopub {
    /// A handle whose messages wait in the returned backlog until it is given a socket.
    pub fn detached() -> (Iopub, IopubBacklog) {
        let (sender, receiver) = mpsc::unbounded_channel::<JupyterMessage>();
        (Iopub { sender }, IopubBacklog { receiver })
    }

    /// Publishes `content` as a child of `parent`.
    pub fn send(&self, content: impl Into<JupyterMessageContent>, parent: &JupyterMessage) {
        let message = JupyterMessage::new(content.into(), Some(parent));
        // A closed channel means the kernel is shutting down; nothing is left to tell.
        let _ = self.sender.send(message);
    }

    /// Publishes `busy` for `parent`.
    pub fn busy(&self, parent: &JupyterMessage) {
        self.send(Status::busy(), parent);
    }

    /// Publishes `idle` for `parent`.
    pub fn idle(&self, parent: &JupyterMessage) {
        self.send(Status::idle(), parent);
    }
}

/// Builds a MIME bundle from a `mime type -> content` map, as Jupyter sends it.
pub fn media_from_map(map: serde_json::Map<String, serde_json::Value>) -> Media {
    serde_json::from_value(serde_json::Value::Object(map)).unwrap_or_default()
}
