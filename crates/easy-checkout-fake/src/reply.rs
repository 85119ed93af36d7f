//! What the fake answers, as values: a [`Reply`], and the wire [`Action`] a request ends in.

use serde_json::{Value, json};

/// What an endpoint of the API or of the control API answers (JSON), or a fault instead.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    /// Headers besides `Content-Type`, `Content-Length`, `Connection` and the rate-limit
    /// ones; a value that cannot be a header value is left out when sent.
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// `200` with the success envelope `{"data": value}`.
    pub(crate) fn data(value: Value) -> Self {
        Self::json(200, &json!({ "data": value }))
    }

    /// `status` with `body` as its JSON.
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Self::bytes(status, "application/json", to_bytes(body))
    }

    /// `status` with `body` as it is.
    pub(crate) fn bytes(status: u16, content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type,
            headers: Vec::new(),
            body,
        }
    }

    /// The error envelope `{"success": false, "error": {code, message, details}}`.
    pub(crate) fn error(status: u16, code: &str, msg: impl Into<String>, details: Value) -> Self {
        let error = json!({ "code": code, "message": msg.into(), "details": details });
        Self::json(status, &json!({ "success": false, "error": error }))
    }
}

pub(crate) fn to_bytes(value: &Value) -> Vec<u8> {
    // Serialising a `Value` cannot fail (its map keys are strings).
    serde_json::to_vec(value).unwrap_or_default()
}

/// What goes on the wire for one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Send this reply; the connection stays open when the request allows it.
    Respond(Reply),
    /// `200` with `{"data":{"padding":"xxx…"}}` of exactly this many bytes, produced while it
    /// is sent.
    Padding(usize),
    /// Close the connection without sending a byte.
    Close,
    /// Send these bytes as they are, then close.
    SendAndClose(&'static [u8]),
}

impl From<Reply> for Action {
    fn from(reply: Reply) -> Self {
        Action::Respond(reply)
    }
}

/// Whether `value` can be sent as a header value (visible ASCII, spaces and tabs).
pub(crate) fn header_safe(value: &str) -> bool {
    value.bytes().all(|b| matches!(b, b'\t' | b' '..=b'~'))
}
