//! [`Error`], and [`ErrorKind`] to branch on it flat. `Display` is one line without a secret;
//! `Debug` shows a raw body's length only, since a server may echo a request body back.

use std::fmt;

use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::headers::{RateLimit, RetryAfter};
use crate::id::IdempotencyKey;
use crate::input::InvalidInput;
use crate::redact::{REDACTED, RedactedJson};

/// Everything that can go wrong in a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input cannot be sent; nothing was sent.
    #[error("invalid input: {input}")]
    InvalidInput {
        /// What was refused, and why.
        input: InvalidInput,
        /// The idempotency key of the call it ended, if any. Nothing went out with it.
        idempotency_key: Option<IdempotencyKey>,
    },
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
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::Transport(e) if e.kind == TransportErrorKind::Timeout => ErrorKind::Timeout,
            Error::Transport(_) => ErrorKind::Transport,
            Error::Decode(_) => ErrorKind::Decode,
            Error::Api(e) => e.kind,
        }
    }

    /// The API error, if the server said no.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The `Idempotency-Key` of the call this error ended (the caller's or a generated one):
    /// retrying a write with it is safe, without it may do the write twice.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        match self {
            Error::InvalidInput {
                idempotency_key, ..
            } => idempotency_key.as_ref(),
            Error::Api(e) => e.idempotency_key.as_ref(),
            Error::Decode(e) => e.idempotency_key.as_ref(),
            Error::Transport(e) => e.idempotency_key(),
        }
    }

    /// Whether the [`RetryBudget`](crate::call::RetryBudget) stopped a retry. `Display` says so.
    pub fn retry_budget_spent(&self) -> bool {
        match self {
            Error::Api(e) => e.budget_spent,
            Error::Transport(e) => e.budget_spent,
            Error::InvalidInput { .. } | Error::Decode(_) => false,
        }
    }

    /// Whether the call was a write that may have taken effect although it failed: then find
    /// out (retrieve the session after a `confirm`) or resend with [`Error::idempotency_key`].
    ///
    /// | the call failed with | a read (GET, HEAD, OPTIONS, TRACE; `validate`) | a write (any other call) |
    /// |---|---|---|
    /// | [`Error::InvalidInput`]: nothing was sent | `false` | `false` |
    /// | a [`TransportError`] that [`certainly_not_sent`](TransportError::certainly_not_sent) (DNS, refused connection, connect timeout, TLS handshake, by default every `Connect` and `Tls` kind) | `false` | `false` |
    /// | any other [`TransportError`] (reset or cut connection, total timeout, oversized body, `Other`) | `false` | `true` |
    /// | a 4xx: the server refused it | `false` | `false` |
    /// | a 5xx, a 3xx, any other non-2xx, non-4xx status | `false` | `true` |
    /// | a 2xx whose body could not be decoded: it took effect | `false` | `true` |
    ///
    /// A retried write is `true` if any attempt may have taken effect (a 503 then a refused
    /// connection). Reads are [`Idempotency::Safe`](crate::ops::Idempotency::Safe) operations;
    /// an error made outside a call or [`Operation::parse_response`](crate::ops::Operation::parse_response)
    /// is judged as a write's.
    pub fn outcome_unknown(&self) -> bool {
        let (effect, last_may_have_applied) = match self {
            Error::InvalidInput { .. } => return false,
            Error::Api(e) => (e.effect, status_may_have_applied(e.status)),
            Error::Decode(e) => (e.effect, true),
            Error::Transport(e) => (e.effect, !e.certainly_not_sent()),
        };
        match effect {
            Effect::Read => false,
            Effect::WriteMaybeApplied => true,
            Effect::Write => last_may_have_applied,
        }
    }

    /// Records what [`Error::outcome_unknown`] needs to know about the call.
    pub(crate) fn with_effect(mut self, effect: Effect) -> Self {
        match &mut self {
            Error::Api(e) => e.effect = effect,
            Error::Decode(e) => e.effect = effect,
            Error::Transport(e) => e.effect = effect,
            Error::InvalidInput { .. } => {}
        }
        self
    }

    /// Records the key of the call this error ended, and what the call was.
    pub(crate) fn for_call(mut self, key: Option<&IdempotencyKey>, effect: Effect) -> Self {
        *match &mut self {
            Error::InvalidInput {
                idempotency_key, ..
            } => idempotency_key,
            Error::Api(e) => &mut e.idempotency_key,
            Error::Decode(e) => &mut e.idempotency_key,
            Error::Transport(e) => &mut e.idempotency_key,
        } = key.cloned();
        self.with_effect(effect)
    }

    /// Replaces every copy of `secrets` the reply quoted back with [`REDACTED`].
    pub(crate) fn without_secrets(mut self, secrets: &[&str]) -> Self {
        let secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
        if secrets.is_empty() {
            return self;
        }
        let raw_body = match &mut self {
            Error::Api(e) => {
                for text in [&mut e.code, &mut e.message].into_iter().flatten() {
                    scrub_text(text, &secrets);
                }
                if let Some(details) = &mut e.details {
                    scrub_json(details, &secrets);
                }
                &mut e.raw_body
            }
            Error::Decode(e) => &mut e.raw_body,
            Error::Transport(_) | Error::InvalidInput { .. } => return self,
        };
        for secret in &secrets {
            // As sent, and as a JSON string carries it (`"` and `\` escaped, `/` as `\/`).
            let json = serde_json::to_string(secret).unwrap_or_default();
            let json = json
                .get(1..json.len().saturating_sub(1))
                .unwrap_or_default();
            for form in [secret, json, &json.replace('/', "\\/")] {
                if !form.is_empty() {
                    scrub_bytes(raw_body, form.as_bytes());
                }
            }
        }
        self
    }

    /// Records that the retry budget kept this failure from being retried.
    pub(crate) fn budget_spent(mut self) -> Self {
        match &mut self {
            Error::Api(e) => e.budget_spent = true,
            Error::Transport(e) => e.budget_spent = true,
            Error::InvalidInput { .. } | Error::Decode(_) => {}
        }
        self
    }

    /// The refused input, if nothing could be sent.
    pub fn as_invalid_input(&self) -> Option<&InvalidInput> {
        match self {
            Error::InvalidInput { input, .. } => Some(input),
            _ => None,
        }
    }

    /// The transport error, if the call never got an answer.
    pub fn as_transport(&self) -> Option<&TransportError> {
        match self {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl From<InvalidInput> for Error {
    fn from(input: InvalidInput) -> Self {
        Error::InvalidInput {
            input,
            idempotency_key: None,
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

/// What [`Error::outcome_unknown`] knows of the call besides how its last attempt failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Effect {
    /// A call that changes nothing ([`Idempotency::Safe`](crate::ops::Idempotency::Safe)).
    Read,
    /// A write, or a call nobody recorded: judged by how its last attempt failed.
    #[default]
    Write,
    /// A write an earlier, retried attempt of which may have taken effect.
    WriteMaybeApplied,
}

/// Whether a request answered with `status` may have been acted on: anything but a 4xx.
pub(crate) fn status_may_have_applied(status: StatusCode) -> bool {
    !status.is_client_error()
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
    /// The kind of a non-2xx status, as in the API's error table.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 | 422 => Self::InvalidRequest,
            401 => Self::Authentication,
            403 => Self::Permission,
            404 => Self::NotFound,
            409 => Self::Conflict,
            429 => Self::RateLimited,
            500..=599 => Self::Server,
            _ => Self::Api,
        }
    }

    /// The snake_case name used in JSON output (`"not_found"`, …).
    pub fn as_str(self) -> &'static str {
        self.names().0
    }

    /// The name, and the words `Display` of an [`ApiError`] uses.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::InvalidInput => ("invalid_input", "invalid input"),
            Self::Transport => ("transport", "transport failure"),
            Self::Timeout => ("timeout", "timed out"),
            Self::Decode => ("decode", "undecodable response"),
            Self::Authentication => ("authentication", "authentication failed"),
            Self::Permission => ("permission", "permission denied"),
            Self::NotFound => ("not_found", "not found"),
            Self::Conflict => ("conflict", "conflict"),
            Self::InvalidRequest => ("invalid_request", "invalid request"),
            Self::RateLimited => ("rate_limited", "rate limited"),
            Self::Server => ("server", "server error"),
            Self::Api => ("api", "unexpected status"),
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-2xx answer: the envelope and the raw body.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// What the status means.
    pub kind: ErrorKind,
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
    /// The body as received (HTML from a proxy, empty, truncated…), the call's own API key
    /// or client secret in it [`REDACTED`].
    pub raw_body: Vec<u8>,
    /// The `Idempotency-Key` the request carried: send it again to retry safely.
    pub idempotency_key: Option<IdempotencyKey>,
    effect: Effect,
    budget_spent: bool,
}

impl ApiError {
    /// Reads a non-2xx reply: the envelope if there is one, and always status and raw body.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Envelope {
            error: Option<Inner>,
        }
        #[derive(Deserialize, Default)]
        struct Inner {
            code: Option<Value>,
            message: Option<Value>,
            details: Option<Value>,
        }
        let inner = serde_json::from_slice::<Envelope>(body)
            .ok()
            .and_then(|e| e.error)
            .unwrap_or_default();
        let text = |v: Option<Value>| match v? {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => Some(other.to_string()),
        };
        Self {
            kind: ErrorKind::from_status(status),
            status,
            code: text(inner.code),
            message: text(inner.message),
            details: inner.details.filter(|d| !d.is_null()),
            retry_after: RetryAfter::from_headers(headers),
            rate_limit: RateLimit::from_headers(headers),
            raw_body: body.to_vec(),
            idempotency_key: None,
            effect: Effect::default(),
            budget_spent: false,
        }
    }

    /// The raw body as text (lossy UTF-8).
    pub fn raw_body_text(&self) -> String {
        String::from_utf8_lossy(&self.raw_body).into_owned()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {})", self.kind.names().1, self.status.as_u16())?;
        if let Some(code) = &self.code {
            write!(f, ": {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(RetryAfter::Seconds(s)) = self.retry_after {
            write!(f, " (retry after {s}s)")?;
        }
        if self.budget_spent {
            f.write_str(BUDGET_SPENT)?;
        }
        Ok(())
    }
}

