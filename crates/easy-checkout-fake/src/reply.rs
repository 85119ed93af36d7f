//! What the fake answers, as values: a JSON [`Reply`] from an endpoint or a control route,
//! and the wire [`Action`] one request ends in (a response, or a connection closed on
//! purpose). No sockets here: the serving layer writes actions out.

use serde_json::{Value, json};

/// A JSON reply: what an endpoint of the API or of the control API answers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// Headers besides `Content-Type` and the rate-limit ones.
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// `200` with the success envelope `{"data": value}`.
    pub(crate) fn data(value: Value) -> Self {
        Self::json(200, &json!({ "data": value }))
    }

    /// `status` with `body` as its JSON.
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: to_bytes(body),
            headers: Vec::new(),
        }
    }

    /// The error envelope `{"success": false, "error": {code, message, details}}`.
    pub(crate) fn error(
        status: u16,
        code: &str,
        message: impl Into<String>,
        details: Value,
    ) -> Self {
        let envelope = json!({
            "success": false,
            "error": { "code": code, "message": message.into(), "details": details },
        });
        Self {
            status,
            body: to_bytes(&envelope),
            headers: Vec::new(),
        }
    }
}

/// `value` as compact JSON.
pub(crate) fn to_bytes(value: &Value) -> Vec<u8> {
    // Serialising a `Value` cannot fail (its map keys are strings).
    serde_json::to_vec(value).unwrap_or_default()
}

/// What goes on the wire for one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Send this response; the connection stays open when the request allows it.
    Respond(Response),
    /// Close the connection without sending a byte.
    Close,
    /// Send these bytes as they are, then close.
    SendAndClose(&'static [u8]),
}

/// One HTTP response, before the serving layer adds the rate-limit headers and the framing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    /// Headers besides `Content-Type`, `Content-Length`, `Connection` and the rate-limit
    /// ones; a value that cannot be a header value is left out when sent.
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Body,
}

/// A response body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    Bytes(Vec<u8>),
    /// `{"data":{"padding":"xxx…"}}` of exactly this many bytes, produced while it is sent.
    Padding(usize),
}

impl From<Reply> for Action {
    fn from(reply: Reply) -> Self {
        Action::Respond(Response {
            status: reply.status,
            content_type: "application/json",
            headers: reply.headers,
            body: Body::Bytes(reply.body),
        })
    }
}

/// Whether `value` can be sent as a header value (visible ASCII, spaces and tabs).
pub(crate) fn header_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}
