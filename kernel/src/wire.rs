//! Reading requests off a socket: the signature is verified by the protocol
//! library; decoding is ours so that optional fields that some clients leave
//! out (as jupyter_client does for `history_request`) get their documented defaults.

use jupyter_protocol::{JupyterMessage, JupyterMessageContent};
use jupyter_zmq_client::{Connection, RawMessage, RuntimeError};
use serde_json::{json, Value};

/// Why a read produced no request.
#[derive(Debug)]
pub enum ReadError {
    /// The socket is gone: stop serving it.
    Closed(String),
    /// The message was dropped: bad signature, malformed, or unknown.
    Invalid(String),
}

/// A message whose signature checked out.
pub struct Verified {
    /// The decoded message.
    pub message: JupyterMessage,
    /// Its signature (empty when the connection has no key), for replay detection.
    pub signature: Vec<u8>,
}

/// The delimiter frame between routing identities and the signed parts.
const DELIMITER: &[u8] = b"<IDS|MSG>";

/// Receives, verifies and decodes the next message.
pub async fn read<S: zeromq::SocketRecv>(
    connection: &mut Connection<S>,
) -> Result<Verified, ReadError> {
    let frames = connection
        .socket
        .recv()
        .await
        .map_err(|error| ReadError::Closed(error.to_string()))?;
    let signature = frames
        .iter()
        .skip_while(|frame| &frame[..] != DELIMITER)
        .nth(1)
        .map(|frame| frame.to_vec())
        .unwrap_or_default();
    let raw = RawMessage::from_multipart(frames, &connection.mac).map_err(|error| match error {
        RuntimeError::VerifyError(_) => ReadError::Invalid("the signature does not match".into()),
        other => ReadError::Invalid(other.to_string()),
    })?;
    let message = decode(raw).map_err(ReadError::Invalid)?;
    Ok(Verified { message, signature })
}

fn decode(raw: RawMessage) -> Result<JupyterMessage, String> {
    let part = |i: usize| -> Result<Value, String> {
        serde_json::from_slice(&raw.jparts[i])
            .map_err(|e| format!("message part {i} is not JSON: {e}"))
    };
    let header: jupyter_protocol::Header =
        serde_json::from_slice(&raw.jparts[0]).map_err(|e| format!("bad header: {e}"))?;
    let parent_header = serde_json::from_slice(&raw.jparts[1]).ok();
    let metadata = part(2)?;
    let mut content = part(3)?;
    fill_defaults(&header.msg_type, &mut content);
    let content = JupyterMessageContent::from_type_and_content(&header.msg_type, content)
        .map_err(|e| format!("bad {} content: {e}", header.msg_type))?;
    Ok(JupyterMessage {
        zmq_identities: raw.zmq_identities,
        header,
        parent_header,
        metadata,
        content,
        buffers: raw.jparts.get(4..).map(<[_]>::to_vec).unwrap_or_default(),
        channel: None,
    })
}

/// Adds the protocol's defaults for fields a client may omit.
fn fill_defaults(msg_type: &str, content: &mut Value) {
    let Some(object) = content.as_object_mut() else {
        return;
    };
    let defaults = match msg_type {
        "history_request" => json!({
            "output": false, "raw": true, "session": null, "start": 0, "stop": 0,
            "n": 0, "unique": false, "pattern": "*",
        }),
        "execute_request" => json!({
            "silent": false, "store_history": true, "user_expressions": {},
            "allow_stdin": true, "stop_on_error": true,
        }),
        "inspect_request" => json!({ "detail_level": 0 }),
        "shutdown_request" => json!({ "restart": false }),
        _ => return,
    };
    if let Value::Object(defaults) = defaults {
        for (key, value) in defaults {
            object.entry(key).or_insert(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_without_n_or_unique_decodes() {
        let mut content = json!({"hist_access_type": "search", "pattern": "1*"});
        fill_defaults("history_request", &mut content);
        let decoded = JupyterMessageContent::from_type_and_content("history_request", content);
        assert!(decoded.is_ok(), "{decoded:?}");
    }

    #[test]
    fn given_fields_are_kept() {
        let mut content = json!({"code": "1", "silent": true});
        fill_defaults("execute_request", &mut content);
        assert_eq!(content["silent"], true);
        assert_eq!(content["store_history"], true);
    }
}