/// `text` with every copy of each secret replaced by [`REDACTED`].
fn scrub_text(text: &mut String, secrets: &[&str]) {
    for secret in secrets {
        *text = text.replace(secret, REDACTED);
    }
}

/// Every string of `value`, and every key, scrubbed as [`scrub_text`].
fn scrub_json(value: &mut Value, secrets: &[&str]) {
    match value {
        Value::String(text) => scrub_text(text, secrets),
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_json(v, secrets)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (mut key, mut v) in entries {
                scrub_text(&mut key, secrets);
                scrub_json(&mut v, secrets);
                map.insert(key, v);
            }
        }
        _ => {}
    }
}

/// `bytes` with every copy of `secret` (never empty) replaced by [`REDACTED`].
fn scrub_bytes(bytes: &mut Vec<u8>, secret: &[u8]) {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = &bytes[..];
    while let Some(at) = rest.windows(secret.len()).position(|w| w == secret) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        rest = &rest[at + secret.len()..];
    }
    out.extend_from_slice(rest);
    *bytes = out;
}

/// What a failure the retry budget kept from being retried adds to its `Display`.
const BUDGET_SPENT: &str =
    "; not retried: the client's retry budget is spent (too many recent failures)";

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("details", &RedactedJson(&self.details))
            .field("retry_after", &self.retry_after)
            .field("rate_limit", &self.rate_limit)
            .field("raw_body", &format_args!("<{} bytes>", self.raw_body.len()))
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
    /// The body as received, the call's own API key or client secret in it [`REDACTED`].
    pub raw_body: Vec<u8>,
    /// The `Idempotency-Key` the request carried: the write took effect; resend with it.
    pub idempotency_key: Option<IdempotencyKey>,
    effect: Effect,
}

