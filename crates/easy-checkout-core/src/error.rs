//! The one error type callers branch on.
//!
//! Four cases: the input could not be sent ([`InvalidInput`], nothing went out), the
//! transport failed ([`TransportError`], with its source), the API said no ([`ApiError`],
//! with a kind per status), or a 2xx body could not be decoded ([`DecodeError`]). `Display`
//! is one line and never contains a secret; raw bodies are kept for inspection but `Debug`
//! shows only their length, since a server may echo a request body back.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

/// Everything that can go wrong in a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input cannot be sent; nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InvalidInput),
    /// The server answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The server answered 2xx with a body that is not what the operation returns.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request could not be sent or its response could not be read.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl Error {
    /// The error's kind, flattened for branching, exit codes and JSON output.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::Transport(e) if e.kind == TransportErrorKind::Timeout => ErrorKind::Timeout,
            Error::Transport(_) => ErrorKind::Transport,
            Error::Decode(_) => ErrorKind::Decode,
            Error::Api(e) => match e.kind {
                ApiErrorKind::InvalidRequest => ErrorKind::InvalidRequest,
                ApiErrorKind::Authentication => ErrorKind::Authentication,
                ApiErrorKind::Permission => ErrorKind::Permission,
                ApiErrorKind::NotFound => ErrorKind::NotFound,
                ApiErrorKind::Conflict => ErrorKind::Conflict,
                ApiErrorKind::RateLimited => ErrorKind::RateLimited,
                ApiErrorKind::Server => ErrorKind::Server,
                ApiErrorKind::Other => ErrorKind::Api,
            },
        }
    }

    /// The API error, if the server said no.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The `Idempotency-Key` the failed request carried (the caller's, or the one the client
    /// generated for `create_session`/`update_config`). Retrying a write with this key is
    /// safe; retrying without it may do the write twice.
    pub fn idempotency_key(&self) -> Option<&crate::id::IdempotencyKey> {
        match self {
            Error::Api(e) => e.idempotency_key.as_ref(),
            Error::Transport(e) => e.idempotency_key(),
            _ => None,
        }
    }

    /// Records the key the request carried (done by the client loop).
    pub(crate) fn with_idempotency_key(mut self, key: Option<&crate::id::IdempotencyKey>) -> Self {
        match &mut self {
            Error::Api(e) => e.idempotency_key = key.cloned(),
            Error::Transport(e) => e.idempotency_key = key.cloned(),
            _ => {}
        }
        self
    }

    /// The transport error, if the call never got an answer.
    pub fn as_transport(&self) -> Option<&TransportError> {
        match self {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(Box::new(e))
    }
}

/// [`Error::kind`]: one flat list of what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Input refused before sending.
    InvalidInput,
    /// Connection, TLS, I/O or body-size failure.
    Transport,
    /// Connect or total timeout.
    Timeout,
    /// A 2xx body that could not be decoded.
    Decode,
    /// 401.
    Authentication,
    /// 403.
    Permission,
    /// 404.
    NotFound,
    /// 409.
    Conflict,
    /// 400 or 422.
    InvalidRequest,
    /// 429.
    RateLimited,
    /// 5xx.
    Server,
    /// Any other non-2xx status (3xx included: redirects are never followed).
    Api,
}

impl ErrorKind {
    /// The snake_case name used in JSON output (`"not_found"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::Authentication => "authentication",
            ErrorKind::Permission => "permission",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Api => "api",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Input that cannot be sent: which field, and why. Never contains the value of a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct InvalidInput {
    field: &'static str,
    reason: String,
}

impl InvalidInput {
    /// A refusal of `field` for `reason`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }

