//! Request handlers for the shell and control channels, one small function per
//! message type, dispatched from [`Handlers::dispatch`].

use crate::evaluator::{CellOutcome, Evaluator};
use crate::history::History;
use crate::iopub::{media_from_map, Iopub};
use crate::is_complete::{check, Completeness};
use jupyter_protocol::{
    CommClose, CommInfoReply, CompleteReply, CompleteRequest, DisplayData, ErrorOutput,
    ExecuteInput, ExecuteReply, ExecuteRequest, ExecuteResult, ExecutionCount, HelpLink,
    HistoryReply, HistoryRequest, InspectReply, InspectRequest, InterruptReply, IsCompleteReply,
    IsCompleteReplyStatus, IsCompleteRequest, JupyterMessage, JupyterMessageContent,
    KernelInfoReply, LanguageInfo, ReplyError, ReplyStatus, ShutdownReply, Transient,
    UpdateDisplayData,
};
use serde_json::{json, Value};

/// A MIME bundle holding only `text/plain`.
fn plain_media(text: &str) -> jupyter_protocol::Media {
    media_from_map(serde_json::Map::from_iter([(
        "text/plain".to_owned(),
        Value::String(text.to_owned()),
    )]))
}

/// What a handled message asks of the server loop.
pub enum Next {
    /// Keep serving.
    Continue,
    /// Reply was sent: shut the kernel down.
    Shutdown,
}

/// The kernel's state shared by the request handlers.
pub struct Handlers {
    pub iopub: Iopub,
    pub evaluator: Evaluator,
    pub history: History,
    pub execution_count: usize,
}

impl Handlers {
    /// Handles one request; returns the reply to send on the request's channel.
    pub async fn dispatch(&mut self, message: &JupyterMessage) -> (Option<JupyterMessage>, Next) {
        use JupyterMessageContent as C;
        let reply = match &message.content {
            C::KernelInfoRequest(_) => Some(kernel_info().as_child_of(message)),
            C::ExecuteRequest(request) => Some(self.execute(request, message).await),
            C::CompleteRequest(request) => Some(self.complete(request, message).await),
            C::InspectRequest(request) => Some(self.inspect(request, message).await),
            C::IsCompleteRequest(request) => Some(is_complete(request).as_child_of(message)),
            C::HistoryRequest(request) => Some(self.history(request).as_child_of(message)),
            C::CommInfoRequest(_) => Some(CommInfoReply::default().as_child_of(message)),
            C::CommOpen(open) => {
                // No comm targets exist: close it, as ipykernel does for an unknown target.
                let close = CommClose {
                    comm_id: open.comm_id.clone(),
                    data: Default::default(),
                };
                self.iopub.send(close, message);
                None
            }
            C::CommMsg(_) | C::CommClose(_) => None,
            C::InterruptRequest(_) => {
                self.evaluator.interrupt();
                Some(
                    InterruptReply {
                        status: ReplyStatus::Ok,
                        error: None,
                    }
                    .as_child_of(message),
                )
            }
            C::ShutdownRequest(request) => {
                let reply = ShutdownReply {
                    restart: request.restart,
                    status: ReplyStatus::Ok,
                    error: None,
                };
                return (Some(reply.as_child_of(message)), Next::Shutdown);
            }
            other => {
                tracing::info!("ignored a {} message", other.message_type());
                None
            }
        };
        (reply, Next::Continue)
    }

    async fn execute(
        &mut self,
        request: &ExecuteRequest,
        message: &JupyterMessage,
    ) -> JupyterMessage {
        let counts = request.store_history && !request.silent;
        if counts {
            self.execution_count += 1;
        }
        let count = ExecutionCount::new(self.execution_count);
        self.iopub.send(
            ExecuteInput {
                code: request.code.clone(),
                execution_count: count,
            },
            message,
        );
        let loading_note = (!self.evaluator.is_ready()).then(|| {
            let display_id = format!("born-loading-{}", self.execution_count);
            let waited_from = std::time::Instant::now();
            self.iopub.send(
                DisplayData {
                    data: plain_media("Loading the Born runtime…"),
                    metadata: Default::default(),
                    transient: Some(Transient {
                        display_id: Some(display_id.clone()),
                    }),
                },
                message,
            );
            (display_id, waited_from)
        });
        let outcome = self
            .evaluator
            .execute(request.code.clone(), message.clone(), request.allow_stdin)
            .await;
        if let Some((display_id, waited_from)) = loading_note {
            // The note becomes a quiet record of the wait, in place.
            let text = format!(
                "Born runtime loaded (this cell waited {:.1} s)",
                waited_from.elapsed().as_secs_f64()
            );
            self.iopub.send(
                UpdateDisplayData {
                    data: plain_media(&text),
                    metadata: Default::default(),
                    transient: Transient {
                        display_id: Some(display_id),
                    },
                },
                message,
            );
        }
        if counts {
            let plain = match &outcome {
                CellOutcome::Ok { data: Some(data) } => plain_text(data),
                _ => None,
            };
            self.history
                .append(self.execution_count, &request.code, plain);
        }
        match outcome {
            CellOutcome::Ok { data } => {
                if let Some(data) = data.filter(|_| !request.silent) {
                    let result = ExecuteResult {
                        execution_count: count,
                        data,
                        metadata: Default::default(),
                        transient: Some(Transient { display_id: None }),
                    };
                    self.iopub.send(result, message);
                }
                ExecuteReply {
                    status: ReplyStatus::Ok,
                    execution_count: count,
                    payload: Vec::new(),
                    user_expressions: Some(Default::default()),
                    error: None,
                }
                .as_child_of(message)
            }
            CellOutcome::Error {
                ename,
                evalue,
                traceback,
            } => {
                let error = ErrorOutput {
                    ename: ename.clone(),
                    evalue: evalue.clone(),
                    traceback: traceback.clone(),
                };
                self.iopub.send(error, message);
                ExecuteReply {
                    status: ReplyStatus::Error,
                    execution_count: count,
                    payload: Vec::new(),
                    user_expressions: Some(Default::default()),
                    error: Some(Box::new(ReplyError {
                        ename,
                        evalue,
                        traceback,
                    })),
                }
                .as_child_of(message)
            }
        }
    }