impl DecodeError {
    pub(crate) fn new(status: StatusCode, reason: impl Into<String>, body: &[u8]) -> Self {
        Self {
            status,
            reason: reason.into(),
            raw_body: body.to_vec(),
            idempotency_key: None,
            effect: Effect::default(),
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
            .field("raw_body", &format_args!("<{} bytes>", self.raw_body.len()))
            .field("idempotency_key", &self.idempotency_key)
            .finish()
    }
}

impl std::error::Error for DecodeError {}

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
        self.names().0
    }

    /// The name, and the words `Display` uses.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Connect => ("connect", "could not connect"),
            Self::Timeout => ("timeout", "timed out"),
            Self::Tls => ("tls", "TLS failure"),
            Self::Io => ("io", "connection failed"),
            Self::BodyTooLarge => ("body_too_large", "response body too large"),
            Self::Other => ("other", "transport failure"),
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The request could not be sent or its response read; `source` is the transport's error.
#[derive(Debug, thiserror::Error)]
#[error(
    "{}{}{}",
    kind.names().1,
    detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default(),
    if *budget_spent { BUDGET_SPENT } else { "" }
)]
pub struct TransportError {
    kind: TransportErrorKind,
    detail: Option<String>,
    #[source]
    source: Option<BoxError>,
    not_sent: bool,
    idempotency_key: Option<IdempotencyKey>,
    effect: Effect,
    budget_spent: bool,
}