    /// The refused field (`"session_id"`, `"return_url"`, …).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// Why it was refused.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl From<std::convert::Infallible> for InvalidInput {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// The class of an API error, from its status as in the API's error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400, 422.
    InvalidRequest,
    /// 401.
    Authentication,
    /// 403.
    Permission,
    /// 404.
    NotFound,
    /// 409.
    Conflict,
    /// 429: see [`ApiError::retry_after`].
    RateLimited,
    /// 5xx.
    Server,
    /// Any other non-2xx status.
    Other,
}

impl ApiErrorKind {
    /// The kind for a non-2xx status.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 | 422 => Self::InvalidRequest,
            401 => Self::Authentication,
            403 => Self::Permission,
            404 => Self::NotFound,
            409 => Self::Conflict,
            429 => Self::RateLimited,
            500..=599 => Self::Server,
            _ => Self::Other,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid request",
            Self::Authentication => "authentication failed",
            Self::Permission => "permission denied",
            Self::NotFound => "not found",
            Self::Conflict => "conflict",
            Self::RateLimited => "rate limited",
            Self::Server => "server error",
            Self::Other => "unexpected status",
        }
    }
}

/// A non-2xx answer. Keeps the whole envelope and the raw body.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// What the status means.
    pub kind: ApiErrorKind,
    /// The HTTP status.
    pub status: StatusCode,
    /// `error.code` from the envelope (`"SESSION_NOT_FOUND"`, …): branch on this.
    pub code: Option<String>,
    /// `error.message` from the envelope.
    pub message: Option<String>,
    /// `error.details` from the envelope, as sent.
    pub details: Option<Value>,
    /// `Retry-After`, in either of its forms.
    pub retry_after: Option<RetryAfter>,
    /// The rate-limit headers of the reply.
    pub rate_limit: RateLimit,
    /// The body exactly as received (may be HTML from a proxy, empty, or truncated).
    pub raw_body: Vec<u8>,
    /// The `Idempotency-Key` the request carried (the caller's, or one the client
    /// generated): send it again to retry safely.
    pub idempotency_key: Option<crate::id::IdempotencyKey>,
}

impl ApiError {
    /// Reads a non-2xx reply: the envelope if there is one, and always status and raw body.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Envelope {
            error: Option<Inner>,
        }
        #[derive(Deserialize)]
        struct Inner {
            code: Option<Value>,
            message: Option<Value>,
            details: Option<Value>,
        }
        let inner = serde_json::from_slice::<Envelope>(body)
            .ok()
            .and_then(|e| e.error);
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let (code, message, details) = match inner {
            Some(i) => (
                text(i.code),
                text(i.message),
                i.details.filter(|d| !d.is_null()),
            ),
            None => (None, None, None),
        };
        Self {
            kind: ApiErrorKind::from_status(status),
            status,
            code,
            message,
            details,
            retry_after: RetryAfter::from_headers(headers),
            rate_limit: RateLimit::from_headers(headers),
            raw_body: body.to_vec(),
            idempotency_key: None,
        }
    }

    /// The raw body as text (lossy UTF-8).
    pub fn raw_body_text(&self) -> String {
        String::from_utf8_lossy(&self.raw_body).into_owned()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (HTTP {})",
            self.kind.describe(),
            self.status.as_u16()
        )?;
        if let Some(code) = &self.code {
            write!(f, ": {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(RetryAfter::Seconds(s)) = self.retry_after {
            write!(f, " (retry after {s}s)")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("details", &crate::snapshot::RedactedJson(&self.details))
            .field("retry_after", &self.retry_after)
            .field("rate_limit", &self.rate_limit)
            .field("raw_body", &BodyLen(self.raw_body.len()))
            .field("idempotency_key", &self.idempotency_key)
            .finish()
    }
}

impl std::error::Error for ApiError {}

/// A 2xx reply whose body is not what the operation returns.
#[derive(Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The (2xx) status.
    pub status: StatusCode,
    /// What was wrong: position and category only, never a fragment of the body.
    pub reason: String,
    /// The body exactly as received.
    pub raw_body: Vec<u8>,
}

impl DecodeError {
    pub(crate) fn new(status: StatusCode, reason: impl Into<String>, body: &[u8]) -> Self {
        Self {
            status,
            reason: reason.into(),
            raw_body: body.to_vec(),
        }
    }