    async fn complete(
        &self,
        request: &CompleteRequest,
        message: &JupyterMessage,
    ) -> JupyterMessage {
        let answer = self
            .evaluator
            .complete(request.code.clone(), request.cursor_pos)
            .await;
        CompleteReply {
            matches: answer.matches,
            cursor_start: answer.cursor_start,
            cursor_end: answer.cursor_end,
            metadata: Default::default(),
            status: ReplyStatus::Ok,
            error: None,
        }
        .as_child_of(message)
    }

    async fn inspect(&self, request: &InspectRequest, message: &JupyterMessage) -> JupyterMessage {
        let answer = self
            .evaluator
            .inspect(request.code.clone(), request.cursor_pos)
            .await;
        let (found, data) = match answer {
            Some(answer) => {
                let mut map = serde_json::Map::new();
                map.insert("text/plain".into(), Value::String(answer.plain));
                if !answer.html.is_empty() {
                    map.insert("text/html".into(), Value::String(answer.html));
                }
                (true, media_from_map(map))
            }
            None => (false, Default::default()),
        };
        InspectReply {
            found,
            data,
            metadata: Default::default(),
            status: ReplyStatus::Ok,
            error: None,
        }
        .as_child_of(message)
    }

    fn history(&self, request: &HistoryRequest) -> HistoryReply {
        HistoryReply {
            history: self.history.query(request),
            status: ReplyStatus::Ok,
            error: None,
        }
    }
}

fn plain_text(data: &jupyter_protocol::Media) -> Option<String> {
    data.content.iter().find_map(|media| match media {
        jupyter_protocol::MediaType::Plain(text) => Some(text.clone()),
        _ => None,
    })
}

fn is_complete(request: &IsCompleteRequest) -> IsCompleteReply {
    let (status, indent) = match check(&request.code) {
        Completeness::Complete => (IsCompleteReplyStatus::Complete, String::new()),
        Completeness::Incomplete { indent } => (IsCompleteReplyStatus::Incomplete, indent),
        Completeness::Invalid => (IsCompleteReplyStatus::Invalid, String::new()),
    };
    IsCompleteReply { status, indent }
}

/// The kernel's `kernel_info_reply`.
pub fn kernel_info() -> KernelInfoReply {
    let language_info: LanguageInfo = serde_json::from_value(json!({
        "name": "rust",
        "version": env!("CARGO_PKG_RUST_VERSION"),
        "mimetype": "text/rust",
        "file_extension": ".rs",
        "pygments_lexer": "rust",
        "codemirror_mode": "rust",
        "nbconvert_exporter": "rust",
    }))
    .expect("the language info literal matches LanguageInfo");
    KernelInfoReply {
        status: ReplyStatus::Ok,
        protocol_version: "5.3".to_owned(),
        implementation: "born".to_owned(),
        implementation_version: env!("CARGO_PKG_VERSION").to_owned(),
        language_info,
        banner: format!(
            "Born {} — Rust cells with a persistent ML runtime (tensors, autograd, training, LLMs)",
            env!("CARGO_PKG_VERSION")
        ),
        help_links: vec![
            HelpLink {
                text: "Rust standard library".to_owned(),
                url: "https://doc.rust-lang.org/std/".to_owned(),
            },
            HelpLink {
                text: "evcxr commands (:help)".to_owned(),
                url: "https://github.com/evcxr/evcxr/blob/main/COMMON.md".to_owned(),
            },
        ],
        debugger: false,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_info_describes_rust() {
        let info = serde_json::to_value(kernel_info()).unwrap();
        assert_eq!(info["language_info"]["name"], "rust");
        assert_eq!(info["language_info"]["file_extension"], ".rs");
        assert_eq!(info["language_info"]["codemirror_mode"], "rust");
        assert_eq!(info["protocol_version"], "5.3");
    }
}