impl TransportError {
    /// A failure of `kind` caused by `source`. `Display` says the kind only; the cause is the
    /// [`source`](std::error::Error::source) chain, printed once by [`report`].
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            detail: None,
            source: Some(source.into()),
            ..Self::msg(kind, "")
        }
    }

    /// A failure of `kind` described by a message only.
    pub fn msg(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: Some(detail.into()),
            source: None,
            not_sent: false,
            idempotency_key: None,
            effect: Effect::default(),
            budget_spent: false,
        }
    }

    /// Marks the failure as certainly before any byte of the request went out (a failed DNS
    /// lookup, a refused connection): a failed write then did not happen. Mark only what is
    /// certain: a wrong mark can make a merchant charge a card twice.
    pub fn not_sent(mut self) -> Self {
        self.not_sent = true;
        self
    }

    /// Undoes [`TransportError::not_sent`]: the default, "maybe sent".
    pub fn maybe_sent(mut self) -> Self {
        self.not_sent = false;
        self
    }

    /// Whether the transport marked the failure [`not_sent`](TransportError::not_sent).
    /// Otherwise, whatever its kind, it is "maybe sent": a `Connect` or `Tls` error can follow
    /// a delivered request (a client resending on a fresh connection, a TLS alert mid-stream).
    pub fn certainly_not_sent(&self) -> bool {
        self.not_sent
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

    /// The `Idempotency-Key` the failed request carried, if any: retry with it, never without.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }
}

/// `error` and its [`source`](std::error::Error::source) chain on one line, `: `-separated,
/// skipping a message the line already holds.
pub fn report(error: &(dyn std::error::Error + 'static)) -> String {
    let whole = error.to_string();
    // The note of a spent retry budget closes the line, after the causes it does not explain.
    let (mut text, tail) = match whole.strip_suffix(BUDGET_SPENT) {
        Some(head) => (head.to_owned(), BUDGET_SPENT),
        None => (whole, ""),
    };
    let mut next = error.source();
    while let Some(cause) = next {
        let message = cause.to_string();
        if !message.is_empty() && !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        next = cause.source();
    }
    text.push_str(tail);
    text
}