    pub(crate) fn from_json(status: StatusCode, e: &serde_json::Error, body: &[u8]) -> Self {
        // serde_json's own message may quote a string from the body (a client_secret, say),
        // so only the category and position are kept.
        let what = match e.classify() {
            serde_json::error::Category::Io => "unreadable body",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "JSON of the wrong shape",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        Self::new(
            status,
            format!("{what} at line {} column {}", e.line(), e.column()),
            body,
        )
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the HTTP {} response body ({} bytes): {}",
            self.status.as_u16(),
            self.raw_body.len(),
            self.reason
        )
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("raw_body", &BodyLen(self.raw_body.len()))
            .finish()
    }
}

impl std::error::Error for DecodeError {}

struct BodyLen(usize);

impl fmt::Debug for BodyLen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, DNS, unreachable).
    Connect,
    /// The connect or the total timeout ran out.
    Timeout,
    /// TLS handshake or certificate failure.
    Tls,
    /// The connection broke while sending or receiving.
    Io,
    /// The response body was larger than the configured limit.
    BodyTooLarge,
    /// Anything else the transport reports.
    Other,
}

impl TransportErrorKind {
    /// The snake_case name (`"connect"`, `"timeout"`, `"body_too_large"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Tls => "tls",
            Self::Io => "io",
            Self::BodyTooLarge => "body_too_large",
            Self::Other => "other",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Connect => "could not connect",
            Self::Timeout => "timed out",
            Self::Tls => "TLS failure",
            Self::Io => "connection failed",
            Self::BodyTooLarge => "response body too large",
            Self::Other => "transport failure",
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The request could not be sent or its response could not be read. Keeps the transport's
/// own error as its `source`.
#[derive(Debug, thiserror::Error)]
#[error("{}{}", kind.describe(), detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
pub struct TransportError {
    kind: TransportErrorKind,
    detail: Option<String>,
    #[source]
    source: Option<BoxError>,
    idempotency_key: Option<crate::id::IdempotencyKey>,
}

impl TransportError {
    /// A failure of `kind`, with the transport's own error as its source.
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        let source = source.into();
        Self {
            kind,
            detail: Some(describe_chain(source.as_ref())),
            source: Some(source),
            idempotency_key: None,
        }
    }

    /// A failure of `kind` described by a message only.
    pub fn msg(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: Some(detail.into()),
            source: None,
            idempotency_key: None,
        }
    }

    /// A response body larger than `limit` bytes.
    pub fn body_too_large(limit: u64) -> Self {
        Self::msg(
            TransportErrorKind::BodyTooLarge,
            format!("the limit is {limit} bytes"),
        )
    }

    /// What kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The `Idempotency-Key` the failed request carried, if any: after a timeout the
    /// request may have been carried out, so retry with this key, never without it.
    pub fn idempotency_key(&self) -> Option<&crate::id::IdempotencyKey> {
        self.idempotency_key.as_ref()
    }
}

/// The error's message followed by those of its sources, skipping repeats: some transports
/// say only "unknown error" at the top and the cause one level down.
fn describe_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let message = cause.to_string();
        if !message.is_empty() && !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        next = cause.source();
    }
    text
}

/// `Retry-After`, in either legal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 120`.
    Seconds(u64),
    /// `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`.
    Date(SystemTime),
}

impl RetryAfter {
    /// Parses the header value; `None` when it is neither form.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Self::Seconds(secs));
        }
        httpdate::parse_http_date(value).ok().map(Self::Date)
    }

    /// Reads `Retry-After` from response headers.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(Self::parse)
    }

    /// How long to wait, counted from `now` (a date in the past means no wait).
    pub fn delay(&self, now: SystemTime) -> Duration {
        match *self {
            Self::Seconds(s) => Duration::from_secs(s),
            Self::Date(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

/// The IETF rate-limit headers of a reply (`RateLimit-Limit`, `-Remaining`, `-Reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// `RateLimit-Limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `RateLimit-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `RateLimit-Reset`: seconds until the window resets.
    pub reset: Option<u64>,
}

impl RateLimit {
    /// Reads the three headers; a missing or malformed one is `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        };
        Self {
            limit: num("ratelimit-limit"),
            remaining: num("ratelimit-remaining"),
            reset: num("ratelimit-reset"),
        }
    }
}
